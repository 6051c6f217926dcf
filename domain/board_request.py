"""How any case asks the Management Board to decide: one event, the same for grants, policy reviews and plans.

The workflow runtime sees `BoardDecisionRequested`, starts the Board decision as a child case with that id,
and hands its outcome back to the parent's decider (`record_board_outcome`).
"""

from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.commands import EventDraft
from domain.event_model import EventFamily, EventPayload, omitted_when_none
from domain.events import SYSTEM_ACTOR
from domain.timed_step import open_task

if TYPE_CHECKING:
    from domain.case import Context

BOARD_DECISION_REQUESTED = "BoardDecisionRequested"


class BoardProcedure(StrEnum):
    """How the Board decides a matter referred to it: one concept that goes by several names. The request
    names it by its value; the organisation file (delegation of authority, instruments) by `organisation_name`;
    each member's response task has its `step_kind`, and the open Board decision is at its `stage`."""

    NO_OBJECTION = "no_objection"
    VOTE = "vote"

    @property
    def organisation_name(self) -> str:
        return f"board_{self.value}"

    @property
    def step_kind(self) -> str:
        return "board_vote" if self is BoardProcedure.VOTE else "no_objection"

    @property
    def stage(self) -> str:
        return "voting" if self is BoardProcedure.VOTE else "no_objection_period"

    @classmethod
    def named(cls, name: str) -> "BoardProcedure":
        """The procedure under either of its names: `vote` or the organisation file's `board_vote`."""
        return cls(name.removeprefix("board_"))


Procedure = Literal["no_objection", "vote"]


class BoardDecisionRequested(EventPayload):
    """A parent case asks the Board to decide: the runtime starts the Board decision `board_case`."""

    type: Literal["BoardDecisionRequested"] = "BoardDecisionRequested"
    board_case: str
    procedure: BoardProcedure
    matter: str
    conflicted: tuple[str, ...] = ()  # always recorded


class BoardDecisionRecorded(EventPayload):
    """A parent case's record of a Board outcome; a parent adds what it needs (e.g. the draft `version`) as
    further keys."""

    type: Literal["BoardDecisionRecorded"] = "BoardDecisionRecorded"
    reference: str = Field(description="The Board decision's case id, or the Board meeting's decision reference.")
    tally: dict[str, Any] | None = omitted_when_none()
    version: int | None = omitted_when_none()
    superseded_vote: str | None = omitted_when_none()
    vote_outcome: str | None = omitted_when_none()
    superseded: bool | None = omitted_when_none(description="A vote that closed after the Board decided in session.")


BoardRequestEvent = BoardDecisionRequested | BoardDecisionRecorded

#: The Board referral's events, which every parent that refers a matter to the Board records.
BOARD_REQUEST_EVENTS: EventFamily[BoardRequestEvent] = EventFamily(BoardDecisionRequested, BoardDecisionRecorded)


def board_case_id(parent_case: str, number: int) -> str:
    return f"{parent_case}/board/{number}"


def request_board_decision(
    *,
    parent_case: str,
    number: int,
    procedure: BoardProcedure,
    matter: str,
    actor: str,
    reason: str,
    actor_role: str | None = None,
    on_behalf_of: str | None = None,
    conflicted: tuple[str, ...] = (),
) -> EventDraft:
    return BoardDecisionRequested(
        board_case=board_case_id(parent_case, number),
        procedure=BoardProcedure(procedure),
        matter=matter,
        conflicted=conflicted,
    ).draft(actor, actor_role=actor_role, on_behalf_of=on_behalf_of, reason=reason, outcome="requested")


BOARD_DECISION_RECORDED = "BoardDecisionRecorded"
MEETING_TASK = "board-meeting"


class MeetingFields(BaseModel):
    """What the Chair records after a Board meeting decided a referred matter."""

    model_config = ConfigDict(extra="forbid")
    decision: Literal["approve", "reject"]
    reference: str = Field(min_length=1, description="The Board meeting's decision reference.")


def board_decision_recorded(
    *,
    actor: str,
    outcome: str,
    reference: str,
    reason: str | None,
    on_behalf_of: str | None = None,
    tally: dict[str, Any] | None = None,
    **payload: Any,
) -> EventDraft:
    """The parent case's record of a Board outcome: a closed Board decision (actor `system`) or a meeting's
    decision recorded by the Chair."""
    return BoardDecisionRecorded(reference=reference, tally=tally, **payload).draft(
        actor,
        actor_role="board_chair" if actor != SYSTEM_ACTOR else None,
        on_behalf_of=on_behalf_of,
        reason=reason,
        outcome=outcome,
    )


def meeting_referral_task(
    context: "Context", *, subject: str, officer: str | None, kind: str = "board_meeting"
) -> EventDraft:
    """After an objection refers a matter to the next Board meeting, the Chair records that meeting's decision."""
    return open_task(
        task_id=MEETING_TASK,
        kind=kind,
        title=f"Record the decision of the next Board meeting on {subject}",
        assignee=context.organisation.board.chair,
        action="record-meeting-decision",
        opened_at=context.now,
        officer=officer,
    )
