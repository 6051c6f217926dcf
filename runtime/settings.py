"""Configuration: `GOVERN_*` environment variables, overridable by CLI flags.

A bad setting stops start-up with one line that names the setting (see `load_settings`).
"""

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_ORGANISATION = REPO_ROOT / "examples" / "organisation.yaml"


class SettingError(Exception):
    """A setting is wrong. The message is one line that names the setting."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GOVERN_", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Where the embedded default keeps its state.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the audit store; default a SQLite file in the data dir."
    )
    organisation_file: Path = Field(default=EXAMPLE_ORGANISATION)
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    task_queue: str = "govern"
    temporal_tls_cert: Path | None = None
    temporal_tls_key: Path | None = None
    temporal_api_key: str | None = Field(default=None, repr=False)
    ui_port: int = Field(default=8233, ge=1, le=65535)
    smtp_url: str | None = Field(default=None, repr=False)
    mail_from: str = "govern@localhost"
    checkpoint_key_file: Path | None = None
    log_format: Literal["auto", "console", "json"] = "auto"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    codec_keys: str | None = Field(
        default=None, repr=False, description="Payload encryption keys: KEY_ID:BASE64_32_BYTES, comma-separated."
    )
    codec_active_key: str | None = Field(default=None, description="Key id that encrypts; default the last listed.")
    codec_server_token: str | None = Field(default=None, repr=False, description="Bearer token of the codec server.")
    codec_server_port: int = Field(default=8888, ge=1, le=65535)
    codec_ui_origin: str = Field(default="http://localhost:8233", description="The only origin CORS allows.")
    notice_give_up_hours: float = Field(
        default=72.0,
        gt=0,
        description="Hours a notice keeps being retried before it is recorded as undeliverable and someone is told.",
    )
    act_timeout: float = Field(
        default=30.0,
        ge=5,
        le=600,
        description="Seconds an edge waits for a case to accept an action (GOVERN_ACT_TIMEOUT); never longer.",
    )
    cli_acting: str | None = Field(
        default=None,
        description="Operating-system users allowed to act through the CLI, comma-separated; unset: anyone.",
    )
    web_host: str = Field(default="127.0.0.1", description="Address the web front binds.")
    web_port: int = Field(default=8000, ge=1, le=65535)
    public_url: str = Field(
        default="",
        description="The web front's address as people reach it (mail links); default http://localhost:<port>.",
    )
    session_secret: str | None = Field(
        default=None, repr=False, description="Signs session cookies; default a file under the data dir (0600)."
    )
    session_idle_minutes: int = Field(default=30, ge=1)
    session_max_hours: int = Field(default=12, ge=1)
    oidc_issuer: str | None = Field(default=None, description="OpenID Connect issuer URL; unset: e-mail links only.")
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = Field(default=None, repr=False)
    oidc_email_claim: str = Field(default="email", description="The ID token or userinfo claim holding the address.")

    @property
    def cli_operators(self) -> frozenset[str] | None:
        if self.cli_acting is None:
            return None
        return frozenset(name.strip() for name in self.cli_acting.split(",") if name.strip())

    @field_validator("temporal_address")
    @classmethod
    def _host_and_port(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"must be HOST:PORT, got {value!r}")
        return value

    @field_validator("public_url", "oidc_issuer")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None if value is None else ""
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")) or value.endswith("://"):
            raise ValueError(f"must be an http:// or https:// URL, got {value!r}")
        return value

    @model_validator(mode="after")
    def _public_url_default(self) -> "Settings":
        # Mail links need an absolute address; on one machine it is the web front's own port.
        if not self.public_url:
            self.public_url = f"http://localhost:{self.web_port}"
        return self

    @property
    def session_secret_path(self) -> Path:
        return self.data_dir / "session-secret"

    @property
    def oidc_enabled(self) -> bool:
        return self.oidc_issuer is not None

    @property
    def documents_dir(self) -> Path:
        return self.data_dir / "documents"

    @property
    def audit_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'audit.db').resolve()}"

    @property
    def checkpoint_key_path(self) -> Path:
        return self.checkpoint_key_file or (self.data_dir / "checkpoint-ed25519.pem")

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"


def load_settings(**overrides: Any) -> Settings:
    """Read the environment, apply CLI overrides (None means 'not given'), or raise SettingError."""
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as error:
        first = error.errors()[0]
        name = "GOVERN_" + "_".join(str(part) for part in first["loc"]).upper()
        raise SettingError(f"Invalid setting {name}: {first['msg']}.") from None
