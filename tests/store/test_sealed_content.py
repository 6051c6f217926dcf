"""Sealed content: appraisal fields are ciphertext in the audit record, bound to their event, and open only with
the right key, including an older key after rotation."""

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.events import DomainEvent
from runtime.codec_keys import CodecConfigError
from runtime.sealing import (
    CONTENT_KEY,
    SEALED_KEY,
    ContentKeyError,
    ContentNotSealable,
    ContentSealer,
    is_confidential,
    sealer_from_settings,
)
from runtime.settings import Settings
from store.models import StoredEvent

K1 = bytes(range(32))
K2 = bytes(range(100, 132))
STREAM = "appraisal/2027/staff-7"
CONTENT = {
    "objectives": "Lead the Kampala upgrading pilot; mentor two junior officers",
    "comment": "Très bien, a steady year",
    "rating": 4,
}


def appraisal(event_id: str = "evt-1", content: dict[str, Any] | None = None, **payload: Any) -> DomainEvent:
    return DomainEvent(
        event_id=event_id,
        stream_id=STREAM,
        type="AppraisalCompleted",
        occurred_at=datetime(2027, 12, 1, 9, 0, tzinfo=UTC),
        actor="line-manager-7",
        outcome="completed",
        payload={"step": "appraisal", CONTENT_KEY: CONTENT if content is None else content, **payload},
    )


def stored(event: DomainEvent, **changes: Any) -> StoredEvent:
    """The event as the store would hand it back."""
    fields = event.model_dump() | changes
    return StoredEvent(
        seq=1,
        stream_version=1,
        recorded_at=event.occurred_at,
        prev_hash="0" * 64,
        hash="f" * 64,
        **fields,
    )


def test_content_round_trips_and_the_rest_stays_in_clear() -> None:
    sealer = ContentSealer({"k1": K1})
    event = appraisal()
    sealed = sealer.seal(event)
    assert CONTENT_KEY not in sealed.payload
    assert sealed.payload["step"] == "appraisal"
    assert (sealed.event_id, sealed.type, sealed.actor, sealed.outcome) == (
        event.event_id,
        event.type,
        event.actor,
        event.outcome,
    )
    blob = sealed.payload[SEALED_KEY]
    assert set(blob) == {"alg", "key_id", "nonce", "ciphertext"}
    assert (blob["alg"], blob["key_id"], len(base64.b64decode(blob["nonce"]))) == ("AES-256-GCM", "k1", 12)
    assert sealer.unseal(sealed) == CONTENT
    assert sealer.unseal(stored(sealed)) == CONTENT
    assert is_confidential(event) and is_confidential(sealed)


def test_an_event_without_content_is_left_alone() -> None:
    sealer = ContentSealer({"k1": K1})
    plain = appraisal().model_copy(update={"payload": {"step": "appraisal"}})
    assert sealer.seal(plain) is plain
    assert sealer.unseal(plain) is None
    assert not is_confidential(plain)


def test_content_and_sealed_together_are_refused() -> None:
    with pytest.raises(ContentNotSealable, match="has both 'content' and 'sealed'"):
        ContentSealer({"k1": K1}).seal(appraisal(sealed={"alg": "AES-256-GCM"}))


def test_the_plaintext_appears_nowhere_in_the_sealed_payload() -> None:
    text = json.dumps(ContentSealer({"k1": K1}).seal(appraisal()).model_dump(mode="json"), ensure_ascii=False)
    for secret in ("Kampala upgrading pilot", "mentor", "Très bien", "steady year", '"rating"', "objectives"):
        assert secret not in text


def test_the_nonce_is_deterministic_per_event_id_and_differs_between_ids() -> None:
    sealer = ContentSealer({"k1": K1})
    first, again, other = (
        sealer.seal(appraisal("evt-1")),
        sealer.seal(appraisal("evt-1")),
        sealer.seal(appraisal("evt-2")),
    )
    assert first.payload[SEALED_KEY] == again.payload[SEALED_KEY]
    assert first.payload[SEALED_KEY]["nonce"] != other.payload[SEALED_KEY]["nonce"]
    assert first.payload[SEALED_KEY]["ciphertext"] != other.payload[SEALED_KEY]["ciphertext"]
    # The same event id under another key gets another nonce too.
    assert (
        ContentSealer({"k2": K2}).seal(appraisal("evt-1")).payload[SEALED_KEY]["nonce"]
        != (first.payload[SEALED_KEY]["nonce"])
    )


