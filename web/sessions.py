"""Sessions of signed-in people, kept server-side (`store.web_sessions`) so that every web process shares them
and signing out ends a session everywhere.

A session ends after `idle` without a request, or `max_age` after sign-in, whichever comes first. The audit
trail names a session by its reference (a prefix of the id's hash), never by the id itself.
"""

from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from store.web_sessions import WebSessionStore
from web.clock import Clock
from web.tokens import digest, keyed, new_token

#: A request refreshes `last_seen_at` at most this often: one write a minute, not one per page.
TOUCH_EVERY = timedelta(seconds=60)
REFERENCE_LENGTH = 16

SessionProblem = Literal["tampered", "ended", "expired", "idle"]

PROBLEM_SENTENCES: dict[str, str] = {
    "tampered": "Your session cookie could not be verified, so it was not accepted; please sign in again.",
    "ended": "You were signed out; please sign in again.",
    "expired": "Your session has reached its time limit; please sign in again.",
    "idle": "You were signed out after a period without activity; please sign in again.",
}


class SignedIn(BaseModel):
    """Who is behind this request, as far as govern knows: a person of the organisation file."""

    model_config = ConfigDict(frozen=True)

    person_id: str
    sign_in: str
    reference: str
    csrf_token: str
    session_hash: str


def session_reference(session_hash: str) -> str:
    return session_hash[:REFERENCE_LENGTH]


class Sessions:
    def __init__(
        self, table: WebSessionStore, secret: bytes, idle: timedelta, max_age: timedelta, clock: Clock
    ) -> None:
        self._table = table
        self._secret = secret
        self.idle = idle
        self.max_age = max_age
        self._clock = clock

    def start(self, person_id: str, sign_in: str) -> str:
        """A new session for the person; the id goes into the cookie, its hash into the table."""
        session_id = new_token()
        now = self._clock()
        self._table.add_session(digest(session_id), person_id, sign_in, now, now + self.max_age)
        return session_id

    def resolve(self, session_id: str) -> SignedIn | SessionProblem:
        session_hash = digest(session_id)
        row = self._table.session(session_hash)
        if row is None or row.ended_at is not None:
            return "ended"
        now = self._clock()
        if now >= row.expires_at:
            return "expired"
        if now - row.last_seen_at >= self.idle:
            return "idle"
        if now - row.last_seen_at >= TOUCH_EVERY:
            self._table.touch(session_hash, now)
        return SignedIn(
            person_id=row.person_id,
            sign_in=row.sign_in,
            reference=session_reference(session_hash),
            csrf_token=self.csrf_token(session_id),
            session_hash=session_hash,
        )

    def end(self, session_hash: str) -> None:
        self._table.end_session(session_hash, self._clock())

    def csrf_token(self, binding: str) -> str:
        """The CSRF token of a session (or, before sign-in, of a browser id): derived, so nothing is stored."""
        return keyed(self._secret, "csrf", binding)
