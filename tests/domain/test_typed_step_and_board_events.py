"""The shared step events, the Board decision's events and the Board referral's events read back as their
typed models and dump to exactly the payload they were read from, in every saved history and in the example
trail (see tests/domain/test_typed_events.py for the appraisal processes)."""

from pathlib import Path
from typing import Any

import pytest

from domain.board_decision_events import BOARD_DECISION_EVENTS
from domain.board_request import BOARD_REQUEST_EVENTS
from domain.cancellation import cancel_case
from domain.case import CaseState
from domain.commands import EventDraft
from domain.event_model import EventFamily
from domain.events import DomainEvent
from domain.step_events import STEP_EVENTS, TaskReassigned
from tests.support import recorded_events as recorded
from tests.support.recorded_events import HISTORIES, recorded_in_history, recorded_in_trail

FAMILIES: tuple[EventFamily[Any], ...] = (STEP_EVENTS, BOARD_DECISION_EVENTS, BOARD_REQUEST_EVENTS)


def typed(event: DomainEvent | EventDraft) -> bool:
    return any(event.type in family.models for family in FAMILIES)


def assert_round_trip(event: DomainEvent | EventDraft) -> None:
    recorded.assert_round_trip(event, *FAMILIES)


@pytest.mark.parametrize("history", HISTORIES, ids=lambda p: p.stem)
def test_every_step_and_board_event_of_a_saved_history_parses_and_dumps_back_unchanged(history: Path) -> None:
    for event in [event for event in recorded_in_history(history) if typed(event)]:
        assert_round_trip(event)


def test_every_step_and_board_event_of_the_example_trail_parses_and_dumps_back_unchanged() -> None:
    events = [event for event in recorded_in_trail() if typed(event)]
    assert {event.type for event in events} >= {"TaskOpened", "BoardDecisionOpened", "BoardDecisionRequested"}
    assert all("channel" in event.payload for event in events)  # the stamped key survives the round trip
    assert any("schedule" in event.payload for event in events if event.type == "TaskOpened")
    for event in events:
        assert_round_trip(event)


def test_every_step_and_board_event_type_is_seen_in_the_recorded_trails() -> None:
    """So that the two tests above cover each model, not only some."""
    seen = {event.type for event in recorded_in_trail()}
    for history in HISTORIES:
        seen |= {event.type for event in recorded_in_history(history)}
    missing = {name for family in FAMILIES for name in family.models} - seen
    # No example scenario extends, reassigns, delegates, cancels a case or objects; the tests below and
    # tests/domain cover those.
    assert missing <= {
        "DeadlineExtended",
        "TaskReassigned",
        "DelegationGranted",
        "CaseCancelled",
        "ObjectionLodged",
    }, missing


def test_a_reassignment_records_its_previous_assignee_under_from() -> None:
    """`from` is a Python keyword: the model's `previous` must still be recorded, and read, as `from`."""
    payload = {
        "task_id": "review",
        "from": "ana",
        "to": "ben",
        "schedule_request": {"opened_at": "2027-03-01T09:00:00+00:00"},
    }
    model = STEP_EVENTS.parse(DomainEvent.model_validate(_stored("TaskReassigned", payload)))
    assert isinstance(model, TaskReassigned) and model.previous == "ana"
    assert model.payload() == payload


def test_a_cancellation_dumps_its_null_reason_rather_than_leaving_it_out() -> None:
    (cancelled, closed) = cancel_case(CaseState(case_id="grant/1", kind="grant", stage="screening"), None)
    assert cancelled.payload == {"stage": "screening", "requested_reason": None}
    assert closed.payload == {"stage": "closed"}
    assert_round_trip(cancelled)


def test_a_changed_step_payload_does_not_dump_back_as_it_was_read() -> None:
    """The round trip would notice a model that dropped, renamed or nulled a key."""
    reminder = next(event for event in recorded_in_trail() if event.type == "ReminderSent")
    altered = reminder.model_copy(update={"payload": {**reminder.payload, "number": str(reminder.payload["number"])}})
    assert STEP_EVENTS.parse(altered).payload() != altered.payload


def _stored(event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_id": "e/1",
        "stream_id": "grant/1",
        "type": event_type,
        "actor": "director",
        "occurred_at": "2027-03-01T09:00:00+00:00",
        "payload": payload,
    }
