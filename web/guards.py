"""What every page checks before it runs: who is signed in (the session cookie), and for a POST the form's CSRF
token. Pages are written as `@page()` functions that receive the request with `request.state.viewer` set."""

from collections.abc import Awaitable, Callable
from functools import wraps

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from web.context import WebContext
from web.paths import sign_in_path
from web.sessions import SignedIn
from web.tokens import same

Endpoint = Callable[[Request], Awaitable[Response]]

CSRF_FIELD = "csrf_token"
CSRF_REFUSAL = (
    "This form could not be accepted: its security token is missing or does not match your session. "
    "Nothing was changed; reload the page and try again."
)


class NotVisible(Exception):
    """The page does not exist for this viewer (unknown, or not theirs to see): always a 404, never a 403."""


class CsrfRefused(Exception):
    pass


def web_of(request: Request) -> WebContext:
    return request.app.state.web


def viewer_of(request: Request) -> SignedIn:
    viewer = getattr(request.state, "viewer", None)
    assert viewer is not None, "only pages declared signed_in=True may ask for the viewer"
    return viewer


def form_of(request: Request) -> FormData:
    return request.state.form


async def resolve_viewer(request: Request) -> tuple[SignedIn | None, str | None]:
    """The signed-in person, or None with the problem that ended their session (None when there was none)."""
    web = web_of(request)
    session_id, tampered = web.cookies.session_id(request)
    if tampered:
        return None, "tampered"
    if session_id is None:
        return None, None
    resolved = await run_in_threadpool(web.sessions.resolve, session_id)
    if isinstance(resolved, str):
        return None, resolved
    if not web.organisation.has_person(resolved.person_id):
        return None, "ended"  # removed from the organisation file since signing in
    return resolved, None


def page(*, signed_in: bool = True) -> Callable[[Endpoint], Endpoint]:
    def decorate(endpoint: Endpoint) -> Endpoint:
        @wraps(endpoint)
        async def guarded(request: Request) -> Response:
            web = web_of(request)
            viewer, problem = await resolve_viewer(request)
            request.state.viewer = viewer
            if viewer is None and signed_in:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                location = sign_in_path(target if request.method == "GET" else None)
                if problem is not None:
                    location += ("&" if "?" in location else "?") + f"notice={problem}"
                response: Response = RedirectResponse(location, status_code=303)
                if problem is not None:
                    web.cookies.clear_session(response)
                return response
            if request.method == "POST":
                form = await request.form()
                request.state.form = form
                expected = expected_csrf(request)
                given = form.get(CSRF_FIELD)
                if expected is None or not isinstance(given, str) or not same(given, expected):
                    raise CsrfRefused()
            return await endpoint(request)

        return guarded

    return decorate


def expected_csrf(request: Request) -> str | None:
    """The CSRF token the forms of this page carry: the session's, or before sign-in the browser's."""
    web = web_of(request)
    viewer: SignedIn | None = getattr(request.state, "viewer", None)
    if viewer is not None:
        return viewer.csrf_token
    browser = getattr(request.state, "browser_id", None) or web.cookies.browser_id(request)
    return None if browser is None else web.sessions.csrf_token(f"browser:{browser}")


def redirect(location: str) -> RedirectResponse:
    """After a POST, the browser fetches the result with GET (303), so a reload never resubmits a form."""
    return RedirectResponse(location, status_code=303)
