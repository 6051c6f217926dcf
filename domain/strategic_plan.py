"""The rules of one Strategic Plan cycle, from the concept note to the published plan with its targets.

Case id `plan/<first year>-<last year>`, e.g. `plan/2028-2032`. The Director leads it (Terms of Reference:
"Leads the development of the Strategic Plan ... with time-bound targets and milestones ... and ensures their
timely approval by the Management Board"):

1. Drafting milestones, in order: concept note, consultation draft, final draft. Each is a step of the
   Director's (`plan_milestone`) due at 17:00 Director-local on the date fixed when the cycle opens (on the
   previous working day when that date is not one in the Director's hub; the calendar activity moves it).
2. The Member consultation opens when the consultation draft is submitted and closes at a fixed instant.
   Each Member representative gets a lapsing step (`member_consultation`): its reminders reach only those who
   have not commented, and its lapse escalates to nobody. The window itself is one more lapsing step, the
   Director's (`consultation_window`), opened after the Members' steps so that it lapses last at the shared
   instant; its lapse is the close. The Director may `extend` it to give Members more time. Every comment is
   recorded; comments after the close are refused by the instant, even before the lapse has been processed.
3. The final draft goes, at the Director's request, to the Board Chair for the Board's review
   (`board_review`): the Chair finds it ready for the vote or asks for revisions (a new final draft version).
   This is a review, not a decision: a no-objection procedure would approve the plan by silence.
4. Board approval by vote (`request_board_decision(procedure="vote")`). A rejection or a vote without quorum
   sends the plan back to revision; a referral to a meeting (possible only if a parent ever asks for a
   no-objection procedure) opens the Chair's step to record the meeting's decision, as for grants.
5. Publication by the Director with the plan's targets and milestones; the case closes `published`. The
   Annual Work Plans and the quarterly reports are separate cases that name this case and its target ids.

Targets and plan milestones travel through `govern act --field` as text, or as structured lists from a
scenario file (`domain.plan_targets`); the plan period's helpers are `domain.plan_period`.
"""

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain import strategic_plan_events as events
from domain import timed_step
from domain.acting import require_known_person
from domain.board_decision import BoardOutcome
from domain.board_referral import (
    BoardReferringState,
    RecordMeetingDecision,
    RefersToBoard,
    meeting_decision,
    outcome_recorded,
)
from domain.board_request import (
    BOARD_DECISION_RECORDED,
    BOARD_DECISION_REQUESTED,
    MEETING_TASK,
    BoardProcedure,
    meeting_referral_task,
)
from domain.case import Context, acting_on, close_case, handler_for
from domain.commands import Command, EventDraft, required_comment
from domain.errors import NotAllowed
from domain.events import SYSTEM_ACTOR, DomainEvent
from domain.instants import as_instant
from domain.plan_period import DUE_LOCAL_TIME, plan_case_id, plan_period_bounds
from domain.plan_targets import (
    TARGETS_FORMAT,
    PlanFormatError,
    PlanMilestone,
    Target,
    milestones_from,
    targets_from,
)
from domain.step_events import STEP_EVENTS, DeadlineExtended, TaskOpened, scheduled_due_at
from domain.strategic_plan_commands import (
    STRATEGIC_PLAN_COMMANDS,
    BoardReview,
    Comment,
    MilestoneFields,
    Publish,
    RequestBoardReview,
    SubmitMilestone,
)
from domain.strategic_plan_events import STRATEGIC_PLAN_EVENTS
from domain.working_days import due_instant, local_text, zone_for

KIND = "strategic_plan"

# Event types (the models are `domain.strategic_plan_events`)
OPENED = "StrategicPlanOpened"
MILESTONE_SUBMITTED = "MilestoneSubmitted"
CONSULTATION_OPENED = "ConsultationOpened"
COMMENT_RECEIVED = "MemberCommentReceived"
CONSULTATION_CLOSED = "ConsultationClosed"
BOARD_REVIEW_REQUESTED = "BoardReviewRequested"
BOARD_REVIEW_COMPLETED = "BoardReviewCompleted"
BOARD_REQUESTED = BOARD_DECISION_REQUESTED
BOARD_RECORDED = BOARD_DECISION_RECORDED
APPROVED = "StrategicPlanApproved"
PUBLISHED = "StrategicPlanPublished"

# Drafting milestones, in their order
CONCEPT_NOTE = "concept_note"
CONSULTATION_DRAFT = "consultation_draft"
FINAL_DRAFT = "final_draft"
MILESTONES = (CONCEPT_NOTE, CONSULTATION_DRAFT, FINAL_DRAFT)
MILESTONE_NAMES = {
    CONCEPT_NOTE: "concept note",
    CONSULTATION_DRAFT: "consultation draft",
    FINAL_DRAFT: "final draft",
}
MILESTONE_TASKS = {CONCEPT_NOTE: "concept-note", CONSULTATION_DRAFT: "consultation-draft", FINAL_DRAFT: "final-draft"}
_MILESTONE_OF_TASK = {task_id: milestone for milestone, task_id in MILESTONE_TASKS.items()}

