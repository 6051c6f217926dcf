"""Reading: one case's trail, filters by actor, type and time, and seq paging. Both backends."""

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError

from domain.events import DomainEvent
from store.event_store import EventStore
from store.models import EventFilter, StoredEvent


@pytest.fixture
def governance_log(store: EventStore, make_event: Callable[..., DomainEvent]) -> EventStore:
    """Two grants and a policy review, ten events, one minute apart."""
    script = [
        ("grant/2027-014", "GrantSubmitted", "programme-officer-1"),
        ("grant/2027-014", "ReviewAssigned", "system"),
        ("grant/2027-015", "GrantSubmitted", "programme-officer-2"),
        ("policy/travel", "ReviewOpened", "compliance-officer"),
        ("grant/2027-014", "ReminderSent", "system"),
        ("grant/2027-014", "GrantApproved", "director"),
        ("grant/2027-015", "ReviewAssigned", "system"),
        ("policy/travel", "ReminderSent", "system"),
        ("grant/2027-015", "GrantRejected", "director"),
        ("policy/travel", "ReviewClosed", "compliance-officer"),
    ]
    for number, (stream, event_type, actor) in enumerate(script, start=1):
        event = make_event(number, stream, type=event_type, actor=actor)
        store.append(stream, [event], expected_version=None)
    return store


def seqs(events: list[StoredEvent]) -> list[int]:
    return [event.seq for event in events]


def test_one_case_trail_in_version_order(governance_log: EventStore) -> None:
    trail = governance_log.read_stream("grant/2027-014")
    assert [e.type for e in trail] == ["GrantSubmitted", "ReviewAssigned", "ReminderSent", "GrantApproved"]
    assert [e.stream_version for e in trail] == [1, 2, 3, 4]
    assert seqs(governance_log.read_stream("grant/2027-014", from_version=2)) == [5, 6]
    assert seqs(governance_log.read_stream("grant/2027-014", from_version=1, limit=2)) == [2, 5]
    assert governance_log.read_stream("grant/2099-001") == []


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({}, list(range(1, 11))),
        ({"stream_id": "policy/travel"}, [4, 8, 10]),
        ({"actor": "director"}, [6, 9]),
        ({"type": "ReminderSent"}, [5, 8]),
        ({"actor": "system", "stream_id": "grant/2027-015"}, [7]),
        ({"after_seq": 7}, [8, 9, 10]),
        ({"type": "GrantSubmitted", "after_seq": 1}, [3]),
    ],
)
def test_filters_combine(governance_log: EventStore, criteria: dict, expected: list[int]) -> None:
    assert seqs(governance_log.read(EventFilter(**criteria)).events) == expected


def test_time_range_is_since_inclusive_until_exclusive(governance_log: EventStore, t0: datetime) -> None:
    window = EventFilter(since=t0 + timedelta(minutes=3), until=t0 + timedelta(minutes=6))
    assert seqs(governance_log.read(window).events) == [3, 4, 5]
    assert seqs(governance_log.read(EventFilter(since=t0 + timedelta(minutes=9))).events) == [9, 10]
    assert seqs(governance_log.read(EventFilter(until=t0 + timedelta(minutes=2))).events) == [1]


def test_paging_visits_every_match_once(governance_log: EventStore) -> None:
    seen: list[int] = []
    cursor = EventFilter(actor="system", limit=2)
    pages = 0
    while True:
        page = governance_log.read(cursor)
        pages += 1
        seen += seqs(page.events)
        if page.next_after_seq is None:
            break
        cursor = cursor.model_copy(update={"after_seq": page.next_after_seq})
    assert seen == [2, 5, 7, 8]
    assert pages == 2


def test_a_page_that_ends_exactly_at_the_last_match_says_so(governance_log: EventStore) -> None:
    page = governance_log.read(EventFilter(stream_id="policy/travel", limit=3))
    assert seqs(page.events) == [4, 8, 10]
    assert page.next_after_seq is None


def test_filters_refuse_naive_times_and_inverted_ranges(t0: datetime) -> None:
    with pytest.raises(ValidationError):
        EventFilter(since=datetime(2027, 3, 1))
    with pytest.raises(ValidationError):
        EventFilter(since=t0, until=t0 - timedelta(days=1))
    with pytest.raises(ValidationError):
        EventFilter(limit=0)


def test_reading_one_case_uses_an_index(store: EventStore) -> None:
    # A trail must stay a few milliseconds deep in a million events: the plan must not scan the table.
    query = "SELECT * FROM audit_events WHERE stream_id = 'grant/2027-014' AND stream_version > 0"
    with store.engine.connect() as connection:
        if store.backend == "sqlite":
            plan = " ".join(str(row[-1]) for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + query))
            assert plan.startswith("SEARCH audit_events USING INDEX"), plan
        else:
            connection.exec_driver_sql("SET enable_seqscan = off")
            plan = " ".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + query))
            assert "Index" in plan, plan
