"""The secret that signs cookies and derives CSRF tokens: GOVERN_SESSION_SECRET, or a file under the data dir.

The embedded default creates `<data dir>/session-secret` once (mode 0600) and every later start, and every web
process sharing the data dir, reads the same one. It never reaches a log or the audit trail.
"""

import os
import secrets
from pathlib import Path

from runtime.settings import Settings

_SECRET_BYTES = 32


class SessionSecretError(Exception):
    """The secret cannot be read or created; the message is one sentence naming the file or setting."""


def session_secret(settings: Settings) -> bytes:
    if settings.session_secret:
        if len(settings.session_secret) < 32:
            raise SessionSecretError("GOVERN_SESSION_SECRET is too short: give at least 32 characters of random text.")
        return settings.session_secret.encode()
    return _secret_file(settings.session_secret_path)


def _secret_file(path: Path) -> bytes:
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    value = secrets.token_urlsafe(_SECRET_BYTES).encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: when two processes start at once, one creates the file and the other reads the winner's.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    except OSError as error:
        raise SessionSecretError(f"Cannot create the session secret {path}: {error.strerror}.") from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(value)
        handle.flush()
        os.fsync(handle.fileno())
    return value


def _read(path: Path) -> bytes:
    try:
        value = path.read_bytes().strip()
    except FileNotFoundError:
        raise
    except OSError as error:
        raise SessionSecretError(f"Cannot read the session secret {path}: {error.strerror}.") from None
    if len(value) < 32:
        raise SessionSecretError(f"The session secret {path} is too short; delete it and a new one is made.")
    return value