@pytest.mark.parametrize(
    "moved",
    [{"event_id": "evt-2"}, {"stream_id": "appraisal/2027/staff-8"}, {"type": "AppraisalObjectivesSet"}],
)
def test_a_sealed_blob_moved_to_another_event_does_not_open(moved: dict[str, str]) -> None:
    sealer = ContentSealer({"k1": K1})
    sealed = sealer.seal(appraisal("evt-1"))
    elsewhere = stored(sealed, **moved)
    with pytest.raises(ContentKeyError, match="key 'k1' does not open .* moved from another event"):
        sealer.unseal(elsewhere)


def test_an_altered_ciphertext_does_not_open() -> None:
    sealer = ContentSealer({"k1": K1})
    sealed = sealer.seal(appraisal())
    blob = dict(sealed.payload[SEALED_KEY])
    raw = bytearray(base64.b64decode(blob["ciphertext"]))
    raw[0] ^= 1
    blob["ciphertext"] = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(ContentKeyError, match="altered"):
        sealer.unseal(sealed.model_copy(update={"payload": {**sealed.payload, SEALED_KEY: blob}}))


def test_a_wrong_key_fails_with_one_sentence_naming_the_key_id_and_not_the_key() -> None:
    sealed = ContentSealer({"k1": K1}).seal(appraisal())
    with pytest.raises(ContentKeyError) as caught:
        ContentSealer({"k1": K2}).unseal(sealed)
    message = str(caught.value)
    assert message == (
        f"The configured key 'k1' does not open the content of event AppraisalCompleted (evt-1) of {STREAM}: "
        "wrong key material, or the sealed content was altered or moved from another event."
    )
    assert base64.b64encode(K1).decode() not in message and base64.b64encode(K2).decode() not in message


def test_an_unknown_key_id_fails_naming_it() -> None:
    sealed = ContentSealer({"k1": K1}).seal(appraisal())
    with pytest.raises(ContentKeyError) as caught:
        ContentSealer({"k2": K2}).unseal(sealed)
    assert str(caught.value) == (
        f"The content of event AppraisalCompleted (evt-1) of {STREAM} is sealed with key 'k1', which is not "
        "configured (GOVERN_CODEC_KEYS)."
    )


def test_rotation_old_events_still_open_and_new_ones_use_the_new_key() -> None:
    old = ContentSealer({"k1": K1}).seal(appraisal("evt-1"))
    rotated = ContentSealer({"k1": K1, "k2": K2})
    assert rotated.active_key == "k2"
    assert rotated.unseal(stored(old)) == CONTENT
    new = rotated.seal(appraisal("evt-2"))
    assert new.payload[SEALED_KEY]["key_id"] == "k2"
    assert rotated.unseal(new) == CONTENT
    with pytest.raises(ContentKeyError, match="sealed with key 'k2', which is not configured"):
        ContentSealer({"k1": K1}).unseal(new)
    pinned = ContentSealer({"k1": K1, "k2": K2}, active_key="k1")
    assert pinned.seal(appraisal("evt-3")).payload[SEALED_KEY]["key_id"] == "k1"


def test_repr_hides_the_keys() -> None:
    sealer = ContentSealer({"k1": K1, "k2": K2})
    text = repr(sealer)
    assert text == "ContentSealer(key_ids=['k1', 'k2'], active_key='k2')"
    for key in (K1, K2):
        assert base64.b64encode(key).decode() not in text and repr(key) not in text and key.hex() not in text


def test_sealer_from_settings_reads_the_codec_keys() -> None:
    assert sealer_from_settings(Settings(codec_keys=None, codec_active_key=None)) is None
    keys = f"k1:{base64.b64encode(K1).decode()},k2:{base64.b64encode(K2).decode()}"
    sealer = sealer_from_settings(Settings(codec_keys=keys, codec_active_key="k1"))
    assert sealer is not None and (sealer.key_ids, sealer.active_key) == (["k1", "k2"], "k1")


@pytest.mark.parametrize(
    ("keys", "active", "sentence"),
    [
        ("k1:not-base64!", None, "Invalid setting GOVERN_CODEC_KEYS: the key of 'k1' is not valid base64."),
        (f"k1:{base64.b64encode(b'short').decode()}", None, "Invalid setting GOVERN_CODEC_KEYS: the key of 'k1' is 5"),
        (f"k1:{base64.b64encode(K1).decode()}", "k9", "Invalid setting GOVERN_CODEC_ACTIVE_KEY: 'k9' is not one"),
        (None, "k1", "Invalid setting GOVERN_CODEC_ACTIVE_KEY: it is set but GOVERN_CODEC_KEYS is not"),
    ],
)
def test_bad_key_settings_give_the_codecs_one_line_error(keys: str | None, active: str | None, sentence: str) -> None:
    with pytest.raises(CodecConfigError) as caught:
        sealer_from_settings(Settings(codec_keys=keys, codec_active_key=active))
    assert str(caught.value).startswith(sentence)
    assert "\n" not in str(caught.value)
