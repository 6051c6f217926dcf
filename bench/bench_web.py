"""The web front's figures (issue 11), each a ratio against a baseline measured in the same run.

- web.action.vs_govern_act: one action end to end through the web (the form's POST to the rendered page that
  shows the result, as a signed-in browser sends it) against the same action through `govern act` (the whole
  process, as a person at a shell runs it), both against one `govern up` on this machine. Target: the web is
  never slower than the shell (ratio = shell / web >= 1).
- web.my_tasks_1m.vs_static_page: rendering My tasks for one person (ten open steps) on a store of 1,000,000
  events, against the same app serving its static stylesheet, both through the app in process (median of
  many requests). Target: at most three times the static page (ratio = static / My tasks >= 1/3).
"""

import asyncio
import email
import hashlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from bench.web_store import DESK_PERSON, build
from runtime.organisation_loader import load_organisation
from runtime.settings import EXAMPLE_ORGANISATION, Settings
from store.event_store import EventStore
from store.migrate import head_revision
from tests.support.governance_trail import FIXTURE
from tests.support.processes import Running, free_port
from web.app import create_app
from web.context import build_context

REPO = Path(__file__).resolve().parents[1]
BENCH_ROOT = REPO / "var" / "bench"
OFFICER = "programme-officer-brussels"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_LINK = re.compile(r"(/sign-in/link\?token=[A-Za-z0-9_\-]+)")


def _sizes(quick: bool) -> dict[str, int]:
    if quick:
        return {"actions": 2, "events": 20_000, "requests": 50}
    return {"actions": 8, "events": 1_000_000, "requests": 400}


# -- a web action against `govern act` --------------------------------------------------------------------


def _govern(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"govern {' '.join(args)}: {done.stderr}"
    return done


def _sign_in(browser: httpx.Client, mail_dir: Path) -> None:
    form = browser.get("/sign-in")
    token = _CSRF.search(form.text).group(1)  # type: ignore[union-attr]
    browser.post("/sign-in", data={"email": f"{OFFICER}@secretariat.example.org", "csrf_token": token})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for mail in (mail_dir / OFFICER).glob("*.eml"):
            message = email.message_from_bytes(mail.read_bytes())
            if message["Subject"] == "Your govern sign-in link":
                link = _LINK.search(str(message.get_payload())).group(1)  # type: ignore[union-attr]
                assert browser.get(link).status_code == 303
                return
        time.sleep(0.05)
    raise AssertionError("no sign-in mail")


def _action_figures(workdir: Path, actions: int) -> tuple[float, float]:
    """(median seconds through the web, median seconds through `govern act`) for screening a grant."""
    port = free_port()
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("GOVERN_")},
        "GOVERN_DATA_DIR": str(workdir / "var"),
        "GOVERN_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "GOVERN_UI_PORT": str(free_port()),
        "GOVERN_WEB_PORT": str(port),
        "GOVERN_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "GOVERN_LOG_FORMAT": "json",
        "GOVERN_LOG_LEVEL": "warning",
    }
    application = yaml.safe_load((REPO / "examples" / "grants" / "kampala-upgrading.yaml").read_text())
    up = Running(env, "up")
    try:
        up.wait_for("Worker polling task queue")
        cases = []
        for number in range(2 * actions):
            application["reference"] = f"2027-{500 + number}"
            path = workdir / f"grant-{number}.yaml"
            path.write_text(yaml.safe_dump(application))
            _govern(env, "grant", "submit", str(path))
            cases.append(f"grant/{application['reference']}")
        web_seconds, cli_seconds = [], []
        with httpx.Client(base_url=env["GOVERN_PUBLIC_URL"], timeout=60) as browser:
            _sign_in(browser, workdir / "var" / "mail")
            for number in range(actions):
                web_case, cli_case = cases[2 * number], cases[2 * number + 1]
                page = browser.get(f"/cases/{web_case}/tasks/screening")
                token = _CSRF.search(page.text).group(1)  # type: ignore[union-attr]
                started = time.perf_counter()
                done = browser.post(
                    f"/cases/{web_case}/act", data={"action": "screen", "outcome": "eligible", "csrf_token": token}
                )
                web_seconds.append(time.perf_counter() - started)
                assert done.status_code == 200 and "Recorded." in done.text, done.text[-2000:]
                started = time.perf_counter()
                _govern(env, "act", cli_case, "screen", "--as", OFFICER, "--field", "outcome=eligible")
                cli_seconds.append(time.perf_counter() - started)
    finally:
        assert up.stop() == 0
    return statistics.median(web_seconds), statistics.median(cli_seconds)


