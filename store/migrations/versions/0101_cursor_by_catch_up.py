"""The projection cursor becomes what a catch-up or a rebuild reached; an append no longer moves it.

An append that keeps the projections writes its case's row with the sequence number it reached, so the
projections are in step exactly when the log's last event is on its case's row (`store.desk_sql.LAG`). The
schema does not change. The revision does, so that code from before this change (which reads the cursor alone,
and would find it behind) refuses the store and says to migrate, instead of calling its projections stale.

Downgrading puts the cursor where the projections reach, which is what the code before this change expects.

Revision ID: 0101_cursor_by_catch_up
Revises: 0100_web_sessions
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0101_cursor_by_catch_up"
down_revision: str | None = "0100_web_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FURTHEST_CASE_ROW = "COALESCE((SELECT max(last_seq) FROM projection_cases), 0)"


def upgrade() -> None:
    """Nothing to write: the cursor as it stands is where the last append reached, which is never ahead."""


def downgrade() -> None:
    op.execute(f"UPDATE projection_cursor SET seq = {_FURTHEST_CASE_ROW} WHERE id = 1 AND seq < {_FURTHEST_CASE_ROW}")
