"""A task and its form (the catalogue's offers for that step), and acting on a case (`POST …/act`).

Every action goes through `runtime.case_commands.send_command` (via `web.case_actions`): the person is the
session's, the channel is `web` with the sign-in method and the session's reference; a refusal shows the rule's
sentence on the page and nothing is recorded.
"""

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.action_catalogue import ActionOffer, actions_open_to, offers_for_task
from domain.case import Context
from domain.commands import Channel, Command
from domain.notice import case_path, task_path
from runtime.command_refused import CommandRefused
from web.case_page import CasePage, case_page_data
from web.forms import BadSubmission, form_view, read_submission
from web.guards import NotVisible, form_of, page, viewer_of, web_of
from web.rendering import render
from web.sessions import SignedIn
from web.timeline import readable_type
from workflows.messages import ActResult

REFUSED = 422


def web_channel(viewer: SignedIn) -> Channel:
    """How the audit trail says this person was identified: never the session id or a token."""
    return Channel(name="web", sign_in=viewer.sign_in, session=viewer.reference)


def _offers(request: Request, case: CasePage) -> list[ActionOffer]:
    web = web_of(request)
    context = Context(organisation=web.organisation, now=web.clock())
    return actions_open_to(case.state, viewer_of(request).person_id, context)


def render_task(request: Request, case: CasePage, task_id: str, status: int = 200, **outcome: object) -> Response:
    web = web_of(request)
    task = case.state.tasks.get(task_id)
    if task is None:
        return render(
            request,
            "message.html",
            status=404 if not outcome else status,
            heading="This step is not open",
            sentence=str(outcome.get("refusal") or outcome.get("accepted") or "")
            or f"The step '{task_id}' of {case.case_id} is not open (any more).",
            link={"path": case_path(case.case_id), "label": f"Go to {case.case_id}"},
            tone="refusal" if outcome.get("refusal") else "notice",
        )
    entered = form_of(request) if outcome.get("refusal") else None
    offers = offers_for_task(_offers(request, case), task)
    holder = (
        web.organisation.person(task.assignee).name if web.organisation.has_person(task.assignee) else task.assignee
    )
    return render(
        request,
        "task.html",
        status=status,
        case=case,
        task=task,
        overdue=task.is_overdue(web.clock()),
        forms=[form_view(offer, web.organisation, entered) for offer in offers],
        nothing_to_do=f"This step is {holder}'s; there is nothing here for you to do.",
        case_path=case_path,
        task_path=task_path,
        **outcome,
    )


@page()
async def task_page(request: Request) -> Response:
    web = web_of(request)
    case_id, task_id = request.path_params["case_id"], request.path_params["task_id"]
    case = await run_in_threadpool(case_page_data, web, viewer_of(request).person_id, case_id)
    return render_task(request, case, task_id)


def _chosen(offers: list[ActionOffer], action: str, task: object) -> ActionOffer | None:
    candidates = [offer for offer in offers if offer.action == action]
    if len(candidates) > 1 and isinstance(task, str):
        for offer in candidates:
            if offer.task_id == task:
                return offer
    return candidates[0] if candidates else None


@page()
async def act(request: Request) -> Response:
    from web.pages.cases import render_case

    web = web_of(request)
    viewer = viewer_of(request)
    case_id = request.path_params["case_id"]
    form = form_of(request)
    case = await run_in_threadpool(case_page_data, web, viewer.person_id, case_id)
    action = form.get("action")
    if not isinstance(action, str) or not action:
        raise NotVisible()
    offer = _chosen(_offers(request, case), action, form.get("task"))
    if offer is None:
        # Not an action the catalogue offers this person now: it still goes to the case, with no fields, so the
        # decider gives its sentence and the attempt is on the record of refused attempts like any other.
        command = Command(action=action, actor=viewer.person_id, comment=_comment(form), channel=web_channel(viewer))
        try:
            result = await web.actions.act(case_id, command)
        except CommandRefused as refusal:
            return render_case(request, case, status=REFUSED, refusal=refusal.sentence)
        after = await run_in_threadpool(case_page_data, web, viewer.person_id, case_id)
        return render_case(request, after, accepted=_summary(action, result))

    def refused(sentence: str) -> Response:
        if offer.task_id is not None and offer.task_id in case.state.tasks:
            return render_task(request, case, offer.task_id, status=REFUSED, refusal=sentence)
        return render_case(request, case, status=REFUSED, refusal=sentence)

    try:
        submitted = await read_submission(offer, form)
    except BadSubmission as error:
        return refused(str(error))
    command = Command(
        action=offer.action,
        actor=viewer.person_id,
        fields=submitted.fields,
        comment=submitted.comment,
        channel=web_channel(viewer),
    )
    try:
        result = await web.actions.act(case_id, command, submitted.document)
    except CommandRefused as refusal:
        return refused(refusal.sentence)
    after = await run_in_threadpool(case_page_data, web, viewer.person_id, case_id)
    return render_case(request, after, accepted=_summary(offer.label, result))


def _comment(form: FormData) -> str | None:
    comment = form.get("comment")
    return comment.strip() or None if isinstance(comment, str) else None


def _summary(label: str, result: ActResult) -> str:
    recorded = ", ".join(readable_type(event).lower() for event in result.events)
    summary = f"{label}: {recorded}; the case is now at stage {result.stage.replace('_', ' ')}"
    if result.closed:
        summary += f" and closed ({result.outcome})"
    return summary + "."


routes = [
    Route("/cases/{case_id:path}/tasks/{task_id:path}", task_page, methods=["GET"]),
    Route("/cases/{case_id:path}/act", act, methods=["POST"]),
]
