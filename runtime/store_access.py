"""How an edge opens the audit store it reads: it must exist already, and it is never created or migrated here
(workers and `govern migrate` do that). Free of Temporal, so that a read loads only the store."""

from runtime.command_refused import CommandRefused
from runtime.settings import Settings
from store.errors import StoreError, StoreUnavailable
from store.event_store import EventStore


def existing_store(settings: Settings) -> EventStore:
    """The audit store, which must exist: edges only read it (workers write), so they never create one."""
    try:
        return EventStore.open_existing(settings.audit_database_url)
    except StoreError as error:
        raise CommandRefused(str(error), code=2) from None


def store_if_present(settings: Settings) -> EventStore | None:
    """The audit store, or None when its SQLite file does not exist yet (so no case can exist in it)."""
    try:
        return EventStore.open_existing(settings.audit_database_url)
    except StoreUnavailable as error:
        if str(error).startswith("No audit store at ") and settings.database_url is None:
            return None
        raise CommandRefused(str(error), code=2) from None
