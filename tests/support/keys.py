"""Encryption keys for tests: fresh random bytes on every call, so no key is ever kept in the repository."""

import base64
import os


def new_key() -> str:
    """A random AES-256 key, base64-encoded as GOVERN_CODEC_KEYS expects it."""
    return base64.b64encode(os.urandom(32)).decode()
