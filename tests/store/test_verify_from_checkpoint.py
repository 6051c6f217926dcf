"""Verifying only what was appended since a signed checkpoint, on both backends: it proves the new records extend
the signed head, and catches an edit after the checkpoint or a rewrite that reaches the checkpoint's record. An
edit before the checkpoint that was not re-hashed forward is left to full verification, which still catches it."""

from collections.abc import Callable
from pathlib import Path

import pytest

from domain.events import DomainEvent
from store.checkpoint import write_checkpoint
from store.event_store import EventStore
from store.verify import verify

SIGNED = 10
LATER = 4


@pytest.fixture
def grown(store: EventStore, fill: Callable[..., None], key_path: Path, make_event) -> tuple[EventStore, Path]:
    """A log of 10 records with a signed checkpoint of them, then 4 records appended since."""
    fill(store, SIGNED)
    checkpoint = write_checkpoint(store, key_path)
    for number in range(SIGNED + 1, SIGNED + LATER + 1):
        store.append("grant/2027-300", [make_event(number, "grant/2027-300")], expected_version=None)
    return store, checkpoint


def test_what_was_appended_since_the_checkpoint_verifies(grown: tuple[EventStore, Path], key_path: Path) -> None:
    store, checkpoint = grown
    result = verify(store, from_checkpoint=checkpoint, key_path=key_path)
    assert (result.ok, result.count, result.head_seq, result.checkpoint_seq) == (True, LATER, SIGNED + LATER, SIGNED)
    assert result.head_hash == store.head().hash
    assert result.sentence() == (
        f"Audit chain intact since the signed checkpoint at sequence {SIGNED}: {LATER} events appended since, "
        f"head {store.head().hash[:12]}… at sequence {SIGNED + LATER}."
    )


def test_an_edit_after_the_checkpoint_is_caught_at_its_sequence(
    grown: tuple[EventStore, Path], key_path: Path, attacker
) -> None:
    store, checkpoint = grown
    attacker.run("UPDATE audit_events SET actor = 'director' WHERE seq = 12")
    result = verify(store, from_checkpoint=checkpoint, key_path=key_path)
    assert (result.ok, result.first_bad_seq) == (False, 12)
    assert result.problem == (
        "Audit chain broken at sequence 12: the stored hash does not match the record (edited, reordered or inserted)."
    )
    assert verify(store).first_bad_seq == 12


def test_a_rehashed_record_after_the_checkpoint_breaks_the_link_to_the_next(
    grown: tuple[EventStore, Path], key_path: Path, attacker
) -> None:
    store, checkpoint = grown
    attacker.run("UPDATE audit_events SET reason = 'rewritten' WHERE seq = 12")
    attacker.rehash(12)
    result = verify(store, from_checkpoint=checkpoint, key_path=key_path)
    assert (result.ok, result.first_bad_seq) == (False, 13)
    assert "broken link" in (result.problem or "")


def test_a_rewrite_before_the_checkpoint_carried_forward_fails_at_the_checkpoints_record(
    grown: tuple[EventStore, Path], key_path: Path, attacker
) -> None:
    store, checkpoint = grown
    attacker.run("UPDATE audit_events SET payload = :p WHERE seq = 4", p='{"amount_usd":"1.00"}')
    attacker.rehash_tail(4)
    assert verify(store).ok, "a careful forger fools the chain alone"
    result = verify(store, from_checkpoint=checkpoint, key_path=key_path)
    assert (result.ok, result.first_bad_seq) == (False, SIGNED)
    assert result.problem == (
        f"Audit chain broken at sequence {SIGNED}: the record no longer has the hash signed in the checkpoint "
        "(the log was rewritten at or before this point)."
    )


def test_an_edit_before_the_checkpoint_is_left_to_full_verification(
    grown: tuple[EventStore, Path], key_path: Path, attacker
) -> None:
    store, checkpoint = grown
    attacker.run("UPDATE audit_events SET actor = 'director' WHERE seq = 4")
    assert verify(store, from_checkpoint=checkpoint, key_path=key_path).ok
    full = verify(store, checkpoint=checkpoint, key_path=key_path)
    assert (full.ok, full.first_bad_seq) == (False, 4)


def test_a_truncated_log_or_a_deleted_checkpoint_record_fails(
    grown: tuple[EventStore, Path], key_path: Path, attacker
) -> None:
    store, checkpoint = grown
    attacker.run(f"DELETE FROM audit_events WHERE seq = {SIGNED}")
    result = verify(store, from_checkpoint=checkpoint, key_path=key_path)
    assert (result.ok, result.first_bad_seq) == (False, SIGNED)
    assert result.problem == f"Audit chain broken at sequence {SIGNED}: the record is missing (deleted)."
    attacker.run(f"DELETE FROM audit_events WHERE seq > {SIGNED - 3}")
    result = verify(store, from_checkpoint=checkpoint, key_path=key_path)
    assert result.problem == (
        f"Audit chain broken at sequence {SIGNED}: the signed checkpoint covers {SIGNED} events but the log ends at "
        f"{SIGNED - 3} (truncated)."
    )


def test_a_checkpoint_of_the_empty_log_verifies_everything(
    store: EventStore, key_path: Path, make_event: Callable[..., DomainEvent]
) -> None:
    checkpoint = write_checkpoint(store, key_path)
    store.append("grant/2027-014", [make_event(1)], expected_version=0)
    result = verify(store, from_checkpoint=checkpoint, key_path=key_path)
    assert (result.ok, result.count, result.checkpoint_seq) == (True, 1, 0)
