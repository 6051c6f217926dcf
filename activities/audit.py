"""Appending a case's events to the audit store. Idempotent: the events' ids make a retried append a no-op."""

from pydantic import BaseModel
from temporalio import activity

from domain.events import DomainEvent
from store.event_store import EventStore


class AppendRequest(BaseModel):
    stream_id: str
    expected_version: int
    events: list[DomainEvent]
    workflow_id: str | None = None
    run_id: str | None = None


class AppendReceipt(BaseModel):
    stream_version: int
    last_sequence: int


class AuditActivities:
    def __init__(self, store: EventStore) -> None:
        self._store = store

    @activity.defn(name="record_events")
    def record_events(self, request: AppendRequest) -> AppendReceipt:
        stored = self._store.append(
            request.stream_id,
            request.events,
            expected_version=request.expected_version,
            workflow_id=request.workflow_id,
            run_id=request.run_id,
        )
        activity.logger.info(
            "recorded %d events on %s up to version %d",
            len(stored),
            request.stream_id,
            stored[-1].stream_version,
        )
        return AppendReceipt(stream_version=stored[-1].stream_version, last_sequence=stored[-1].seq)