# Step kinds (plans in the organisation file's `step_plans`)
MILESTONE_KIND = "plan_milestone"
MEMBER_KIND = "member_consultation"
WINDOW_KIND = "consultation_window"
SUBMISSION_KIND = "director_endorsement"
BOARD_REVIEW_KIND = "board_review"
REVISION_KIND = "plan_revision"
MEETING_KIND = "board_meeting"
PUBLICATION_KIND = "plan_publication"

# Task ids
WINDOW_TASK = "consultation"
SUBMISSION_TASK = "board-submission"
BOARD_REVIEW_TASK = "board-review"
REVISION_TASK = "revise"
PUBLICATION_TASK = "publication"
DIRECTOR_TASKS = frozenset({*MILESTONE_TASKS.values(), WINDOW_TASK, SUBMISSION_TASK, REVISION_TASK, PUBLICATION_TASK})
CHAIR_TASKS = frozenset({BOARD_REVIEW_TASK, MEETING_TASK})


# -- state --------------------------------------------------------------------------------------------------
class Submission(BaseModel):
    model_config = ConfigDict(frozen=True)

    milestone: str
    version: int
    document_sha256: str
    document_name: str
    submitted_by: str
    submitted_at: datetime
    late: bool = False


class MemberComment(BaseModel):
    model_config = ConfigDict(frozen=True)

    member: str
    text: str
    received_at: datetime
    attachment_sha256: str | None = None


class StrategicPlanState(BoardReferringState):
    kind: str = KIND
    period: str | None = None
    first_year: int | None = None
    last_year: int | None = None
    milestones_due: dict[str, datetime] = Field(default_factory=dict)
    milestone_dates: dict[str, date] = Field(default_factory=dict)
    consultation_closes_on: date | None = None
    submissions: tuple[Submission, ...] = ()
    consultation_opened: bool = False
    consultation_closes_at: datetime | None = None
    consultation_members: tuple[str, ...] = ()
    consultation_closed: bool = False
    comments: tuple[MemberComment, ...] = ()
    board_reviews: int = 0
    approved_version: int | None = None
    approved_reference: str | None = None
    targets: tuple[Target, ...] = ()
    plan_milestones: tuple[PlanMilestone, ...] = ()

    @property
    def submitted(self) -> frozenset[str]:
        return frozenset(submission.milestone for submission in self.submissions)

    @property
    def final_draft(self) -> Submission | None:
        finals = [submission for submission in self.submissions if submission.milestone == FINAL_DRAFT]
        return finals[-1] if finals else None

    @property
    def commenters(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(comment.member for comment in self.comments))

    @property
    def title(self) -> str:
        return f"Strategic Plan {self.period}"

    def awaiting_elsewhere(self) -> str | None:
        if self.stage == "board_vote" and self.board_cases:
            return f"the Management Board's vote {self.board_cases[-1]}"
        return None


# -- command fields -----------------------------------------------------------------------------------------
class MilestoneDueDates(BaseModel):
    model_config = ConfigDict(extra="forbid")

    concept_note_due: date
    consultation_draft_due: date
    final_draft_due: date


