"""Fixtures for the web front's in-process tests: the real application on a real audit store (SQLite under
the test's tmp dir), driven through httpx's ASGI transport, with a clock the test moves.

The browser tests (`test_browser_*.py`) use `tests/web/browser.py` instead: `govern up` as a subprocess and
Debian's Chromium through Playwright.
"""

import email
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from domain.organisation import Organisation
from runtime.settings import Settings
from store.event_store import EventStore
from web.app import create_app
from web.context import WebContext, build_context

BASE = "http://testserver"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_LINK = re.compile(r"(/sign-in/link\?token=[A-Za-z0-9_\-]+)")


@dataclass
class MovableClock:
    now: datetime = field(default_factory=lambda: datetime(2027, 3, 1, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class WebApp:
    settings: Settings
    store: EventStore
    context: WebContext
    app: Starlette
    clock: MovableClock

    def browser(self) -> httpx.AsyncClient:
        """A new browser: its own cookie jar."""
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=BASE)

    def mails_to(self, person: str) -> list[Path]:
        return sorted((self.settings.mail_dir / person).glob("*.eml"), key=lambda path: path.stat().st_mtime_ns)


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def link_in(mail: Path) -> str:
    message = email.message_from_bytes(mail.read_bytes())
    found = _LINK.search(str(message.get_payload()))
    assert found, message.get_payload()
    return found.group(1)


async def ask_for_link(browser: httpx.AsyncClient, address: str, next_path: str | None = None) -> httpx.Response:
    form = await browser.get("/sign-in" + (f"?next={next_path}" if next_path else ""))
    data = {"email": address, "csrf_token": csrf_of(form.text)}
    if next_path:
        data["next"] = next_path
    return await browser.post("/sign-in", data=data)


async def sign_in(web: WebApp, browser: httpx.AsyncClient, person: str, organisation: Organisation) -> None:
    before = set(web.mails_to(person))
    await ask_for_link(browser, organisation.person(person).email)
    (mail,) = [path for path in web.mails_to(person) if path not in before]
    opened = await browser.get(link_in(mail))
    assert opened.status_code == 303 and opened.headers["location"] == "/tasks", opened.text


def make_web(tmp_path: Path, organisation: Organisation, **overrides: object) -> WebApp:
    settings = Settings(**{"data_dir": tmp_path / "var", "public_url": BASE, **overrides})  # type: ignore[arg-type]
    store = EventStore.open(settings.audit_database_url)
    clock = MovableClock()
    context = build_context(settings, organisation, store, clock=clock)
    return WebApp(settings=settings, store=store, context=context, app=create_app(context), clock=clock)


@pytest.fixture
async def web(tmp_path: Path, organisation: Organisation) -> AsyncIterator[WebApp]:
    made = make_web(tmp_path, organisation)
    yield made
    made.store.close()