# -- My tasks on a million events against a static page ---------------------------------------------------


def _large_store(events: int, people: set[str]) -> Path:
    """The built store, kept under var/bench/ between runs (named by what it is built from)."""
    key = hashlib.sha256(f"{FIXTURE.read_bytes().hex()}{events}{head_revision()}".encode()).hexdigest()[:16]
    path = BENCH_ROOT / f"web-desk-{events}-{key}.db"
    if not path.exists():
        for old in BENCH_ROOT.glob(f"web-desk-{events}-*.db*"):
            old.unlink()
        partial = path.with_suffix(".partial")
        for leftover in BENCH_ROOT.glob(partial.name + "*"):
            leftover.unlink()
        build(partial, events, people)
        for suffix in ("-wal", "-shm"):
            Path(f"{partial}{suffix}").unlink(missing_ok=True)
        partial.rename(path)
    return path


async def _page_figures(store_path: Path, workdir: Path, requests: int, events: int) -> tuple[float, float, int]:
    """(median seconds for My tasks, for the static stylesheet, rows on the desk), through the app in process."""
    organisation = load_organisation(EXAMPLE_ORGANISATION)
    data_dir = workdir / "desk"
    data_dir.mkdir()
    copy = data_dir / "audit.db"
    shutil.copyfile(store_path, copy)
    settings = Settings(data_dir=data_dir, public_url="http://bench")
    store = EventStore.open_existing(settings.audit_database_url)
    assert store.count() == events and store.projection_lag() is None
    app = create_app(build_context(settings, organisation, store))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as browser:
            form = await browser.get("/sign-in")
            token = _CSRF.search(form.text).group(1)  # type: ignore[union-attr]
            await browser.post("/sign-in", data={"email": organisation.person(DESK_PERSON).email, "csrf_token": token})
            (mail,) = (settings.mail_dir / DESK_PERSON).glob("*.eml")
            link = _LINK.search(str(email.message_from_bytes(mail.read_bytes()).get_payload())).group(1)  # type: ignore[union-attr]
            assert (await browser.get(link)).status_code == 303
            first = await browser.get("/tasks")
            assert first.status_code == 200
            rows = first.text.count("<tr") - 1
            tasks, static = [], []
            for _ in range(requests):
                started = time.perf_counter()
                answer = await browser.get("/tasks")
                tasks.append(time.perf_counter() - started)
                assert answer.status_code == 200
                started = time.perf_counter()
                answer = await browser.get("/static/govern.css")
                static.append(time.perf_counter() - started)
                assert answer.status_code == 200
    finally:
        store.close()
    return statistics.median(tasks), statistics.median(static), rows


def run(quick: bool = False) -> dict[str, dict[str, Any]]:
    quick = quick or os.environ.get("GOVERN_BENCH_QUICK") == "1"
    sizes = _sizes(quick)
    BENCH_ROOT.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="web-", dir=BENCH_ROOT))
    try:
        web_action, cli_action = _action_figures(workdir, sizes["actions"])
        organisation = load_organisation(EXAMPLE_ORGANISATION)
        store_path = _large_store(sizes["events"], {person.id for person in organisation.people})
        tasks, static, rows = asyncio.run(_page_figures(store_path, workdir, sizes["requests"], sizes["events"]))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    events = f"{sizes['events']:,}"
    return {
        "web.action.vs_govern_act": {
            "value": round(web_action * 1000, 1),
            "unit": "ms per action",
            "baseline": "the same action (screen a grant) through `govern act`, the whole process, same govern up",
            "baseline_value": round(cli_action * 1000, 1),
            "ratio": round(cli_action / web_action, 3),
            "target": 1.0,
        },
        "web.my_tasks_1m.vs_static_page": {
            "value": round(tasks * 1000, 3),
            "unit": "ms per page",
            "baseline": f"the same app serving its stylesheet; My tasks shows {rows} steps among {events} events",
            "baseline_value": round(static * 1000, 3),
            "ratio": round(static / tasks, 3),
            "target": round(1 / 3, 3),
        },
    }
