"""A person's cases, one case (stage, summary, open steps, documents, timeline), and its documents."""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from domain.action_catalogue import actions_open_to
from domain.case import Context
from domain.case_kinds import decider_for
from domain.notice import case_path, task_path
from store.projections import CaseRow, case_rows
from web.case_page import CasePage, case_page_data
from web.documents import documents_of, is_sha256
from web.forms import form_view
from web.guards import NotVisible, form_of, page, viewer_of, web_of
from web.rendering import render
from web.visible import may_see, visible_case


def visible_rows(request: Request) -> list[CaseRow]:
    web = web_of(request)
    person = viewer_of(request).person_id
    return [row for row in case_rows(web.store) if may_see(web, person, row.case_id)]


@page()
async def my_cases(request: Request) -> Response:
    rows = await run_in_threadpool(visible_rows, request)
    return render(request, "cases.html", rows=rows, case_path=case_path)


def render_case(request: Request, case: CasePage, status: int = 200, **outcome: object) -> Response:
    """The case's page: what the person may do now (their steps as links to the step's page, anything else as
    a form), then the summary, open steps, documents and timeline."""
    web = web_of(request)
    person = viewer_of(request).person_id
    offers = actions_open_to(case.state, person, Context(organisation=web.organisation, now=web.clock()))
    steps = [offer for offer in offers if offer.task_id in case.state.tasks and offer.task_id is not None]
    stepped = {offer.task_id for offer in steps}
    entered = form_of(request) if outcome.get("refusal") and request.method == "POST" else None
    others = [form_view(offer, web.organisation, entered) for offer in offers if offer not in steps]
    return render(
        request,
        "case.html",
        status=status,
        case=case,
        step_offers=[case.state.tasks[task_id] for task_id in dict.fromkeys(stepped) if task_id is not None],
        other_forms=others,
        case_path=case_path,
        task_path=task_path,
        **outcome,
    )


@page()
async def one_case(request: Request) -> Response:
    web = web_of(request)
    case_id = request.path_params["case_id"]
    data = await run_in_threadpool(case_page_data, web, viewer_of(request).person_id, case_id)
    return render_case(request, data)


def _document_file(request: Request) -> tuple[str, str]:
    web = web_of(request)
    case_id = request.path_params["case_id"]
    sha256 = request.path_params["sha256"].lower()
    state, _ = visible_case(web, viewer_of(request).person_id, case_id)
    if not is_sha256(sha256):
        raise NotVisible()
    events = web.store.read_stream(case_id)
    parent = decider_for(case_id).stage_summary(state).get("parent_case")
    if isinstance(parent, str):
        events = [*events, *web.store.read_stream(parent)]  # a Board matter's papers are its parent's
    for document in documents_of(events, web.documents_dir):
        if document.sha256 == sha256:
            return str(web.documents_dir / sha256), document.name
    raise NotVisible()


@page()
async def document(request: Request) -> Response:
    path, name = await run_in_threadpool(_document_file, request)
    return FileResponse(path, filename=name, media_type="application/octet-stream")


routes = [
    Route("/cases", my_cases, methods=["GET"]),
    Route("/cases/{case_id:path}/documents/{sha256}", document, methods=["GET"]),
    Route("/cases/{case_id:path}", one_case, methods=["GET"]),
]
