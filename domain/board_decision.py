"""The Management Board decision: a written no-objection procedure or an electronic vote, as a child case.

A grant above the Director's authority, a policy instrument the Board approves, the Strategic Plan and each
Annual Work Plan all end in the same place: the Board decides. The parent case asks for one with a
`BoardDecisionRequest` and waits for this case to close; its `CaseClosed` outcome (`approved`, `rejected`,
`no_quorum` or `referred_to_meeting`) is the Board's answer, and `BoardDecisionClosed` carries the tally and
every member's response for the record.

Rules, and why they are shaped this way:

- The rules in force are those of the organisation file *when the procedure opens*. `BoardDecisionOpened`
  copies the voting members, observers, quorum and pass threshold, and this case counts with that copy, so a
  change to the file during a vote cannot change how it is counted, and the record shows what was applied.
- Recusal: a member with a declared conflict of interest cannot respond and is taken out of the eligible base,
  so quorum is reckoned over the members who may vote. Conflicts the parent already knows come in with the
  request and are recorded at opening; a member may also declare one here, but only *before* responding: a
  member who has seen how the vote stands must not be able to move the quorum base, so a response stands.
- A Board response is personal. There is no voting on someone's behalf (the out-of-office substitute of
  `domain.acting` does not apply) and a member's response task cannot be reassigned to anyone.
- A member may change their vote (or turn an assent into an objection) while the procedure is open; the change
  is a new event with the `previous` response. Once the procedure has closed nothing more is accepted.
- No-objection: silence is assent. One objection ends the procedure at once as `referred_to_meeting` (the
  matter goes to the next Board meeting, a distinct outcome from a rejection). At the deadline with no
  objection the matter is `approved`. If every member has answered "no objection" it is approved at once,
  since nobody is left who could object. No quorum applies, except that a matter on which every voting member
  is conflicted cannot be approved by silence: it closes as `no_quorum`.
- Vote: approve, reject or abstain. Quorum counts every response (abstentions included) against the eligible
  members; the threshold counts only approvals over approvals plus rejections. The vote closes early as soon
  as nothing the members who have not yet responded could do would change the outcome (`outcome_is_settled`).

Timers: each eligible member gets a task (`board_vote` or `no_objection`, which the Chair may extend, see
`task_management.BOARD_KINDS`) due at `closes_at` with `on_due="lapse"`; the step plan gives its reminders, so
only members who have not responded are reminded. There is no separate "close" task, which would put a task
nobody can act on into the Chair's list: the first of the members' tasks to lapse *is* the close. All lapse at
the same recorded instant, `decide_timers` handles them oldest first in opening order and stops as soon as the
case has closed, and closing cancels the other tasks, so exactly one `DeadlinePassed` (on the first open
member task) drives the close, followed in the same commit by `BoardDecisionClosed` and `CaseClosed`. When
every member has responded or recused no task is left to lapse, but then the outcome is already settled and
the case has closed early.

Extending: `extend` (by the Chair or the Director) moves one member's task. Since the first open task to lapse
closes the procedure, extending one member's task does not give that member more time; the close moves only
when every open member task is extended. `close_instant` is that effective close, and responses are refused
from that instant on even if the lapse has not been processed yet.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from domain import board_decision_events as events
from domain import timed_step
from domain.acting import require_known_person
from domain.board_decision_events import BOARD_DECISION_COMMANDS, Tally
from domain.board_decision_events import Choice as Choice
from domain.board_decision_events import VoteFields as VoteFields
from domain.board_request import BoardProcedure
from domain.case import CaseState, Context, close_case, state_after
from domain.command_model import NoFields as NoFields
from domain.commands import Command, EventDraft
from domain.errors import NotAllowed
from domain.events import SYSTEM_ACTOR, DomainEvent
from domain.instants import as_instant
from domain.organisation import Board
from domain.suggestions import did_you_mean

KIND = "board_decision"

# Event types
BOARD_DECISION_OPENED = "BoardDecisionOpened"
MEMBER_RECUSED = "MemberRecused"
VOTE_CAST = "VoteCast"
OBJECTION_LODGED = "ObjectionLodged"
ASSENT_RECORDED = "AssentRecorded"
BOARD_DECISION_CLOSED = "BoardDecisionClosed"

# Outcomes (also the `CaseClosed` outcome the parent reads)
APPROVED = "approved"
REJECTED = "rejected"
NO_QUORUM = "no_quorum"
REFERRED_TO_MEETING = "referred_to_meeting"

# Actions (`govern act CASE ACTION`)
DECLARE_CONFLICT = "declare-conflict"
VOTE = "vote"
OBJECT = "object"
NO_OBJECTION = "no-objection"
ACTIONS = (DECLARE_CONFLICT, VOTE, OBJECT, NO_OBJECTION)

#: Step kinds of members' response tasks: the names `task_management.BOARD_KINDS` lets the Chair manage.
TASK_KINDS: dict[str, str] = {procedure.value: procedure.step_kind for procedure in BoardProcedure}
#: The action that completes a member's task, as a reminder tells them.
TASK_ACTIONS: dict[str, str] = {"vote": VOTE, "no_objection": OBJECT}

# Responses as recorded per member; `no_objection` is an explicit assent.
OBJECTED = "objected"
ASSENTED = "no_objection"
RECUSED = "recused"
NOT_RESPONDED = "not_responded"

STAGE_DECIDED = "decided"

DEFAULT_MEETING = "the next Board meeting"


def _procedure(value: Any) -> Any:
    # The organisation file names procedures `board_vote` / `board_no_objection` (delegation of authority,
    # instruments); a parent may pass either spelling.
    return BoardProcedure.named(value) if isinstance(value, str) and value in _NAMES else value


_NAMES = frozenset(name for procedure in BoardProcedure for name in (procedure.value, procedure.organisation_name))


class BoardDecisionRequest(BaseModel):
    """What a parent case asks the Board to decide, and by when."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    procedure: Annotated[BoardProcedure, BeforeValidator(_procedure)]
    matter: str = Field(min_length=1, description="What is decided, as members read it in their tasks.")
    parent_case: str = Field(min_length=1)
    requested_by: str = Field(description="Person id of who asked for the decision, e.g. the Director.")
    closes_at: datetime = Field(description="UTC end of the no-objection period or of the vote, from the calendar.")
    conflicted: list[str] = Field(
        default_factory=list,
        description="Members already known to be conflicted, e.g. declared on the parent.",
    )

    @field_validator("closes_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("closes_at must carry a time zone (UTC)")
        return value


def board_case_id(parent_case: str, number: int) -> str:
    """`grant/2027-014/board/1`: the n-th Board decision a parent case asks for."""
    return f"{parent_case}/board/{number}"


class BoardOutcome(BaseModel):
    """The Board's answer as the parent case receives it: which Board decision, how it ended and its tally.

    It is read from the Board decision's result (its `CaseView`: the `CaseClosed` outcome and the stage
    summary's `tally`), whose shape is what saved workflow histories hold, so that shape does not change."""

    model_config = ConfigDict(frozen=True)

    board_case: str
    outcome: str = Field(description="approved, rejected, no_quorum or referred_to_meeting.")
    tally: dict[str, Any] = Field(default_factory=dict, description="The closing `Tally`, as recorded.")

    @classmethod
    def reported(cls, board_case: str, outcome: str | None, summary: dict[str, Any]) -> "BoardOutcome":
        """From the closed Board decision's view; a decision that closed without an outcome did not approve."""
        return cls(board_case=board_case, outcome=outcome or REJECTED, tally=summary.get("tally", {}))


class BoardDecisionState(CaseState):
    kind: str = KIND
    procedure: BoardProcedure | None = None
    matter: str = ""
    parent_case: str | None = None
    closes_at: datetime | None = None
    rules: Board | None = Field(default=None, description="The Board and its rules as copied at opening.")
    recused: dict[str, str | None] = Field(default_factory=dict, description="Member -> the declared interest.")
    responses: dict[str, str] = Field(default_factory=dict, description="Member -> their current response.")
    decided_at: datetime | None = None
    closed_early: bool = False

    @property
    def voting_members(self) -> tuple[str, ...]:
        return self.rules.voting_members if self.rules else ()

    @property
    def eligible(self) -> tuple[str, ...]:
        return tuple(member for member in self.voting_members if member not in self.recused)

    @property
    def awaiting(self) -> tuple[str, ...]:
        """Eligible members yet to respond: those reminded, and those who could still change things."""
        return tuple(member for member in self.eligible if member not in self.responses)

    @property
    def decided(self) -> bool:
        return self.decided_at is not None


def initial_state(case_id: str) -> BoardDecisionState:
    return BoardDecisionState(case_id=case_id, kind=KIND)


def close_instant(state: BoardDecisionState) -> datetime | None:
    """When the procedure closes: the first lapse among the members' open tasks (see the module docstring),
    which is `closes_at` unless someone has extended those tasks."""
    due = [task.due_at for task in state.tasks.values() if task.kind in TASK_KINDS.values() and task.due_at is not None]
    return min(due) if due else state.closes_at


# ------------------------------------------------------------------------------------------------------------
# Counting


def tally(state: BoardDecisionState) -> Tally:
    counts = {choice: 0 for choice in ("approve", "reject", "abstain", OBJECTED, ASSENTED)}
    for member in state.eligible:
        response = state.responses.get(member)
        if response is not None:
            counts[response] += 1
    return Tally(
        eligible=len(state.eligible),
        approve=counts["approve"],
        reject=counts["reject"],
        abstain=counts["abstain"],
        objected=counts[OBJECTED],
        assented=counts[ASSENTED],
        recused=len(state.recused),
        not_responded=len(state.awaiting),
    )


def _vote_outcome(rules: Board, approve: int, reject: int, responded: int, eligible: int) -> str:
    if not rules.quorum_met(responded, eligible):
        return NO_QUORUM
    return APPROVED if rules.motion_carries(approve, reject) else REJECTED


def outcome_at_close(state: BoardDecisionState, rules: Board) -> str:
    """The outcome if the procedure closed now with the responses given so far (what the deadline decides)."""
    counted = tally(state)
    if state.procedure == "no_objection":
        if counted.objected:
            return REFERRED_TO_MEETING
        return APPROVED if counted.eligible else NO_QUORUM
    return _vote_outcome(rules, counted.approve, counted.reject, counted.responded, counted.eligible)


def possible_outcomes(state: BoardDecisionState, rules: Board) -> frozenset[str]:
    """Every outcome the procedure could still reach, whatever the members who have not responded do.

    For a vote both quorum and the threshold are monotone: more responses only help quorum, and approvals
    only raise (rejections only lower) the share of votes for. So approval is reachable exactly when it is
    reached if everyone left approves, rejection exactly when it is reached if everyone left rejects, and a
    failed quorum exactly when nobody else responds. The tests check this against enumerating every
    completion.
    """
    counted = tally(state)
    left = counted.not_responded
    if state.procedure == "no_objection":
        if counted.objected:
            return frozenset({REFERRED_TO_MEETING})
        if not counted.eligible:
            return frozenset({NO_QUORUM})
        return frozenset({APPROVED, REFERRED_TO_MEETING} if left else {APPROVED})
    eligible, approve, reject, responded = (
        counted.eligible,
        counted.approve,
        counted.reject,
        counted.responded,
    )
    outcomes: set[str] = set()
    if rules.quorum_met(responded + left, eligible):
        if rules.motion_carries(approve + left, reject):
            outcomes.add(APPROVED)
        if not rules.motion_carries(approve, reject + left):
            outcomes.add(REJECTED)
    if not rules.quorum_met(responded, eligible):
        outcomes.add(NO_QUORUM)
    return frozenset(outcomes)


def outcome_is_settled(state: BoardDecisionState, rules: Board) -> str | None:
    """The outcome when it can no longer change (so the procedure may close now), else None."""
    if state.procedure is None:
        return None
    outcomes = possible_outcomes(state, rules)
    return next(iter(outcomes)) if len(outcomes) == 1 else None


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _explain(state: BoardDecisionState, rules: Board, outcome: str, early: bool) -> str:
    """The sentence the record, the parent case and the members read about the close."""
    counted = tally(state)
    recused = f"; {_plural(counted.recused, 'member')} recused" if counted.recused else ""
    if state.procedure == "no_objection":
        if outcome == REFERRED_TO_MEETING:
            objectors = ", ".join(m for m in state.eligible if state.responses.get(m) == OBJECTED)
            meeting = rules.meeting_referral or DEFAULT_MEETING
            return f"An objection refers the matter to {meeting} (objection by {objectors})."
        if outcome == NO_QUORUM:
            return (
                "Every voting member declared a conflict of interest, so the matter cannot be approved by no-objection."
            )
        if early:
            return f"Approved under the no-objection procedure: every eligible member recorded no objection{recused}."
        return (
            "Approved under the no-objection procedure: no voting member objected by the deadline "
            f"({_plural(counted.assented, 'explicit assent')}, {counted.not_responded} silent{recused})."
        )
    needed = rules.quorum_needed(counted.eligible) if counted.eligible else 0
    votes = (
        f"{counted.approve} for, {counted.reject} against, {_plural(counted.abstain, 'abstention')}, "
        f"{counted.not_responded} not responded{recused}"
    )
    quorum = f"quorum {needed} of {counted.eligible} eligible"
    prefix = "The outcome can no longer change: " if early else ""
    if outcome == NO_QUORUM:
        if early:
            return (
                f"{prefix}not quorate: even {counted.responded + counted.not_responded} responses cannot "
                f"reach the {quorum} ({votes})."
            )
        return f"Not quorate: {counted.responded} responded, {quorum} ({votes})."
    verdict = "the motion carries" if outcome == APPROVED else "the motion fails"
    return f"{prefix}{verdict} ({votes}; {quorum}; pass threshold: {rules.pass_threshold.describe()})."


def _close(state: BoardDecisionState, outcome: str, context: Context, *, early: bool) -> list[EventDraft]:
    assert state.rules is not None and state.procedure is not None
    rules = state.rules
    counted = tally(state)
    reason = _explain(state, rules, outcome, early)
    responses = {
        member: RECUSED if member in state.recused else state.responses.get(member, NOT_RESPONDED)
        for member in state.voting_members
    }
    closed = events.BoardDecisionClosed(
        procedure=state.procedure,
        outcome=outcome,
        tally=counted,
        quorum_needed=rules.quorum_needed(counted.eligible) if counted.eligible else None,
        quorum_met=rules.quorum_met(counted.responded, counted.eligible),
        responses=responses,
        recused=dict(state.recused),
        closes_at=state.closes_at.isoformat() if state.closes_at else None,
        closed_early=early,
        parent_case=state.parent_case,
    ).draft(SYSTEM_ACTOR, reason=reason, outcome=outcome)
    return [
        closed,
        *close_case(state, actor=SYSTEM_ACTOR, outcome=outcome, reason=reason, stage=STAGE_DECIDED),
    ]


# ------------------------------------------------------------------------------------------------------------
# Opening


def _rules_payload(board: Board) -> dict[str, Any]:
    """The Board's rules as `BoardDecisionOpened` copies them."""
    return {
        "voting_members": board.voting_members,
        "chair": board.chair,
        "observers": board.observers,
        "quorum": str(board.quorum),
        "quorum_rule": f"at least {board.quorum} of the eligible voting members respond (abstentions count)",
        "pass_threshold": board.pass_threshold.model_dump(mode="json", exclude_none=True),
        "threshold_rule": board.pass_threshold.describe(),
        "meeting_referral": board.meeting_referral or DEFAULT_MEETING,
    }


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _task_id(procedure: str, member: str) -> str:
    return f"{'vote' if procedure == 'vote' else 'no-objection'}/{member}"


def _task_title(procedure: str, matter: str) -> str:
    if procedure == "vote":
        return f"Board vote: {matter}"
    return f"Board no-objection procedure: {matter}"


def open_board_decision(case_id: str, request: BoardDecisionRequest, context: Context) -> list[EventDraft]:
    """The events that open the Board decision `case_id`: the rules copied, known conflicts recorded, one
    timed task per eligible member. If nothing is left to decide (every member conflicted) it closes in the
    same commit, since no task would ever lapse to close it."""
    organisation = context.organisation
    require_known_person(organisation, request.requested_by)
    if request.closes_at <= context.now:
        raise NotAllowed(
            f"A Board procedure must close after it opens; {request.closes_at.isoformat()} is not after "
            f"{context.now.isoformat()}.",
            rule="board-procedure",
        )
    board = organisation.board
    # Only voting members can recuse from a Board decision; other conflicted people of the parent case are
    # not part of it.
    conflicted = [person for person in _unique(request.conflicted) if person in board.voting_members]
    eligible = [member for member in board.voting_members if member not in conflicted]
    procedure = request.procedure
    drafts = [
        events.BoardDecisionOpened(
            procedure=procedure,
            matter=request.matter,
            parent_case=request.parent_case,
            requested_by=request.requested_by,
            closes_at=request.closes_at.isoformat(),
            eligible=tuple(eligible),
            **_rules_payload(board),
        ).draft(request.requested_by, reason=f"requested by {request.parent_case}", outcome="opened")
    ]
    drafts += [
        events.MemberRecused(member=member, interest=None, declared_on=request.parent_case).draft(
            SYSTEM_ACTOR, reason=f"conflict of interest declared on {request.parent_case}", outcome="recused"
        )
        for member in conflicted
    ]
    drafts += [
        timed_step.open_task(
            task_id=_task_id(procedure, member),
            kind=procedure.step_kind,
            title=_task_title(procedure, request.matter),
            assignee=member,
            action=TASK_ACTIONS[procedure],
            opened_at=context.now,
            on_due="lapse",
            due_at=request.closes_at,
        )
        for member in eligible
    ]
    opened = state_after(BOARD_DECISION, initial_state(case_id), drafts, context.now)
    return drafts + BOARD_DECISION.react(opened, context)


# ------------------------------------------------------------------------------------------------------------
# Commands


def _name(context: Context, person: str) -> str:
    return context.organisation.person(person).name


def _require_comment(command: events.BoardDecisionCommand, sentence: str) -> str:
    if not command.comment or not command.comment.strip():
        raise NotAllowed(sentence, rule="reason")
    return command.comment.strip()


class BoardDecisionDecider:
    """The rules of a Board decision: who may respond, how responses count, and when it closes."""

    kind = KIND

    def initial_state(self, case_id: str) -> BoardDecisionState:
        return initial_state(case_id)

    # -- who may take part -----------------------------------------------------------------------------------

    def _require_voting_member(self, state: BoardDecisionState, person: str, context: Context, what: str) -> None:
        assert state.rules is not None
        if person in state.rules.voting_members:
            return
        name = _name(context, person)
        if person in state.rules.observers:
            raise NotAllowed(
                f"Only voting members of the Management Board may {what}; {name} is an observer.",
                rule="board-membership",
            )
        raise NotAllowed(f"{name} is not a voting member of the Management Board.", rule="board-membership")

    def _require_not_recused(self, state: BoardDecisionState, member: str, context: Context, what: str) -> None:
        if member in state.recused:
            raise NotAllowed(
                f"{_name(context, member)} declared a conflict of interest on this decision and cannot "
                f"{what} (conflict of interest).",
                rule="conflict-of-interest",
            )

    def _require_open(self, state: BoardDecisionState, context: Context) -> None:
        if state.procedure is None or state.rules is None:
            raise NotAllowed(f"Board decision {state.case_id} has not been opened.", rule="board-procedure")
        # By the instant, not only by whether the lapse has been processed: a response that reaches the
        # workflow just after the close, before its timer ran, is still too late.
        closes = close_instant(state)
        if state.decided or (closes is not None and context.now >= closes):
            word = "Voting" if state.procedure == "vote" else "The no-objection procedure"
            when = state.decided_at or closes
            at = when.isoformat() if when else "its close"
            raise NotAllowed(
                f"{word} on {state.matter} closed at {at}; responses can no longer be changed.",
                rule="board-closed",
            )

    def _require_procedure(self, state: BoardDecisionState, command: Command) -> None:
        if state.procedure == "vote" and command.action in (OBJECT, NO_OBJECTION):
            raise NotAllowed(
                f"{state.matter} is decided by vote: use 'vote' with choice approve, reject or abstain; "
                f"'{command.action}' belongs to the no-objection procedure.",
                rule="board-procedure",
            )
        if state.procedure == "no_objection" and command.action == VOTE:
            raise NotAllowed(
                f"{state.matter} is under the written no-objection procedure: there is no vote; a member may "
                "'object' (with grounds) or record 'no-objection'.",
                rule="board-procedure",
            )

    # -- the protocol ----------------------------------------------------------------------------------------

    def decide(self, state: BoardDecisionState, command: Command, context: Context) -> list[EventDraft]:
        if command.action not in ACTIONS:
            suggestion = did_you_mean(command.action, [*ACTIONS, "extend", "delegate"])
            raise NotAllowed(
                f"A Board decision accepts {', '.join(ACTIONS)} (and extend or delegate); "
                f"'{command.action}' is not one of them{'; ' + suggestion if suggestion else '.'}",
                rule="action",
            )
        self._require_open(state, context)
        self._require_procedure(state, command)
        match BOARD_DECISION_COMMANDS.parse(command):
            case events.DeclareConflict() as typed:
                return self._declare_conflict(state, typed, context)
            case events.Vote() as typed:
                return self._vote(state, typed, context)
            case events.Object() as typed:
                return self._object(state, typed, context)
            case events.NoObjection() as typed:
                return self._assent(state, typed, context)

    def _complete(self, state: BoardDecisionState, member: str, outcome: str) -> list[EventDraft]:
        assert state.procedure is not None
        task = state.tasks.get(_task_id(state.procedure, member))
        return [timed_step.complete_task(task, member, outcome=outcome)] if task is not None else []

    def _declare_conflict(
        self, state: BoardDecisionState, command: events.DeclareConflict, context: Context
    ) -> list[EventDraft]:
        command.refuse_bad_input()
        member = command.actor
        self._require_voting_member(state, member, context, "declare a conflict on its decisions")
        name = _name(context, member)
        if member in state.recused:
            raise NotAllowed(
                f"{name} has already declared a conflict of interest on this decision.",
                rule="conflict-of-interest",
            )
        if member in state.responses:
            raise NotAllowed(
                f"A member who has responded cannot then recuse; {name} has already responded "
                f"({state.responses[member]}) on this decision, and a conflict must be declared before "
                "responding (conflict of interest).",
                rule="conflict-of-interest",
            )
        interest = _require_comment(
            command, "A conflict of interest must say what the interest is: give it with --comment."
        )
        assert state.procedure is not None
        drafts = [
            events.MemberRecused(member=member, interest=interest, declared_on=state.case_id).draft(
                member, reason=interest, outcome="recused"
            )
        ]
        task = state.tasks.get(_task_id(state.procedure, member))
        if task is not None:
            drafts.append(timed_step.cancel_task(task, "recused: conflict of interest", actor=member))
        return drafts

    def _vote(self, state: BoardDecisionState, command: events.Vote, context: Context) -> list[EventDraft]:
        member = command.actor
        self._require_voting_member(state, member, context, "vote")
        self._require_not_recused(state, member, context, "vote on it")
        choice = command.fields.choice
        previous = state.responses.get(member)
        if previous == choice:
            raise NotAllowed(
                f"{_name(context, member)} has already voted {choice} on this decision; nothing to change.",
                rule="board-vote",
            )
        reason = command.comment
        if previous is not None and not reason:
            reason = f"changed vote from {previous} to {choice} before the close"
        return [
            events.VoteCast(member=member, choice=choice, previous=previous).draft(
                member, reason=reason, outcome=choice
            ),
            *self._complete(state, member, choice),
        ]

    def _object(self, state: BoardDecisionState, command: events.Object, context: Context) -> list[EventDraft]:
        command.refuse_bad_input()
        member = command.actor
        self._require_voting_member(state, member, context, "object")
        self._require_not_recused(state, member, context, "object to it")
        grounds = _require_comment(command, "An objection must state its grounds: give them with --comment.")
        return [
            events.ObjectionLodged(member=member, grounds=grounds, previous=state.responses.get(member)).draft(
                member, reason=grounds, outcome="objected"
            ),
            *self._complete(state, member, "objected"),
        ]

    def _assent(self, state: BoardDecisionState, command: events.NoObjection, context: Context) -> list[EventDraft]:
        command.refuse_bad_input()
        member = command.actor
        self._require_voting_member(state, member, context, "respond to a no-objection procedure")
        self._require_not_recused(state, member, context, "respond to it")
        if state.responses.get(member) == ASSENTED:
            raise NotAllowed(
                f"{_name(context, member)} has already recorded no objection on this decision.",
                rule="board-vote",
            )
        return [
            events.AssentRecorded(member=member).draft(member, reason=command.comment, outcome="no_objection"),
            *self._complete(state, member, "no_objection"),
        ]

    def react(self, state: BoardDecisionState, context: Context) -> list[EventDraft]:
        """Close as soon as the outcome can no longer change: an objection, the last response, a recusal."""
        if state.closed or state.decided or state.rules is None:
            return []
        outcome = outcome_is_settled(state, state.rules)
        if outcome is None:
            return []
        return _close(state, outcome, context, early=True)

    def on_deadline(self, state: BoardDecisionState, task: timed_step.Task, context: Context) -> list[EventDraft]:
        """A member's task lapsing is the close: they all lapse at `closes_at` (see the module docstring)."""
        if state.closed or state.decided or state.rules is None or task.kind not in TASK_KINDS.values():
            return []
        return _close(state, outcome_at_close(state, state.rules), context, early=False)

    def check_assignee(self, state: BoardDecisionState, task: timed_step.Task, person: str, context: Context) -> None:
        """A Board response is personal, so a member's task can go to nobody else; the sentence says why."""
        if state.rules is None:
            raise NotAllowed(f"Board decision {state.case_id} has not been opened.", rule="board-procedure")
        self._require_voting_member(state, person, context, "vote")
        self._require_not_recused(state, person, context, "take part in it")
        raise NotAllowed(
            f"A Board member's response is personal: '{task.title}' belongs to "
            f"{_name(context, task.assignee)} and cannot be reassigned to {_name(context, person)} "
            "(Board procedure).",
            rule="board-procedure",
        )

    def evolve(self, state: BoardDecisionState, event: DomainEvent) -> BoardDecisionState:
        match events.BOARD_DECISION_EVENTS.parse(event):
            case events.BoardDecisionOpened() as opened:
                return state.model_copy(
                    update={
                        "procedure": opened.procedure,
                        "matter": opened.matter,
                        "parent_case": opened.parent_case,
                        "requester": opened.requested_by,
                        "closes_at": as_instant(opened.closes_at),
                        "rules": opened.rules(),
                        "stage": opened.procedure.stage,
                    }
                )
            case events.MemberRecused() as recused:
                return state.model_copy(update={"recused": {**state.recused, recused.member: recused.interest}})
            case events.VoteCast() as vote:
                return self._respond(state, vote.member, vote.choice)
            case events.ObjectionLodged() as objection:
                return self._respond(state, objection.member, OBJECTED)
            case events.AssentRecorded() as assent:
                return self._respond(state, assent.member, ASSENTED)
            case events.BoardDecisionClosed() as closed:
                return state.model_copy(
                    update={
                        "decided_at": event.occurred_at,
                        "closed_early": bool(closed.closed_early),
                        "outcome": closed.outcome,
                        "stage": STAGE_DECIDED,
                    }
                )
        return state

    @staticmethod
    def _respond(state: BoardDecisionState, member: str, response: str) -> BoardDecisionState:
        return state.model_copy(update={"responses": {**state.responses, member: response}})

    def stage_summary(self, state: BoardDecisionState) -> dict[str, Any]:
        counted = tally(state)
        rules = state.rules
        return {
            "procedure": state.procedure.value if state.procedure else None,
            "matter": state.matter,
            "parent_case": state.parent_case,
            "closes_at": state.closes_at.isoformat() if state.closes_at else None,
            "tally": counted.model_dump(),
            "quorum_needed": rules.quorum_needed(counted.eligible) if rules and counted.eligible else None,
            "pass_threshold": rules.pass_threshold.describe() if rules else None,
            "recused": sorted(state.recused),
            "awaiting": list(state.awaiting),
            "outcome": state.outcome,
            "closed_early": state.closed_early,
        }


BOARD_DECISION = BoardDecisionDecider()
