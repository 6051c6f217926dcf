"""Signing in and out: by an e-mailed link (the embedded default) or through the OpenID Connect provider."""

import structlog
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from web.guards import form_of, page, redirect, viewer_of, web_of
from web.oidc import OidcFailed
from web.paths import safe_next
from web.people import person_by_email
from web.rendering import render
from web.sessions import PROBLEM_SENTENCES
from web.sign_in_links import REFUSALS
from web.sign_in_mail import send_sign_in_link, sign_in_notice
from web.tokens import digest, new_token

log = structlog.get_logger("govern.web")

NOT_MATCHED = (
    "Your organisation account ({address}) does not match anyone in the organisation file, so you are not "
    "signed in; ask the secretariat to record this address for you."
)
NO_ADDRESS = "The identity provider did not say which e-mail address you have, so you are not signed in."


def _with_browser(request: Request) -> str:
    """This browser's id, made now if it has none yet (set on the response by `_remember_browser`)."""
    web = web_of(request)
    browser = web.cookies.browser_id(request)
    if browser is None:
        browser = new_token()
        request.state.new_browser_id = browser
    request.state.browser_id = browser
    return browser


def _remember_browser(request: Request, response: Response) -> Response:
    new = getattr(request.state, "new_browser_id", None)
    if new is not None:
        web_of(request).cookies.set_browser(response, new)
    return response


def _sign_in_page(request: Request, notice: str | None = None, status: int = 200) -> Response:
    web = web_of(request)
    _with_browser(request)
    next_path = safe_next(request.query_params.get("next"))
    response = render(
        request,
        "sign_in.html",
        status=status,
        notice=notice,
        next_path=next_path,
        oidc_enabled=web.oidc is not None,
    )
    return _remember_browser(request, response)


@page(signed_in=False)
async def sign_in_form(request: Request) -> Response:
    if getattr(request.state, "viewer", None) is not None:
        return redirect(safe_next(request.query_params.get("next")) or "/tasks")
    problem = request.query_params.get("notice")
    return _sign_in_page(request, PROBLEM_SENTENCES.get(problem) if problem else None)


@page(signed_in=False)
async def request_link(request: Request) -> Response:
    """Send a link if the address is someone's; the page says the same in either case."""
    web = web_of(request)
    form = form_of(request)
    address = str(form.get("email") or "")
    next_path = safe_next(str(form.get("next") or "")) or None
    browser = _with_browser(request)
    person = person_by_email(web.organisation, address)
    task = None
    token = None if person is None else await run_in_threadpool(web.links.issue, person.id, browser, next_path)
    if person is not None and token is not None:
        link = f"{web.settings.public_url}/sign-in/link?token={token}"
        notice = sign_in_notice(person, link, digest(token), web.clock())
        # Sent after the response, so a known address takes no longer to answer than an unknown one.
        task = BackgroundTask(send_sign_in_link, web.delivery, notice)
    response = render(request, "sign_in_sent.html")
    response.background = task
    return _remember_browser(request, response)


@page(signed_in=False)
async def open_link(request: Request) -> Response:
    web = web_of(request)
    token = request.query_params.get("token", "")
    redeemed = await run_in_threadpool(web.links.redeem, token, web.cookies.browser_id(request))
    if isinstance(redeemed, str):
        return _sign_in_page(request, redeemed, status=400)
    if not web.organisation.has_person(redeemed.person_id):
        return _sign_in_page(request, REFUSALS["unknown"], status=400)
    return await _signed_in(request, redeemed.person_id, "email-link", redeemed.next_path)


async def _signed_in(request: Request, person_id: str, method: str, next_path: str | None) -> Response:
    web = web_of(request)
    previous = getattr(request.state, "viewer", None)
    if previous is not None:
        await run_in_threadpool(web.sessions.end, previous.session_hash)
    session_id = await run_in_threadpool(web.sessions.start, person_id, method)
    response = redirect(safe_next(next_path) or "/tasks")
    web.cookies.set_session(response, session_id, int(web.sessions.max_age.total_seconds()))
    log.info("signed in", person=person_id, method=method)
    return response


@page(signed_in=False)
async def oidc_begin(request: Request) -> Response:
    web = web_of(request)
    if web.oidc is None:
        return _sign_in_page(request, "Sign-in with an organisation account is not set up here; use e-mail.", 404)
    browser = _with_browser(request)
    try:
        location = await web.oidc.begin(browser, safe_next(request.query_params.get("next")))
    except OidcFailed as failure:
        return _sign_in_page(request, str(failure), status=502)
    return _remember_browser(request, RedirectResponse(location, status_code=303))


@page(signed_in=False)
async def oidc_callback(request: Request) -> Response:
    web = web_of(request)
    if web.oidc is None:
        return _sign_in_page(request, "Sign-in with an organisation account is not set up here; use e-mail.", 404)
    if request.query_params.get("error"):
        return _sign_in_page(request, "The identity provider did not sign you in; you can try again.", status=400)
    try:
        address, next_path = await web.oidc.complete(
            web.cookies.browser_id(request), request.query_params.get("state", ""), request.query_params.get("code", "")
        )
    except OidcFailed as failure:
        return _sign_in_page(request, str(failure), status=400)
    if address is None:
        return _sign_in_page(request, NO_ADDRESS, status=403)
    person = person_by_email(web.organisation, address)
    if person is None:
        return _sign_in_page(request, NOT_MATCHED.format(address=address), status=403)
    return await _signed_in(request, person.id, "oidc", next_path)


@page()
async def sign_out(request: Request) -> Response:
    web = web_of(request)
    await run_in_threadpool(web.sessions.end, viewer_of(request).session_hash)
    request.state.viewer = None
    response = _sign_in_page(request, "You are signed out.")
    web.cookies.clear_session(response)
    return response


routes = [
    Route("/sign-in", sign_in_form, methods=["GET"]),
    Route("/sign-in", request_link, methods=["POST"]),
    Route("/sign-in/link", open_link, methods=["GET"]),
    Route("/sign-in/oidc", oidc_begin, methods=["GET"]),
    Route("/sign-in/oidc/callback", oidc_callback, methods=["GET"]),
    Route("/sign-out", sign_out, methods=["POST"]),
]
