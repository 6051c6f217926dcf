"""Appending refused attempts to their month's stream (the rule is in `domain.refusal_record`)."""

import uuid
from datetime import UTC, datetime

from domain import refusal_record
from domain.commands import Command
from domain.events import DomainEvent
from store.event_store import EventStore
from store.models import EventFilter


def record(store: EventStore, case_id: str, command: Command, rule: str, sentence: str) -> list[DomainEvent]:
    """Append what one refusal puts on the record (nothing once the actor's monthly bound is reached)."""
    now = datetime.now(UTC)
    stream = refusal_record.refusal_stream(now)
    actor = command.actor or "unknown"
    earlier = store.read(EventFilter(stream_id=stream, actor=actor, limit=refusal_record.MONTHLY_LIMIT + 2))
    drafts = refusal_record.drafts_for(case_id, command, rule, sentence, [event.type for event in earlier.events])
    events = [
        DomainEvent(event_id=f"refusal-{uuid.uuid4()}", stream_id=stream, occurred_at=now, **draft.model_dump())
        for draft in drafts
    ]
    if events:
        store.append(stream, events, expected_version=None)
    return events
