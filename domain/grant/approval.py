"""Approval: routed by the delegation-of-authority matrix for the USD amount to its approver, or, above the
Director's limit, to the Director's endorsement and the Board's no-objection procedure (and its meeting)."""

from decimal import Decimal

from domain import timed_step
from domain.board_referral import meeting_decision
from domain.board_request import MEETING_TASK, BoardProcedure, meeting_referral_task
from domain.case import CaseDecider, Context, acting_on, close_case
from domain.commands import Command, EventDraft, required_comment
from domain.errors import NotAllowed
from domain.events import SYSTEM_ACTOR
from domain.grant import events
from domain.grant.commands import Approve, Endorse
from domain.grant.disbursement import agreement_task
from domain.grant.duties import authority_sentence, holds_authority, name_of, pick, separation_of_duties
from domain.grant.state import GrantState, open_step_now


def _usd(amount: Decimal) -> str:
    return f"USD {amount:,.2f}".replace(".00", "")


def _why_not_approval(state: GrantState, context: Context) -> str | None:
    """Why a grant has no approval step beyond 'not yet': it is the Board's, or already decided."""
    if state.approved_by is not None:
        by = "the Management Board" if state.approved_by == "board" else name_of(context, state.approved_by)
        return f"it was approved by {by}"
    if state.needs_board:
        return (
            f"a grant {state.band} is approved by the Management Board, not by the Director alone, and the "
            "Director's 'endorse' sends it to the Board's no-objection procedure (delegation of authority)"
        )
    return None


def _why_not_endorsement(state: GrantState) -> str | None:
    if not state.needs_board:
        return (
            f"a grant {state.band} is not endorsed for the Board: its approval step ('approve') decides it "
            "(delegation of authority)"
        )
    if state.endorsed_by is not None:
        return f"the Director ({state.endorsed_by}) has already endorsed it for the Board"
    return None


def route_for_approval(state: GrantState, context: Context) -> list[EventDraft]:
    assert state.application is not None and state.amount_usd is not None
    excluded = {p for p in (state.requester, state.screener, *state.reviewers, *state.recused) if p}
    routed = events.ApprovalRouted(
        approver_role=state.approver_role, needs_board=state.needs_board, band=state.band
    ).draft(
        SYSTEM_ACTOR,
        reason=f"two technical reviews complete; {_usd(state.amount_usd)} is {state.band}",
        outcome="board" if state.needs_board else (state.approver_role or ""),
    )
    if state.needs_board:
        director = pick(context, ("director",), excluded)
        return [
            routed,
            open_step_now(
                context,
                task_id="endorsement",
                kind="approval",
                title=f"Endorse '{state.application.title}' for the Board's no-objection",
                assignee=director,
                action="endorse",
                officer=state.requester,
            ),
        ]
    approver = pick(context, state.authorised_roles, excluded)
    return [
        routed,
        open_step_now(
            context,
            task_id="approval",
            kind="approval",
            title=f"Approve '{state.application.title}' ({_usd(state.amount_usd)})",
            assignee=approver,
            action="approve",
            officer=state.requester,
        ),
    ]


def approve(
    decider: CaseDecider[GrantState], state: GrantState, command: Approve, context: Context
) -> list[EventDraft]:
    task = state.open_step(
        "approval",
        "approve",
        f"Grant {state.case_id}",
        context,
        when="approval follows two independent technical reviews",
        instead=_why_not_approval(state, context),
    )
    fields = command.fields
    on_behalf = _authorised_decider(state, command, context, task)
    reason = command.comment if fields.decision == "approve" else required_comment(command, "Rejecting a grant")
    completed = timed_step.complete_task(task, command.actor, on_behalf, fields.decision)
    role = state.approver_role
    if fields.decision == "reject":
        return [
            events.GrantRejected(by=command.actor).draft(
                command.actor, actor_role=role, on_behalf_of=on_behalf, reason=reason, outcome="rejected"
            ),
            completed,
            *close_case(
                state.model_copy(update={"tasks": {}}),
                actor=command.actor,
                outcome="rejected",
                reason=reason,
                stage="closed",
            ),
        ]
    return [
        events.GrantApproved(by=command.actor, band=state.band).draft(
            command.actor, actor_role=role, on_behalf_of=on_behalf, reason=reason, outcome="approved"
        ),
        completed,
        agreement_task(state, context),
    ]


