"""Fixtures for the web front's in-process tests: the real application on a real audit store (SQLite under
the test's tmp dir), driven through httpx's ASGI transport, with a clock the test moves.

The browser tests (`test_browser_*.py`) use `tests/web/browser.py` instead: `govern up` as a subprocess and
Debian's Chromium through Playwright.
"""

import email
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from starlette.applications import Starlette

from domain.organisation import Organisation
from runtime.settings import Settings
from store.event_store import EventStore
from web.app import create_app
from web.context import WebContext, build_context

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from tests.web.installation import Installation, OidcProvider

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


# -- the browser tests' world ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def oidc() -> Iterator["OidcProvider"]:
    from tests.web.installation import oidc_provider

    with oidc_provider() as provider:
        yield provider


@pytest.fixture(scope="session")
def installation(tmp_path_factory: pytest.TempPathFactory, oidc: "OidcProvider") -> Iterator["Installation"]:
    from tests.web.installation import Installation

    running = Installation(tmp_path_factory.mktemp("govern-up"), oidc)
    yield running
    assert running.stop() == 0


@pytest.fixture(scope="module")
def chromium() -> Iterator["Browser"]:
    """Per module: Playwright's sync API keeps an event loop running in this thread while it is started, and
    the async tests of other modules need the thread's loop free."""
    from playwright.sync_api import sync_playwright

    from tests.web.installation import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.is_file():
        pytest.fail(
            f"The browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium).", pytrace=False
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: "Browser", installation: "Installation") -> Iterator["Page"]:
    from tests.web.installation import new_page

    opened = new_page(chromium, installation)
    yield opened
    opened.context.close()
