"""E-mailed sign-in links: single-use, valid for 15 minutes, and only in the browser that asked for one.

The link carries a random token; the table keeps its hash, the person and the hash of the asking browser's
id. Redeeming is one conditional update, so a link works once even with many web processes.
"""

from datetime import timedelta

from pydantic import BaseModel, ConfigDict

from store.web_sessions import WebSessionStore
from web.clock import Clock
from web.tokens import digest, new_token

LINK_LIFETIME = timedelta(minutes=15)
#: Unused, unexpired links one person may have at once: enough for a lost mail or two, not a flood of someone
#: else's asking (the page says the same either way, so nothing tells the asker which applied).
LINKS_PER_WINDOW = 3

REFUSALS = {
    "unknown": "This sign-in link is not valid. Ask for a new one below.",
    "used": "This sign-in link has already been used; each link works once. Ask for a new one below.",
    "expired": "This sign-in link has expired: links work for 15 minutes. Ask for a new one below.",
    "other-browser": (
        "This sign-in link was asked for in another browser; open it in that browser, or ask for a new one here."
    ),
}


class Redeemed(BaseModel):
    model_config = ConfigDict(frozen=True)

    person_id: str
    next_path: str | None


class SignInLinks:
    def __init__(self, table: WebSessionStore, clock: Clock) -> None:
        self._table = table
        self._clock = clock

    def issue(self, person_id: str, browser_id: str, next_path: str | None) -> str | None:
        """A new link's token, or None while the person has enough unused links outstanding (no mail then)."""
        now = self._clock()
        if self._table.outstanding_links(person_id, now) >= LINKS_PER_WINDOW:
            return None
        token = new_token()
        self._table.add_link(digest(token), person_id, digest(browser_id), next_path, now, LINK_LIFETIME)
        return token

    def redeem(self, token: str, browser_id: str | None) -> Redeemed | str:
        """The person the link signs in, or the sentence saying why it does not."""
        if not token or len(token) > 200:
            return REFUSALS["unknown"]
        outcome, row = self._table.redeem_link(digest(token), digest(browser_id or ""), self._clock())
        if outcome != "ok" or row is None:
            return REFUSALS[outcome]
        return Redeemed(person_id=row.person_id, next_path=row.next_path)
