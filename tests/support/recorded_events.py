"""What the examples recorded, for the tests that read it back through the typed event models: the events each
saved Temporal history handed to the audit activity, and the trail the example scenarios recorded in the store
(content sealed, channels stamped); and the round trip every recorded event must make."""

import base64
import json
from pathlib import Path
from typing import Any

from activities.audit import AuditActivities
from domain.commands import EventDraft
from domain.event_model import EventFamily
from domain.events import DomainEvent
from tests.support.governance_trail import trail_batches
from workflows.case_kind_workflows import activity_type

# The histories from before the store calls became local activities: there the activity's input, the batch
# itself, is in history (a local activity keeps only its result).
HISTORIES = sorted(
    (Path(__file__).resolve().parents[1] / "replay" / "histories-before-local-store-calls").glob("*.json")
)
RECORD_EVENTS = activity_type(AuditActivities.record_events)


def recorded_in_history(path: Path) -> list[DomainEvent]:
    """The events a saved history's workflow handed to `record_events`, as the activity received them."""
    history = json.loads(path.read_text(encoding="utf-8"))
    events = []
    for entry in history["events"]:
        attributes = entry.get("activityTaskScheduledEventAttributes")
        if attributes is None or attributes["activityType"]["name"] != RECORD_EVENTS:
            continue
        (payload,) = attributes["input"]["payloads"]
        request = json.loads(base64.b64decode(payload["data"]))
        events += [DomainEvent.model_validate(event) for event in request["events"]]
    return events


def recorded_in_trail() -> list[DomainEvent]:
    return [event for _, batch in trail_batches() for event in batch]


def assert_round_trip(event: DomainEvent | EventDraft, *families: EventFamily[Any]) -> None:
    """The event parses to the model of its type in the one family that has it, and dumps back to exactly the
    payload it was read from (the same dict, and the same canonical JSON)."""
    (family,) = [family for family in families if event.type in family.models]
    model = family.parse(event)
    assert model is not None and type(model).__name__ == event.type
    assert model.payload() == event.payload, event.type
    assert json.dumps(model.payload(), sort_keys=True) == json.dumps(event.payload, sort_keys=True)
