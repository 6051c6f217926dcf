"""Signed checkpoints: an Ed25519 signature over "this log had N records and its head hash was H, at time T".

A hash chain proves that nobody edited the middle of the log without also rewriting everything after it. It
cannot stop someone with database access from rewriting a whole tail and recomputing its hashes. A
checkpoint kept outside the database (or handed to the auditors) can: the rewritten record at the
checkpoint's sequence number no longer has the signed hash. (Certificate Transparency's signed tree heads
and C2SP signed notes follow the same idea.)

File format (JSON)::

    {"algorithm": "Ed25519",
     "signature": "<base64 of the 64-byte signature>",
     "statement": {"format": "govern-audit-checkpoint/v1", "head_hash": "<hex>", "key_id": "sha256:<hex>",
                   "log": "govern-audit/<log id>", "seq": 1234, "time": "2027-03-01T09:00:00.000000Z"}}

The signed bytes are the canonical JSON of ``statement`` (sorted keys, no spaces, UTF-8), see
`store.canonical`. ``key_id`` is the SHA-256 of the raw 32-byte public key. Verification uses the configured
key, never a key carried by the file, since whoever forges a checkpoint can also put their own key in it.
"""

import base64
import binascii
import hashlib
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from store.canonical import canonical_json, canonical_time
from store.errors import CheckpointError

if TYPE_CHECKING:
    from store.event_store import EventStore

STATEMENT_FORMAT: Final = "govern-audit-checkpoint/v1"
LOG_NAME_PREFIX = "govern-audit/"


