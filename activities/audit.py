"""Appending a case's events to the audit store. Idempotent: the events' ids make a retried append a no-op.

Confidential content (`payload["content"]`) is sealed here, just before the append, so that only ciphertext
reaches the store and the chain hash covers the sealed form. Sealing is deterministic per event id, so a retry
resends the very same records.
"""

from pydantic import BaseModel
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.events import DomainEvent
from runtime.sealing import CONTENT_KEY, ContentSealer
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
    #: The ids of the events recorded: a local activity's input is not kept in history, its result is, so this
    #: is what `govern audit reconcile` compares with the trail (receipts recorded before it have none).
    event_ids: list[str] = []


class AuditActivities:
    """Holds the store and, when GOVERN_CODEC_KEYS is set, the sealer for confidential content."""

    def __init__(self, store: EventStore, sealer: ContentSealer | None = None) -> None:
        self._store = store
        self._sealer = sealer

    @activity.defn(name="record_events")
    def record_events(self, request: AppendRequest) -> AppendReceipt:
        events = self._sealed(request)
        stored = self._store.append(
            request.stream_id,
            events,
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
        return AppendReceipt(
            stream_version=stored[-1].stream_version,
            last_sequence=stored[-1].seq,
            event_ids=[event.event_id for event in stored],
        )

    def _sealed(self, request: AppendRequest) -> list[DomainEvent]:
        """The batch with every content sealed, or a retryable refusal of the whole batch when there is no key.

        Retryable on purpose: content must never be stored in clear, and once the worker restarts with the key
        the same activity, retried by Temporal, records the batch and the case goes on.
        """
        sealer = self._sealer
        if sealer is None:
            for event in request.events:
                if CONTENT_KEY in event.payload:
                    raise ApplicationError(
                        f"Event {event.type} of {event.stream_id} carries confidential content, but this worker "
                        "has no content key: set GOVERN_CODEC_KEYS.",
                        type="ContentKeyMissing",
                    )
            return request.events
        return [sealer.seal(event) for event in request.events]
