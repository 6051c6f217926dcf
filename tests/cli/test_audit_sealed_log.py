"""Confidential appraisal content in the audit trail: sealed by the append activity, verifiable by anyone, readable
with `govern audit log` only where the key is configured."""

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.audit import AppendReceipt, AppendRequest, AuditActivities
from domain.events import DomainEvent
from runtime.sealing import ContentSealer
from store.event_store import EventStore

T0 = datetime(2027, 12, 1, 9, 0, tzinfo=UTC)
STREAM = "appraisal/2027/staff-7"
K1 = bytes(range(32))
OTHER = bytes(range(200, 232))
KEYS = f"k1:{base64.b64encode(K1).decode()}"
OBJECTIVES = "Lead the Kampala upgrading pilot and mentor two junior officers"
COMMENT = "Exceptionnel, une année remarquable"
CONTENT = {"objectives": OBJECTIVES, "comment": COMMENT, "rating": 5}
PLAINTEXTS = (OBJECTIVES, "Kampala upgrading", COMMENT, "remarquable")


def event(number: int, event_type: str, actor: str, **payload: Any) -> DomainEvent:
    return DomainEvent(
        event_id=f"{STREAM}#{number}",
        stream_id=STREAM,
        type=event_type,
        occurred_at=T0 + timedelta(days=number),
        actor=actor,
        outcome="done",
        payload={"step": event_type, **payload},
    )


def batch() -> AppendRequest:
    """A reminder in clear, then the completed appraisal with its confidential content."""
    return AppendRequest(
        stream_id=STREAM,
        expected_version=0,
        events=[
            event(1, "ReminderSent", "system"),
            event(2, "AppraisalCompleted", "line-manager-7", content=CONTENT),
        ],
        workflow_id=f"appraisal/{STREAM}",
        run_id="run-1",
    )


def record(activities: AuditActivities, request: AppendRequest) -> AppendReceipt:
    return ActivityEnvironment().run(activities.record_events, request)


@pytest.fixture
def trail(store: EventStore) -> EventStore:
    receipt = record(AuditActivities(store, ContentSealer({"k1": K1})), batch())
    assert (receipt.stream_version, receipt.last_sequence) == (2, 2)
    return store


def content_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("    content: ")]


# -- audit log ------------------------------------------------------------------------------------------


def test_without_the_key_log_says_encrypted_and_shows_no_plaintext(govern, trail: EventStore) -> None:
    result = govern("audit", "log")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == 4  # header, the reminder, the appraisal and its content line
    assert lines[2].split()[5:7] == ["AppraisalCompleted", "line-manager-7"]
    assert lines[3] == "    content: encrypted (key k1); set GOVERN_CODEC_KEYS to read it"
    for secret in PLAINTEXTS:
        assert secret not in result.output


def test_without_the_key_json_prints_the_record_as_stored(govern, trail: EventStore) -> None:
    result = govern("audit", "log", "--json")
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.output.splitlines()]
    assert "content" not in records[1] and "content" not in records[1]["payload"]
    assert records[1]["payload"]["sealed"]["key_id"] == "k1"
    assert records[1]["hash"] == trail.head().hash
    for secret in PLAINTEXTS:
        assert secret not in result.output


