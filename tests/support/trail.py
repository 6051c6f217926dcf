"""What a test asks of a trail after a refusal: nothing in any case, and the attempt (if any) on the record."""

from store.event_store import EventStore
from store.projections import all_events


def case_events(store: EventStore) -> int:
    """Events in every stream but the record of refused attempts (`refusals/YYYY-MM`)."""
    return sum(1 for event in all_events(store) if not event.stream_id.startswith("refusals/"))


def refused_attempts(store: EventStore) -> list[tuple[str, str, str]]:
    """(case, action, rule) of each refused attempt on the record."""
    return [
        (event.payload["case"], event.payload["action"], event.payload["rule"])
        for event in all_events(store)
        if event.type == "CommandRefused"
    ]
