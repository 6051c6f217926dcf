"""Read projections kept from the events: cases (and their state snapshots), open tasks, delegations,
participants, and the cursor that says how far they have folded the log; filled here from whatever log the store
already holds.

Revision ID: 0002_read_projections
Revises: 0001_audit_events
Create Date: 2027-01-15

The tables are spelled out here, as they were at this revision. Filling them needs the rules that fold the events
(`domain/`), so it calls the store's own rebuild: the same code `govern projections rebuild` runs.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_read_projections"
down_revision: str | None = "0001_audit_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SEQ_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# On SQLite a table keyed by text is stored in its primary key's own b-tree (WITHOUT ROWID), so a row written by
# an append touches one b-tree, not a rowid table and the key's index beside it.


def upgrade() -> None:
    cursor_table = op.create_table(
        "projection_cursor",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", _SEQ_TYPE, nullable=False),
        sa.CheckConstraint("id = 1", name="ck_projection_cursor_single_row"),
    )
    op.bulk_insert(cursor_table, [{"id": 1, "seq": 0}])
    op.create_table(
        "projection_cases",
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
        sa.Column("last_seq", _SEQ_TYPE, nullable=False),
        sa.Column("next_due_at", sa.Text),
        sa.Column("problem", sa.Text),
        sa.Column("summary", sa.Text),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_projection_cases_kind", "projection_cases", ["kind"])
    op.create_index("ix_projection_cases_parent", "projection_cases", ["parent_id"])
    op.create_table(
        "projection_snapshots",
        sa.Column("case_id", sa.Text, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("state", sa.Text),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "projection_tasks",
        sa.Column("case_id", sa.Text, primary_key=True),
        sa.Column("task_id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("assignee", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("opened_at", sa.Text, nullable=False),
        sa.Column("due_at", sa.Text),
        sa.Column("time_zone", sa.Text),
        sa.Column("due_local", sa.Text),
        sa.Column("on_due", sa.Text, nullable=False),
        sa.Column("officer", sa.Text),
        sa.Column("reminders_sent", sa.Integer, nullable=False),
        sa.Column("escalations_sent", sa.Integer, nullable=False),
        sa.Column("lapsed", sa.Boolean, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_projection_tasks_assignee_due", "projection_tasks", ["assignee", "due_at"])
    op.create_index("ix_projection_tasks_due", "projection_tasks", ["due_at"])
    op.create_table(
        "projection_delegations",
        sa.Column("case_id", sa.Text, primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("absent", sa.Text, nullable=False),
        sa.Column("substitute", sa.Text, nullable=False),
        sa.Column("starts_on", sa.Text, nullable=False),
        sa.Column("ends_on", sa.Text, nullable=False),
        sa.Column("granted_by", sa.Text, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_projection_delegations_substitute", "projection_delegations", ["substitute", "ends_on"])
    op.create_table(
        "projection_participants",
        sa.Column("person", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, primary_key=True),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_projection_participants_case", "projection_participants", ["case_id"])

    _fill_from_the_log()


def _fill_from_the_log() -> None:
    # Imported here: only this step needs the rules, and a downgrade must not.
    from store.projector import Projector

    bind = op.get_bind()
    projector = Projector(bind.dialect.name)
    connection = bind.connection  # the DB-API connection, inside the migration's transaction
    cursor = connection.cursor()
    try:
        cursor.execute("SELECT max(seq) FROM audit_events")
        row = cursor.fetchone()
        assert row is not None  # an aggregate always answers with one row
        head = int(row[0] or 0)
        if head:
            projector.rebuild(connection, cursor, head)
    finally:
        cursor.close()


def downgrade() -> None:
    for table in (
        "projection_participants",
        "projection_delegations",
        "projection_tasks",
        "projection_snapshots",
        "projection_cases",
        "projection_cursor",
    ):
        op.drop_table(table)
