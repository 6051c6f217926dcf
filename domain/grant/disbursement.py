"""Disbursement: the grant agreement signed, tranches released each behind an approved progress report
(tranche gate), the final report reviewed, and the grant closed."""

from domain import timed_step
from domain.case import CaseDecider, Context, acting_on, close_case
from domain.commands import EventDraft, required_comment
from domain.errors import NotAllowed
from domain.events import SYSTEM_ACTOR
from domain.grant import events
from domain.grant.commands import (
    ReleaseTranche,
    ReviewFinalReport,
    ReviewReport,
    SignAgreement,
    SubmitFinalReport,
    SubmitReport,
)
from domain.grant.duties import pick
from domain.grant.state import GrantState, open_step_now


def agreement_task(state: GrantState, context: Context) -> EventDraft:
    assert state.application is not None and state.requester is not None
    return open_step_now(
        context,
        task_id="agreement",
        kind="agreement_signature",
        title=f"Have the grant agreement for '{state.application.title}' signed",
        assignee=state.requester,
        action="sign-agreement",
        officer=state.requester,
    )


def sign_agreement(
    decider: CaseDecider[GrantState], state: GrantState, command: SignAgreement, context: Context
) -> list[EventDraft]:
    task = state.open_step(
        "agreement",
        "sign the agreement of",
        f"Grant {state.case_id}",
        context,
        when="the grant agreement is signed once the grant is approved",
    )
    fields = command.fields
    on_behalf = acting_on(state, context, command.actor, task.assignee, "record the signed grant agreement")
    drafts = [
        events.GrantAgreementSigned(signed_on=fields.signed_on or context.now.date()).draft(
            command.actor, on_behalf_of=on_behalf, reason=command.comment, outcome="signed"
        ),
        timed_step.complete_task(task, command.actor, on_behalf),
    ]
    return drafts + release(state, context, 1, SYSTEM_ACTOR, None, "tranche 1 is released on signature")


def release(
    state: GrantState,
    context: Context,
    number: int,
    actor: str,
    on_behalf_of: str | None,
    reason: str,
) -> list[EventDraft]:
    assert state.application is not None
    tranches = state.application.tranches
    tranche = tranches[number - 1]
    drafts = [
        events.TrancheReleased(
            tranche=number, of=len(tranches), amount=tranche.amount, currency=state.application.currency
        ).draft(
            actor,
            actor_role="finance_officer" if actor != SYSTEM_ACTOR else None,
            on_behalf_of=on_behalf_of,
            reason=reason,
            outcome="released",
        )
    ]
    if number < len(tranches):
        drafts.append(
            open_step_now(
                context,
                task_id=f"progress-report-{number}",
                kind="progress_report",
                title=f"Submit progress report {number} (releases tranche {number + 1})",
                assignee=state.application.grantee_contact,
                action="submit-report",
                working_days=tranche.report_due_working_days,
                officer=state.requester,
            )
        )
    else:
        drafts.append(
            open_step_now(
                context,
                task_id="final-report",
                kind="final_report",
                title="Submit the final report",
                assignee=state.application.grantee_contact,
                action="submit-final-report",
                working_days=state.application.final_report_working_days,
                officer=state.requester,
            )
        )
    return drafts


def submit_report(
    decider: CaseDecider[GrantState], state: GrantState, command: SubmitReport, context: Context
) -> list[EventDraft]:
    number = state.reports_approved + 1
    task = state.open_step(
        f"progress-report-{number}",
        "submit a progress report for",
        f"Grant {state.case_id}",
        context,
        when=f"progress report {number} is due once tranche {number} is released, and again when it is returned "
        "for revision (tranche gate)",
    )
    command.refuse_bad_input()
    on_behalf = acting_on(state, context, command.actor, task.assignee, "submit this progress report")
    assert state.requester is not None
    return [
        events.ProgressReportSubmitted(report=number).draft(
            command.actor, on_behalf_of=on_behalf, reason=command.comment, outcome="submitted"
        ),
        timed_step.complete_task(task, command.actor, on_behalf),
        open_step_now(
            context,
            task_id=f"review-report-{number}",
            kind="report_review",
            title=f"Review progress report {number}",
            assignee=state.requester,
            action="review-report",
            officer=state.requester,
        ),
    ]


