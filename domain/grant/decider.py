"""The grant's decider: the actions of intake, review, approval and disbursement in one handler table, and
the fold of the grant's events into its state."""

from collections.abc import Callable
from typing import Any

from domain import timed_step
from domain.board_decision import BoardOutcome
from domain.board_referral import RefersToBoard, outcome_recorded
from domain.board_request import BOARD_DECISION_RECORDED, BOARD_DECISION_REQUESTED, MEETING_TASK
from domain.case import Context, close_case, handler_for
from domain.commands import Command, EventDraft, required_comment
from domain.errors import NotAllowed
from domain.events import SYSTEM_ACTOR, DomainEvent
from domain.grant import approval, disbursement, events, intake, review
from domain.grant.approval import after_board, route_for_approval
from domain.grant.commands import GRANT_COMMANDS, Withdraw
from domain.grant.duties import (
    REVIEWER_NAMERS,
    authority_sentence,
    check_reviewer,
    holds_authority,
    name_of,
    refuse_unworkable,
    separation_of_duties,
)
from domain.grant.events import GRANT_EVENTS
from domain.grant.state import KIND, REVIEWERS_NEEDED, GrantState, Review
from domain.step_events import STEP_EVENTS, TaskOpened, TaskReassigned

# The event types, as the typed events of `domain.grant.events` name them.
SUBMITTED = events.GrantSubmitted.model_fields["type"].default
SCREENED = events.EligibilityScreened.model_fields["type"].default
INFORMATION_PROVIDED = events.InformationProvided.model_fields["type"].default
REVIEWERS_ASSIGNED = events.ReviewersAssigned.model_fields["type"].default
INTERESTS_DECLARED = events.InterestsDeclared.model_fields["type"].default
REVIEW_SUBMITTED = events.TechnicalReviewSubmitted.model_fields["type"].default
ROUTED = events.ApprovalRouted.model_fields["type"].default
ENDORSED = events.DirectorEndorsed.model_fields["type"].default
BOARD_REQUESTED = BOARD_DECISION_REQUESTED
BOARD_RECORDED = BOARD_DECISION_RECORDED
APPROVED = events.GrantApproved.model_fields["type"].default
REJECTED = events.GrantRejected.model_fields["type"].default
AGREEMENT_SIGNED = events.GrantAgreementSigned.model_fields["type"].default
TRANCHE_RELEASED = events.TrancheReleased.model_fields["type"].default
REPORT_SUBMITTED = events.ProgressReportSubmitted.model_fields["type"].default
REPORT_REVIEWED = events.ProgressReportReviewed.model_fields["type"].default
FINAL_SUBMITTED = events.FinalReportSubmitted.model_fields["type"].default
FINAL_REVIEWED = events.FinalReportReviewed.model_fields["type"].default
WITHDRAWN = events.GrantWithdrawn.model_fields["type"].default

#: The stage a screening's outcome leads to.
_STAGE_AFTER_SCREENING = {
    "eligible": "reviewer_assignment",
    "ineligible": "closed",
    "more-information": "awaiting_information",
}


