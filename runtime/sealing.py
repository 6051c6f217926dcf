"""Sealed content: confidential fields of an audit event, encrypted in the store while the rest stays in clear.

Some cases (annual performance appraisals) record facts that only a few people may read: objectives, comments,
ratings. Their deciders put those fields, and only those, under `payload["content"]`. Before the append, the
content is replaced by `payload["sealed"]`: AES-256-GCM ciphertext of its canonical JSON, under the same keys as
the Temporal payload codec (`GOVERN_CODEC_KEYS`). Who acted, when, on which case, with which step and outcome stay
readable, and because the chain hash covers the sealed form, `govern audit verify` needs no key.

The associated data is `stream_id \\n event_id \\n type`, so a sealed blob moved to another event no longer opens.
The nonce is derived from the key and the event id (HMAC-SHA256, first 12 bytes) rather than drawn at random:
Temporal retries the append activity, and a retry must produce exactly the same record. Event ids are unique, so
no nonce is ever used for two events under one key.
"""

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.events import DomainEvent
from runtime.codec_keys import NONCE_BYTES, active_key_of, configured_keys
from runtime.settings import Settings
from store.canonical import NotCanonicalisable, canonical_json

CONTENT_KEY = "content"
SEALED_KEY = "sealed"
ALGORITHM = "AES-256-GCM"
NONCE_LABEL = b"govern-audit-nonce\x00"


class ContentKeyError(Exception):
    """Sealed content cannot be opened with the configured keys. The message names the key id, never the key."""


class ContentNotSealable(ValueError):
    """An event's content cannot be sealed (a decider's mistake). The message never quotes the content."""


class EventLike(Protocol):
    """What sealing reads from an event: a DomainEvent before the append, a StoredEvent after it."""

    @property
    def stream_id(self) -> str: ...

    @property
    def event_id(self) -> str: ...

    @property
    def type(self) -> str: ...

    @property
    def payload(self) -> Mapping[str, Any]: ...


def is_confidential(event: EventLike) -> bool:
    """True when the event carries confidential content, in clear (before the append) or sealed (after it)."""
    return CONTENT_KEY in event.payload or SEALED_KEY in event.payload


def sealed_key_id(event: EventLike) -> str | None:
    """The key id a sealed event names, or None when it is not sealed (or names none)."""
    sealed = event.payload.get(SEALED_KEY)
    if not isinstance(sealed, Mapping):
        return None
    kid = sealed.get("key_id")
    return kid if isinstance(kid, str) else None


def associated_data(event: EventLike) -> bytes:
    """Binds the ciphertext to its event: a blob copied into another event (or case, or type) fails to open."""
    return f"{event.stream_id}\n{event.event_id}\n{event.type}".encode()


def _describe(event: EventLike) -> str:
    return f"event {event.type} ({event.event_id}) of {event.stream_id}"


class ContentSealer:
    """Seals with the active key; unseals with whichever configured key the sealed content names."""

    def __init__(self, keys: Mapping[str, bytes], active_key: str | None = None) -> None:
        # The payload codec's checks, so a bad key gives the same one-line CodecConfigError here and there.
        self.active_key = active_key_of(keys, active_key)
        self._keys = dict(keys)
        self._ciphers = {kid: AESGCM(key) for kid, key in self._keys.items()}

    @property
    def key_ids(self) -> list[str]:
        return list(self._keys)

    def __repr__(self) -> str:  # never show key material
        return f"ContentSealer(key_ids={self.key_ids!r}, active_key={self.active_key!r})"

    def _nonce(self, kid: str, event_id: str) -> bytes:
        """Deterministic per (key, event id): a retried append reproduces the same record, byte for byte."""
        return hmac.new(self._keys[kid], NONCE_LABEL + event_id.encode(), hashlib.sha256).digest()[:NONCE_BYTES]

    def seal(self, event: DomainEvent) -> DomainEvent:
        """The event with `payload["content"]` replaced by `payload["sealed"]`; unchanged when it has no content."""
        payload = event.payload
        if CONTENT_KEY not in payload:
            return event
        if SEALED_KEY in payload:
            raise ContentNotSealable(
                f"The payload of {_describe(event)} has both '{CONTENT_KEY}' and '{SEALED_KEY}'; "
                f"a decider puts confidential fields under '{CONTENT_KEY}' only."
            )
        content = payload[CONTENT_KEY]
        if not isinstance(content, Mapping):
            raise ContentNotSealable(
                f"The '{CONTENT_KEY}' of {_describe(event)} is a {type(content).__name__}, not an object of fields."
            )
        try:
            plaintext = canonical_json(content).encode("utf-8")
        except (NotCanonicalisable, UnicodeEncodeError) as error:
            reason = "it holds text that is not valid Unicode" if isinstance(error, UnicodeEncodeError) else error
            raise ContentNotSealable(f"The '{CONTENT_KEY}' of {_describe(event)} cannot be sealed: {reason}.") from None
        kid = self.active_key
        nonce = self._nonce(kid, event.event_id)
        ciphertext = self._ciphers[kid].encrypt(nonce, plaintext, associated_data(event))
        sealed = {
            "alg": ALGORITHM,
            "key_id": kid,
            "nonce": base64.b64encode(nonce).decode("ascii"),
            "ciphertext": base64.b64encode(ciphertext).decode("ascii"),
        }
        others = {key: value for key, value in payload.items() if key != CONTENT_KEY}
        return event.model_copy(update={"payload": {**others, SEALED_KEY: sealed}})

    def unseal(self, event: EventLike) -> dict[str, Any] | None:
        """The content of a sealed event, or None when the event is not sealed; ContentKeyError if it won't open."""
        sealed = event.payload.get(SEALED_KEY)
        if sealed is None:
            return None
        if not isinstance(sealed, Mapping) or sealed.get("alg") != ALGORITHM:
            raise ContentKeyError(f"The sealed content of {_describe(event)} is not {ALGORITHM} content this reads.")
        kid = sealed.get("key_id")
        if not isinstance(kid, str) or not kid:
            raise ContentKeyError(f"The sealed content of {_describe(event)} names no key.")
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise ContentKeyError(
                f"The content of {_describe(event)} is sealed with key '{kid}', which is not configured "
                "(GOVERN_CODEC_KEYS)."
            )
        try:
            nonce = base64.b64decode(sealed.get("nonce", ""), validate=True)
            ciphertext = base64.b64decode(sealed.get("ciphertext", ""), validate=True)
            if len(nonce) != NONCE_BYTES:
                raise InvalidTag
            plaintext = cipher.decrypt(nonce, ciphertext, associated_data(event))
        except (InvalidTag, binascii.Error, ValueError, TypeError):
            raise ContentKeyError(
                f"The configured key '{kid}' does not open the content of {_describe(event)}: wrong key material, "
                "or the sealed content was altered or moved from another event."
            ) from None
        try:
            content = json.loads(plaintext.decode("utf-8"))
        except ValueError:
            content = None
        if not isinstance(content, dict):
            raise ContentKeyError(
                f"The sealed content of {_describe(event)} opens with key '{kid}' but is not an object of fields."
            )
        return content


def sealer_from_settings(settings: Settings) -> ContentSealer | None:
    """The sealer for GOVERN_CODEC_KEYS / GOVERN_CODEC_ACTIVE_KEY; None when no keys are configured.

    Bad settings raise the payload codec's one-line CodecConfigError: both read the same keys the same way.
    """
    configured = configured_keys(settings)
    return None if configured is None else ContentSealer(*configured)