def review_report(
    decider: CaseDecider[GrantState], state: GrantState, command: ReviewReport, context: Context
) -> list[EventDraft]:
    number = state.reports_approved + 1
    task = state.open_step(
        f"review-report-{number}",
        "review a progress report of",
        f"Grant {state.case_id}",
        context,
        when=f"progress report {number} is reviewed once the grantee has submitted it",
    )
    fields = command.fields
    on_behalf = acting_on(state, context, command.actor, task.assignee, "review this progress report")
    drafts = [
        events.ProgressReportReviewed(report=number).draft(
            command.actor,
            actor_role="programme_officer",
            on_behalf_of=on_behalf,
            reason=command.comment if fields.decision == "approve" else required_comment(command, "Returning a report"),
            outcome=fields.decision,
        ),
        timed_step.complete_task(task, command.actor, on_behalf, fields.decision),
    ]
    assert state.application is not None
    if fields.decision == "revise":
        return drafts + [
            open_step_now(
                context,
                task_id=f"progress-report-{number}",
                kind="progress_report",
                title=f"Revise and resubmit progress report {number}",
                assignee=state.application.grantee_contact,
                action="submit-report",
                officer=state.requester,
            )
        ]
    finance = pick(context, ("finance_officer",), {p for p in (state.requester,) if p})
    return drafts + [
        open_step_now(
            context,
            task_id=f"release-tranche-{number + 1}",
            kind="tranche_release",
            title=f"Release tranche {number + 1}",
            assignee=finance,
            action="release-tranche",
            officer=state.requester,
        )
    ]


def release_tranche(
    decider: CaseDecider[GrantState], state: GrantState, command: ReleaseTranche, context: Context
) -> list[EventDraft]:
    fields = command.fields
    assert state.application is not None
    number = fields.tranche or state.tranches_released + 1
    total = len(state.application.tranches)
    if number > total:
        raise NotAllowed(
            f"This grant has {total} tranche{'s' if total > 1 else ''}; there is no tranche {number}.",
            rule="tranche-gate",
        )
    if number <= state.tranches_released:
        raise NotAllowed(f"Tranche {number} was already released.", rule="tranche-gate")
    if number == 1 or state.reports_approved < number - 1 or number != state.tranches_released + 1:
        previous = number - 1
        raise NotAllowed(
            f"Tranche {number} cannot be released before progress report {previous} is submitted and approved "
            "(tranche gate)."
            if number > 1
            else "Tranche 1 is released when the grant agreement is signed (tranche gate).",
            rule="tranche-gate",
        )
    task = state.open_step(
        f"release-tranche-{number}",
        "release a tranche of",
        f"Grant {state.case_id}",
        context,
        when=f"tranche {number} is released once progress report {number - 1} is approved (tranche gate)",
    )
    if not context.organisation.has_role(command.actor, "finance_officer"):
        on_behalf = acting_on(state, context, command.actor, task.assignee, "release this tranche")
    else:
        on_behalf = None
    return [
        timed_step.complete_task(task, command.actor, on_behalf),
        *release(
            state,
            context,
            number,
            command.actor,
            on_behalf,
            command.comment or f"progress report {number - 1} approved",
        ),
    ]


def submit_final_report(
    decider: CaseDecider[GrantState], state: GrantState, command: SubmitFinalReport, context: Context
) -> list[EventDraft]:
    task = state.open_step(
        "final-report",
        "submit the final report of",
        f"Grant {state.case_id}",
        context,
        when="the final report is due once the last tranche is released",
    )
    command.refuse_bad_input()
    on_behalf = acting_on(state, context, command.actor, task.assignee, "submit the final report")
    assert state.requester is not None
    return [
        events.FinalReportSubmitted().draft(
            command.actor, on_behalf_of=on_behalf, reason=command.comment, outcome="submitted"
        ),
        timed_step.complete_task(task, command.actor, on_behalf),
        open_step_now(
            context,
            task_id="review-final-report",
            kind="report_review",
            title="Review the final report",
            assignee=state.requester,
            action="review-final-report",
            officer=state.requester,
        ),
    ]


def review_final_report(
    decider: CaseDecider[GrantState], state: GrantState, command: ReviewFinalReport, context: Context
) -> list[EventDraft]:
    task = state.open_step(
        "review-final-report",
        "review the final report of",
        f"Grant {state.case_id}",
        context,
        when="the final report is reviewed once the grantee has submitted it",
    )
    fields = command.fields
    on_behalf = acting_on(state, context, command.actor, task.assignee, "review the final report")
    assert state.application is not None
    if fields.decision == "revise":
        reason = required_comment(command, "Returning a report")
        return [
            events.FinalReportReviewed().draft(command.actor, on_behalf_of=on_behalf, reason=reason, outcome="revise"),
            timed_step.complete_task(task, command.actor, on_behalf, "revise"),
            open_step_now(
                context,
                task_id="final-report",
                kind="final_report",
                title="Revise and resubmit the final report",
                assignee=state.application.grantee_contact,
                action="submit-final-report",
                officer=state.requester,
            ),
        ]
    return [
        events.FinalReportReviewed().draft(
            command.actor, on_behalf_of=on_behalf, reason=command.comment, outcome="approve"
        ),
        timed_step.complete_task(task, command.actor, on_behalf, "approve"),
        *close_case(
            state.model_copy(update={"tasks": {}}),
            actor=command.actor,
            outcome="completed",
            reason="final report approved; grant closed",
            stage="closed",
        ),
    ]
