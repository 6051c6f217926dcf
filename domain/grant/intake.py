"""Intake: the application submitted and judged against the organisation file, its eligibility screened
(with a request for more information on the applicant's clock)."""

from typing import Any

from domain import timed_step
from domain.case import CaseDecider, Context, acting_on, close_case, state_after
from domain.commands import EventDraft, required_comment
from domain.errors import NotAllowed
from domain.grant import events
from domain.grant.application import GrantApplication
from domain.grant.commands import ProvideInformation, Screen, Submit
from domain.grant.duties import refuse_unworkable
from domain.grant.review import assign_reviewers_task
from domain.grant.state import GrantState, open_step_now
from domain.organisation import authorised_roles


def submit(decider: CaseDecider[GrantState], state: GrantState, command: Submit, context: Context) -> list[EventDraft]:
    if state.application is not None:
        raise NotAllowed(f"Grant {state.case_id} was already submitted.", rule="stage")
    application = validate_application(command.fields.sent, context, case_id=state.case_id)
    if command.actor != application.submitted_by:
        raise NotAllowed(
            f"The application names {application.submitted_by} as submitter, but {command.actor} submitted it.",
            rule="submission",
        )
    route = context.organisation.approval_route(application.amount_usd)
    return [
        events.GrantSubmitted(
            application=application,
            amount_usd=application.amount_usd,
            fx_rate_to_usd=application.rate,
            approver_role=route.approver_role,
            authorised_roles=authorised_roles(context.organisation, application.amount_usd),
            needs_board=route.needs_board,
            band=route.band,
        ).draft(command.actor, actor_role="programme_officer", reason=command.comment, outcome="submitted"),
        open_step_now(
            context,
            task_id="screening",
            kind="screening",
            title=f"Screen the eligibility of '{application.title}'",
            assignee=application.screening_officer,
            action="screen",
            officer=application.submitted_by,
        ),
    ]


def screen(decider: CaseDecider[GrantState], state: GrantState, command: Screen, context: Context) -> list[EventDraft]:
    task = state.open_step(
        "screening",
        "screen",
        f"Grant {state.case_id}",
        context,
        when="screening opens on submission, and again once the applicant has provided requested information",
    )
    fields = command.fields
    on_behalf = acting_on(state, context, command.actor, task.assignee, "screen this application")
    reason = command.comment
    if fields.outcome != "eligible":
        reason = required_comment(command, f"Screening as {fields.outcome}")
    drafts = [
        events.EligibilityScreened(screener=on_behalf or command.actor).draft(
            command.actor,
            actor_role="programme_officer",
            on_behalf_of=on_behalf,
            reason=reason,
            outcome=fields.outcome,
        ),
        timed_step.complete_task(task, command.actor, on_behalf, fields.outcome),
    ]
    assert state.application is not None
    if fields.outcome == "ineligible":
        return drafts + close_case(
            state.model_copy(update={"tasks": {}}),
            actor=command.actor,
            outcome="ineligible",
            reason=reason,
            stage="closed",
        )
    if fields.outcome == "more-information":
        return drafts + [
            open_step_now(
                context,
                task_id="more-information",
                kind="more_information",
                title=f"Provide the information requested for '{state.application.title}'",
                assignee=state.application.grantee_contact,
                action="provide-information",
                on_due="lapse",
                officer=state.requester,
                reason=reason,
            )
        ]
    return drafts + [assign_reviewers_task(state_after(decider, state, drafts, context.now), context)]


def provide_information(
    decider: CaseDecider[GrantState], state: GrantState, command: ProvideInformation, context: Context
) -> list[EventDraft]:
    task = state.open_step(
        "more-information",
        "provide information for",
        f"Grant {state.case_id}",
        context,
        when="information is provided while screening has asked the applicant for more",
    )
    command.refuse_bad_input()
    on_behalf = acting_on(state, context, command.actor, task.assignee, "provide the requested information")
    assert state.application is not None
    return [
        events.InformationProvided().draft(
            command.actor, on_behalf_of=on_behalf, reason=command.comment, outcome="provided"
        ),
        timed_step.complete_task(task, command.actor, on_behalf),
        open_step_now(
            context,
            task_id="screening",
            kind="screening",
            title=f"Screen the eligibility of '{state.application.title}' with the new information",
            # The officer who asked for the information screens again.
            assignee=state.screener or state.application.screening_officer,
            action="screen",
            officer=state.requester,
        ),
    ]


def validate_application(fields: dict[str, Any], context: Context, case_id: str | None = None) -> GrantApplication:
    """The application as a model, checked against the organisation; refused with a sentence otherwise."""
    from pydantic import ValidationError

    try:
        application = GrantApplication.model_validate(fields)
    except ValidationError as error:
        first = error.errors()[0]
        where = "".join(f"{part}: " for part in [".".join(str(p) for p in first["loc"])] if part)
        message = first["msg"].removeprefix("Value error, ")
        raise NotAllowed(f"The grant application is invalid: {where}{message}.", rule="input") from None
    if case_id is not None and application.case_id != case_id:
        raise NotAllowed(f"The application's reference makes it {application.case_id}, not {case_id}.", rule="input")
    organisation = context.organisation
    for label, person in (
        ("submitted_by", application.submitted_by),
        ("screening_officer", application.screening_officer),
        ("grantee_contact", application.grantee_contact),
    ):
        if not organisation.has_person(person):
            raise NotAllowed(f"The grant application is invalid: {label}: unknown person '{person}'.", rule="input")
    if not organisation.has_role(application.submitted_by, "programme_officer"):
        raise NotAllowed(
            f"Only a programme officer may submit a grant application; {application.submitted_by} is not one.",
            rule="roles",
        )
    if not organisation.has_role(application.screening_officer, "programme_officer"):
        raise NotAllowed(
            f"Eligibility screening is done by a programme officer; {application.screening_officer} is not one.",
            rule="roles",
        )
    if application.screening_officer == application.submitted_by:
        raise NotAllowed(
            "The screening officer must not be the officer who submitted the application (separation of duties).",
            rule="separation-of-duties",
        )
    if not organisation.has_role(application.grantee_contact, "grantee_contact"):
        raise NotAllowed(
            f"{application.grantee_contact} is not a grantee contact in the organisation file.", rule="roles"
        )
    _refuse_unworkable_application(application, context)
    return application


def _refuse_unworkable_application(application: GrantApplication, context: Context) -> None:
    """Refused at submission rather than stuck later: someone must be free to name the reviewers and someone
    to decide the grant, given who submits and who screens it."""
    route = context.organisation.approval_route(application.amount_usd)
    state = GrantState(
        case_id=application.case_id,
        requester=application.submitted_by,
        needs_board=route.needs_board,
        band=route.band,
        authorised_roles=authorised_roles(context.organisation, application.amount_usd),
    )
    screener = context.organisation.person(application.screening_officer).name
    refuse_unworkable(
        state,
        context,
        screener=application.screening_officer,
        reviewers=(),
        undeclared=(),
        what=f"Having {screener} screen this application",
        instead="name a screening officer who does not hold that authority",
    )
    if not context.organisation.people_with_role("finance_officer"):
        raise NotAllowed(
            "The organisation file names no finance officer, so no tranche of a grant could be released; add one "
            "before submitting grants (separation of duties).",
            rule="roles",
        )
