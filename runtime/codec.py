"""Confidential payloads: an AES-256-GCM payload codec, so Temporal (server, database, Web UI) sees only ciphertext.

Each encoded payload carries `encoding: binary/encrypted` and `encryption-key-id: <kid>` in its metadata; its data
is a 12-byte random nonce followed by the AES-GCM ciphertext of the original payload's serialized bytes, with the key
id as associated data (so a payload cannot be relabelled to another key). New payloads use the active key; decoding
uses whichever configured key the payload names, so old cases still decode after a new key is added.

Keys come from `GOVERN_CODEC_KEYS` (`kid1:base64key,kid2:base64key`, 32-byte keys), never from the repository; the
active one is `GOVERN_CODEC_ACTIVE_KEY`, by default the last listed. No message ever prints key material.
"""

import base64
import dataclasses
import json
import os
from collections.abc import Mapping, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes, PayloadCodec

from runtime.codec_keys import NONCE_BYTES, active_key_of, configured_keys
from runtime.payload_converter import GOVERN_DATA_CONVERTER
from runtime.settings import Settings

ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"


class CodecKeyError(Exception):
    """A payload cannot be decrypted with the configured keys. The message names the key id, never the key."""


class AesGcmCodec(PayloadCodec):
    """Encrypts with the active key; decrypts with the key each payload names."""

    def __init__(self, keys: Mapping[str, bytes], active_key: str | None = None) -> None:
        self.active_key = active_key_of(keys, active_key)
        self._ciphers = {kid: AESGCM(key) for kid, key in keys.items()}

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
    configured = configured_keys(settings)
    return None if configured is None else AesGcmCodec(*configured)


def data_converter(settings: Settings) -> DataConverter:
    """The pydantic data converter, with payloads encrypted when keys are configured. Failure messages and
    stack traces are then encoded too, so a refusal that quotes content does not reach the server in clear."""
    codec = codec_from_settings(settings)
    if codec is None:
        return GOVERN_DATA_CONVERTER
    return dataclasses.replace(
        GOVERN_DATA_CONVERTER,
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
