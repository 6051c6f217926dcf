"""The encryption keys' settings, read once for both users of them: the Temporal payload codec
(`runtime.codec`) and the audit store's sealed content (`runtime.sealing`).

`GOVERN_CODEC_KEYS` is `kid1:base64key,kid2:base64key` (32-byte AES-256 keys); `GOVERN_CODEC_ACTIVE_KEY` names the
key new content is encrypted with, by default the last listed. A mistake is one `CodecConfigError` line that names
the setting and never the key. Free of Temporal, so that `govern audit log` opens sealed content without loading
the SDK.
"""

import base64
import binascii
import re
from collections.abc import Mapping

from runtime.settings import SettingError, Settings

NONCE_BYTES = 12
KEY_BYTES = 32
_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class CodecConfigError(SettingError):
    """GOVERN_CODEC_KEYS or GOVERN_CODEC_ACTIVE_KEY is wrong. One line that names the setting."""


def parse_keys(text: str) -> dict[str, bytes]:
    """`kid1:base64key,kid2:base64key` -> {kid: 32-byte key}, in the order given; CodecConfigError if malformed."""
    keys: dict[str, bytes] = {}
    entries = [entry.strip() for entry in text.split(",")]
    if not any(entries):
        raise CodecConfigError("Invalid setting GOVERN_CODEC_KEYS: it is empty; give KEY_ID:BASE64_KEY[,...].")
    for position, entry in enumerate(entries, start=1):
        kid, sep, encoded = (part.strip() for part in entry.partition(":"))
        if not sep or not kid or not encoded:
            raise CodecConfigError(
                f"Invalid setting GOVERN_CODEC_KEYS: entry {position} is not KEY_ID:BASE64_KEY "
                "(entries are separated by commas)."
            )
        if not _KEY_ID.match(kid):
            raise CodecConfigError(
                f"Invalid setting GOVERN_CODEC_KEYS: entry {position} has a key id that is not 1-64 letters, "
                "digits, '.', '_' or '-'."
            )
        if kid in keys:
            raise CodecConfigError(f"Invalid setting GOVERN_CODEC_KEYS: key id '{kid}' is listed twice.")
        try:
            # Accept the URL-safe alphabet too; either way, every character must be base64.
            key = base64.b64decode(encoded.replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError):
            raise CodecConfigError(
                f"Invalid setting GOVERN_CODEC_KEYS: the key of '{kid}' is not valid base64."
            ) from None
        if len(key) != KEY_BYTES:
            raise CodecConfigError(
                f"Invalid setting GOVERN_CODEC_KEYS: the key of '{kid}' is {len(key)} bytes; AES-256 needs "
                f'{KEY_BYTES} (e.g. `python -c "import os, base64; print(base64.b64encode(os.urandom(32)).decode())"`).'
            )
        keys[kid] = key
    return keys


def active_key_of(keys: Mapping[str, bytes], active_key: str | None = None) -> str:
    """The key id new content is encrypted with, once every key is checked; CodecConfigError otherwise."""
    if not keys:
        raise CodecConfigError("Invalid setting GOVERN_CODEC_KEYS: no key is configured.")
    for kid, key in keys.items():
        if len(key) != KEY_BYTES:
            raise CodecConfigError(
                f"Invalid setting GOVERN_CODEC_KEYS: the key of '{kid}' is {len(key)} bytes, not {KEY_BYTES}."
            )
    active = active_key if active_key is not None else list(keys)[-1]
    if active not in keys:
        raise CodecConfigError(
            f"Invalid setting GOVERN_CODEC_ACTIVE_KEY: '{active}' is not one of the key ids in GOVERN_CODEC_KEYS "
            f"({', '.join(keys)})."
        )
    return active


def configured_keys(settings: Settings) -> tuple[dict[str, bytes], str] | None:
    """The configured keys and the active key's id; None when no keys are configured."""
    if not settings.codec_keys or not settings.codec_keys.strip():
        if settings.codec_active_key:
            raise CodecConfigError(
                "Invalid setting GOVERN_CODEC_ACTIVE_KEY: it is set but GOVERN_CODEC_KEYS is not; give the keys too."
            )
        return None
    keys = parse_keys(settings.codec_keys)
    return keys, active_key_of(keys, settings.codec_active_key or None)
