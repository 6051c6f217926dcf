"""Configuration: `GOVERN_*` environment variables, overridable by CLI flags.

A bad setting stops start-up with one line that names the setting (see `load_settings`).
"""

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
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

    @property
    def audit_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'audit.db').resolve()}"

    @property
    def checkpoint_key_path(self) -> Path:
        return self.checkpoint_key_file or (self.data_dir / "checkpoint-ed25519.pem")

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"


def load_settings(**overrides: object) -> Settings:
    """Read the environment, apply CLI overrides (None means 'not given'), or raise SettingError."""
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as error:
        first = error.errors()[0]
        name = "GOVERN_" + "_".join(str(part) for part in first["loc"]).upper()
        raise SettingError(f"Invalid setting {name}: {first['msg']}.") from None
