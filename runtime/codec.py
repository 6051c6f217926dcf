"""Confidential payloads: an AES-256-GCM payload codec, so Temporal (server, database, Web UI) sees only ciphertext.

Each encoded payload carries `encoding: binary/encrypted` and `encryption-key-id: <kid>` in its metadata; its data
is a 12-byte random nonce followed by the AES-GCM ciphertext of the original payload's serialized bytes, with the key
id as associated data (so a payload cannot be relabelled to another key). New payloads use the active key; decoding
uses whichever configured key the payload names, so old cases still decode after a new key is added.

Keys come from `GOVERN_CODEC_KEYS` (`kid1:base64key,kid2:base64key`, 32-byte keys), never from the repository; the
active one is `GOVERN_CODEC_ACTIVE_KEY`, by default the last listed. No message ever prints key material.
"""

import base64
import binascii
import dataclasses
import json
import os
import re
from collections.abc import Mapping, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes, PayloadCodec

from runtime.settings import SettingError, Settings

ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"
NONCE_BYTES = 12
KEY_BYTES = 32
_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class CodecKeyError(Exception):
    """A payload cannot be decrypted with the configured keys. The message names the key id, never the key."""


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


class AesGcmCodec(PayloadCodec):
    """Encrypts with the active key; decrypts with the key each payload names."""

    def __init__(self, keys: Mapping[str, bytes], active_key: str | None = None) -> None:
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
        self._ciphers = {kid: AESGCM(key) for kid, key in keys.items()}
        self.active_key = active

    @property
    def key_ids(self) -> list[str]:
        return list(self._ciphers)

    def __repr__(self) -> str:  # never show key material
        return f"AesGcmCodec(key_ids={self.key_ids!r}, active_key={self.active_key!r})"

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(payload) for payload in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        kid = self.active_key
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = self._ciphers[kid].encrypt(nonce, payload.SerializeToString(), kid.encode())
        return Payload(metadata={"encoding": ENCODING, KEY_ID_METADATA: kid.encode()}, data=nonce + ciphertext)

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        raw_kid = payload.metadata.get(KEY_ID_METADATA)
        if not raw_kid:
            raise CodecKeyError(f"Cannot decrypt a payload: it is encrypted but names no key ({KEY_ID_METADATA}).")
        kid = raw_kid.decode("utf-8", errors="replace")
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise CodecKeyError(
                f"Cannot decrypt a payload encrypted with key '{kid}': that key is not configured (GOVERN_CODEC_KEYS)."
            )
        data = payload.data
        try:
            if len(data) <= NONCE_BYTES:
                raise InvalidTag
            plaintext = cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], raw_kid)
        except InvalidTag:
            raise CodecKeyError(
                f"Cannot decrypt a payload encrypted with key '{kid}': the configured key '{kid}' does not open it: "
                "wrong key material (or the payload was altered)."
            ) from None
        decoded = Payload()
        decoded.ParseFromString(plaintext)
        return decoded


def codec_from_settings(settings: Settings) -> AesGcmCodec | None:
    """The codec for GOVERN_CODEC_KEYS / GOVERN_CODEC_ACTIVE_KEY; None when no keys are configured."""
    if not settings.codec_keys or not settings.codec_keys.strip():
        if settings.codec_active_key:
            raise CodecConfigError(
                "Invalid setting GOVERN_CODEC_ACTIVE_KEY: it is set but GOVERN_CODEC_KEYS is not; give the keys too."
            )
        return None
    return AesGcmCodec(parse_keys(settings.codec_keys), settings.codec_active_key or None)


def data_converter(settings: Settings) -> DataConverter:
    """The pydantic data converter, with payloads encrypted when keys are configured. Failure messages and
    stack traces are then encoded too, so a refusal that quotes content does not reach the server in clear."""
    codec = codec_from_settings(settings)
    if codec is None:
        return pydantic_data_converter
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=codec,
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def decode_history_json(text: str, codec: AesGcmCodec) -> str:
    """A workflow history (Temporal's JSON) with every encrypted payload replaced by its plaintext payload, e.g.
    to keep a replay fixture whose content is invented test data. Raises CodecKeyError like `decrypt`."""
    encoded_marker = base64.b64encode(ENCODING).decode()

    def walk(node: object) -> object:
        if isinstance(node, dict):
            metadata = node.get("metadata")
            if isinstance(metadata, dict) and metadata.get("encoding") == encoded_marker and "data" in node:
                payload = json_format.ParseDict(node, Payload())
                return json_format.MessageToDict(codec.decrypt(payload))
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return json.dumps(walk(json.loads(text)), indent=2)