def _authorised_decider(state: GrantState, command: Approve, context: Context, task: timed_step.Task) -> str | None:
    """Authority first (the matrix), then separation of duties, then whose step it is."""
    actor = command.actor
    substitute_for = None
    if not holds_authority(state, context, actor):
        substitute_for = (
            acting_on(state, context, command.actor, task.assignee, "approve this grant")
            if any(d.substitute == actor and d.absent == task.assignee for d in state.delegations)
            else None
        )
        if substitute_for is None:
            raise NotAllowed(authority_sentence(state, context), rule="delegation-of-authority")
    separation_of_duties(state, context, actor, "approve")
    if substitute_for is None and actor != task.assignee:
        # Another holder of the same authority may decide in the assignee's place; that is on the record.
        return None
    return substitute_for


def endorse(
    decider: CaseDecider[GrantState], state: GrantState, command: Endorse, context: Context
) -> list[EventDraft]:
    task = state.open_step(
        "endorsement",
        "endorse",
        f"Grant {state.case_id}",
        context,
        when="the Director endorses a grant above the Director's authority for the Board after two independent "
        "technical reviews",
        instead=_why_not_endorsement(state),
    )
    fields = command.fields
    if not context.organisation.has_role(command.actor, "director"):
        on_behalf = acting_on(state, context, command.actor, task.assignee, "endorse this grant for the Board")
    else:
        on_behalf = None
    separation_of_duties(state, context, command.actor, "endorse")
    completed = timed_step.complete_task(task, command.actor, on_behalf, fields.decision)
    if fields.decision == "reject":
        reason = required_comment(command, "Declining to endorse a grant")
        return [
            events.GrantRejected(by=command.actor).draft(
                command.actor, actor_role="director", on_behalf_of=on_behalf, reason=reason, outcome="rejected"
            ),
            completed,
            *close_case(
                state.model_copy(update={"tasks": {}}),
                actor=command.actor,
                outcome="rejected",
                reason=reason,
                stage="closed",
            ),
        ]
    assert state.application is not None and state.amount_usd is not None
    return [
        events.DirectorEndorsed(by=command.actor).draft(
            command.actor,
            actor_role="director",
            on_behalf_of=on_behalf,
            reason=command.comment,
            outcome="endorsed",
        ),
        completed,
        state.board.request(
            parent_case=state.case_id,
            procedure=BoardProcedure.NO_OBJECTION,
            matter=f"Grant {state.case_id}: {_usd(state.amount_usd)} to {state.application.applicant} "
            f"for '{state.application.title}'",
            actor=command.actor,
            actor_role="director",
            on_behalf_of=on_behalf,
            reason="grants above the Director's authority need a Board no-objection (delegation of authority)",
        ),
    ]


def record_meeting_decision(
    decider: CaseDecider[GrantState], state: GrantState, command: Command, context: Context
) -> list[EventDraft]:
    task = state.open_step(
        MEETING_TASK,
        "record the Board meeting's decision on",
        f"Grant {state.case_id}",
        context,
        when="a Board meeting decides a grant only after an objection in the no-objection procedure referred it there",
    )
    decided = meeting_decision(state, command, context, task)
    return [
        decided.recorded(command.comment, tally={}),
        decided.completes(task),
        *after_board(
            state,
            context,
            actor=command.actor,
            outcome=decided.outcome,
            reference=decided.reference,
            reason=command.comment,
        ),
    ]


def after_board(
    state: GrantState, context: Context, *, actor: str, outcome: str, reference: str, reason: str | None
) -> list[EventDraft]:
    if outcome == "approved":
        return [
            events.GrantApproved(by="board").draft(
                actor,
                actor_role="management_board",
                reason=f"approved by the Management Board ({reference})",
                outcome="approved",
            ),
            agreement_task(state, context),
        ]
    if outcome == "referred_to_meeting":
        return [meeting_referral_task(context, subject="this grant", officer=state.requester)]
    return close_case(
        state.model_copy(update={"tasks": {}}),
        actor=actor,
        outcome="rejected",
        reason=reason or f"the Management Board did not approve ({outcome})",
        stage="closed",
    )
