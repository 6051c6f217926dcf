"""Where the web front keeps sign-in links, pending OpenID Connect sign-ins and sessions: tables in the audit
store's database, so that every web process of an installation shares them (SQLite or PostgreSQL).

Only hashes of secrets are stored: the SHA-256 of a link's token, of a session's id, of an OpenID `state`, and
of the browser cookie a link or a sign-in is bound to. Someone who reads these tables cannot sign in with them.

Unlike `audit_events`, these rows change (a link is used, a session ends) and are deleted once expired: they
are working state, not the record. The record of what a person did is the audit trail, whose events carry the
session's reference (`web.sessions.session_reference`).

Single use is one conditional UPDATE (`... WHERE used_at IS NULL`), so two processes redeeming the same link at
once cannot both succeed.
"""

from datetime import datetime, timedelta
from typing import Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlalchemy.engine import Engine

from store.canonical import canonical_time, parse_canonical_time

web_metadata = sa.MetaData()

web_sign_in_links = sa.Table(
    "web_sign_in_links",
    web_metadata,
    sa.Column("token_hash", sa.Text, primary_key=True),
    sa.Column("person_id", sa.Text, nullable=False),
    sa.Column("browser_hash", sa.Text, nullable=False),
    sa.Column("next_path", sa.Text),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("expires_at", sa.Text, nullable=False),
    sa.Column("used_at", sa.Text),
    sa.Index("ix_web_sign_in_links_expires_at", "expires_at"),
)

web_oidc_logins = sa.Table(
    "web_oidc_logins",
    web_metadata,
    sa.Column("state_hash", sa.Text, primary_key=True),
    sa.Column("browser_hash", sa.Text, nullable=False),
    sa.Column("next_path", sa.Text),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("expires_at", sa.Text, nullable=False),
    sa.Column("used_at", sa.Text),
    sa.Index("ix_web_oidc_logins_expires_at", "expires_at"),
)