def test_with_the_key_log_shows_the_content(govern, trail: EventStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVERN_CODEC_KEYS", KEYS)
    result = govern("audit", "log")
    assert result.exit_code == 0
    assert content_lines(result.output) == [
        f'    content: {{"comment": "{COMMENT}", "objectives": "{OBJECTIVES}", "rating": 5}}'
    ]
    assert result.output.splitlines()[3] == content_lines(result.output)[0]

    as_json = govern("audit", "log", "--json", "--type", "AppraisalCompleted")
    assert as_json.exit_code == 0
    shown = json.loads(as_json.output)
    assert shown["content"] == CONTENT
    stored = trail.read_stream(STREAM)[1]
    assert shown["payload"] == stored.payload and "sealed" in shown["payload"]
    assert shown["hash"] == stored.hash


@pytest.mark.parametrize(
    ("keys", "sentence"),
    [
        (
            f"k1:{base64.b64encode(OTHER).decode()}",
            f"The configured key 'k1' does not open the content of event AppraisalCompleted ({STREAM}#2) of {STREAM}: "
            "wrong key material, or the sealed content was altered or moved from another event.",
        ),
        (
            f"k2:{base64.b64encode(OTHER).decode()}",
            f"The content of event AppraisalCompleted ({STREAM}#2) of {STREAM} is sealed with key 'k1', which is not "
            "configured (GOVERN_CODEC_KEYS).",
        ),
    ],
    ids=["wrong key material", "unknown key id"],
)
def test_with_a_key_that_does_not_open_it_log_prints_every_row_then_exits_1(
    govern, trail: EventStore, monkeypatch: pytest.MonkeyPatch, keys: str, sentence: str
) -> None:
    monkeypatch.setenv("GOVERN_CODEC_KEYS", keys)
    result = govern("audit", "log")
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 4
    assert content_lines(result.stdout) == [f"    content: cannot be decrypted: {sentence}"]
    assert result.stderr.strip() == sentence
    for secret in PLAINTEXTS:
        assert secret not in result.output

    as_json = govern("audit", "log", "--json")
    assert as_json.exit_code == 1
    assert ["content" in json.loads(line) for line in as_json.stdout.splitlines()] == [False, False]
    assert as_json.stderr.strip() == sentence


def test_a_malformed_key_setting_is_one_line_and_a_non_zero_exit(
    govern, trail: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVERN_CODEC_KEYS", "k1:not-base64!")
    result = govern("audit", "log")
    assert result.exit_code != 0
    assert result.output.strip() == "Invalid setting GOVERN_CODEC_KEYS: the key of 'k1' is not valid base64."


# -- verify, export and the database file ---------------------------------------------------------------


def test_verify_needs_no_key(govern, trail: EventStore, monkeypatch: pytest.MonkeyPatch) -> None:
    result = govern("audit", "verify")
    assert (result.exit_code, result.output.strip()) == (
        0,
        f"Audit chain intact: 2 events, head {trail.head().hash[:12]}…",
    )
    monkeypatch.setenv("GOVERN_CODEC_KEYS", KEYS)
    assert govern("audit", "verify").exit_code == 0


def test_export_holds_the_sealed_form_as_stored(govern, trail: EventStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVERN_CODEC_KEYS", KEYS)
    result = govern("audit", "export", "--format", "jsonl")
    assert result.exit_code == 0
    exported = [json.loads(line) for line in result.output.splitlines()]
    assert exported[1]["payload"] == json.loads(trail.record_at(2)["payload"])  # type: ignore[index]
    assert "content" not in exported[1] and "sealed" in exported[1]["payload"]
    for secret in PLAINTEXTS:
        assert secret not in result.output


def test_the_database_file_holds_no_plaintext(trail: EventStore, env: dict[str, str]) -> None:
    trail.close()
    files = sorted(Path(env["GOVERN_DATA_DIR"]).glob("audit.db*"))
    raw = b"".join(path.read_bytes() for path in files)
    assert b"line-manager-7" in raw and b"AppraisalCompleted" in raw  # what is in clear is there to be found
    for secret in PLAINTEXTS:
        assert secret.encode() not in raw


# -- the append activity --------------------------------------------------------------------------------


def test_content_without_a_sealer_is_refused_retryably_and_nothing_is_appended(store: EventStore) -> None:
    with pytest.raises(ApplicationError) as caught:
        record(AuditActivities(store), batch())
    assert (caught.value.type, caught.value.message) == (
        "ContentKeyMissing",
        f"Event AppraisalCompleted of {STREAM} carries confidential content, but this worker has no content key: "
        "set GOVERN_CODEC_KEYS.",
    )
    assert caught.value.non_retryable is False
    assert store.count() == 0

    # Once the worker has the key, the same activity, retried, records the batch.
    record(AuditActivities(store, ContentSealer({"k1": K1})), batch())
    assert store.count() == 2


def test_events_without_content_need_no_sealer(store: EventStore) -> None:
    request = AppendRequest(stream_id=STREAM, expected_version=0, events=[event(1, "ReminderSent", "system")])
    assert record(AuditActivities(store), request).stream_version == 1
    assert store.read_stream(STREAM)[0].payload == {"step": "ReminderSent"}


def test_a_retried_append_is_a_no_op(trail: EventStore) -> None:
    before = trail.read_stream(STREAM)
    again = record(AuditActivities(trail, ContentSealer({"k1": K1})), batch())
    assert (again.stream_version, again.last_sequence) == (2, 2)
    after = trail.read_stream(STREAM)
    assert trail.count() == 2
    assert [(e.seq, e.hash, e.payload) for e in after] == [(e.seq, e.hash, e.payload) for e in before]
    # The retry sealed the content to exactly the stored bytes: same nonce, same ciphertext.
    resealed = ContentSealer({"k1": K1}).seal(batch().events[1])
    assert resealed.payload == after[1].payload
