"""Reading events: the SELECTs behind read_stream and filtered, seq-paged reads.

Paging is keyset paging on seq (``seq > after_seq ORDER BY seq LIMIT n``): every page costs the same however
deep it is, and a page boundary never skips or repeats an event while others append.
Time filters compare the canonical UTC text, which sorts in time order (see `store.schema`).
"""

import sqlalchemy as sa

from store.canonical import canonical_time
from store.models import EventFilter
from store.rows import ROW_COLUMNS
from store.schema import audit_events

_COLUMNS = tuple(audit_events.c[name] for name in ROW_COLUMNS)


def stream_select(stream_id: str, from_version: int = 0, limit: int | None = None) -> sa.Select:
    """One case's events after `from_version`, in version order (the unique (stream, version) index)."""
    statement = (
        sa.select(*_COLUMNS)
        .where(audit_events.c.stream_id == stream_id, audit_events.c.stream_version > from_version)
        .order_by(audit_events.c.stream_version)
    )
    return statement if limit is None else statement.limit(limit)


def filtered_select(event_filter: EventFilter, limit: int | None = None) -> sa.Select:
    """Events matching every given criterion, after `after_seq`, in seq order."""
    c = audit_events.c
    conditions: list[sa.ColumnElement[bool]] = [c.seq > event_filter.after_seq]
    if event_filter.stream_id is not None:
        conditions.append(c.stream_id == event_filter.stream_id)
    if event_filter.actor is not None:
        conditions.append(c.actor == event_filter.actor)
    if event_filter.type is not None:
        conditions.append(c.type == event_filter.type)
    if event_filter.since is not None:
        conditions.append(c.occurred_at >= canonical_time(event_filter.since))
    if event_filter.until is not None:
        conditions.append(c.occurred_at < canonical_time(event_filter.until))
    statement = sa.select(*_COLUMNS).where(*conditions).order_by(c.seq)
    return statement if limit is None else statement.limit(limit)
