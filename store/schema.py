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

# -- read projections (migration 0002) ----------------------------------------------------------------------
# Kept from the events by the same pure `evolve` the workflows run, in the transaction of each append (see
# `store.projector`). They are a cache of the log, never a record: `govern projections rebuild` recomputes them
# and `govern projections check` proves them equal to the log.

# One row: every event up to `seq` is in the projections. A reader compares it with the log's head.
projection_cursor = sa.Table(
    "projection_cursor",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.CheckConstraint("id = 1", name="ck_projection_cursor_single_row"),
)

# One row per case: what lists show. `problem` is set (and the case's state left at its last good version) when
# the case's rules cannot fold one of its events.
projection_cases = sa.Table(
    "projection_cases",
    metadata,
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text),
    sa.Column("parent_id", sa.Text),
    sa.Column("stage", sa.Text),
    sa.Column("closed", sa.Boolean, nullable=False),
    sa.Column("outcome", sa.Text),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("title", sa.Text),
    sa.Column("amount_usd", sa.Text),
    sa.Column("requester", sa.Text),
    sa.Column("opened_at", sa.Text, nullable=False),
    sa.Column("last_event_at", sa.Text, nullable=False),
    sa.Column("last_seq", sa.BigInteger, nullable=False),
    sa.Column("next_due_at", sa.Text),
    sa.Column("problem", sa.Text),
    sa.Column("summary", sa.Text),  # JSON, for the kinds in `store.projection_rows.SUMMARY_KINDS`
    # Neither column changes once the case exists, so an append never rewrites these indexes. (Lists in order of
    # the last change sort the rows they select: an index on it would be rewritten by every append.)
    sa.Index("ix_projection_cases_kind", "kind"),
    sa.Index("ix_projection_cases_parent", "parent_id"),
    sqlite_with_rowid=False,
)

# Each case's folded state as JSON at `version`, written every few events and when the case closes; a reader
# folds the case's few later events onto it. Apart from the case row, so that the many appends between two
# snapshots rewrite a small row, not the state.
projection_snapshots = sa.Table(
    "projection_snapshots",
    metadata,
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("state", sa.Text),
    sqlite_with_rowid=False,
)

# The open steps of open cases: a desk is `assignee = ?`, the overdue list `due_at < now`.
projection_tasks = sa.Table(
    "projection_tasks",
    metadata,
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Column("task_id", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("assignee", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("opened_at", sa.Text, nullable=False),
    sa.Column("due_at", sa.Text),
    # The zone the due date was counted in, so a desk prints it on the assignee's clock without the
    # organisation file (null for steps scheduled before schedules recorded it).
    sa.Column("time_zone", sa.Text),
    # The due instant on that zone's clock, ISO-8601 with its offset (`2027-03-12T17:00:00+01:00`).
    sa.Column("due_local", sa.Text),
    sa.Column("on_due", sa.Text, nullable=False),
    sa.Column("officer", sa.Text),
    sa.Column("reminders_sent", sa.Integer, nullable=False),
    sa.Column("escalations_sent", sa.Integer, nullable=False),
    sa.Column("lapsed", sa.Boolean, nullable=False),
    sa.Index("ix_projection_tasks_assignee_due", "assignee", "due_at"),
    sa.Index("ix_projection_tasks_due", "due_at"),
    sqlite_with_rowid=False,
)

# Every out-of-office delegation recorded on a case, so that a substitute's desk is one indexed look-up.
projection_delegations = sa.Table(
    "projection_delegations",
    metadata,
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("absent", sa.Text, nullable=False),
    sa.Column("substitute", sa.Text, nullable=False),
    sa.Column("starts_on", sa.Text, nullable=False),
    sa.Column("ends_on", sa.Text, nullable=False),
    sa.Column("granted_by", sa.Text, nullable=False),
    sa.Index("ix_projection_delegations_substitute", "substitute", "ends_on"),
    sqlite_with_rowid=False,
)

# Everyone a case's events name (`domain.participation.people_named`): who may see the case.
projection_participants = sa.Table(
    "projection_participants",
    metadata,
    sa.Column("person", sa.Text, primary_key=True),
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Index("ix_projection_participants_case", "case_id"),
    sqlite_with_rowid=False,
)

PROJECTION_TABLES = (
    projection_cases,
    projection_snapshots,
    projection_tasks,
    projection_delegations,
    projection_participants,
)
