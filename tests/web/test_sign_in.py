"""Signing in with an e-mailed link, sessions and CSRF, as a browser meets them (in process, a real store).

The links are single-use, expire after 15 minutes and work only in the browser that asked; the page says the
same whether or not the address is known; a form without its token, a tampered cookie, an idle or too old
session are refused with a sentence; nothing secret is stored in clear.
"""

import os
import stat
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from domain.organisation import Organisation
from runtime.settings import Settings
from store.web_sessions import web_sessions, web_sign_in_links
from tests.web.conftest import WebApp, ask_for_link, csrf_of, link_in, make_web, sign_in
from web.cookies import SESSION_COOKIE
from web.guards import CSRF_REFUSAL
from web.paths import safe_next
from web.secrets_file import session_secret
from web.sessions import PROBLEM_SENTENCES
from web.sign_in_links import LINKS_PER_WINDOW, REFUSALS

OFFICER = "programme-officer-brussels"


def _text(html: str) -> str:
    return html.replace("&#39;", "'").replace("&amp;", "&")


async def test_an_emailed_link_signs_the_person_in_once(web: WebApp, organisation: Organisation) -> None:
    async with web.browser() as browser:
        sent = await ask_for_link(browser, organisation.person(OFFICER).email)
        assert sent.status_code == 200 and "Check your e-mail" in sent.text
        (mail,) = web.mails_to(OFFICER)
        text = mail.read_text()
        assert "Subject: Your govern sign-in link" in text
        assert "It works once, until Monday 1 March 2027, 10:15 (Europe/Brussels)." in text
        link = link_in(mail)

        opened = await browser.get(link)
        assert opened.status_code == 303 and opened.headers["location"] == "/tasks"
        tasks = await browser.get("/tasks")
        assert tasks.status_code == 200
        assert "Signed in as <strong>Programme Officer (Brussels)</strong>" in tasks.text

        again = await browser.get(link)
    assert again.status_code == 400
    assert REFUSALS["used"] in _text(again.text)


async def test_an_expired_link_is_refused_and_one_just_in_time_works(web: WebApp, organisation: Organisation) -> None:
    address = organisation.person(OFFICER).email
    async with web.browser() as browser:
        await ask_for_link(browser, address)
        late = link_in(web.mails_to(OFFICER)[-1])
        web.clock.advance(timedelta(minutes=15))
        refused = await browser.get(late)
        assert refused.status_code == 400
        assert REFUSALS["expired"] in _text(refused.text)
        assert (await browser.get("/tasks")).status_code == 303  # still not signed in

        await ask_for_link(browser, address)
        in_time = link_in(web.mails_to(OFFICER)[-1])
        web.clock.advance(timedelta(minutes=14, seconds=59))
        accepted = await browser.get(in_time)
    assert accepted.status_code == 303 and accepted.headers["location"] == "/tasks"


async def test_a_link_works_only_in_the_browser_that_asked_for_it(web: WebApp, organisation: Organisation) -> None:
    async with web.browser() as asking, web.browser() as other:
        await ask_for_link(asking, organisation.person(OFFICER).email)
        link = link_in(web.mails_to(OFFICER)[-1])
        elsewhere = await other.get(link)
        assert elsewhere.status_code == 400
        assert REFUSALS["other-browser"] in _text(elsewhere.text)
        assert (await other.get("/tasks")).status_code == 303
        # Opening it elsewhere did not use it up: the asking browser still signs in with it.
        here = await asking.get(link)
    assert here.status_code == 303 and here.headers["location"] == "/tasks"


async def test_an_unknown_address_gets_the_same_page_as_a_known_one(web: WebApp, organisation: Organisation) -> None:
    async with web.browser() as browser:
        known = await ask_for_link(browser, organisation.person(OFFICER).email)
        unknown = await ask_for_link(browser, "nobody@secretariat.example.org")
        malformed = await ask_for_link(browser, "not an address")
    assert known.status_code == unknown.status_code == malformed.status_code == 200
    assert known.text == unknown.text == malformed.text
    assert dict(known.headers) == dict(unknown.headers)
    everyone = sorted(path.parent.name for path in web.settings.mail_dir.glob("*/*.eml"))
    assert everyone == [OFFICER]


async def test_asking_again_and_again_sends_a_few_links_then_none_and_the_page_never_says(
    web: WebApp, organisation: Organisation
) -> None:
    """Anyone may type anyone's address: a flood of requests must not become a flood of mail."""
    address = organisation.person(OFFICER).email
    async with web.browser() as browser:
        pages = [await ask_for_link(browser, address) for _ in range(LINKS_PER_WINDOW + 3)]
        assert len({page.text for page in pages}) == 1
        assert len(web.mails_to(OFFICER)) == LINKS_PER_WINDOW
        # Using one of them, or letting them expire, makes room for a new one.
        assert (await browser.get(link_in(web.mails_to(OFFICER)[0]))).status_code == 303
    async with web.browser() as another:
        await ask_for_link(another, address)
        assert len(web.mails_to(OFFICER)) == LINKS_PER_WINDOW + 1
        web.clock.advance(timedelta(minutes=15, seconds=1))
        await ask_for_link(another, address)
    assert len(web.mails_to(OFFICER)) == LINKS_PER_WINDOW + 2


