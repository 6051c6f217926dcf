"""The browser tests' world: `govern up` as a subprocess (Temporal dev server, worker, web front) with mail as
`.eml` files, an OpenID provider on loopback (the `oidc-provider-mock` package, as a process of its own), and
Debian's Chromium driven by Playwright. Nothing is downloaded; a missing Chromium fails the tests.
"""

import email
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from playwright.sync_api import Browser, Page, Route, expect

from tests.support.keys import new_key
from tests.support.processes import REPO, Running, free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The README's pictures are refreshed with `make screenshots`; an ordinary run takes them into a scratch folder,
# so that running the suite leaves the working tree as it was.
SCREENSHOTS = Path(os.environ.get("GOVERN_SCREENSHOTS_DIR") or tempfile.mkdtemp(prefix="govern-screenshots-"))
_LINK = re.compile(r"(https?://\S+/sign-in/link\?token=[A-Za-z0-9_\-]+)")


@dataclass
class OidcProvider:
    url: str
    process: subprocess.Popen[str]

    def set_user(self, sub: str, claims: dict[str, Any]) -> None:
        request = urllib.request.Request(
            f"{self.url}/users/{sub}",
            data=json.dumps(claims).encode(),
            method="PUT",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 204


@contextmanager
def oidc_provider() -> Iterator[OidcProvider]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/.well-known/openid-configuration", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"the OpenID provider did not start: {process.communicate()[1]}") from None
                time.sleep(0.1)
        yield OidcProvider(url=url, process=process)
    finally:
        process.terminate()
        process.wait(timeout=10)


class Installation:
    """One `govern up`, shared by the browser tests; each test opens cases of its own."""

    def __init__(self, root: Path, oidc: OidcProvider) -> None:
        self.root = root
        self.data_dir = root / "var"
        web_port = free_port()
        self.url = f"http://127.0.0.1:{web_port}"
        self.env = {
            **os.environ,
            "GOVERN_DATA_DIR": str(self.data_dir),
            "GOVERN_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
            "GOVERN_UI_PORT": str(free_port()),
            "GOVERN_WEB_PORT": str(web_port),
            "GOVERN_PUBLIC_URL": self.url,
            "GOVERN_LOG_FORMAT": "json",
            "GOVERN_LOG_LEVEL": "warning",
            "GOVERN_CODEC_KEYS": f"browser-tests:{new_key()}",
            "GOVERN_OIDC_ISSUER": oidc.url,
            "GOVERN_OIDC_CLIENT_ID": "govern-browser-tests",
            "GOVERN_OIDC_CLIENT_SECRET": "not-a-real-secret",
        }
        self.up = Running(self.env, "up")
        self.up.wait_for("Worker polling task queue")
        assert any(f"Web front: {self.url}" in line for line in self.up.lines), self.up.lines
        # Keep reading what it prints: a pipe nobody reads fills up, and the process then blocks on its next log
        # line, worker and web front with it.
        self.errors: list[str] = []
        for stream, into in ((self.up.process.stdout, self.up.lines), (self.up.process.stderr, self.errors)):
            threading.Thread(target=_drain, args=(stream, into), daemon=True).start()

    def stop(self) -> int:
        return self.up.stop()

    # -- the operator's side: the CLI -----------------------------------------------------------------------

    def govern(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "cli.main", *args],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=90,
        )
        if ok:
            assert done.returncode == 0, f"govern {' '.join(args)}: {done.stderr}"
        return done

    def act(self, case: str, action: str, person: str, *fields: str, comment: str | None = None) -> None:
        args = ["act", case, action, "--as", person]
        for field in fields:
            args += ["--field", field]
        if comment:
            args += ["--comment", comment]
        self.govern(*args)

    def submit_grant(self, example: str, reference: str) -> str:
        application = yaml.safe_load((REPO / "examples" / "grants" / example).read_text())
        application["reference"] = reference
        path = self.root / f"{reference}.yaml"
        path.write_text(yaml.safe_dump(application))
        self.govern("grant", "submit", str(path))
        return f"grant/{reference}"

    def trail(self, case: str) -> list[dict[str, Any]]:
        done = self.govern("audit", "log", "--stream", case, "--json", "--limit", "1000")
        return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]

    def count(self) -> int:
        done = self.govern("audit", "log", "--json", "--limit", "1000")
        return len(done.stdout.splitlines())

    # -- a person's side: the mailbox -----------------------------------------------------------------------

    def mails_to(self, person: str) -> list[Path]:
        return sorted((self.data_dir / "mail" / person).glob("*.eml"), key=lambda path: path.stat().st_mtime_ns)

    def sign_in_link(self, person: str, before: set[Path]) -> str:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            for mail in self.mails_to(person):
                if mail not in before:
                    message = email.message_from_bytes(mail.read_bytes())
                    if message["Subject"] == "Your govern sign-in link":
                        found = _LINK.search(str(message.get_payload()))
                        assert found, message.get_payload()
                        return found.group(1)
            time.sleep(0.1)
        raise AssertionError(f"no sign-in link reached {person}")


def _drain(stream: Any, into: list[str]) -> None:
    for line in iter(stream.readline, ""):
        into.append(line)
        del into[:-2000]


def new_page(browser: Browser, installation: Installation) -> Page:
    """A fresh browser profile (no cookies) that may reach only this machine: the provider's page links a
    stylesheet from a CDN, which must not be fetched, and nothing else may leave the loopback either."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)

    def local_only(route: Route) -> None:
        host = route.request.url.split("/")[2].split(":")[0] if "://" in route.request.url else ""
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", local_only)
    context.set_default_timeout(15_000)
    return context.new_page()


def sign_in_by_mail(page: Page, installation: Installation, person: str, address: str) -> str:
    """As the person would: ask for a link, open the e-mail, follow the link. Returns the link."""
    page.goto(f"{installation.url}/sign-in")
    page.get_by_label("E-mail address").fill(address)
    before = set(installation.mails_to(person))
    page.get_by_role("button", name="Send me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    link = installation.sign_in_link(person, before)
    page.goto(link)
    expect(page.get_by_text("Signed in as")).to_be_visible()
    return link


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000, f"the screenshot {path} is empty"
