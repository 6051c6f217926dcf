"""The tamper-evident audit event store: append-only, hash-chained, verifiable, with signed checkpoints.

Workflows never import this package; activities and the CLI do. Its names load on first use, so that a module
of the package that needs only the standard library (`store.desk_sql`, for the CLI's lean reads) can be
imported without SQLAlchemy, alembic and cryptography coming along.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_WHERE = {
    "GENESIS_HASH": "store.canonical",
    "SignedCheckpoint": "store.checkpoint",
    "write_checkpoint": "store.checkpoint",
    "AppendRejected": "store.errors",
    "CheckpointError": "store.errors",
    "ConcurrencyConflict": "store.errors",
    "StoreError": "store.errors",
    "StoreUnavailable": "store.errors",
    "EventStore": "store.event_store",
    "EXPORT_FORMATS": "store.export",
    "ExportFormat": "store.export",
    "export_events": "store.export",
    "upgrade": "store.migrate",
    "ChainHead": "store.models",
    "EventFilter": "store.models",
    "Page": "store.models",
    "StoredEvent": "store.models",
    "VerifyResult": "store.verify",
    "verify": "store.verify",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'store' has no attribute {name!r}")
    return getattr(__import__(_WHERE[name], fromlist=[name]), name)
