"""Every recorded event of the instruments' registers and of the quarterly reports to the Board reads back as
its typed model and dumps to exactly the payload it was read from: the saved Temporal histories of the reports
(what their workflows sent to the audit activity) and the trail the example scenarios recorded in the store
(channels stamped). A register's saved histories hold no events of their own: each is a run continued as new,
started from the state its previous run folded."""

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from domain.board_report_events import BOARD_REPORT_EVENTS
from domain.event_model import EventFamily
from domain.events import DomainEvent
from domain.policy_register_events import POLICY_REGISTER_EVENTS, ReviewEnded
from tests.support import recorded_events as recorded
from tests.support.recorded_events import HISTORIES, recorded_in_history, recorded_in_trail

FAMILIES: tuple[EventFamily[Any], ...] = (POLICY_REGISTER_EVENTS, BOARD_REPORT_EVENTS)
REPORT_HISTORIES = [path for path in HISTORIES if "_report_" in path.name or "_risk_" in path.name]


def typed(event: DomainEvent) -> bool:
    return any(event.type in family.models for family in FAMILIES)


def assert_round_trip(event: DomainEvent) -> None:
    recorded.assert_round_trip(event, *FAMILIES)


@pytest.mark.parametrize("history", REPORT_HISTORIES, ids=lambda p: p.stem)
def test_every_report_event_of_a_saved_history_parses_and_dumps_back_unchanged(history: Path) -> None:
    events = [event for event in recorded_in_history(history) if typed(event)]
    assert [event.type for event in events] == [
        "BoardReportOpened",
        "QuarterlyReportSubmitted",
        "ReportAcknowledged",
    ]
    for event in events:
        assert_round_trip(event)


def test_both_kinds_of_report_are_in_the_saved_histories() -> None:
    kinds = {
        event.payload["report_kind"]
        for history in REPORT_HISTORIES
        for event in recorded_in_history(history)
        if event.type == "QuarterlyReportSubmitted"
    }
    assert kinds == {"progress", "risk"}


def test_every_register_and_report_event_of_the_example_trail_parses_and_dumps_back_unchanged() -> None:
    events = [event for event in recorded_in_trail() if typed(event)]
    assert {event.type for event in events} == {name for family in FAMILIES for name in family.models} - {
        "ReviewEnded"  # no example scenario ends a review without a publication; the test below covers it
    }
    assert all("channel" in event.payload for event in events)  # stamped keys survive the round trip
    for event in events:
        assert_round_trip(event)


def test_a_review_ended_without_publication_dumps_back_as_the_register_records_it() -> None:
    recorded = {"review_case": "policy/charter/review/1", "next_review_on": "2028-06-30", "channel": {"name": "system"}}
    event = ReviewEnded(review_case="policy/charter/review/1", next_review_on=date(2028, 6, 30)).draft("system")
    assert event.payload == {"review_case": "policy/charter/review/1", "next_review_on": "2028-06-30"}
    parsed = POLICY_REGISTER_EVENTS.parse(DomainEvent.model_validate(_stored("ReviewEnded", recorded)))
    assert isinstance(parsed, ReviewEnded) and parsed.payload() == recorded


def test_a_changed_payload_does_not_dump_back_as_it_was_read() -> None:
    """The round trip would notice a model that coerced a value: an instant pydantic would write with 'Z', a
    flag recorded as text."""
    (recorded,) = [event for event in recorded_in_trail() if event.type == "VersionRecorded"]
    for key, value in (("next_review_due_at", "2029-10-06T07:00:00Z"), ("reaffirmed", "true")):
        altered = recorded.model_copy(update={"payload": {**recorded.payload, key: value}})
        assert POLICY_REGISTER_EVENTS.parse(altered).payload() != altered.payload, key


def _stored(event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    (template,) = [event for event in recorded_in_trail() if event.type == "RegisterOpened"]
    return {**template.model_dump(), "type": event_type, "payload": payload}
