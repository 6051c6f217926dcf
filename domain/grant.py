"""The rules of a Multi-Donor Fund grant, from submission to closure.

Stages: screening (with an optional request for more information on the applicant's clock), reviewer
assignment, conflict-of-interest declarations, two independent technical reviews, approval by the authority
the delegation-of-authority matrix names for the USD amount (above the Director's limit: a Director
endorsement, then a Board no-objection procedure), the grant agreement, disbursement in tranches gated by
approved progress reports, the final report, closure. Rejection or withdrawal ends the case with its reason.
"""

from collections.abc import Callable
from decimal import Decimal
from itertools import combinations
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain import grant_events as events
from domain import timed_step
from domain.acting import require_known_person
from domain.board_decision import BoardOutcome
from domain.board_referral import BoardReferringState, RefersToBoard, meeting_decision, outcome_recorded
from domain.board_request import (
    BOARD_DECISION_RECORDED,
    BOARD_DECISION_REQUESTED,
    MEETING_TASK,
    BoardProcedure,
    meeting_referral_task,
)
from domain.case import Context, acting_on, close_case, handler_for, state_after, waiting_for
from domain.command_model import NoFields as NoFields
from domain.commands import Command, EventDraft, required_comment
from domain.errors import NotAllowed
from domain.events import SYSTEM_ACTOR, DomainEvent
from domain.grant_application import GrantApplication
from domain.grant_commands import (
    GRANT_COMMANDS,
    Approve,
    AssignReviewers,
    DeclareInterests,
    Endorse,
    ProvideInformation,
    ReleaseTranche,
    ReviewFinalReport,
    ReviewReport,
    Screen,
    SignAgreement,
    Submit,
    SubmitFinalReport,
    SubmitReport,
    SubmitTechnicalReview,
    Withdraw,
)

# Each action's fields, as the action table (`domain.action_table`) names them here.
from domain.grant_commands import AssignReviewersFields as AssignReviewersFields
from domain.grant_commands import DecisionFields as DecisionFields
from domain.grant_commands import DeclareFields as DeclareFields
from domain.grant_commands import ReleaseFields as ReleaseFields
from domain.grant_commands import ReportReviewFields as ReportReviewFields
from domain.grant_commands import ReviewFields as ReviewFields
from domain.grant_commands import ScreenFields as ScreenFields
from domain.grant_commands import SignFields as SignFields
from domain.grant_events import GRANT_EVENTS
from domain.organisation import authorised_roles, role_title

KIND = "grant"
REVIEWERS_NEEDED = 2

# The event types, as the typed events of `domain.grant_events` name them.
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


class Review(BaseModel):
    model_config = ConfigDict(frozen=True)

    score: int
    recommendation: str


class GrantState(BoardReferringState):
    kind: str = KIND
    application: GrantApplication | None = None
    amount_usd: Decimal | None = None
    screener: str | None = None
    reviewers: tuple[str, ...] = ()
    recused: tuple[str, ...] = ()
    reviews: dict[str, Review] = Field(default_factory=dict)
    approver_role: str | None = None
    authorised_roles: tuple[str, ...] = ()
    needs_board: bool = False
    band: str | None = None
    endorsed_by: str | None = None
    approved_by: str | None = None
    tranches_released: int = 0
    reports_approved: int = 0

    @property
    def officer(self) -> str | None:
        return self.requester

    def awaiting_elsewhere(self) -> str | None:
        if self.stage == "board_no_objection" and self.board_cases:
            return f"the Management Board's no-objection procedure {self.board_cases[-1]}"
        return None


#: The stage a screening's outcome leads to.
_STAGE_AFTER_SCREENING = {
    "eligible": "reviewer_assignment",
    "ineligible": "closed",
    "more-information": "awaiting_information",
}


# -- helpers ----------------------------------------------------------------------------------------------------
def _name(context: Context, person: str) -> str:
    return context.organisation.person(person).name


