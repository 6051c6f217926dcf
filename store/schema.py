"""The audit store's tables, as SQLAlchemy Core metadata (the migrations create them; this mirrors them).

Timestamps are TEXT in the canonical form ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` on both backends: the hashed bytes
are then exactly the stored bytes, exports need no conversion, and fixed-width UTC text sorts in time order,
so range filters and indexes work on it directly.
"""

import sqlalchemy as sa

metadata = sa.MetaData()

# SQLite makes an INTEGER PRIMARY KEY the rowid: seq lookups and seq-ordered scans use the table's own b-tree.
_SEQ_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

audit_events = sa.Table(
    "audit_events",
    metadata,
    sa.Column("seq", _SEQ_TYPE, primary_key=True, autoincrement=False),
    sa.Column("stream_id", sa.Text, nullable=False),
    sa.Column("stream_version", sa.Integer, nullable=False),
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column("type", sa.Text, nullable=False),
    sa.Column("occurred_at", sa.Text, nullable=False),
    sa.Column("recorded_at", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("actor_role", sa.Text),
    sa.Column("on_behalf_of", sa.Text),
    sa.Column("reason", sa.Text),
    sa.Column("outcome", sa.Text),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("workflow_id", sa.Text),
    sa.Column("run_id", sa.Text),
    sa.Column("prev_hash", sa.Text, nullable=False),
    sa.Column("hash", sa.Text, nullable=False),
    sa.CheckConstraint("seq > 0", name="ck_audit_events_seq_positive"),
    sa.CheckConstraint("stream_version > 0", name="ck_audit_events_stream_version_positive"),
    sa.UniqueConstraint("event_id", name="uq_audit_events_event_id"),
    sa.UniqueConstraint("stream_id", "stream_version", name="uq_audit_events_stream_version"),
    # Each filter index ends in seq, so "filter, then page by seq" is one index range scan.
    sa.Index("ix_audit_events_actor_seq", "actor", "seq"),
    sa.Index("ix_audit_events_type_seq", "type", "seq"),
    sa.Index("ix_audit_events_occurred_at_seq", "occurred_at", "seq"),
)

# One row (id = 1). It names this log (the id signed into checkpoints, so a checkpoint of one database does
# not vouch for another) and, on PostgreSQL, is the row every append locks FOR UPDATE to serialise the chain.
audit_chain_head = sa.Table(
    "audit_chain_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("log_id", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.CheckConstraint("id = 1", name="ck_audit_chain_head_single_row"),
)

AUDIT_EVENT_COLUMNS: tuple[str, ...] = tuple(column.name for column in audit_events.columns)
