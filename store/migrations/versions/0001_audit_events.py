"""Create the append-only, hash-chained audit_events table and the audit_chain_head row.

Revision ID: 0001_audit_events
Revises:
Create Date: 2026-11-28
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0001_audit_events"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SEQ_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_APPEND_ONLY_TABLES = ("audit_events", "audit_chain_head")

# The database itself refuses to change history, so a bug or a careless UPDATE in a console cannot alter the
# record; someone who drops these triggers on purpose is caught by the hash chain and signed checkpoints.
_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER {table}_refuse_{op_name.lower()} BEFORE {op_name} ON {table} "
    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op_name} refused'); END"
    for table in _APPEND_ONLY_TABLES
    for op_name in ("UPDATE", "DELETE")
]

_POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END
$$
"""
_POSTGRES_TRIGGERS = [
    statement
    for table in _APPEND_ONLY_TABLES
    for statement in (
        f"CREATE TRIGGER {table}_refuse_update_delete BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()",
        f"CREATE TRIGGER {table}_refuse_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()",
    )
]


def upgrade() -> None:
    op.create_table(
        "audit_events",
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
    )
    op.create_index("ix_audit_events_actor_seq", "audit_events", ["actor", "seq"])
    op.create_index("ix_audit_events_type_seq", "audit_events", ["type", "seq"])
    op.create_index("ix_audit_events_occurred_at_seq", "audit_events", ["occurred_at", "seq"])

    head = op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("log_id", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.CheckConstraint("id = 1", name="ck_audit_chain_head_single_row"),
    )
    created_at = datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    op.bulk_insert(head, [{"id": 1, "log_id": uuid.uuid4().hex, "created_at": created_at}])

    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_FUNCTION)
        for statement in _POSTGRES_TRIGGERS:
            op.execute(statement)
    else:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    # Dropping the tables drops their triggers on both backends.
    op.drop_table("audit_chain_head")
    op.drop_table("audit_events")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_refuse_change()")