def _usd(amount: Decimal) -> str:
    return f"USD {amount:,.2f}".replace(".00", "")


def _separation_of_duties(state: GrantState, context: Context, person: str, role_word: str) -> None:
    """Whoever screened or reviewed an application cannot approve it; nobody approves their own request."""
    if person == state.requester:
        raise NotAllowed(
            f"{_name(context, person)} submitted this application and cannot {role_word} it "
            "(separation of duties: nobody approves their own request).",
            rule="separation-of-duties",
        )
    if person == state.screener:
        raise NotAllowed(
            f"{_name(context, person)} screened this application and cannot {role_word} it (separation of duties).",
            rule="separation-of-duties",
        )
    if person in state.recused:
        raise NotAllowed(
            f"{_name(context, person)} declared a conflict of interest on this case and cannot {role_word} it.",
            rule="conflict-of-interest",
        )
    if person in state.reviewers:
        raise NotAllowed(
            f"{_name(context, person)} was a technical reviewer of this application and cannot {role_word} it "
            "(separation of duties).",
            rule="separation-of-duties",
        )


def _check_reviewer(state: GrantState, context: Context, person: str) -> None:
    """Who may review: known Secretariat staff, not already a reviewer, free of a declared conflict, and
    neither the submitter nor the screener (separation of duties)."""
    organisation = context.organisation
    require_known_person(organisation, person)
    if not organisation.person(person).staff:
        raise NotAllowed(
            f"{_name(context, person)} is not Secretariat staff and cannot review applications.",
            rule="independent-review",
        )
    if person in state.reviewers:
        raise NotAllowed(
            f"{_name(context, person)} is already a reviewer of this application.", rule="independent-review"
        )
    if person in state.recused:
        raise NotAllowed(
            f"{_name(context, person)} declared a conflict of interest on this case and cannot review it.",
            rule="conflict-of-interest",
        )
    if person in (state.requester, state.screener):
        raise NotAllowed(
            f"{_name(context, person)} submitted or screened this application and cannot review it "
            "(separation of duties).",
            rule="separation-of-duties",
        )


def _personal_task(state: GrantState, kind: str, actor: str) -> timed_step.Task | None:
    """Declarations and reviews are personal: the open step of that kind assigned to the actor, if any."""
    return next((task for task in state.tasks_of_kind(kind) if task.assignee == actor), None)


def _authority_sentence(state: GrantState, context: Context) -> str:
    holders = " or the ".join(role_title(role) for role in state.authorised_roles)
    return f"Only the {holders} may approve grants {state.band} (delegation of authority)."


def _holds_authority(state: GrantState, context: Context, person: str) -> bool:
    return any(context.organisation.has_role(person, role) for role in state.authorised_roles)


#: Who names the technical reviewers: the Head of Programmes, or the Director if the Head is conflicted.
REVIEWER_NAMERS = ("head_of_programmes", "director")
#: Who endorses a grant above the Director's authority for the Board.
ENDORSERS = ("director",)


def _deciding_roles(state: GrantState) -> tuple[str, ...]:
    """The roles of whoever decides after the reviews: the Director's endorsement, or the matrix's approvers."""
    return ENDORSERS if state.needs_board else state.authorised_roles


def _deciding_authority(state: GrantState) -> str:
    if state.needs_board:
        return f"only the Director may endorse grants {state.band} for the Board"
    holders = " or the ".join(role_title(role) for role in state.authorised_roles)
    return f"only the {holders} may approve grants {state.band}"


def _free_holders(context: Context, roles: tuple[str, ...], excluded: set[str]) -> list[str]:
    """Holders of `roles`, in role order then file order, who are not excluded."""
    free: list[str] = []
    for role in roles:
        for person in context.organisation.people_with_role(role):
            if person.id not in excluded and person.id not in free:
                free.append(person.id)
    return free