class CheckpointStatement(BaseModel):
    """What is signed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["govern-audit-checkpoint/v1"] = STATEMENT_FORMAT
    log: str = Field(description="govern-audit/<log id>: which database's log this is.")
    seq: int = Field(ge=0, description="Number of records (the head's sequence number).")
    head_hash: str = Field(pattern="^[0-9a-f]{64}$")
    time: str = Field(description="When it was signed, canonical UTC text.")
    key_id: str = Field(pattern="^sha256:[0-9a-f]{64}$")


class SignedCheckpoint(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    statement: CheckpointStatement
    algorithm: Literal["Ed25519"] = "Ed25519"
    signature: str


def log_name(log_id: str) -> str:
    return f"{LOG_NAME_PREFIX}{log_id}"


def statement_bytes(statement: CheckpointStatement) -> bytes:
    return canonical_json(statement.model_dump()).encode("utf-8")


def key_id_of(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def public_key_path(key_path: Path) -> Path:
    """Where the public half of the key at `key_path` is published: same name, `.pub`."""
    return key_path.with_suffix(".pub")


# -- keys ------------------------------------------------------------------------------------------------


def _public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _write_public_key(key_path: Path, public_key: Ed25519PublicKey) -> None:
    pub_path = public_key_path(key_path)
    pem = _public_pem(public_key)
    if not pub_path.exists() or pub_path.read_bytes() != pem:
        pub_path.write_bytes(pem)


def load_or_create_private_key(key_path: Path) -> Ed25519PrivateKey:
    """The signing key at `key_path`; created (PEM, mode 0600, parent directories made) when missing."""
    if key_path.suffix == ".pub":
        raise CheckpointError(f"The checkpoint signing key path {key_path} ends in .pub; give the private key's path.")
    try:
        if key_path.exists():
            key = _load_private_key(key_path)
        else:
            key_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            key = Ed25519PrivateKey.generate()
            pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            try:
                # O_EXCL: two processes creating the key at once must not each sign with a different one.
                descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                key = _load_private_key(key_path)
            else:
                with os.fdopen(descriptor, "wb") as handle:
                    handle.write(pem)
        _write_public_key(key_path, key.public_key())
    except OSError as error:
        raise CheckpointError(f"Cannot use the checkpoint key at {key_path}: {error.strerror or error}.") from None
    return key


def _load_private_key(key_path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (ValueError, TypeError):
        raise CheckpointError(f"The checkpoint key at {key_path} is not an unencrypted PEM private key.") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"The checkpoint key at {key_path} is not an Ed25519 key.")
    return key


def load_public_key(key_path: Path) -> Ed25519PublicKey:
    """The configured verification key: from the private PEM at `key_path`, or a public PEM (at `key_path`
    itself or beside it as `.pub`), which is all an auditor needs. Never creates a key."""
    candidates = [key_path] if key_path.suffix == ".pub" else [key_path, public_key_path(key_path)]
    for path in candidates:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue
        except OSError as error:
            raise CheckpointError(f"Cannot read the checkpoint key {path}: {error.strerror or error}.") from None
        try:
            if b"PUBLIC KEY" in data:
                key = serialization.load_pem_public_key(data)
            else:
                private = serialization.load_pem_private_key(data, password=None)
                key = private.public_key()
        except (ValueError, TypeError):
            raise CheckpointError(f"The checkpoint key {path} is not a readable PEM key.") from None
        if not isinstance(key, Ed25519PublicKey):
            raise CheckpointError(f"The checkpoint key {path} is not an Ed25519 key.")
        return key
    raise CheckpointError(
        f"No checkpoint key at {key_path}; without the configured key the checkpoint cannot be checked."
    )


# -- writing and reading checkpoints ---------------------------------------------------------------------


def sign_statement(statement: CheckpointStatement, private_key: Ed25519PrivateKey) -> SignedCheckpoint:
    signature = private_key.sign(statement_bytes(statement))
    return SignedCheckpoint(statement=statement, signature=base64.b64encode(signature).decode("ascii"))


def write_checkpoint(
    store: "EventStore",
    key_path: Path,
    out_path: Path | None = None,
    *,
    directory: Path | None = None,
    now: datetime | None = None,
) -> Path:
    """Verify the chain, sign its head, write the checkpoint file and return its path.

    Without `out_path` the file is `<directory>/checkpoint-<seq>.json`, `directory` defaulting to
    `checkpoints/` beside the key. A broken chain is not signed: CheckpointError names where it breaks.
    """
    # Imported here: verification reads checkpoints, so the two modules refer to each other.
    from store.verify import verify

    private_key = load_or_create_private_key(key_path)
    verdict = verify(store)
    if not verdict.ok:
        raise CheckpointError(f"Refusing to sign a broken log. {verdict.problem}")
    statement = CheckpointStatement(
        log=log_name(store.log_id()),
        seq=verdict.head_seq,
        head_hash=verdict.head_hash,
        time=canonical_time(now or datetime.now(UTC)),
        key_id=key_id_of(private_key.public_key()),
    )
    signed = sign_statement(statement, private_key)
    target = out_path or (directory or key_path.parent / "checkpoints") / f"checkpoint-{statement.seq}.json"
    text = json.dumps(signed.model_dump(), indent=2, sort_keys=True) + "\n"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a crash never leaves a half-written checkpoint under the final name.
        handle = tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=target.parent, prefix=f".{target.name}.", delete=False
        )
        with handle:
            handle.write(text)
        # A checkpoint is meant to be handed out; the temporary file was created 0600.
        os.chmod(handle.name, 0o644)
        os.replace(handle.name, target)
    except OSError as error:
        raise CheckpointError(f"Cannot write the checkpoint to {target}: {error.strerror or error}.") from None
    return target


def read_checkpoint(path: Path) -> SignedCheckpoint:
    """Parse a checkpoint file, or raise CheckpointError with one sentence."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not readable text"
        raise CheckpointError(f"Cannot read the checkpoint file {path}: {reason}.") from None
    try:
        return SignedCheckpoint.model_validate_json(text)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "file"
        raise CheckpointError(f"The checkpoint file {path} is not a checkpoint ({where}: {first['msg']}).") from None


def check_checkpoint(signed: SignedCheckpoint, key_path: Path | None, log_id: str) -> str | None:
    """None when the checkpoint is genuine and for this log; otherwise the sentence saying why not."""
    if key_path is None:
        raise CheckpointError("Checking a checkpoint needs the configured checkpoint key; none was given.")
    public_key = load_public_key(key_path)
    statement = signed.statement
    try:
        signature = base64.b64decode(signed.signature, validate=True)
        public_key.verify(signature, statement_bytes(statement))
    except (InvalidSignature, binascii.Error, ValueError):
        return (
            "The checkpoint's signature does not verify with the configured key "
            f"{key_id_of(public_key)[:19]}…; it is forged or was altered."
        )
    if statement.key_id != key_id_of(public_key):
        return "The checkpoint names a different key than the one that signed it; it was altered."
    if statement.log != log_name(log_id):
        return f"The checkpoint is for log {statement.log}, not this store's log {log_name(log_id)}."
    return None
