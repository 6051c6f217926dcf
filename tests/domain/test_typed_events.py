"""Every recorded event of the typed processes reads back as its typed model and dumps to exactly the payload
it was read from: the saved Temporal histories (what the workflows sent to the audit activity) and the trail
the example scenarios recorded in the store (content sealed, channels stamped)."""

from pathlib import Path
from typing import Any

import pytest

from domain.appraisal_cycle_events import APPRAISAL_CYCLE_EVENTS
from domain.appraisal_events import APPRAISAL_EVENTS
from domain.event_model import EventFamily
from domain.events import DomainEvent
from tests.support import recorded_events as recorded
from tests.support.recorded_events import HISTORIES, recorded_in_history, recorded_in_trail

FAMILIES: tuple[EventFamily[Any], ...] = (APPRAISAL_EVENTS, APPRAISAL_CYCLE_EVENTS)


def typed(event: DomainEvent) -> bool:
    return any(event.type in family.models for family in FAMILIES)


def assert_round_trip(event: DomainEvent) -> None:
    recorded.assert_round_trip(event, *FAMILIES)


@pytest.mark.parametrize("history", [path for path in HISTORIES if "appraisal" in path.name], ids=lambda p: p.stem)
def test_every_event_of_a_saved_history_parses_and_dumps_back_unchanged(history: Path) -> None:
    events = [event for event in recorded_in_history(history) if typed(event)]
    assert events
    for event in events:
        assert_round_trip(event)


def test_every_event_of_the_example_trail_parses_and_dumps_back_unchanged() -> None:
    events = [event for event in recorded_in_trail() if typed(event)]
    assert {event.type for event in events} >= {"AppraisalCycleOpened", "AppraisalsLaunched", "AppraisalOpened"}
    assert any("sealed" in event.payload for event in events)  # stamped and sealed keys survive the round trip
    assert all("channel" in event.payload for event in events)
    for event in events:
        assert_round_trip(event)


def test_every_appraisal_event_type_is_seen_in_the_recorded_trails() -> None:
    """So that the two tests above cover each model, not only some."""
    seen = {event.type for event in recorded_in_trail()}
    for history in HISTORIES:
        seen |= {event.type for event in recorded_in_history(history)}
    missing = {name for family in FAMILIES for name in family.models} - seen
    assert missing <= {"RebuttalWaived"}, missing  # no example scenario waives; tests/domain cover it


def test_a_changed_payload_does_not_dump_back_as_it_was_read() -> None:
    """The round trip would notice a model that dropped, renamed or nulled a key."""
    (opened,) = [event for event in recorded_in_trail() if event.type == "AppraisalCycleOpened"][:1]
    altered = opened.model_copy(update={"payload": {**opened.payload, "cycle": str(opened.payload["cycle"])}})
    assert APPRAISAL_CYCLE_EVENTS.parse(altered).payload() != altered.payload