def _pick(context: Context, roles: tuple[str, ...], excluded: set[str]) -> str:
    """The first free holder. Every command that could leave none is refused up front
    (`_refuse_unworkable`), so reaching the refusal here means the organisation changed under the case."""
    free = _free_holders(context, roles, excluded)
    if free:
        return free[0]
    titles = " or the ".join(role_title(role) for role in roles)
    raise NotAllowed(
        f"Nobody who holds the role of the {titles} is free of this grant (separation of duties); the Director "
        "may reassign the open step to someone who is.",
        rule="separation-of-duties",
    )


def _names(context: Context, people: list[str]) -> str:
    names = [_name(context, person) for person in people]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _workability(
    state: GrantState,
    context: Context,
    *,
    screener: str | None,
    reviewers: tuple[str, ...],
    undeclared: tuple[str, ...],
) -> Literal["decide", "name"] | None:
    """What a later step would lack with these people in these places, or None. Whoever submitted, screened,
    reviewed or declared a conflict cannot approve (or endorse), so a holder of that authority must stay outside
    them all ('decide'); and someone who may name a replacement reviewer must stay outside the reviewers who have
    still to declare, in case every one of them declares a conflict ('name')."""
    involved = {p for p in (state.requester, screener, *reviewers, *state.recused) if p}
    if not _free_holders(context, _deciding_roles(state), involved):
        return "decide"
    if not _free_holders(context, REVIEWER_NAMERS, {p for p in (state.requester, *undeclared, *state.recused) if p}):
        return "name"
    return None


def _panel_can_be_completed(
    state: GrantState,
    context: Context,
    *,
    screener: str | None,
    reviewers: tuple[str, ...],
    undeclared: tuple[str, ...],
) -> bool:
    """Whether staff are left to complete the panel of two reviewers without breaking `_workability`."""
    excluded = {p for p in (state.requester, screener, *reviewers, *state.recused) if p}
    candidates = [person.id for person in context.organisation.staff() if person.id not in excluded]
    needed = max(REVIEWERS_NEEDED - len(reviewers), 0)
    return any(
        _workability(state, context, screener=screener, reviewers=(*reviewers, *more), undeclared=(*undeclared, *more))
        is None
        for more in combinations(candidates, needed)
    )


def _refuse_unworkable(
    state: GrantState,
    context: Context,
    *,
    screener: str | None,
    reviewers: tuple[str, ...],
    undeclared: tuple[str, ...],
    what: str,
    instead: str,
) -> None:
    """No accepted command may leave a later step that nobody is allowed to take: refused up front instead.
    `reviewers` and `undeclared` are as they would be after the change; `what` is the change refused ('Naming X
    as a reviewer'), `instead` what to do."""
    problem = _workability(state, context, screener=screener, reviewers=reviewers, undeclared=undeclared)
    if problem == "decide":
        raise NotAllowed(
            f"{what} would leave nobody to decide this grant: {_deciding_authority(state)}, and whoever submitted, "
            f"screened or reviewed an application cannot decide it (separation of duties); {instead}.",
            rule="separation-of-duties",
        )
    if problem == "name":
        raise NotAllowed(
            f"{what} would leave nobody free to name a replacement should a reviewer declare a conflict of interest "
            "(the Head of Programmes names reviewers, or the Director if the Head is conflicted); keep one of them "
            "out of the review.",
            rule="conflict-of-interest",
        )
    if not _panel_can_be_completed(state, context, screener=screener, reviewers=reviewers, undeclared=undeclared):
        raise NotAllowed(
            f"{what} would leave too few staff to review this application: two technical reviewers are needed from "
            "the Secretariat staff who did not submit or screen it, leaving someone free to decide it (two "
            f"independent technical reviews); {instead}.",
            rule="independent-review",
        )


def _open(context: Context, **kwargs: Any) -> EventDraft:
    return timed_step.open_task(opened_at=context.now, **kwargs)