async def test_a_link_brings_the_person_to_the_page_they_asked_for_but_never_off_site(
    web: WebApp, organisation: Organisation
) -> None:
    async with web.browser() as browser:
        asked = await browser.get("/cases/grant/2027-014/tasks/screening")
        assert asked.status_code == 303
        assert asked.headers["location"] == "/sign-in?next=/cases/grant/2027-014/tasks/screening"
        await ask_for_link(browser, organisation.person(OFFICER).email, "/cases/grant/2027-014/tasks/screening")
        opened = await browser.get(link_in(web.mails_to(OFFICER)[-1]))
        assert opened.headers["location"] == "/cases/grant/2027-014/tasks/screening"
    async with web.browser() as browser:
        await ask_for_link(browser, organisation.person(OFFICER).email, "//evil.example.org/phish")
        opened = await browser.get(link_in(web.mails_to(OFFICER)[-1]))
        assert opened.headers["location"] == "/tasks"
    for outside in ("https://evil.example.org", "//evil.example.org", "/\\evil.example.org", "tasks", "", None):
        assert safe_next(outside) is None
    assert safe_next("/cases/grant/2027-014") == "/cases/grant/2027-014"


async def test_a_post_without_its_csrf_token_is_refused(web: WebApp, organisation: Organisation) -> None:
    address = organisation.person(OFFICER).email
    async with web.browser() as browser:
        await browser.get("/sign-in")
        missing = await browser.post("/sign-in", data={"email": address})
        wrong = await browser.post("/sign-in", data={"email": address, "csrf_token": "0" * 64})
        assert missing.status_code == wrong.status_code == 403
        assert CSRF_REFUSAL in _text(missing.text) and CSRF_REFUSAL in _text(wrong.text)
        assert web.mails_to(OFFICER) == []

        await sign_in(web, browser, OFFICER, organisation)
        page = await browser.get("/tasks")
        token = csrf_of(page.text)
        out = await browser.post("/sign-out", data={})
        assert out.status_code == 403 and CSRF_REFUSAL in _text(out.text)
        assert (await browser.get("/tasks")).status_code == 200  # still signed in: nothing was done
        # A token from before sign-in (bound to the browser, not the session) does not pass for the session.
        fresh = await web.browser().get("/sign-in")
        assert (await browser.post("/sign-out", data={"csrf_token": csrf_of(fresh.text)})).status_code == 403
        signed_out = await browser.post("/sign-out", data={"csrf_token": token})
        assert signed_out.status_code == 200 and "You are signed out." in signed_out.text


async def test_a_tampered_session_cookie_is_refused(web: WebApp, organisation: Organisation) -> None:
    async with web.browser() as browser:
        await sign_in(web, browser, OFFICER, organisation)
        genuine = browser.cookies[SESSION_COOKIE]
        value, _, signature = genuine.rpartition(".")
        tampered = f"{value[:-2]}{'AB' if value[-2:] != 'AB' else 'CD'}.{signature}"
        browser.cookies.clear()
        browser.cookies.set(SESSION_COOKIE, tampered)
        refused = await browser.get("/tasks")
        assert refused.status_code == 303
        assert refused.headers["location"] == "/sign-in?notice=tampered"
        assert f'{SESSION_COOKIE}=""' in refused.headers["set-cookie"] or "Max-Age=0" in refused.headers["set-cookie"]
        page = await browser.get(refused.headers["location"])
        assert PROBLEM_SENTENCES["tampered"] in _text(page.text)

    # A cookie signed with another installation's secret is refused the same way.
    other = make_web(web.settings.data_dir.parent / "other", organisation)
    try:
        async with other.browser() as outsider:
            await sign_in(other, outsider, OFFICER, organisation)
            foreign = outsider.cookies[SESSION_COOKIE]
        async with web.browser() as browser:
            browser.cookies.set(SESSION_COOKIE, foreign)
            refused = await browser.get("/tasks")
        assert refused.headers["location"] == "/sign-in?notice=tampered"
    finally:
        other.store.close()


