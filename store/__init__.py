"""The tamper-evident audit event store: append-only, hash-chained, verifiable, with signed checkpoints.

Workflows never import this package; activities and the CLI do.
"""

from store.canonical import GENESIS_HASH
from store.checkpoint import SignedCheckpoint, write_checkpoint
from store.errors import (
    AppendRejected,
    CheckpointError,
    ConcurrencyConflict,
    StoreError,
    StoreUnavailable,
)
from store.event_store import EventStore
from store.export import EXPORT_FORMATS, ExportFormat, export_events
from store.migrate import upgrade
from store.models import ChainHead, EventFilter, Page, StoredEvent
from store.verify import VerifyResult, verify

__all__ = [
    "GENESIS_HASH",
    "AppendRejected",
    "ChainHead",
    "CheckpointError",
    "ConcurrencyConflict",
    "EXPORT_FORMATS",
    "EventFilter",
    "EventStore",
    "ExportFormat",
    "Page",
    "SignedCheckpoint",
    "StoreError",
    "StoreUnavailable",
    "StoredEvent",
    "VerifyResult",
    "export_events",
    "upgrade",
    "verify",
    "write_checkpoint",
]