web_sessions = sa.Table(
    "web_sessions",
    web_metadata,
    sa.Column("session_hash", sa.Text, primary_key=True),
    sa.Column("person_id", sa.Text, nullable=False),
    sa.Column("sign_in", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("last_seen_at", sa.Text, nullable=False),
    sa.Column("expires_at", sa.Text, nullable=False),
    sa.Column("ended_at", sa.Text),
    sa.Index("ix_web_sessions_expires_at", "expires_at"),
)

#: Rows this long past their expiry are deleted when a new one is written.
KEEP_EXPIRED = timedelta(days=1)

Redemption = Literal["ok", "unknown", "used", "expired", "other-browser"]


class LinkRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    person_id: str
    next_path: str | None
    expires_at: datetime


class PendingSignIn(BaseModel):
    model_config = ConfigDict(frozen=True)

    next_path: str | None


class SessionRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    session_hash: str
    person_id: str
    sign_in: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ended_at: datetime | None


class WebSessionStore:
    """The three tables on one engine (the audit store's)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- e-mailed sign-in links ------------------------------------------------------------------------------

    def add_link(
        self,
        token_hash: str,
        person_id: str,
        browser_hash: str,
        next_path: str | None,
        now: datetime,
        lifetime: timedelta,
    ) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                web_sign_in_links.delete().where(web_sign_in_links.c.expires_at < canonical_time(now - KEEP_EXPIRED))
            )
            connection.execute(
                web_sign_in_links.insert().values(
                    token_hash=token_hash,
                    person_id=person_id,
                    browser_hash=browser_hash,
                    next_path=next_path,
                    created_at=canonical_time(now),
                    expires_at=canonical_time(now + lifetime),
                )
            )

    def outstanding_links(self, person_id: str, now: datetime) -> int:
        """The person's links that are neither used nor expired."""
        table = web_sign_in_links
        with self._engine.connect() as connection:
            return int(
                connection.execute(
                    sa.select(sa.func.count())
                    .select_from(table)
                    .where(
                        table.c.person_id == person_id,
                        table.c.used_at.is_(None),
                        table.c.expires_at > canonical_time(now),
                    )
                ).scalar_one()
            )

    def redeem_link(self, token_hash: str, browser_hash: str, now: datetime) -> tuple[Redemption, LinkRow | None]:
        """Use the link once: 'ok' with its row, or why not. A link opened in another browser stays unused, so
        the person can still open it where they asked for it."""
        table = web_sign_in_links
        with self._engine.begin() as connection:
            used = connection.execute(
                table.update()
                .where(
                    table.c.token_hash == token_hash,
                    table.c.used_at.is_(None),
                    table.c.browser_hash == browser_hash,
                    table.c.expires_at > canonical_time(now),
                )
                .values(used_at=canonical_time(now))
            )
            row = connection.execute(sa.select(table).where(table.c.token_hash == token_hash)).mappings().first()
        if row is None:
            return "unknown", None
        link = LinkRow(
            person_id=row["person_id"], next_path=row["next_path"], expires_at=parse_canonical_time(row["expires_at"])
        )
        if used.rowcount == 1:
            return "ok", link
        if row["used_at"] is not None:
            return "used", link
        if row["expires_at"] <= canonical_time(now):
            return "expired", link
        return "other-browser", link

    # -- OpenID Connect sign-ins under way --------------------------------------------------------------------

    def add_oidc_login(
        self, state_hash: str, browser_hash: str, next_path: str | None, now: datetime, lifetime: timedelta
    ) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                web_oidc_logins.delete().where(web_oidc_logins.c.expires_at < canonical_time(now - KEEP_EXPIRED))
            )
            connection.execute(
                web_oidc_logins.insert().values(
                    state_hash=state_hash,
                    browser_hash=browser_hash,
                    next_path=next_path,
                    created_at=canonical_time(now),
                    expires_at=canonical_time(now + lifetime),
                )
            )

    def redeem_oidc_login(self, state_hash: str, browser_hash: str, now: datetime) -> PendingSignIn | None:
        """The sign-in this browser began with this `state`, once; None for any other state."""
        table = web_oidc_logins
        with self._engine.begin() as connection:
            used = connection.execute(
                table.update()
                .where(
                    table.c.state_hash == state_hash,
                    table.c.used_at.is_(None),
                    table.c.browser_hash == browser_hash,
                    table.c.expires_at > canonical_time(now),
                )
                .values(used_at=canonical_time(now))
            )
            if used.rowcount != 1:
                return None
            next_path = connection.execute(
                sa.select(table.c.next_path).where(table.c.state_hash == state_hash)
            ).scalar_one()
        return PendingSignIn(next_path=next_path)

    # -- sessions ---------------------------------------------------------------------------------------------

    def add_session(self, session_hash: str, person_id: str, sign_in: str, now: datetime, expires_at: datetime) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                web_sessions.delete().where(web_sessions.c.expires_at < canonical_time(now - KEEP_EXPIRED))
            )
            connection.execute(
                web_sessions.insert().values(
                    session_hash=session_hash,
                    person_id=person_id,
                    sign_in=sign_in,
                    created_at=canonical_time(now),
                    last_seen_at=canonical_time(now),
                    expires_at=canonical_time(expires_at),
                )
            )

    def session(self, session_hash: str) -> SessionRow | None:
        with self._engine.connect() as connection:
            row = (
                connection.execute(sa.select(web_sessions).where(web_sessions.c.session_hash == session_hash))
                .mappings()
                .first()
            )
        if row is None:
            return None
        return SessionRow(
            session_hash=row["session_hash"],
            person_id=row["person_id"],
            sign_in=row["sign_in"],
            created_at=parse_canonical_time(row["created_at"]),
            last_seen_at=parse_canonical_time(row["last_seen_at"]),
            expires_at=parse_canonical_time(row["expires_at"]),
            ended_at=parse_canonical_time(row["ended_at"]) if row["ended_at"] else None,
        )

    def touch(self, session_hash: str, now: datetime) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                web_sessions.update()
                .where(web_sessions.c.session_hash == session_hash, web_sessions.c.ended_at.is_(None))
                .values(last_seen_at=canonical_time(now))
            )

    def end_session(self, session_hash: str, now: datetime) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                web_sessions.update()
                .where(web_sessions.c.session_hash == session_hash, web_sessions.c.ended_at.is_(None))
                .values(ended_at=canonical_time(now))
            )
