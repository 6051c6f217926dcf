"""Rendering pages: Jinja2 templates with what every page shows (who is signed in, the navigation, the form
token), and instants in the reader's own time zone, named (`domain.notice.format_local`)."""

from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from domain.notice import format_local
from web.guards import expected_csrf, web_of
from web.navigation import navigation_for

TEMPLATES = Path(__file__).resolve().parent / "templates"

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    web = web_of(request)
    viewer = getattr(request.state, "viewer", None)
    person = web.organisation.person(viewer.person_id) if viewer is not None else None
    zone = person.time_zone if person is not None else "UTC"

    def local(instant: datetime | None) -> str:
        return "—" if instant is None else format_local(instant, zone)

    def name_of(person_id: str | None) -> str:
        if not person_id:
            return ""
        if web.organisation.has_person(person_id):
            return web.organisation.person(person_id).name
        return person_id

    context = {
        "viewer": viewer,
        "person": person,
        "organisation_name": web.organisation.name,
        "navigation": navigation_for(web.organisation, viewer.person_id) if viewer is not None else [],
        "current_path": request.url.path,
        "csrf_token": expected_csrf(request) or "",
        "local": local,
        "name_of": name_of,
        "time_zone": zone,
        **values,
    }
    body = environment.get_template(template).render(context)
    return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)


#: No scripts run on these pages, no page may frame them, and nothing is sent to other sites.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'none'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
