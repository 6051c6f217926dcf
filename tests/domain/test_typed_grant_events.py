"""Every recorded event of a grant reads back as its typed model (`domain.grant.events`) and dumps to exactly
the payload it was read from: the grants' saved Temporal histories and the example trail's grants."""

from pathlib import Path

import pytest

from domain.events import DomainEvent
from domain.grant import GRANT_EVENTS
from tests.support import recorded_events as recorded
from tests.support.recorded_events import HISTORIES, recorded_in_history, recorded_in_trail


def is_grant(event: DomainEvent) -> bool:
    """A grant's own event; a Board decision's events (`grant/<ref>/board/<n>`) are not the grant's."""
    return (
        event.stream_id.startswith("grant/") and "/board/" not in event.stream_id and event.type in GRANT_EVENTS.models
    )


def assert_round_trip(event: DomainEvent) -> None:
    recorded.assert_round_trip(event, GRANT_EVENTS)


GRANT_HISTORIES = [path for path in HISTORIES if "grant_" in path.name and "board" not in path.name]


@pytest.mark.parametrize("history", GRANT_HISTORIES, ids=lambda p: p.stem)
def test_every_grant_event_of_a_saved_history_parses_and_dumps_back_unchanged(history: Path) -> None:
    events = [event for event in recorded_in_history(history) if is_grant(event)]
    assert events
    for event in events:
        assert_round_trip(event)


def test_every_grant_event_of_the_example_trail_parses_and_dumps_back_unchanged() -> None:
    events = [event for event in recorded_in_trail() if is_grant(event)]
    assert {event.type for event in events} >= {"GrantSubmitted", "TrancheReleased", "GrantApproved"}
    assert all("channel" in event.payload for event in events)  # stamped keys survive the round trip
    for event in events:
        assert_round_trip(event)


def test_the_grant_event_types_seen_in_the_recorded_trails() -> None:
    """So that the two tests above cover each model, not only some; the rest are covered in tests/domain."""
    seen = {event.type for event in recorded_in_trail() if is_grant(event)}
    for history in GRANT_HISTORIES:
        seen |= {event.type for event in recorded_in_history(history) if is_grant(event)}
    missing = set(GRANT_EVENTS.models) - seen
    assert missing <= {"InformationProvided", "GrantRejected", "GrantWithdrawn"}, missing  # no example reaches them


def test_a_changed_grant_payload_does_not_dump_back_as_it_was_read() -> None:
    """The round trip would notice a model that dropped, renamed or retyped a key: an amount recorded as a
    number rather than as the text of a decimal does not dump back as it was read."""
    (submitted, *_) = [event for event in recorded_in_trail() if event.type == "GrantSubmitted"]
    altered = submitted.model_copy(update={"payload": {**submitted.payload, "amount_usd": 432000.0}})
    assert GRANT_EVENTS.parse(altered).payload() != altered.payload
