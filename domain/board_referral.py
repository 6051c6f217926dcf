"""The Board referral: a case's part in asking the Management Board to decide, composed into each decider that
refers a matter to the Board (grants, policy reviews, the Strategic Plan, Annual Work Plans).

It holds one slice of the parent's state (`BoardReferral`: the Board decisions asked for, and the one still
awaited) and the three moves every parent makes: the request (`BoardReferral.request`), the Chair's record of a
meeting's decision (`meeting_decision`), and the outcome of a Board decision (`RefersToBoard.take_board_outcome`).
There is one rule for a stale outcome: an outcome that is not for the pending referral, or that reaches a closed
case, is ignored (the parent may still put it on the record, as the Annual Work Plan does).
"""

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.board_decision import APPROVED, REJECTED, BoardOutcome
from domain.board_request import (
    BOARD_REQUEST_EVENTS,
    BoardDecisionRecorded,
    BoardDecisionRequested,
    BoardProcedure,
    MeetingFields,
    board_decision_recorded,
    request_board_decision,
)
from domain.case import CaseState, acting_on
from domain.command_model import ActionCommand
from domain.commands import Command, EventDraft, parse_fields
from domain.events import SYSTEM_ACTOR, DomainEvent
from domain.timed_step import Task, complete_task

if TYPE_CHECKING:
    from domain.case import Context

#: The outcome of a Board decision recorded after the Board had already decided in session.
SUPERSEDED = "superseded"


class BoardReferral(BaseModel):
    """The Board decisions a case has asked for, oldest first, and the one whose outcome it awaits."""

    model_config = ConfigDict(frozen=True)

    cases: tuple[str, ...] = ()
    pending: str | None = Field(default=None, description="The Board decision whose outcome the case awaits.")

    def request(
        self,
        *,
        parent_case: str,
        procedure: BoardProcedure,
        matter: str,
        actor: str,
        reason: str,
        actor_role: str | None = None,
        on_behalf_of: str | None = None,
    ) -> EventDraft:
        """Ask the Board to decide: the next Board decision of this case, as a child case."""
        return request_board_decision(
            parent_case=parent_case,
            number=len(self.cases) + 1,
            procedure=procedure,
            matter=matter,
            actor=actor,
            reason=reason,
            actor_role=actor_role,
            on_behalf_of=on_behalf_of,
        )

    def awaits(self, outcome: BoardOutcome) -> bool:
        return outcome.board_case == self.pending

    def after(self, event: DomainEvent) -> "BoardReferral":
        """A request makes its Board decision the pending one; any recorded Board outcome (a closed Board
        decision or a meeting's decision) ends the wait, except the record of one that was superseded."""
        match BOARD_REQUEST_EVENTS.parse(event):
            case BoardDecisionRequested(board_case=board_case):
                return self.model_copy(update={"cases": (*self.cases, board_case), "pending": board_case})
            case BoardDecisionRecorded() if event.outcome != SUPERSEDED:
                return self.forgotten()
        return self

    def forgotten(self) -> "BoardReferral":
        """No longer awaiting a Board decision (e.g. the approvals restarted): its outcome will be stale."""
        return self.model_copy(update={"pending": None}) if self.pending is not None else self


class BoardReferringState(CaseState):
    """A case state with its Board referral. Readers keep the names `board_cases` and `pending_board_case`,
    and states saved before the referral was one field (snapshots, continue-as-new inputs) still load."""

    board: BoardReferral = Field(default_factory=BoardReferral)

    @model_validator(mode="before")
    @classmethod
    def _referral_from_flat_fields(cls, data: Any) -> Any:
        if isinstance(data, dict) and ("board_cases" in data or "pending_board_case" in data):
            data = dict(data)
            data["board"] = BoardReferral(
                cases=tuple(data.pop("board_cases", ())), pending=data.pop("pending_board_case", None)
            )
        return data

    @property
    def board_cases(self) -> tuple[str, ...]:
        return self.board.cases

    @property
    def pending_board_case(self) -> str | None:
        return self.board.pending


class MeetingDecision(BaseModel):
    """What the Chair recorded of a Board meeting's decision on a referred matter."""

    model_config = ConfigDict(frozen=True)

    actor: str
    on_behalf_of: str | None
    decision: Literal["approve", "reject"]
    reference: str
    comment: str | None

    @property
    def outcome(self) -> str:
        return APPROVED if self.decision == "approve" else REJECTED

    def recorded(self, reason: str | None, **payload: Any) -> EventDraft:
        return board_decision_recorded(
            actor=self.actor,
            on_behalf_of=self.on_behalf_of,
            reason=reason,
            outcome=self.outcome,
            reference=self.reference,
            **payload,
        )

    def completes(self, task: Task) -> EventDraft:
        return complete_task(task, self.actor, self.on_behalf_of, self.decision)


class RecordMeetingDecision(ActionCommand[MeetingFields]):
    """The typed command of `record-meeting-decision`, for a decider whose actions are typed."""

    fields_model = MeetingFields
    action: Literal["record-meeting-decision"] = "record-meeting-decision"


def meeting_decision(
    state: CaseState, command: "Command | ActionCommand[MeetingFields]", context: "Context", task: Task
) -> MeetingDecision:
    """The Chair records a meeting's decision; anyone else only on the Chair's behalf (a delegation). A typed
    command (`RecordMeetingDecision`, or a process's own with `MeetingFields`) gives its parsed fields, a generic
    one is parsed here."""
    fields = command.fields if isinstance(command, ActionCommand) else parse_fields(command, MeetingFields)
    on_behalf = None
    if not context.organisation.has_role(command.actor, "board_chair"):
        on_behalf = acting_on(state, context, command.actor, task.assignee, "record the Board meeting's decision")
    return MeetingDecision(
        actor=command.actor,
        on_behalf_of=on_behalf,
        decision=fields.decision,
        reference=fields.reference,
        comment=command.comment,
    )


def outcome_recorded(outcome: BoardOutcome, **payload: Any) -> EventDraft:
    """The parent's record of a closed Board decision."""
    return board_decision_recorded(
        actor=SYSTEM_ACTOR,
        reason=f"Board decision {outcome.board_case} closed: {outcome.outcome}",
        outcome=outcome.outcome,
        reference=outcome.board_case,
        tally=outcome.tally,
        **payload,
    )


class RefersToBoard:
    """The part of a decider that takes a Board decision's outcome back; the decider says what it means."""

    def take_board_outcome(
        self, state: BoardReferringState, outcome: BoardOutcome, context: "Context"
    ) -> list[EventDraft]:
        """The child Board decision has closed. Its outcome decides the case only while the case is open and
        awaits exactly that Board decision; otherwise it is stale."""
        if state.closed:
            return []
        if not state.board.awaits(outcome):
            return self.stale_board_outcome(state, outcome, context)
        return self.board_outcome(state, outcome, context)

    def record_board_outcome(
        self, state: BoardReferringState, board_case: str, outcome: str, tally: dict[str, Any], context: "Context"
    ) -> list[EventDraft]:
        return self.take_board_outcome(
            state, BoardOutcome(board_case=board_case, outcome=outcome, tally=tally), context
        )

    def board_outcome(self, state: Any, outcome: BoardOutcome, context: "Context") -> list[EventDraft]:
        raise NotImplementedError

    def stale_board_outcome(self, state: Any, outcome: BoardOutcome, context: "Context") -> list[EventDraft]:
        return []