# -- opening ------------------------------------------------------------------------------------------------
def open_strategic_plan(
    case_id: str,
    period_start_year: int,
    period_end_year: int,
    milestones: Mapping[str, date | str],
    consultation_closes: date | str,
    requested_by: str,
    context: Context,
) -> list[EventDraft]:
    """`StrategicPlanOpened` and the Director's first milestone step, or NotAllowed with the sentence."""
    organisation = context.organisation
    if isinstance(consultation_closes, str):
        consultation_closes = date.fromisoformat(consultation_closes)
    period = f"{period_start_year}-{period_end_year}"
    if period_end_year <= period_start_year:
        raise NotAllowed(
            f"A Strategic Plan's period must end after it starts; {period} does not.", rule="strategic-plan"
        )
    if case_id != plan_case_id(period_start_year, period_end_year):
        raise NotAllowed(
            f"The Strategic Plan {period} is case {plan_case_id(period_start_year, period_end_year)}, not {case_id}.",
            rule="strategic-plan",
        )
    require_known_person(organisation, requested_by)
    if not any(organisation.has_role(requested_by, role) for role in ("director", "board_chair")):
        raise NotAllowed(
            f"Only the Director or the Board Chair may open a Strategic Plan cycle; "
            f"{organisation.person(requested_by).name} is neither.",
            rule="strategic-plan",
        )
    try:
        due = MilestoneDueDates.model_validate(dict(milestones))
    except ValidationError as error:
        first = error.errors()[0]
        name = ".".join(str(part) for part in first["loc"])
        problem = "is missing" if first["type"] == "missing" else first["msg"].lower()
        if first["type"] == "extra_forbidden":
            problem = "is not a drafting milestone (concept_note_due, consultation_draft_due, final_draft_due)"
        raise NotAllowed(f"The Strategic Plan's milestone due date {name} {problem}.", rule="input") from None
    order = [
        ("concept note", due.concept_note_due),
        ("consultation draft", due.consultation_draft_due),
        ("consultation close", consultation_closes),
        ("final draft", due.final_draft_due),
    ]
    if any(earlier[1] >= later[1] for earlier, later in zip(order, order[1:], strict=False)):
        dates = ", ".join(f"{name} {day.isoformat()}" for name, day in order)
        raise NotAllowed(
            f"The drafting milestones must fall in this order, each after the one before: {dates}.",
            rule="strategic-plan",
        )
    director = organisation.director().id
    due_at = {
        CONCEPT_NOTE: due_instant(organisation, director, due.concept_note_due, DUE_LOCAL_TIME),
        CONSULTATION_DRAFT: due_instant(organisation, director, due.consultation_draft_due, DUE_LOCAL_TIME),
        FINAL_DRAFT: due_instant(organisation, director, due.final_draft_due, DUE_LOCAL_TIME),
    }
    if due_at[CONCEPT_NOTE] <= context.now:
        raise NotAllowed(
            f"The concept note's due date {due.concept_note_due.isoformat()} has already passed; "
            "give the milestones dates still ahead.",
            rule="strategic-plan",
        )
    opened = events.StrategicPlanOpened(
        period=period,
        period_start_year=period_start_year,
        period_end_year=period_end_year,
        milestones_due={name: instant.isoformat() for name, instant in due_at.items()},
        milestone_dates={
            CONCEPT_NOTE: due.concept_note_due,
            CONSULTATION_DRAFT: due.consultation_draft_due,
            FINAL_DRAFT: due.final_draft_due,
        },
        consultation_closes_on=consultation_closes,
        director=director,
        requested_by=requested_by,
    ).draft(
        requested_by,
        actor_role="director" if organisation.has_role(requested_by, "director") else "board_chair",
        reason=f"Strategic Plan cycle {period} opened",
        outcome="opened",
    )
    return [opened, _milestone_task(CONCEPT_NOTE, period, director, due.concept_note_due, context)]


def _milestone_task(milestone: str, period: str, director: str, due_on: date, context: Context) -> EventDraft:
    return timed_step.open_task(
        task_id=MILESTONE_TASKS[milestone],
        kind=MILESTONE_KIND,
        title=f"Submit the {MILESTONE_NAMES[milestone]} of the Strategic Plan {period}",
        assignee=director,
        action="submit-milestone",
        opened_at=context.now,
        due_on=due_on,
        due_time=DUE_LOCAL_TIME,
    )


def _milestone_day(state: "StrategicPlanState", milestone: str, context: Context) -> date:
    """The day fixed for a milestone when the cycle opened (from its instant, for a cycle that recorded none)."""
    if milestone in state.milestone_dates:
        return state.milestone_dates[milestone]
    director = context.organisation.director().id
    return state.milestones_due[milestone].astimezone(zone_for(context.organisation, director)).date()


# -- helpers ------------------------------------------------------------------------------------------------
def _name(context: Context, person: str) -> str:
    return context.organisation.person(person).name


def _open(context: Context, **kwargs: Any) -> EventDraft:
    return timed_step.open_task(opened_at=context.now, **kwargs)


def _director(context: Context) -> str:
    return context.organisation.director().id


def _chair(context: Context) -> str:
    return context.organisation.board.chair


