"""Refused attempts go on the record in their month's stream, names of fields but never their values, and one
person's flood of refusals is bounded, with the bound itself on the record."""

from datetime import UTC, datetime

from domain import refusal_record
from domain.commands import Channel, Command
from runtime.refusals import record
from store.event_store import EventStore
from store.verify import verify


def _attempt(actor: str = "head-of-programmes") -> Command:
    return Command(
        action="approve",
        actor=actor,
        fields={"decision": "approve"},
        comment="confidential reasoning",
        channel=Channel(name="web", sign_in="email-link", session="s-1a2b"),
    )


def test_a_refusal_is_recorded_in_its_months_stream_without_field_values(audit_store: EventStore) -> None:
    [event] = record(audit_store, "grant/2027-014", _attempt(), "delegation-of-authority", "Only the Director …")
    stream = f"refusals/{datetime.now(UTC):%Y-%m}"
    [stored] = audit_store.read_stream(stream)
    assert stored.event_id == event.event_id
    assert (stored.type, stored.actor, stored.outcome, stored.reason) == (
        "CommandRefused",
        "head-of-programmes",
        "refused",
        "Only the Director …",
    )
    assert stored.payload == {
        "case": "grant/2027-014",
        "action": "approve",
        "rule": "delegation-of-authority",
        "fields": ["decision"],
        "comment_given": True,
        "channel": {"name": "web", "sign_in": "email-link", "session": "s-1a2b"},
    }
    assert "confidential" not in str(stored.payload)
    assert audit_store.read_stream("grant/2027-014") == []
    assert verify(audit_store).ok


def test_a_flood_of_refusals_is_bounded_and_the_bound_is_on_the_record(audit_store: EventStore, monkeypatch) -> None:
    monkeypatch.setattr(refusal_record, "MONTHLY_LIMIT", 3)
    for _ in range(7):
        record(audit_store, "grant/2027-014", _attempt(), "delegation-of-authority", "refused")
    record(audit_store, "grant/2027-014", _attempt("finance-officer"), "assignment", "refused")
    trail = audit_store.read_stream(f"refusals/{datetime.now(UTC):%Y-%m}")
    mine = [event.type for event in trail if event.actor == "head-of-programmes"]
    assert mine == ["CommandRefused"] * 3 + ["RefusalsBounded"]
    assert [event.type for event in trail if event.actor == "finance-officer"] == ["CommandRefused"]


def test_the_record_of_refused_attempts_is_not_listed_as_a_case(audit_store: EventStore) -> None:
    from store.projections import case_rows

    record(audit_store, "grant/2027-014", _attempt(), "delegation-of-authority", "refused")
    assert case_rows(audit_store) == []
    assert case_rows(audit_store, participant="head-of-programmes") == []