async def test_sessions_end_when_idle_and_after_their_time_limit(web: WebApp, organisation: Organisation) -> None:
    async with web.browser() as browser:
        await sign_in(web, browser, OFFICER, organisation)
        web.clock.advance(timedelta(minutes=29))
        assert (await browser.get("/tasks")).status_code == 200
        web.clock.advance(timedelta(minutes=29))  # each request keeps it alive
        assert (await browser.get("/tasks")).status_code == 200
        web.clock.advance(timedelta(minutes=30))
        idle = await browser.get("/tasks")
        assert idle.headers["location"] == "/sign-in?notice=idle"

        await sign_in(web, browser, OFFICER, organisation)
        for _ in range(12 * 2 + 1):  # busy all day: never idle, but the absolute limit still ends the session
            web.clock.advance(timedelta(minutes=29, seconds=59))
            response = await browser.get("/tasks")
            if response.status_code != 200:
                break
    assert response.headers["location"] == "/sign-in?notice=expired"


async def test_signing_out_ends_the_session_for_every_copy_of_its_cookie(
    web: WebApp, organisation: Organisation
) -> None:
    async with web.browser() as browser:
        await sign_in(web, browser, OFFICER, organisation)
        cookie = browser.cookies[SESSION_COOKIE]
        page = await browser.get("/tasks")
        await browser.post("/sign-out", data={"csrf_token": csrf_of(page.text)})
    async with web.browser() as replay:
        replay.cookies.set(SESSION_COOKIE, cookie)
        again = await replay.get("/tasks")
    assert again.headers["location"] == "/sign-in?notice=ended"


async def test_cookies_are_httponly_and_samesite_and_secure_behind_https(
    web: WebApp, organisation: Organisation, tmp_path
) -> None:
    async with web.browser() as browser:
        form = await browser.get("/sign-in")
        browser_cookie = form.headers["set-cookie"].lower()
        assert "httponly" in browser_cookie and "samesite=lax" in browser_cookie and "secure" not in browser_cookie
        await ask_for_link(browser, organisation.person(OFFICER).email)
        opened = await browser.get(link_in(web.mails_to(OFFICER)[-1]))
    session_cookie = opened.headers["set-cookie"].lower()
    assert session_cookie.startswith(SESSION_COOKIE)
    assert "httponly" in session_cookie and "samesite=lax" in session_cookie
    secure = make_web(tmp_path / "https", organisation, public_url="https://govern.example.org")
    try:
        async with secure.browser() as browser:
            form = await browser.get("/sign-in")
        assert "secure" in form.headers["set-cookie"].lower()
    finally:
        secure.store.close()


async def test_only_hashes_of_tokens_are_stored(web: WebApp, organisation: Organisation) -> None:
    async with web.browser() as browser:
        await ask_for_link(browser, organisation.person(OFFICER).email)
        link = link_in(web.mails_to(OFFICER)[-1])
        await browser.get(link)
        session_cookie = browser.cookies[SESSION_COOKIE]
    token = link.split("token=", 1)[1]
    with web.store.engine.connect() as connection:
        stored = [
            str(value)
            for table in (web_sign_in_links, web_sessions)
            for row in connection.execute(sa.select(table)).all()
            for value in row
        ]
    assert stored and not any(token in value for value in stored)
    session_id = session_cookie.split(".")[0]
    assert not any(session_id in value for value in stored)


def test_the_session_secret_is_made_once_readable_by_its_owner_only(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    first = session_secret(settings)
    path = tmp_path / "var" / "session-secret"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert session_secret(settings) == first and len(first) >= 32
    configured = Settings(data_dir=tmp_path / "elsewhere", session_secret="x" * 40)
    assert session_secret(configured) == b"x" * 40
    assert not (tmp_path / "elsewhere" / "session-secret").exists()


async def test_sign_in_follows_whatever_organisation_file_is_loaded(tmp_path) -> None:
    """Another organisation (Nairobi's clock, addresses of any case): its people sign in, the example's do not."""
    from runtime.organisation_loader import load_organisation

    lakes = load_organisation(Path(__file__).resolve().parents[1] / "domain" / "lakes-organisation.yaml")
    web = make_web(tmp_path, lakes)
    try:
        async with web.browser() as browser:
            await ask_for_link(browser, "GM@Lakes.Example")  # addresses match whatever their case
            (mail,) = web.mails_to("grants-manager")
            assert "It works once, until Monday 1 March 2027, 12:15 (Africa/Nairobi)." in mail.read_text()
            opened = await browser.get(link_in(mail))
            assert opened.headers["location"] == "/tasks"
            page = await browser.get("/tasks")
            assert "Signed in as <strong>Grants Manager</strong>" in page.text and "Africa/Nairobi" in page.text
        async with web.browser() as browser:
            stranger = await ask_for_link(browser, "director@secretariat.example.org")
        assert stranger.status_code == 200 and "Check your e-mail" in stranger.text
        assert sorted(path.parent.name for path in web.settings.mail_dir.glob("*/*.eml")) == ["grants-manager"]
    finally:
        web.store.close()
