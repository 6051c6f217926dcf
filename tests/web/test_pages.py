"""Who sees which page, and what it shows, on the trails the example scenarios leave (run once per session with
`govern simulate`): a case for those who take part, Board matters for the Board, every case for the auditor,
an appraisal for its circle only; anyone else gets the same 404 as for a case that does not exist."""

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from domain.organisation import Organisation
from runtime.settings import Settings
from store.event_store import EventStore
from tests.support.processes import REPO
from tests.web.conftest import BASE, MovableClock, WebApp, sign_in
from web.app import create_app
from web.context import build_context

LARGE_GRANT = "grant/2027-021"
BOARD = f"{LARGE_GRANT}/board/1"


@pytest.fixture(scope="session")
def scenarios(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scenarios")
    for name in ("large-grant-board", "charter-review", "management-team-appraisals"):
        done = subprocess.run(
            [sys.executable, "-m", "cli.main", "--data-dir", str(root), "simulate", f"examples/scenarios/{name}.yaml"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
            env={key: value for key, value in __import__("os").environ.items() if not key.startswith("GOVERN_")},
        )
        assert done.returncode == 0, done.stdout + done.stderr
    return root / "simulations"


async def _web_on(folder: Path, organisation: Organisation) -> WebApp:
    settings = Settings(data_dir=folder, public_url=BASE)
    store = EventStore.open_existing(settings.audit_database_url)
    clock = MovableClock()
    context = build_context(settings, organisation, store, clock=clock)
    return WebApp(settings=settings, store=store, context=context, app=create_app(context), clock=clock)


@pytest.fixture
async def grants(scenarios: Path, organisation: Organisation) -> AsyncIterator[WebApp]:
    web = await _web_on(scenarios / "large-grant-board", organisation)
    yield web
    web.store.close()


@pytest.fixture
async def appraisals(scenarios: Path, organisation: Organisation) -> AsyncIterator[WebApp]:
    web = await _web_on(scenarios / "management-team-appraisals", organisation)
    yield web
    web.store.close()


@pytest.fixture
async def charter(scenarios: Path, organisation: Organisation) -> AsyncIterator[WebApp]:
    web = await _web_on(scenarios / "charter-review", organisation)
    yield web
    web.store.close()


async def _status(web: WebApp, person: str, organisation: Organisation, *paths: str) -> list[int]:
    async with web.browser() as browser:
        await sign_in(web, browser, person, organisation)
        return [(await browser.get(path)).status_code for path in paths]


async def test_a_case_is_seen_by_those_who_take_part_and_by_nobody_else(
    grants: WebApp, organisation: Organisation
) -> None:
    case = f"/cases/{LARGE_GRANT}"
    assert await _status(grants, "programme-officer-hanoi", organisation, case) == [200]
    async with grants.browser() as browser:
        await sign_in(grants, browser, "hr-officer", organisation)
        hidden = await browser.get(case)
        unknown = await browser.get("/cases/grant/2099-999")
        nonsense = await browser.get("/cases/nothing/at/all")
        listed = await browser.get("/cases")
    assert hidden.status_code == unknown.status_code == nonsense.status_code == 404
    assert hidden.text == unknown.text == nonsense.text
    assert LARGE_GRANT not in listed.text


async def test_board_members_and_observers_see_board_matters_and_the_case_they_decide(
    grants: WebApp, organisation: Organisation
) -> None:
    paths = (f"/cases/{BOARD}", f"/cases/{LARGE_GRANT}", "/board")
    assert await _status(grants, "board-member-2", organisation, *paths) == [200, 200, 200]
    assert await _status(grants, "board-observer-1", organisation, *paths) == [200, 200, 200]
    # Not on the Board: no Board page, and a Board matter they take no part in stays hidden.
    assert await _status(grants, "grantee-contact-kampala", organisation, *paths) == [404, 404, 404]


async def test_the_auditor_sees_every_case_and_the_audit_page(grants: WebApp, organisation: Organisation) -> None:
    async with grants.browser() as browser:
        await sign_in(grants, browser, "internal-auditor", organisation)
        audit = await browser.get("/audit")
        board = await browser.get(f"/cases/{BOARD}")
    assert audit.status_code == 200 and LARGE_GRANT in audit.text and BOARD in audit.text
    assert board.status_code == 200
    assert await _status(grants, "director", organisation, "/audit", "/audit/export?format=csv") == [404, 404]


async def test_a_case_page_shows_stage_summary_and_a_timeline_on_the_readers_clock(
    grants: WebApp, organisation: Organisation
) -> None:
    async with grants.browser() as browser:
        await sign_in(grants, browser, "programme-officer-hanoi", organisation)
        page = (await browser.get(f"/cases/{LARGE_GRANT}")).text
    assert "stage <strong>disbursement</strong>" in page
    assert "Municipality of Lima" in page
    # The officer screened on 2 March 2027 at 10:00 in Hanoi; the timeline says so on their clock.
    assert "Tuesday 2 March 2027, 10:00 (Asia/Ho_Chi_Minh)" in page
    assert "<td>simulation</td>" in page
    # The Board procedure is a Board matter the officer takes no part in: not even a link to it.
    assert f'href="/cases/{BOARD}"' not in page


async def test_a_closed_board_procedure_shows_every_response(grants: WebApp, organisation: Organisation) -> None:
    async with grants.browser() as browser:
        await sign_in(grants, browser, "board-member-2", organisation)
        page = (await browser.get(f"/cases/{BOARD}")).text
    assert "<td>Board Member 3 (Donor)</td><td>no objection</td>" in page
    assert "recused (conflict of interest)" in page
    assert "not shown until the close" not in page


async def test_an_appraisal_is_for_its_circle_and_its_content_stays_sealed(
    appraisals: WebApp, organisation: Organisation
) -> None:
    own = "/cases/appraisal/2027/head-of-operations"
    other = "/cases/appraisal/2027/head-of-programmes"
    assert await _status(appraisals, "head-of-operations", organisation, own, other) == [200, 404]
    assert await _status(appraisals, "director", organisation, own, other) == [200, 200]  # first reporting officer
    assert await _status(appraisals, "hr-officer", organisation, own) == [200]
    async with appraisals.browser() as browser:
        await sign_in(appraisals, browser, "internal-auditor", organisation)
        page = (await browser.get(own)).text
    # The auditor sees who did which step when; the content is sealed, and this server holds no key for it.
    assert "Confidential content, encrypted." in page
    assert "Objectives proposed" in page


async def test_papers_download_by_hash_for_those_who_may_see_them(charter: WebApp, organisation: Organisation) -> None:
    document = (REPO / "examples" / "documents" / "charter-v4-rev2.md").read_bytes()
    import hashlib

    digest = hashlib.sha256(document).hexdigest()
    path = f"/cases/policy/charter/review/1/board/1/documents/{digest}"
    async with charter.browser() as browser:
        await sign_in(charter, browser, "board-member-3", organisation)
        board = await browser.get("/cases/policy/charter/review/1/board/1")
        downloaded = await browser.get(path)
        wrong = await browser.get(f"/cases/policy/charter/review/1/board/1/documents/{'0' * 64}")
        malformed = await browser.get("/cases/policy/charter/review/1/board/1/documents/..%2F..%2Faudit.db")
    assert f'href="{path}"' in board.text
    assert downloaded.status_code == 200 and downloaded.content == document
    assert 'filename="charter-v4-rev2.md"' in downloaded.headers["content-disposition"]
    assert wrong.status_code == malformed.status_code == 404
    assert await _status(charter, "grantee-contact-kampala", organisation, path) == [404]


async def test_an_address_that_is_no_page_is_a_404_that_still_shows_who_is_signed_in(
    grants: WebApp, organisation: Organisation
) -> None:
    async with grants.browser() as browser:
        anonymous = await browser.get("/no/such/page")
        await sign_in(grants, browser, "director", organisation)
        signed_in = await browser.get("/no/such/page")
    assert anonymous.status_code == signed_in.status_code == 404
    assert "Signed in as" not in anonymous.text
    assert "Signed in as <strong>Director</strong>" in signed_in.text
