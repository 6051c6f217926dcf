"""Tampering: the database refuses changes; the chain and signed checkpoints catch whoever gets past that.

Each attack drops the append-only triggers first, as someone with database access would.
"""

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from domain.events import DomainEvent
from store.canonical import record_hash
from store.checkpoint import (
    CheckpointStatement,
    key_id_of,
    load_or_create_private_key,
    read_checkpoint,
    sign_statement,
    write_checkpoint,
)
from store.errors import CheckpointError
from store.event_store import EventStore
from store.verify import verify

EVENTS = 10


@pytest.fixture
def filled(store: EventStore, fill: Callable[..., None]) -> EventStore:
    fill(store, EVENTS)
    return store


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET actor = 'director' WHERE seq = 3",
        "UPDATE audit_events SET payload = '{}'",
        "DELETE FROM audit_events WHERE seq = 3",
        "DELETE FROM audit_events",
        "UPDATE audit_chain_head SET log_id = 'another-log'",
        "DELETE FROM audit_chain_head",
    ],
)
def test_the_database_refuses_update_and_delete(filled: EventStore, statement: str) -> None:
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with filled.engine.begin() as connection:
            connection.exec_driver_sql(statement)
    assert filled.count() == EVENTS
    assert verify(filled).ok


def test_postgres_also_refuses_truncate(postgres_url: str, fill: Callable[..., None]) -> None:
    with EventStore.open(postgres_url) as store:
        fill(store, 3)
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with store.engine.begin() as connection:
                connection.exec_driver_sql("TRUNCATE audit_events")
        assert store.count() == 3


def test_an_intact_chain_verifies(filled: EventStore) -> None:
    result = verify(filled)
    assert (result.ok, result.count, result.head_seq, result.first_bad_seq) == (True, EVENTS, EVENTS, None)
    assert result.head_hash == filled.head().hash
    assert result.sentence() == f"Audit chain intact: {EVENTS} events, head {result.head_hash[:12]}…"


def edit_payload(attacker) -> int:
    attacker.run("UPDATE audit_events SET payload = :p WHERE seq = 4", p='{"amount_usd":"99000.00"}')
    return 4


def edit_field(attacker) -> int:
    attacker.run("UPDATE audit_events SET actor = 'director', outcome = 'approved' WHERE seq = 6")
    return 6


def edit_time(attacker) -> int:
    attacker.run("UPDATE audit_events SET occurred_at = '2027-02-01T09:00:00.000000Z' WHERE seq = 2")
    return 2


def delete_row(attacker) -> int:
    attacker.run("DELETE FROM audit_events WHERE seq = 5")
    return 5


def insert_row(attacker) -> int:
    # Make room at seq 5, then slip in a forged record that links correctly to seq 4 and hashes correctly:
    # it passes on its own, and the chain breaks at the record it displaced.
    for seq in range(EVENTS, 4, -1):
        attacker.move(seq, seq + 1)
    forged = attacker.row(4) | {
        "seq": 5,
        "event_id": "forged-1",
        "stream_id": "grant/2027-777",
        "stream_version": 1,
        "type": "GrantApproved",
        "actor": "director",
        "prev_hash": attacker.row(4)["hash"],
        "payload": '{"amount_usd":"250000.00"}',
    }
    forged["hash"] = record_hash(forged, forged["payload"])
    columns = ", ".join(forged)
    attacker.run(f"INSERT INTO audit_events ({columns}) VALUES ({', '.join(':' + c for c in forged)})", **forged)
    return 6


def insert_row_at_end(attacker) -> int:
    last = attacker.row(EVENTS)
    extra = last | {
        "seq": EVENTS + 1,
        "event_id": "forged-2",
        "stream_version": 99,
        "prev_hash": last["hash"],
    }
    columns = ", ".join(extra)
    attacker.run(f"INSERT INTO audit_events ({columns}) VALUES ({', '.join(':' + c for c in extra)})", **extra)
    return EVENTS + 1


def reorder_rows(attacker) -> int:
    attacker.move(3, 1_000_000)
    attacker.move(7, 3)
    attacker.move(1_000_000, 7)
    return 3


def break_link(attacker) -> int:
    attacker.run("UPDATE audit_events SET prev_hash = :p WHERE seq = 8", p="ab" * 32)
    attacker.rehash(8)  # the record itself is self-consistent: only the link gives it away
    return 8


@pytest.mark.parametrize(
    ("attack", "explanation"),
    [
        (edit_payload, "the stored hash does not match the record"),
        (edit_field, "the stored hash does not match the record"),
        (edit_time, "the stored hash does not match the record"),
        (delete_row, "the record is missing (deleted)"),
        (insert_row, "the stored hash does not match the record"),
        (insert_row_at_end, "the stored hash does not match the record"),
        (reorder_rows, "the stored hash does not match the record (edited, reordered or inserted)"),
        (break_link, "its prev_hash is not the hash of sequence 7 (broken link)"),
    ],
)
def test_each_kind_of_tampering_is_caught_at_its_sequence_number(
    filled: EventStore, attacker, attack, explanation: str
) -> None:
    first_bad = attack(attacker)
    result = verify(filled)
    assert not result.ok
    assert result.first_bad_seq == first_bad
    assert result.count == first_bad - 1
    assert result.problem is not None
    assert result.problem.startswith(f"Audit chain broken at sequence {first_bad}: {explanation}")


def test_a_small_batch_size_changes_nothing(filled: EventStore, attacker) -> None:
    edit_field(attacker)
    assert verify(filled, batch_size=3).first_bad_seq == 6


# -- signed checkpoints -------------------------------------------------------------------------------