class GrantDecider(RefersToBoard):
    kind = KIND

    def initial_state(self, case_id: str) -> GrantState:
        return GrantState(case_id=case_id)

    # commands --------------------------------------------------------------------------------------------------
    def decide(self, state: GrantState, command: Command, context: Context) -> list[EventDraft]:
        handler = handler_for(_HANDLERS, command, "a grant")
        if command.action != "submit" and state.application is None:
            raise NotAllowed(f"Grant {state.case_id} has not been submitted.", rule="stage")
        if command.action == "record-meeting-decision":  # the shared Board referral reads its own command
            return handler(self, state, command, context)
        return handler(self, state, GRANT_COMMANDS.parse(command), context)

    def withdraw(self, state: GrantState, command: Withdraw, context: Context) -> list[EventDraft]:
        assert state.application is not None
        if command.actor not in (state.requester, state.application.grantee_contact):
            raise NotAllowed(
                "Only the submitting officer or the applicant's contact may withdraw an application.",
                rule="withdrawal",
            )
        if state.tranches_released:
            raise NotAllowed(
                "A grant with released funds cannot be withdrawn; it is closed through its final report.",
                rule="withdrawal",
            )
        reason = required_comment(command, "Withdrawing an application")
        command.refuse_bad_input()
        return [
            events.GrantWithdrawn().draft(command.actor, reason=reason, outcome="withdrawn"),
            *close_case(state, actor=command.actor, outcome="withdrawn", reason=reason, stage="closed"),
        ]

    def board_outcome(self, state: GrantState, outcome: BoardOutcome, context: Context) -> list[EventDraft]:
        """The child Board decision has closed; its outcome becomes a fact of the grant."""
        return [
            outcome_recorded(outcome),
            *after_board(
                state,
                context,
                actor=SYSTEM_ACTOR,
                outcome=outcome.outcome,
                reference=outcome.board_case,
                reason=f"Board decision {outcome.board_case} closed: {outcome.outcome}",
            ),
        ]

    # reactions and timers ---------------------------------------------------------------------------------------
    def react(self, state: GrantState, context: Context) -> list[EventDraft]:
        if state.stage == "technical_review" and len(state.reviews) == REVIEWERS_NEEDED and not state.tasks:
            return route_for_approval(state, context)
        return []

    def on_deadline(self, state: GrantState, task: timed_step.Task, context: Context) -> list[EventDraft]:
        if task.task_id == "more-information":
            return close_case(
                state,
                actor=SYSTEM_ACTOR,
                outcome="lapsed",
                reason="the applicant did not provide the requested information by the deadline",
                stage="closed",
            )
        return []

    def check_assignee(self, state: GrantState, task: timed_step.Task, person: str, context: Context) -> None:
        """A reassignment passes the same rules as the original assignment."""
        if task.task_id == "approval":
            if not holds_authority(state, context, person):
                raise NotAllowed(authority_sentence(state, context), rule="delegation-of-authority")
            separation_of_duties(state, context, person, "approve")
        elif task.task_id == "endorsement":
            if not context.organisation.has_role(person, "director"):
                raise NotAllowed(
                    f"Only the Director may endorse grants {state.band} for the Board (delegation of authority).",
                    rule="delegation-of-authority",
                )
            separation_of_duties(state, context, person, "endorse")
        elif task.kind == "technical_review":
            raise NotAllowed(
                "A technical review cannot be reassigned: the reviewer declares a conflict of interest and a "
                "replacement is named, who declares before reviewing (conflict of interest).",
                rule="conflict-of-interest",
            )
        elif task.kind == "coi_declaration":
            check_reviewer(state, context, person)
            reviewers = tuple(person if r == task.assignee else r for r in state.reviewers)
            undeclared = tuple(r for r in reviewers if f"coi-{r}" in state.tasks or r == person)
            refuse_unworkable(
                state,
                context,
                screener=state.screener,
                reviewers=reviewers,
                undeclared=undeclared,
                what=f"Making {name_of(context, person)} a reviewer",
                instead="choose a reviewer who does not hold that authority",
            )
        elif task.kind == "screening":
            if person == state.requester:
                raise NotAllowed(
                    f"{name_of(context, person)} submitted this application and cannot screen it "
                    "(separation of duties).",
                    rule="separation-of-duties",
                )
            if not context.organisation.has_role(person, "programme_officer"):
                raise NotAllowed(
                    f"Eligibility screening is done by a programme officer; {name_of(context, person)} is not one.",
                    rule="roles",
                )
            refuse_unworkable(
                state,
                context,
                screener=person,
                reviewers=state.reviewers,
                undeclared=(),
                what=f"Having {name_of(context, person)} screen this application",
                instead="reassign screening to a programme officer who does not hold that authority",
            )
        elif task.kind == "reviewer_assignment":
            if not any(context.organisation.has_role(person, role) for role in REVIEWER_NAMERS):
                raise NotAllowed(
                    f"Technical reviewers are named by the Head of Programmes, or the Director if the Head is "
                    f"conflicted; {name_of(context, person)} is neither (independent review).",
                    rule="independent-review",
                )
            if person == state.requester or person in state.recused:
                raise NotAllowed(
                    f"{name_of(context, person)} submitted this application or declared a conflict of interest on it, "
                    "and cannot name its reviewers (conflict of interest).",
                    rule="conflict-of-interest",
                )
        elif task.kind == "tranche_release" and not context.organisation.has_role(person, "finance_officer"):
            raise NotAllowed(
                f"Tranches are released by a finance officer; {name_of(context, person)} is not one (separation of "
                "duties).",
                rule="separation-of-duties",
            )
        elif task.task_id == MEETING_TASK and not context.organisation.has_role(person, "board_chair"):
            raise NotAllowed(
                f"The Board Chair records the Board meeting's decision; {name_of(context, person)} is not the Chair.",
                rule="board-procedure",
            )

    # evolve -----------------------------------------------------------------------------------------------------
    def evolve(self, state: GrantState, event: DomainEvent) -> GrantState:
        update: dict[str, Any] = {}
        match GRANT_EVENTS.parse(event) or STEP_EVENTS.parse(event):
            case events.GrantSubmitted() as submitted:
                update = {
                    "application": submitted.application,
                    "amount_usd": submitted.amount_usd,
                    "requester": submitted.application.submitted_by,
                    "subjects": (submitted.application.grantee_contact,),
                    "approver_role": submitted.approver_role,
                    "authorised_roles": submitted.authorised_roles,
                    "needs_board": submitted.needs_board,
                    "band": submitted.band,
                    "stage": "screening",
                }
            case events.EligibilityScreened() as screened:
                update = {"screener": screened.screener, "stage": _STAGE_AFTER_SCREENING[event.outcome or "eligible"]}
            case events.InformationProvided():
                update = {"stage": "screening"}
            case events.ReviewersAssigned() as assigned:
                update = {"reviewers": (*state.reviewers, *assigned.reviewers), "stage": "conflict_declarations"}
            case events.InterestsDeclared(conflict=True) as declared:
                update = {
                    "reviewers": tuple(r for r in state.reviewers if r != declared.reviewer),
                    "recused": (*state.recused, declared.reviewer),
                    "stage": "reviewer_assignment",
                }
            case events.InterestsDeclared():
                update = {"stage": "technical_review"}
            case events.TechnicalReviewSubmitted() as reviewed:
                review = Review(score=reviewed.score, recommendation=reviewed.recommendation)
                update = {"reviews": {**state.reviews, reviewed.reviewer: review}}
            case events.ApprovalRouted() as routed:
                update = {"stage": "director_endorsement" if routed.needs_board else "approval"}
            case events.DirectorEndorsed():
                update = {"endorsed_by": event.actor}
            case events.GrantApproved() as approved:
                update = {"approved_by": approved.by, "stage": "agreement"}
            case events.TrancheReleased() as released:
                update = {"tranches_released": released.tranche, "stage": "disbursement"}
            case events.ProgressReportReviewed() as report if event.outcome == "approve":
                update = {"reports_approved": report.report}
            case None if event.type == BOARD_REQUESTED:  # the shared Board referral's events
                update = {"board": state.board.after(event), "stage": "board_no_objection"}
            case None if event.type == BOARD_RECORDED:
                update = {
                    "board": state.board.after(event),
                    "stage": "board_meeting" if event.outcome == "referred_to_meeting" else state.stage,
                }
            case TaskReassigned() as moved if moved.task_id.startswith("coi-"):  # a step's event, as steps read it
                update = {"reviewers": tuple(moved.to if r == moved.previous else r for r in state.reviewers)}
            case TaskOpened(task_id="final-report"):
                update = {"stage": "final_report"}
        return state.model_copy(update=update) if update else state

    def stage_summary(self, state: GrantState) -> dict[str, Any]:
        application = state.application
        return {
            "title": application.title if application else None,
            "applicant": application.applicant if application else None,
            "amount": f"{application.amount} {application.currency}" if application else None,
            "amount_usd": str(state.amount_usd) if state.amount_usd is not None else None,
            "approval": state.band,
            "screener": state.screener,
            "reviewers": list(state.reviewers),
            "recused": list(state.recused),
            "reviews": {k: v.model_dump() for k, v in state.reviews.items()},
            "board_cases": list(state.board_cases),
            "tranches_released": state.tranches_released,
            "tranches": len(application.tranches) if application else 0,
            "reports_approved": state.reports_approved,
        }


#: Each action's handler, given the typed command of its action.
_HANDLERS: dict[str, Callable[..., list[EventDraft]]] = {
    "submit": intake.submit,
    "screen": intake.screen,
    "provide-information": intake.provide_information,
    "assign-reviewers": review.assign_reviewers,
    "declare-interests": review.declare_interests,
    "review": review.review,
    "approve": approval.approve,
    "endorse": approval.endorse,
    "record-meeting-decision": approval.record_meeting_decision,
    "sign-agreement": disbursement.sign_agreement,
    "submit-report": disbursement.submit_report,
    "review-report": disbursement.review_report,
    "release-tranche": disbursement.release_tranche,
    "submit-final-report": disbursement.submit_final_report,
    "review-final-report": disbursement.review_final_report,
    "withdraw": GrantDecider.withdraw,
}

GRANT = GrantDecider()