def _why_not_approval(state: GrantState, context: Context) -> str | None:
    """Why a grant has no approval step beyond 'not yet': it is the Board's, or already decided."""
    if state.approved_by is not None:
        by = "the Management Board" if state.approved_by == "board" else _name(context, state.approved_by)
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


# -- the decider ------------------------------------------------------------------------------------------------
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

    def submit(self, state: GrantState, command: Submit, context: Context) -> list[EventDraft]:
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
            _open(
                context,
                task_id="screening",
                kind="screening",
                title=f"Screen the eligibility of '{application.title}'",
                assignee=application.screening_officer,
                action="screen",
                officer=application.submitted_by,
            ),
        ]

    def screen(self, state: GrantState, command: Screen, context: Context) -> list[EventDraft]:
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
                _open(
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
        return drafts + [self._assign_reviewers_task(state_after(self, state, drafts, context.now), context)]

    def _assign_reviewers_task(self, state: GrantState, context: Context) -> EventDraft:
        """Naming (or replacing) reviewers, for the Head of Programmes, or the Director if the Head is conflicted;
        `state` is the state after the events of the same command, so a conflict just declared counts."""
        count = REVIEWERS_NEEDED - len(state.reviewers)
        conflicted = {*state.recused, *((state.requester,) if state.requester else ())}
        head = _pick(context, REVIEWER_NAMERS, conflicted)
        return _open(
            context,
            task_id="assign-reviewers",
            kind="reviewer_assignment",
            title=f"Name {count} independent technical reviewer{'s' if count > 1 else ''}",
            assignee=head,
            action="assign-reviewers",
            officer=state.requester,
        )

    def provide_information(self, state: GrantState, command: ProvideInformation, context: Context) -> list[EventDraft]:
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
            _open(
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

    def assign_reviewers(self, state: GrantState, command: AssignReviewers, context: Context) -> list[EventDraft]:
        task = state.open_step(
            "assign-reviewers",
            "assign reviewers to",
            f"Grant {state.case_id}",
            context,
            when="reviewers are named once screening finds the application eligible, and a replacement once a "
            "reviewer declares a conflict of interest",
        )
        fields = command.fields
        on_behalf = acting_on(state, context, command.actor, task.assignee, "name the technical reviewers")
        namer = on_behalf or command.actor
        if namer in state.recused:
            raise NotAllowed(
                f"{_name(context, namer)} declared a conflict of interest on this case and cannot name its reviewers; "
                "the Director may reassign the step (conflict of interest).",
                rule="conflict-of-interest",
            )
        named = [part.strip() for part in fields.reviewers.split(",") if part.strip()]
        needed = REVIEWERS_NEEDED - len(state.reviewers)
        if len(named) != needed or len(set(named)) != len(named):
            raise NotAllowed(
                f"Name exactly {needed} different reviewer{'s' if needed > 1 else ''} (two independent technical "
                "reviews).",
                rule="independent-review",
            )
        for person in named:
            _check_reviewer(state, context, person)
        undeclared = tuple(r for r in state.reviewers if f"coi-{r}" in state.tasks)
        _refuse_unworkable(
            state,
            context,
            screener=state.screener,
            reviewers=(*state.reviewers, *named),
            undeclared=(*undeclared, *named),
            what=f"Naming {_names(context, named)} as {'a reviewer' if len(named) == 1 else 'reviewers'}",
            instead="name reviewers who do not hold that authority",
        )
        assert state.application is not None
        drafts = [
            events.ReviewersAssigned(reviewers=tuple(named)).draft(
                command.actor,
                actor_role="head_of_programmes",
                on_behalf_of=on_behalf,
                reason=command.comment,
                outcome="assigned",
            ),
            timed_step.complete_task(task, command.actor, on_behalf),
        ]
        for person in named:
            drafts.append(
                _open(
                    context,
                    task_id=f"coi-{person}",
                    kind="coi_declaration",
                    title=f"Declare any conflict of interest with '{state.application.title}'",
                    assignee=person,
                    action="declare-interests",
                    officer=state.requester,
                )
            )
        return drafts

    def declare_interests(self, state: GrantState, command: DeclareInterests, context: Context) -> list[EventDraft]:
        task = _personal_task(state, "coi_declaration", command.actor)
        if task is None:
            raise NotAllowed(
                f"{_name(context, command.actor)} has no conflict-of-interest declaration to make on "
                f"{state.case_id}: only its named reviewers declare, before they review.",
                rule="conflict-of-interest",
            )
        fields = command.fields
        reason = required_comment(command, "Declaring a conflict of interest") if fields.conflict else command.comment
        assert state.application is not None
        drafts = [
            events.InterestsDeclared(reviewer=command.actor, conflict=fields.conflict).draft(
                command.actor,
                actor_role="reviewer",
                reason=reason,
                outcome="conflict" if fields.conflict else "no-conflict",
            ),
            timed_step.complete_task(task, command.actor, None, "declared"),
        ]
        if fields.conflict:
            pending = state.tasks.get("assign-reviewers")
            if pending is not None:  # the other reviewer is conflicted too: the step reopens to name two
                drafts.append(timed_step.cancel_task(pending, "a second reviewer declared a conflict of interest"))
            after = state_after(self, state, drafts, context.now)
            undeclared = tuple(r for r in after.reviewers if f"coi-{r}" in after.tasks)
            if not _panel_can_be_completed(
                after, context, screener=after.screener, reviewers=after.reviewers, undeclared=undeclared
            ):
                # A declared conflict is a fact and is never refused; with nobody left to replace the reviewer,
                # the application cannot have its two independent reviews, and it ends here rather than wait.
                return drafts + close_case(
                    after,
                    actor=SYSTEM_ACTOR,
                    outcome="no_independent_review",
                    reason="no Secretariat staff member is left who may replace the conflicted reviewer (two "
                    "independent technical reviews); the application may be submitted again",
                    stage="closed",
                )
            return drafts + [self._assign_reviewers_task(after, context)]
        return drafts + [
            _open(
                context,
                task_id=f"review-{command.actor}",
                kind="technical_review",
                title=f"Technical review of '{state.application.title}'",
                assignee=command.actor,
                action="review",
                officer=state.requester,
            )
        ]

    def review(self, state: GrantState, command: SubmitTechnicalReview, context: Context) -> list[EventDraft]:
        task = _personal_task(state, "technical_review", command.actor)
        if task is None:
            if _personal_task(state, "coi_declaration", command.actor) is not None:
                raise NotAllowed(
                    f"{_name(context, command.actor)} must declare their interests in this application before "
                    "reviewing it: give 'declare-interests' with conflict=no or conflict=yes first (conflict of "
                    "interest).",
                    rule="conflict-of-interest",
                )
            if command.actor in state.recused:
                raise NotAllowed(
                    f"{_name(context, command.actor)} declared a conflict of interest on this case and cannot "
                    "review it.",
                    rule="conflict-of-interest",
                )
            raise NotAllowed(
                f"{_name(context, command.actor)} has no technical review open on {state.case_id} "
                f"(stage: {state.stage}): only its named reviewers review, each after declaring their interests "
                f"(two independent technical reviews); {waiting_for(state, context.organisation)}.",
                rule="independent-review",
            )
        fields = command.fields
        return [
            events.TechnicalReviewSubmitted(
                reviewer=command.actor, score=fields.score, recommendation=fields.recommendation
            ).draft(command.actor, actor_role="reviewer", reason=command.comment, outcome=fields.recommendation),
            timed_step.complete_task(task, command.actor, None, fields.recommendation),
        ]

    def approve(self, state: GrantState, command: Approve, context: Context) -> list[EventDraft]:
        task = state.open_step(
            "approval",
            "approve",
            f"Grant {state.case_id}",
            context,
            when="approval follows two independent technical reviews",
            instead=_why_not_approval(state, context),
        )
        fields = command.fields
        on_behalf = self._authorised_decider(state, command, context, task)
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
            self._agreement_task(state, context),
        ]

    def _authorised_decider(
        self, state: GrantState, command: Approve, context: Context, task: timed_step.Task
    ) -> str | None:
        """Authority first (the matrix), then separation of duties, then whose step it is."""
        actor = command.actor
        substitute_for = None
        if not _holds_authority(state, context, actor):
            substitute_for = (
                acting_on(state, context, command.actor, task.assignee, "approve this grant")
                if any(d.substitute == actor and d.absent == task.assignee for d in state.delegations)
                else None
            )
            if substitute_for is None:
                raise NotAllowed(_authority_sentence(state, context), rule="delegation-of-authority")
        _separation_of_duties(state, context, actor, "approve")
        if substitute_for is None and actor != task.assignee:
            # Another holder of the same authority may decide in the assignee's place; that is on the record.
            return None
        return substitute_for

    def endorse(self, state: GrantState, command: Endorse, context: Context) -> list[EventDraft]:
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
        _separation_of_duties(state, context, command.actor, "endorse")
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

    def record_meeting_decision(self, state: GrantState, command: Command, context: Context) -> list[EventDraft]:
        task = state.open_step(
            MEETING_TASK,
            "record the Board meeting's decision on",
            f"Grant {state.case_id}",
            context,
            when="a Board meeting decides a grant only after an objection in the no-objection procedure referred it "
            "there",
        )
        decided = meeting_decision(state, command, context, task)
        return [
            decided.recorded(command.comment, tally={}),
            decided.completes(task),
            *self._after_board(
                state,
                context,
                actor=command.actor,
                outcome=decided.outcome,
                reference=decided.reference,
                reason=command.comment,
            ),
        ]

    def board_outcome(self, state: GrantState, outcome: BoardOutcome, context: Context) -> list[EventDraft]:
        """The child Board decision has closed; its outcome becomes a fact of the grant."""
        return [
            outcome_recorded(outcome),
            *self._after_board(
                state,
                context,
                actor=SYSTEM_ACTOR,
                outcome=outcome.outcome,
                reference=outcome.board_case,
                reason=f"Board decision {outcome.board_case} closed: {outcome.outcome}",
            ),
        ]

    def _after_board(
        self, state: GrantState, context: Context, *, actor: str, outcome: str, reference: str, reason: str | None
    ) -> list[EventDraft]:
        if outcome == "approved":
            return [
                events.GrantApproved(by="board").draft(
                    actor,
                    actor_role="management_board",
                    reason=f"approved by the Management Board ({reference})",
                    outcome="approved",
                ),
                self._agreement_task(state, context),
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

    def _agreement_task(self, state: GrantState, context: Context) -> EventDraft:
        assert state.application is not None and state.requester is not None
        return _open(
            context,
            task_id="agreement",
            kind="agreement_signature",
            title=f"Have the grant agreement for '{state.application.title}' signed",
            assignee=state.requester,
            action="sign-agreement",
            officer=state.requester,
        )

    def sign_agreement(self, state: GrantState, command: SignAgreement, context: Context) -> list[EventDraft]:
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
        return drafts + self._release(state, context, 1, SYSTEM_ACTOR, None, "tranche 1 is released on signature")

    def _release(
        self,
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
                _open(
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
                _open(
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

    def submit_report(self, state: GrantState, command: SubmitReport, context: Context) -> list[EventDraft]:
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
            _open(
                context,
                task_id=f"review-report-{number}",
                kind="report_review",
                title=f"Review progress report {number}",
                assignee=state.requester,
                action="review-report",
                officer=state.requester,
            ),
        ]

    def review_report(self, state: GrantState, command: ReviewReport, context: Context) -> list[EventDraft]:
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
                reason=command.comment
                if fields.decision == "approve"
                else required_comment(command, "Returning a report"),
                outcome=fields.decision,
            ),
            timed_step.complete_task(task, command.actor, on_behalf, fields.decision),
        ]
        assert state.application is not None
        if fields.decision == "revise":
            return drafts + [
                _open(
                    context,
                    task_id=f"progress-report-{number}",
                    kind="progress_report",
                    title=f"Revise and resubmit progress report {number}",
                    assignee=state.application.grantee_contact,
                    action="submit-report",
                    officer=state.requester,
                )
            ]
        finance = _pick(context, ("finance_officer",), {p for p in (state.requester,) if p})
        return drafts + [
            _open(
                context,
                task_id=f"release-tranche-{number + 1}",
                kind="tranche_release",
                title=f"Release tranche {number + 1}",
                assignee=finance,
                action="release-tranche",
                officer=state.requester,
            )
        ]

    def release_tranche(self, state: GrantState, command: ReleaseTranche, context: Context) -> list[EventDraft]:
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
            *self._release(
                state,
                context,
                number,
                command.actor,
                on_behalf,
                command.comment or f"progress report {number - 1} approved",
            ),
        ]

    def submit_final_report(self, state: GrantState, command: SubmitFinalReport, context: Context) -> list[EventDraft]:
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
            _open(
                context,
                task_id="review-final-report",
                kind="report_review",
                title="Review the final report",
                assignee=state.requester,
                action="review-final-report",
                officer=state.requester,
            ),
        ]

    def review_final_report(self, state: GrantState, command: ReviewFinalReport, context: Context) -> list[EventDraft]:
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
                events.FinalReportReviewed().draft(
                    command.actor, on_behalf_of=on_behalf, reason=reason, outcome="revise"
                ),
                timed_step.complete_task(task, command.actor, on_behalf, "revise"),
                _open(
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

    # reactions and timers ---------------------------------------------------------------------------------------
    def react(self, state: GrantState, context: Context) -> list[EventDraft]:
        if state.stage == "technical_review" and len(state.reviews) == REVIEWERS_NEEDED and not state.tasks:
            return self._route_for_approval(state, context)
        return []

    def _route_for_approval(self, state: GrantState, context: Context) -> list[EventDraft]:
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
            director = _pick(context, ("director",), excluded)
            return [
                routed,
                _open(
                    context,
                    task_id="endorsement",
                    kind="approval",
                    title=f"Endorse '{state.application.title}' for the Board's no-objection",
                    assignee=director,
                    action="endorse",
                    officer=state.requester,
                ),
            ]
        approver = _pick(context, state.authorised_roles, excluded)
        return [
            routed,
            _open(
                context,
                task_id="approval",
                kind="approval",
                title=f"Approve '{state.application.title}' ({_usd(state.amount_usd)})",
                assignee=approver,
                action="approve",
                officer=state.requester,
            ),
        ]

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
            if not _holds_authority(state, context, person):
                raise NotAllowed(_authority_sentence(state, context), rule="delegation-of-authority")
            _separation_of_duties(state, context, person, "approve")
        elif task.task_id == "endorsement":
            if not context.organisation.has_role(person, "director"):
                raise NotAllowed(
                    f"Only the Director may endorse grants {state.band} for the Board (delegation of authority).",
                    rule="delegation-of-authority",
                )
            _separation_of_duties(state, context, person, "endorse")
        elif task.kind == "technical_review":
            raise NotAllowed(
                "A technical review cannot be reassigned: the reviewer declares a conflict of interest and a "
                "replacement is named, who declares before reviewing (conflict of interest).",
                rule="conflict-of-interest",
            )
        elif task.kind == "coi_declaration":
            _check_reviewer(state, context, person)
            reviewers = tuple(person if r == task.assignee else r for r in state.reviewers)
            undeclared = tuple(r for r in reviewers if f"coi-{r}" in state.tasks or r == person)
            _refuse_unworkable(
                state,
                context,
                screener=state.screener,
                reviewers=reviewers,
                undeclared=undeclared,
                what=f"Making {_name(context, person)} a reviewer",
                instead="choose a reviewer who does not hold that authority",
            )
        elif task.kind == "screening":
            if person == state.requester:
                raise NotAllowed(
                    f"{_name(context, person)} submitted this application and cannot screen it (separation of duties).",
                    rule="separation-of-duties",
                )
            if not context.organisation.has_role(person, "programme_officer"):
                raise NotAllowed(
                    f"Eligibility screening is done by a programme officer; {_name(context, person)} is not one.",
                    rule="roles",
                )
            _refuse_unworkable(
                state,
                context,
                screener=person,
                reviewers=state.reviewers,
                undeclared=(),
                what=f"Having {_name(context, person)} screen this application",
                instead="reassign screening to a programme officer who does not hold that authority",
            )
        elif task.kind == "reviewer_assignment":
            if not any(context.organisation.has_role(person, role) for role in REVIEWER_NAMERS):
                raise NotAllowed(
                    f"Technical reviewers are named by the Head of Programmes, or the Director if the Head is "
                    f"conflicted; {_name(context, person)} is neither (independent review).",
                    rule="independent-review",
                )
            if person == state.requester or person in state.recused:
                raise NotAllowed(
                    f"{_name(context, person)} submitted this application or declared a conflict of interest on it, "
                    "and cannot name its reviewers (conflict of interest).",
                    rule="conflict-of-interest",
                )
        elif task.kind == "tranche_release" and not context.organisation.has_role(person, "finance_officer"):
            raise NotAllowed(
                f"Tranches are released by a finance officer; {_name(context, person)} is not one (separation of "
                "duties).",
                rule="separation-of-duties",
            )
        elif task.task_id == MEETING_TASK and not context.organisation.has_role(person, "board_chair"):
            raise NotAllowed(
                f"The Board Chair records the Board meeting's decision; {_name(context, person)} is not the Chair.",
                rule="board-procedure",
            )

    # evolve -----------------------------------------------------------------------------------------------------
    def evolve(self, state: GrantState, event: DomainEvent) -> GrantState:
        update: dict[str, Any] = {}
        match GRANT_EVENTS.parse(event):
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
            case None if event.type == timed_step.TASK_REASSIGNED:  # a step's event, read as the steps read it
                if event.payload["task_id"].startswith("coi-"):
                    moved_from, moved_to = event.payload["from"], event.payload["to"]
                    update = {"reviewers": tuple(moved_to if r == moved_from else r for r in state.reviewers)}
            case None if event.type == timed_step.TASK_OPENED:
                if event.payload["task_id"] == "final-report":
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
    _refuse_unworkable(
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


#: Each action's handler, given the typed command of its action.
_HANDLERS: dict[str, Callable[..., list[EventDraft]]] = {
    "submit": GrantDecider.submit,
    "screen": GrantDecider.screen,
    "provide-information": GrantDecider.provide_information,
    "assign-reviewers": GrantDecider.assign_reviewers,
    "declare-interests": GrantDecider.declare_interests,
    "review": GrantDecider.review,
    "approve": GrantDecider.approve,
    "endorse": GrantDecider.endorse,
    "record-meeting-decision": GrantDecider.record_meeting_decision,
    "sign-agreement": GrantDecider.sign_agreement,
    "submit-report": GrantDecider.submit_report,
    "review-report": GrantDecider.review_report,
    "release-tranche": GrantDecider.release_tranche,
    "submit-final-report": GrantDecider.submit_final_report,
    "review-final-report": GrantDecider.review_final_report,
    "withdraw": GrantDecider.withdraw,
}

GRANT = GrantDecider()
