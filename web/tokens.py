"""Random tokens and their digests: the browser gets the token, the database keeps only the digest."""

import hashlib
import hmac
import secrets


def new_token() -> str:
    """256 bits of randomness, URL-safe."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What the tables store for a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def keyed(secret: bytes, purpose: str, value: str) -> str:
    """A value derived from `value` that only the holder of `secret` can compute (HMAC-SHA256, hex); the
    purpose keeps derivations for different uses apart."""
    return hmac.new(secret, f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()


def same(left: str, right: str) -> bool:
    """Constant-time comparison, so a guess learns nothing from how long the answer took."""
    return hmac.compare_digest(left.encode(), right.encode())
