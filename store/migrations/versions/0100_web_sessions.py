"""Create the web front's working tables: sign-in links, OpenID Connect sign-ins under way, sessions.

They hold only hashes of secrets (see `store.web_sessions`) and, unlike the audit trail, may be updated and
pruned, so they get no append-only triggers.

Revision ID: 0100_web_sessions
Revises: 0002_read_projections
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0100_web_sessions"
down_revision: str | None = "0002_read_projections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_sign_in_links",
        sa.Column("token_hash", sa.Text, primary_key=True),
        sa.Column("person_id", sa.Text, nullable=False),
        sa.Column("browser_hash", sa.Text, nullable=False),
        sa.Column("next_path", sa.Text),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("expires_at", sa.Text, nullable=False),
        sa.Column("used_at", sa.Text),
    )
    op.create_index("ix_web_sign_in_links_expires_at", "web_sign_in_links", ["expires_at"])
    op.create_table(
        "web_oidc_logins",
        sa.Column("state_hash", sa.Text, primary_key=True),
        sa.Column("browser_hash", sa.Text, nullable=False),
        sa.Column("next_path", sa.Text),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("expires_at", sa.Text, nullable=False),
        sa.Column("used_at", sa.Text),
    )
    op.create_index("ix_web_oidc_logins_expires_at", "web_oidc_logins", ["expires_at"])
    op.create_table(
        "web_sessions",
        sa.Column("session_hash", sa.Text, primary_key=True),
        sa.Column("person_id", sa.Text, nullable=False),
        sa.Column("sign_in", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("last_seen_at", sa.Text, nullable=False),
        sa.Column("expires_at", sa.Text, nullable=False),
        sa.Column("ended_at", sa.Text),
    )
    op.create_index("ix_web_sessions_expires_at", "web_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_table("web_sessions")
    op.drop_table("web_oidc_logins")
    op.drop_table("web_sign_in_links")
