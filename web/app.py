"""The web front's ASGI application: routes, static files, and the pages for errors.

`create_app` takes a built `WebContext`, so `govern up` (sharing the worker's Temporal client and store) and
`govern web` (on its own) serve the same application.
"""

import structlog
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from runtime.health import check
from web.context import WebContext
from web.guards import CSRF_REFUSAL, CsrfRefused, NotVisible, page, resolve_viewer
from web.pages import audit, board, cases, sign_in, task, tasks
from web.rendering import render
from web.static_files import STATIC

log = structlog.get_logger("govern.web")

NOT_FOUND = "There is no such page, or it is not yours to see."


@page(signed_in=False)
async def home(request: Request) -> Response:
    return RedirectResponse("/tasks" if request.state.viewer is not None else "/sign-in", status_code=303)


async def health(request: Request) -> Response:
    """Temporal, the worker, the store and mail, as `govern health` sees them: 200 when all are healthy,
    503 naming what is not. It says nothing about any case, so it needs no sign-in."""
    web = request.app.state.web
    result = await check(web.settings, web.actions.client, web.store)
    return JSONResponse(
        {"healthy": result.healthy, "parts": [part.model_dump() for part in result.parts]},
        status_code=200 if result.healthy else 503,
    )


async def _not_visible(request: Request, _: Exception) -> Response:
    if not hasattr(request.state, "viewer"):  # no page ran (an unknown address): still show who is signed in
        request.state.viewer, _problem = await resolve_viewer(request)
    return render(request, "message.html", status=404, heading="Not found", sentence=NOT_FOUND, tone="notice")


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if error.status_code == 404:
        return await _not_visible(request, error)
    return render(request, "message.html", status=error.status_code, heading="Not possible", sentence=str(error.detail))


async def _csrf_refused(request: Request, _: Exception) -> Response:
    return render(request, "message.html", status=403, heading="Not accepted", sentence=CSRF_REFUSAL, tone="refusal")


def create_app(web: WebContext) -> Starlette:
    routes = [
        Route("/", home, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        *sign_in.routes,
        *tasks.routes,
        *task.routes,
        *cases.routes,
        *board.routes,
        *audit.routes,
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={NotVisible: _not_visible, HTTPException: _http_error, CsrfRefused: _csrf_refused},
    )
    app.state.web = web
    return app
