"""The Board: each open procedure the person sits on (as a voting member or an observer), with the matter, the
papers, the deadline, who has responded as far as the rules allow, and the person's own response forms."""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.action_catalogue import actions_open_to
from domain.board_decision import DECLARE_CONFLICT, NO_OBJECTION, OBJECT, VOTE
from domain.board_decision import KIND as BOARD_KIND
from domain.case import Context
from domain.notice import case_path, task_path
from domain.visibility import is_board_person
from store.projections import case_rows
from web.case_page import CasePage, case_page_data
from web.forms import FormView, form_view
from web.guards import NotVisible, page, viewer_of, web_of
from web.rendering import render
from web.visible import may_see

#: What a member does on this page; managing the procedure's steps stays on the case's own page.
RESPONSES = frozenset({NO_OBJECTION, OBJECT, VOTE, DECLARE_CONFLICT})


def _procedures(request: Request) -> list[tuple[CasePage, list[FormView]]]:
    web = web_of(request)
    person = viewer_of(request).person_id
    context = Context(organisation=web.organisation, now=web.clock())
    found = []
    for row in case_rows(web.store):
        if row.kind != BOARD_KIND or row.closed or not may_see(web, person, row.case_id):
            continue
        case = case_page_data(web, person, row.case_id)
        if case.board is None or not case.board.open:
            continue
        offers = actions_open_to(case.state, person, context)
        forms = [form_view(offer, web.organisation) for offer in offers if offer.action in RESPONSES]
        found.append((case, forms))
    return sorted(found, key=lambda item: (item[0].board.closes_at if item[0].board else None) or web.clock())


@page()
async def board_home(request: Request) -> Response:
    web = web_of(request)
    if not is_board_person(web.organisation, viewer_of(request).person_id):
        raise NotVisible()
    procedures = await run_in_threadpool(_procedures, request)
    return render(request, "board.html", procedures=procedures, case_path=case_path, task_path=task_path)


routes = [Route("/board", board_home, methods=["GET"])]
