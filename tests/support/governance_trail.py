"""A real governance trail to replay into any store: the events five example scenarios recorded through
`govern simulate` (a grant with reminders and escalations, a grant with its Board no-objection procedure, a
policy review with attestations, five appraisals with sealed content, a Strategic Plan with its Annual Work
Plans and a year of quarterly reports), as `govern audit export` wrote them, without their chain fields. Each
event keeps the append batch it was recorded in, so a replay commits what one workflow commit committed.

Regenerate it (after an intended change of what those scenarios record) by simulating the five scenarios,
exporting each store with `govern audit export --format jsonl` and keeping, per event, `batch` and the domain
event's fields.
"""

import json
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path

from domain.events import DomainEvent
from store.event_store import EventStore

FIXTURE = Path(__file__).resolve().parents[1] / "store" / "fixtures" / "governance-trail.jsonl"


def trail_batches(copy: int = 0) -> Iterator[tuple[str, list[DomainEvent]]]:
    """(case, events) per recorded batch, in the order they were appended. A `copy` above 0 gives every case
    and event a new id (`grant/2027-031-c3`, `appraisal/20270003/fund-manager`, ...), so that the trail can be
    appended many times to one store."""
    records = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
    for _, group in groupby(records, key=lambda record: record["batch"]):
        events = []
        for record in group:
            fields = {key: value for key, value in record.items() if key != "batch"}
            if copy:
                fields["stream_id"] = renamed(fields["stream_id"], copy)
                fields["event_id"] = f"{fields['event_id']}-c{copy}"
            events.append(DomainEvent.model_validate(fields))
        yield events[0].stream_id, events


def renamed(case_id: str, copy: int) -> str:
    """The same kind of case under a new id (an appraisal's cycle year must stay digits)."""
    parts = case_id.split("/")
    parts[1] = f"{parts[1]}{copy:04d}" if parts[0] == "appraisal" else f"{parts[1]}-c{copy}"
    return "/".join(parts)


def replay(store: EventStore, copy: int = 0, limit: int | None = None) -> int:
    """Append the trail batch by batch (with optimistic concurrency, as the workflows do); returns the count."""
    appended = 0
    versions: dict[str, int] = {}
    for number, (case_id, events) in enumerate(trail_batches(copy)):
        if limit is not None and number >= limit:
            break
        store.append(case_id, events, expected_version=versions.get(case_id, 0))
        versions[case_id] = versions.get(case_id, 0) + len(events)
        appended += len(events)
    return appended