def test_a_checkpoint_is_signed_by_a_key_created_on_first_use(filled: EventStore, key_path: Path) -> None:
    path = write_checkpoint(filled, key_path)
    assert path == key_path.parent / "checkpoints" / f"checkpoint-{EVENTS}.json"
    assert key_path.stat().st_mode & 0o777 == 0o600
    assert key_path.with_suffix(".pub").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    statement = read_checkpoint(path).statement
    assert (statement.seq, statement.head_hash) == filled.head()
    assert statement.log == f"govern-audit/{filled.log_id()}"
    assert statement.key_id == key_id_of(load_or_create_private_key(key_path).public_key())

    result = verify(filled, checkpoint=path, key_path=key_path)
    assert result.ok and result.checkpoint_seq == EVENTS
    # The auditor's copy of the public key is enough.
    assert verify(filled, checkpoint=path, key_path=key_path.with_suffix(".pub")).ok


def test_the_log_may_grow_past_a_checkpoint(
    filled: EventStore, key_path: Path, make_event: Callable[..., DomainEvent]
) -> None:
    path = write_checkpoint(filled, key_path, key_path.parent / "early.json")
    filled.append("grant/2027-200", [make_event(1, "grant/2027-200")], expected_version=0)
    result = verify(filled, checkpoint=path, key_path=key_path)
    assert (result.ok, result.count, result.checkpoint_seq) == (True, EVENTS + 1, EVENTS)
    assert result.sentence().endswith(f"; it extends the signed checkpoint at sequence {EVENTS}.")


def test_a_rehashed_tail_passes_plain_verify_but_not_the_checkpoint(
    filled: EventStore, key_path: Path, attacker, make_event: Callable[..., DomainEvent]
) -> None:
    path = write_checkpoint(filled, key_path)
    for number in range(EVENTS + 1, EVENTS + 4):
        filled.append("grant/2027-300", [make_event(number, "grant/2027-300")], expected_version=None)

    # Rewrite history from seq 7 (before the checkpoint at 10) and recompute every later hash consistently.
    attacker.run("UPDATE audit_events SET payload = :p WHERE seq = 7", p='{"amount_usd":"1.00"}')
    attacker.rehash_tail(7)
    assert verify(filled).ok, "a careful forger fools the chain alone"

    result = verify(filled, checkpoint=path, key_path=key_path)
    assert not result.ok
    assert result.first_bad_seq == EVENTS
    assert result.problem == (
        f"Audit chain broken at sequence {EVENTS}: the record no longer has the hash signed in the "
        "checkpoint (the log was rewritten at or before this point)."
    )


def test_a_truncated_log_fails_the_checkpoint(filled: EventStore, key_path: Path, attacker) -> None:
    path = write_checkpoint(filled, key_path)
    attacker.run("DELETE FROM audit_events WHERE seq > 7")
    assert verify(filled).ok
    result = verify(filled, checkpoint=path, key_path=key_path)
    assert (result.ok, result.first_bad_seq) == (False, 8)
    assert "truncated" in (result.problem or "")


def test_a_forged_checkpoint_is_rejected(filled: EventStore, key_path: Path, attacker, tmp_path: Path) -> None:
    genuine = write_checkpoint(filled, key_path)
    attacker.run("UPDATE audit_events SET payload = '{}' WHERE seq = 2")
    attacker.rehash_tail(2)

    # 1. Same signature, statement edited to match the rewritten log.
    document = json.loads(genuine.read_text())
    document["statement"]["head_hash"] = filled.head().hash
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(document))
    # 2. Re-signed with the attacker's own key, claiming that key's id.
    own_key = load_or_create_private_key(tmp_path / "attacker" / "key.pem")
    statement = CheckpointStatement.model_validate(document["statement"] | {"key_id": key_id_of(own_key.public_key())})
    resigned = tmp_path / "resigned.json"
    resigned.write_text(sign_statement(statement, own_key).model_dump_json())

    for forged in (edited, resigned):
        result = verify(filled, checkpoint=forged, key_path=key_path)
        assert not result.ok
        assert "signature does not verify with the configured key" in (result.problem or "")


def test_a_checkpoint_of_another_log_is_rejected(
    filled: EventStore, key_path: Path, tmp_path: Path, fill: Callable[..., None]
) -> None:
    with EventStore.open(f"sqlite:///{tmp_path / 'other.db'}") as other:
        fill(other, EVENTS)
        foreign = write_checkpoint(other, key_path, tmp_path / "other-checkpoint.json")
    result = verify(filled, checkpoint=foreign, key_path=key_path)
    assert not result.ok
    assert "is for log govern-audit/" in (result.problem or "")


def test_a_broken_log_is_not_signed(filled: EventStore, key_path: Path, attacker) -> None:
    edit_field(attacker)
    with pytest.raises(CheckpointError, match="Refusing to sign a broken log. Audit chain broken at sequence 6"):
        write_checkpoint(filled, key_path)


@pytest.mark.parametrize("content", ["", "{not json", '{"statement": {}, "signature": "x"}'])
def test_an_unreadable_checkpoint_file_is_one_sentence(
    filled: EventStore, key_path: Path, tmp_path: Path, content: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    write_checkpoint(filled, key_path)
    with pytest.raises(CheckpointError, match=f"The checkpoint file {path} is not a checkpoint"):
        verify(filled, checkpoint=path, key_path=key_path)
    with pytest.raises(CheckpointError, match="Cannot read the checkpoint file"):
        verify(filled, checkpoint=tmp_path / "missing.json", key_path=key_path)


def test_checking_needs_the_configured_key(filled: EventStore, key_path: Path, tmp_path: Path) -> None:
    path = write_checkpoint(filled, key_path)
    with pytest.raises(CheckpointError, match="No checkpoint key at"):
        verify(filled, checkpoint=path, key_path=tmp_path / "nowhere" / "key.pem")