# -- the decider --------------------------------------------------------------------------------------------
class StrategicPlanDecider(RefersToBoard):
    kind = KIND

    def initial_state(self, case_id: str) -> StrategicPlanState:
        return StrategicPlanState(case_id=case_id)

    # commands ---------------------------------------------------------------------------------------------
    def decide(self, state: StrategicPlanState, command: Command, context: Context) -> list[EventDraft]:
        handler = handler_for(_HANDLERS, command, "a Strategic Plan")
        if state.period is None:
            raise NotAllowed(f"Strategic Plan {state.case_id} has not been opened.", rule="stage")
        return handler(self, state, STRATEGIC_PLAN_COMMANDS.parse(command), context)

    def submit_milestone(
        self, state: StrategicPlanState, command: SubmitMilestone, context: Context
    ) -> list[EventDraft]:
        fields = command.fields
        milestone = fields.milestone
        name = MILESTONE_NAMES[milestone]
        for earlier in MILESTONES[: MILESTONES.index(milestone)]:
            if earlier not in state.submitted:
                raise NotAllowed(
                    f"The {name} cannot be submitted before the {MILESTONE_NAMES[earlier]} (drafting milestones, "
                    "in order: concept note, consultation draft, final draft).",
                    rule="milestone-order",
                )
        if milestone != FINAL_DRAFT and milestone in state.submitted:
            raise NotAllowed(
                f"The {name} of the {state.title} was already submitted (drafting milestones, in order: concept "
                "note, consultation draft, final draft).",
                rule="milestone-order",
            )
        if fields.consultation_closes is not None and milestone != CONSULTATION_DRAFT:
            raise NotAllowed(
                "Field 'consultation_closes' belongs to the consultation draft, which opens the Member consultation.",
                rule="input",
            )
        if milestone == FINAL_DRAFT:
            task = self._final_draft_step(state, context)
        else:
            task = state.open_step(
                MILESTONE_TASKS[milestone],
                f"submit the {name}",
                str(state.title),
                context,
                when="the drafting milestones come in order, each once: concept note, consultation draft, final draft",
            )
        on_behalf = acting_on(state, context, command.actor, task.assignee, f"submit the {name} of the {state.title}")
        version = (state.final_draft.version + 1 if state.final_draft else 1) if milestone == FINAL_DRAFT else 1
        submitted = events.MilestoneSubmitted(
            milestone=milestone,
            version=version,
            document_sha256=fields.document_sha256,
            document_name=fields.document_name,
            due_at=task.due_at.isoformat() if task.due_at else None,
            late=bool(task.due_at and context.now > task.due_at),
        ).draft(
            command.actor, actor_role="director", on_behalf_of=on_behalf, reason=command.comment, outcome="submitted"
        )
        drafts = [submitted, timed_step.complete_task(task, command.actor, on_behalf, "submitted")]
        director = task.assignee
        assert state.period is not None
        if milestone == CONCEPT_NOTE:
            due_on = _milestone_day(state, CONSULTATION_DRAFT, context)
            return drafts + [_milestone_task(CONSULTATION_DRAFT, state.period, director, due_on, context)]
        if milestone == CONSULTATION_DRAFT:
            return drafts + self._open_consultation(state, context, fields, director)
        return drafts + [
            _open(
                context,
                task_id=SUBMISSION_TASK,
                kind=SUBMISSION_KIND,
                title=f"Send final draft version {version} of the {state.title} to the Board Chair for the Board's "
                "review",
                assignee=director,
                action="request-board-review",
            )
        ]

    def _final_draft_step(self, state: StrategicPlanState, context: Context) -> timed_step.Task:
        """The step under which a final draft version is submitted, or the sentence saying why not now."""
        if not state.consultation_closed:
            assert state.consultation_closes_at is not None
            closes = self._consultation_close(state) or state.consultation_closes_at
            raise NotAllowed(
                "The final draft cannot be submitted while the Member consultation is open; it closes at "
                f"{local_text(context.organisation, _director(context), closes)}.",
                rule="milestone-order",
            )
        for task_id in (MILESTONE_TASKS[FINAL_DRAFT], REVISION_TASK, SUBMISSION_TASK):
            if task_id in state.tasks:
                return state.tasks[task_id]
        current = state.final_draft
        if state.stage == "publication":
            raise NotAllowed(
                f"The Management Board approved final draft version {state.approved_version} of the {state.title}; "
                "it awaits publication and cannot be redrafted.",
                rule="stage",
            )
        version = current.version if current else 0
        raise NotAllowed(
            f"Final draft version {version} of the {state.title} is with the Management Board "
            f"(stage: {state.stage}); a new version can be submitted only when the Board asks for revisions.",
            rule="stage",
        )

    def _open_consultation(
        self, state: StrategicPlanState, context: Context, fields: MilestoneFields, director: str
    ) -> list[EventDraft]:
        organisation = context.organisation
        closes_on = fields.consultation_closes or state.consultation_closes_on
        assert closes_on is not None and state.period is not None
        closes_at = due_instant(organisation, director, closes_on, DUE_LOCAL_TIME)
        if closes_at <= context.now:
            if fields.consultation_closes is not None:
                when = local_text(organisation, director, closes_at)
                raise NotAllowed(
                    f"The Member consultation must close after it opens; {when} has passed.",
                    rule="consultation",
                )
            raise NotAllowed(
                f"The Member consultation was planned to close on {closes_on.isoformat()}, which has passed; give "
                "consultation_closes=YYYY-MM-DD, a later date.",
                rule="consultation",
            )
        members = [person.id for person in organisation.people_with_role("member_representative")]
        drafts = [
            events.ConsultationOpened(
                closes_at=closes_at.isoformat(),
                closes_on=closes_on,
                members=tuple(members),
                document_sha256=fields.document_sha256,
                document_name=fields.document_name,
            ).draft(SYSTEM_ACTOR, reason="the consultation draft opens the Member consultation", outcome="opened")
        ]
        # The Members' steps first and the window last: all lapse at `closes_at`, and timers that fire together
        # are handled in opening order, so the window's lapse (the close) comes after every Member's.
        drafts += [
            _open(
                context,
                task_id=f"comment/{member}",
                kind=MEMBER_KIND,
                title=f"Comment on the consultation draft of the {state.title} ({fields.document_name})",
                assignee=member,
                action="comment",
                on_due="lapse",
                due_at=closes_at,
            )
            for member in members
        ]
        drafts.append(
            _open(
                context,
                task_id=WINDOW_TASK,
                kind=WINDOW_KIND,
                title=f"Member consultation on the {state.title}: closes by itself; extend it to give Members more "
                "time",
                assignee=director,
                action="extend",
                on_due="lapse",
                due_at=closes_at,
                reminder_offsets=(),
            )
        )
        return drafts

    def _consultation_close(self, state: StrategicPlanState) -> datetime | None:
        """The instant the window closes: its step's due date, which an extension may have moved."""
        window = state.tasks.get(WINDOW_TASK)
        if window is not None and window.due_at is not None:
            return window.due_at
        return state.consultation_closes_at

    def comment(self, state: StrategicPlanState, command: Comment, context: Context) -> list[EventDraft]:
        organisation = context.organisation
        if not organisation.has_role(command.actor, "member_representative"):
            raise NotAllowed(
                f"Only Member representatives may comment in the Member consultation; {_name(context, command.actor)} "
                "is not one.",
                rule="consultation",
            )
        if not state.consultation_opened:
            raise NotAllowed(
                f"The Member consultation on the {state.title} has not opened: it opens when the Director submits "
                "the consultation draft.",
                rule="consultation",
            )
        closes = self._consultation_close(state)
        if state.consultation_closed or (closes is not None and context.now >= closes):
            assert closes is not None
            raise NotAllowed(
                f"The Member consultation on the {state.title} closed at "
                f"{local_text(organisation, _director(context), closes)}; comments can no longer be received.",
                rule="consultation",
            )
        fields = command.fields
        if not command.comment or not command.comment.strip():
            raise NotAllowed("A consultation comment needs its text: give --comment.", rule="consultation")
        text = command.comment.strip()
        consultation_draft = next(s for s in state.submissions if s.milestone == CONSULTATION_DRAFT)
        drafts = [
            events.MemberCommentReceived(
                member=command.actor,
                comment=text,
                number=len(state.comments) + 1,
                document_sha256=consultation_draft.document_sha256,
                attachment_sha256=fields.attachment_sha256,
            ).draft(command.actor, actor_role="member_representative", outcome="received")
        ]
        task = state.tasks.get(f"comment/{command.actor}")
        if task is not None:
            drafts.append(timed_step.complete_task(task, command.actor, None, "commented"))
        return drafts

    def _close_consultation(self, state: StrategicPlanState, context: Context) -> list[EventDraft]:
        assert state.period is not None
        silent = [member for member in state.consultation_members if member not in state.commenters]
        drafts = [
            timed_step.cancel_task(task, "the Member consultation closed")
            for task in state.tasks.values()
            if task.kind == MEMBER_KIND
        ]
        window = state.tasks.get(WINDOW_TASK)
        closes = window.due_at if window is not None else state.consultation_closes_at
        if window is not None:
            # The lapsed window is done, not forgotten: it leaves the open tasks with the close on record.
            drafts.append(timed_step.complete_task(window, SYSTEM_ACTOR, outcome="closed"))
        count = len(state.comments)
        drafts.append(
            events.ConsultationClosed(
                comments=count,
                commenters=state.commenters,
                silent=tuple(silent),
                closes_at=closes.isoformat() if closes else None,
            ).draft(
                SYSTEM_ACTOR,
                reason=f"the Member consultation closed with {count} comment{'' if count == 1 else 's'}",
                outcome="closed",
            )
        )
        drafts.append(
            _milestone_task(
                FINAL_DRAFT, state.period, _director(context), _milestone_day(state, FINAL_DRAFT, context), context
            )
        )
        return drafts

    def request_board_review(
        self, state: StrategicPlanState, command: RequestBoardReview, context: Context
    ) -> list[EventDraft]:
        task = state.open_step(
            SUBMISSION_TASK,
            "request the Board's review",
            str(state.title),
            context,
            when="the Director requests the Board's review once a final draft version is submitted",
        )
        command.refuse_bad_input()
        on_behalf = acting_on(
            state, context, command.actor, task.assignee, "request the Board's review of the final draft"
        )
        final = state.final_draft
        assert final is not None
        chair = _chair(context)
        return [
            events.BoardReviewRequested(
                version=final.version,
                document_sha256=final.document_sha256,
                document_name=final.document_name,
                reviewer=chair,
            ).draft(
                command.actor,
                actor_role="director",
                on_behalf_of=on_behalf,
                reason=command.comment,
                outcome="requested",
            ),
            timed_step.complete_task(task, command.actor, on_behalf, "requested"),
            _open(
                context,
                task_id=BOARD_REVIEW_TASK,
                kind=BOARD_REVIEW_KIND,
                title=f"Review final draft version {final.version} of the {state.title} for the Management Board",
                assignee=chair,
                action="board-review",
                officer=task.assignee,
            ),
        ]

    def board_review(self, state: StrategicPlanState, command: BoardReview, context: Context) -> list[EventDraft]:
        task = state.open_step(
            BOARD_REVIEW_TASK,
            "review for the Board",
            str(state.title),
            context,
            when="the Board Chair reviews a final draft once the Director has requested the Board's review",
        )
        fields = command.fields
        on_behalf = acting_on(
            state, context, command.actor, task.assignee, "review the final draft for the Management Board"
        )
        final = state.final_draft
        assert final is not None
        reason = command.comment
        if fields.decision == "revise":
            reason = required_comment(command, "Asking for revisions")
        drafts = [
            events.BoardReviewCompleted(
                decision=fields.decision, version=final.version, review=state.board_reviews + 1
            ).draft(
                command.actor, actor_role="board_chair", on_behalf_of=on_behalf, reason=reason, outcome=fields.decision
            ),
            timed_step.complete_task(task, command.actor, on_behalf, fields.decision),
        ]
        if fields.decision == "revise":
            return drafts + [self._revision_task(state, context, reason or "the Board Chair asked for revisions")]
        return drafts + [
            state.board.request(
                parent_case=state.case_id,
                procedure=BoardProcedure.VOTE,
                matter=f"Approval of the {state.title} (final draft version {final.version}, {final.document_name})",
                actor=command.actor,
                actor_role="board_chair",
                on_behalf_of=on_behalf,
                reason="the Strategic Plan is approved by the Management Board by vote",
            )
        ]

    def _revision_task(self, state: StrategicPlanState, context: Context, why: str) -> EventDraft:
        final = state.final_draft
        version = final.version + 1 if final else 1
        return _open(
            context,
            task_id=REVISION_TASK,
            kind=REVISION_KIND,
            title=f"Revise the {state.title}: submit final draft version {version}",
            assignee=_director(context),
            action="submit-milestone",
            reason=why,
        )

    def record_meeting_decision(
        self, state: StrategicPlanState, command: RecordMeetingDecision, context: Context
    ) -> list[EventDraft]:
        task = state.open_step(
            MEETING_TASK,
            "record the Board meeting's decision on",
            str(state.title),
            context,
            when="a Board meeting decides the plan only after its vote was referred there",
        )
        decided = meeting_decision(state, command, context, task)
        final = state.final_draft
        assert final is not None
        return [
            decided.recorded(command.comment, tally={}, version=final.version),
            decided.completes(task),
            *self._after_board(
                state, context, actor=command.actor, outcome=decided.outcome, reference=decided.reference
            ),
        ]

    def board_outcome(self, state: StrategicPlanState, outcome: BoardOutcome, context: Context) -> list[EventDraft]:
        """The child Board vote has closed; its outcome becomes a fact of the plan."""
        final = state.final_draft
        assert final is not None
        return [
            outcome_recorded(outcome, version=final.version),
            *self._after_board(
                state, context, actor=SYSTEM_ACTOR, outcome=outcome.outcome, reference=outcome.board_case
            ),
        ]

    def _after_board(
        self, state: StrategicPlanState, context: Context, *, actor: str, outcome: str, reference: str
    ) -> list[EventDraft]:
        final = state.final_draft
        assert final is not None
        if outcome == "approved":
            return [
                events.StrategicPlanApproved(
                    reference=reference,
                    version=final.version,
                    document_sha256=final.document_sha256,
                    document_name=final.document_name,
                ).draft(
                    actor,
                    actor_role="management_board",
                    outcome="approved",
                    reason=f"approved by the Management Board ({reference})",
                ),
                _open(
                    context,
                    task_id=PUBLICATION_TASK,
                    kind=PUBLICATION_KIND,
                    title=f"Publish the {state.title} with its targets and milestones",
                    assignee=_director(context),
                    action="publish",
                ),
            ]
        if outcome == "referred_to_meeting":
            return [meeting_referral_task(context, subject=f"the {state.title}", officer=None, kind=MEETING_KIND)]
        return [self._revision_task(state, context, f"the Management Board did not approve ({outcome})")]

    def publish(self, state: StrategicPlanState, command: Publish, context: Context) -> list[EventDraft]:
        task = state.open_step(
            PUBLICATION_TASK,
            "publish",
            str(state.title),
            context,
            when="the plan is published once the Management Board has approved it by vote",
        )
        fields = command.fields
        on_behalf = acting_on(state, context, command.actor, task.assignee, f"publish the {state.title}")
        assert state.first_year is not None and state.last_year is not None
        starts, ends = plan_period_bounds(context.organisation, state.first_year, state.last_year)
        try:
            targets = targets_from(fields.targets, default_due=ends)
            milestones = milestones_from(fields.milestones)
        except PlanFormatError as error:
            raise NotAllowed(f"The plan's targets and milestones do not read: {error}", rule="input") from None
        if not targets:
            raise NotAllowed(
                f"The {state.title} is published with its targets: give targets={TARGETS_FORMAT}.", rule="input"
            )
        dated: tuple[Target | PlanMilestone, ...] = (*targets, *milestones)
        for item in dated:
            if not starts <= item.due <= ends:
                what = "Target" if isinstance(item, Target) else "Milestone"
                raise NotAllowed(
                    f"{what} {item.id} is due on {item.due.isoformat()}, outside the plan period "
                    f"{starts.isoformat()} to {ends.isoformat()}.",
                    rule="strategic-plan",
                )
        final = state.final_draft
        assert final is not None
        assert state.period is not None
        published = events.StrategicPlanPublished(
            period=state.period,
            version=state.approved_version,
            document_sha256=final.document_sha256,
            document_name=final.document_name,
            approved_by=state.approved_reference,
            targets=tuple(targets),
            milestones=tuple(milestones),
            targets_file_sha256=fields.targets_file_sha256,
        ).draft(
            command.actor, actor_role="director", on_behalf_of=on_behalf, reason=command.comment, outcome="published"
        )
        return [
            published,
            timed_step.complete_task(task, command.actor, on_behalf, "published"),
            *close_case(
                state.model_copy(update={"tasks": {k: v for k, v in state.tasks.items() if k != task.task_id}}),
                actor=command.actor,
                outcome="published",
                reason=f"the {state.title} was published",
                stage="published",
            ),
        ]

    # reactions and timers ---------------------------------------------------------------------------------
    def react(self, state: StrategicPlanState, context: Context) -> list[EventDraft]:
        return []

    def on_deadline(self, state: StrategicPlanState, task: timed_step.Task, context: Context) -> list[EventDraft]:
        if task.task_id == WINDOW_TASK and not state.consultation_closed:
            return self._close_consultation(state, context)
        # A Member's step lapsing only records that they did not comment; the window decides the close.
        return []

    def check_assignee(self, state: StrategicPlanState, task: timed_step.Task, person: str, context: Context) -> None:
        """A reassignment keeps the plan with the Director, the Board's review with the Chair, and a Member's
        comment with the Member."""
        organisation = context.organisation
        if task.kind == MEMBER_KIND:
            raise NotAllowed(
                f"A Member's consultation comment is their own: '{task.title}' cannot be reassigned (Member "
                "consultation).",
                rule="consultation",
            )
        if task.task_id in CHAIR_TASKS and not organisation.has_role(person, "board_chair"):
            raise NotAllowed(
                f"The Board Chair acts for the Management Board on the {state.title}; {_name(context, person)} is "
                "not the Chair (Strategic Plan).",
                rule="strategic-plan",
            )
        if task.task_id in DIRECTOR_TASKS and not organisation.has_role(person, "director"):
            raise NotAllowed(
                f"The Director leads the {state.title}; '{task.title}' cannot go to {_name(context, person)}. "
                "While the Director is away, a substitute acts through a delegation (Strategic Plan).",
                rule="strategic-plan",
            )

    # evolve -----------------------------------------------------------------------------------------------
    def evolve(self, state: StrategicPlanState, event: DomainEvent) -> StrategicPlanState:
        update: dict[str, Any] = {}
        match STRATEGIC_PLAN_EVENTS.parse(event):
            case events.StrategicPlanOpened() as opened:
                update = {
                    "period": opened.period,
                    "first_year": opened.period_start_year,
                    "last_year": opened.period_end_year,
                    "milestones_due": {name: as_instant(value) for name, value in opened.milestones_due.items()},
                    "milestone_dates": dict(opened.milestone_dates or {}),
                    "consultation_closes_on": opened.consultation_closes_on,
                    "requester": opened.requested_by,
                    "stage": "drafting",
                }
            case events.MilestoneSubmitted() as submitted:
                submission = Submission(
                    milestone=submitted.milestone,
                    version=submitted.version,
                    document_sha256=submitted.document_sha256,
                    document_name=submitted.document_name,
                    submitted_by=event.actor,
                    submitted_at=event.occurred_at,
                    late=bool(submitted.late),
                )
                update = {"submissions": (*state.submissions, submission)}
                if submitted.milestone == FINAL_DRAFT:
                    update["stage"] = "board_submission"
            case events.ConsultationOpened() as consultation:
                update = {
                    "consultation_opened": True,
                    "consultation_closes_at": as_instant(consultation.closes_at),
                    "consultation_members": consultation.members,
                    "stage": "consultation",
                }
            case events.MemberCommentReceived() as received:
                comment = MemberComment(
                    member=received.member,
                    text=received.comment,
                    received_at=event.occurred_at,
                    attachment_sha256=received.attachment_sha256,
                )
                update = {"comments": (*state.comments, comment)}
            case events.ConsultationClosed():
                update = {"consultation_closed": True, "stage": "final_drafting"}
            case events.BoardReviewRequested():
                update = {"stage": "board_review"}
            case events.BoardReviewCompleted() as review:
                update = {
                    "board_reviews": state.board_reviews + 1,
                    "stage": "revision" if review.decision == "revise" else state.stage,
                }
            case events.StrategicPlanApproved() as approved:
                update = {
                    "approved_version": approved.version,
                    "approved_reference": approved.reference,
                    "stage": "publication",
                }
            case events.StrategicPlanPublished() as published:
                update = {"targets": published.targets, "plan_milestones": published.milestones}
            case None:
                update = self._evolve_shared(state, event)
        return state.model_copy(update=update) if update else state

    def _evolve_shared(self, state: StrategicPlanState, event: DomainEvent) -> dict[str, Any]:
        """The Board referral's events and the steps' events, as far as the plan's own state follows them."""
        t = event.type
        step = STEP_EVENTS.parse(event)
        update: dict[str, Any] = {}
        if t == BOARD_REQUESTED:
            update = {"board": state.board.after(event), "stage": "board_vote"}
        elif t == BOARD_RECORDED:
            update = {
                "board": state.board.after(event),
                "stage": {"approved": "publication", "referred_to_meeting": "board_meeting"}.get(
                    event.outcome or "", "revision"
                ),
            }
        elif isinstance(step, TaskOpened) and step.task_id == REVISION_TASK:
            update = {"stage": "revision"}
        due_at = scheduled_due_at(step) if isinstance(step, TaskOpened | DeadlineExtended) else None
        if isinstance(step, TaskOpened) and step.task_id in _MILESTONE_OF_TASK and due_at is not None:
            # The deadline as the calendar fixed it (a milestone date on a weekend is due the working day before).
            milestone = _MILESTONE_OF_TASK[step.task_id]
            update["milestones_due"] = {**state.milestones_due, milestone: due_at}
        if isinstance(step, DeadlineExtended) and step.task_id == WINDOW_TASK and due_at is not None:
            update["consultation_closes_at"] = due_at
        return update

    def stage_summary(self, state: StrategicPlanState) -> dict[str, Any]:
        submitted = {s.milestone: s for s in state.submissions}
        due = state.milestones_due
        final = state.final_draft
        return {
            "period": state.period,
            "milestones": [
                {
                    "milestone": milestone,
                    "due_at": due[milestone].isoformat() if milestone in due else None,
                    "submitted_at": submitted[milestone].submitted_at.isoformat() if milestone in submitted else None,
                    "late": submitted[milestone].late if milestone in submitted else None,
                }
                for milestone in MILESTONES
            ],
            "final_draft_version": final.version if final else None,
            "consultation": {
                "closes_at": state.consultation_closes_at.isoformat() if state.consultation_closes_at else None,
                "closed": state.consultation_closed,
                "comments": len(state.comments),
                "commenters": list(state.commenters),
                "silent": [m for m in state.consultation_members if m not in state.commenters],
            },
            "board_reviews": state.board_reviews,
            "board_cases": list(state.board_cases),
            "approved_version": state.approved_version,
            "approved_by": state.approved_reference,
            "targets": [target.model_dump(mode="json") for target in state.targets],
            "plan_milestones": [milestone.model_dump(mode="json") for milestone in state.plan_milestones],
        }


_HANDLERS: dict[str, Callable[..., list[EventDraft]]] = {
    "submit-milestone": StrategicPlanDecider.submit_milestone,
    "comment": StrategicPlanDecider.comment,
    "request-board-review": StrategicPlanDecider.request_board_review,
    "board-review": StrategicPlanDecider.board_review,
    "record-meeting-decision": StrategicPlanDecider.record_meeting_decision,
    "publish": StrategicPlanDecider.publish,
}

STRATEGIC_PLAN = StrategicPlanDecider()
