"""The events and actions of a Management Board decision (`domain.board_decision`), each a frozen model.

`BoardDecisionOpened` copies the Board's rules as they stood at opening (`rules()` reads them back), so the
count never depends on the organisation file of the day. Instants stay as the ISO text they were recorded as.
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.board_request import BoardProcedure
from domain.command_model import ActionCommand, CommandFamily, NoFields
from domain.event_model import EventFamily, EventPayload, omitted_when_none
from domain.organisation import Board

Choice = Literal["approve", "reject", "abstain"]


class Tally(BaseModel):
    """Where the responses stand. Counts are over the voting members fixed at opening."""

    model_config = ConfigDict(frozen=True)

    eligible: int = Field(description="Voting members not recused.")
    approve: int = 0
    reject: int = 0
    abstain: int = 0
    objected: int = 0
    assented: int = 0
    recused: int = 0
    not_responded: int = 0

    @property
    def responded(self) -> int:
        """Responses that count for quorum: approve, reject and abstain alike."""
        return self.approve + self.reject + self.abstain


# -- events -----------------------------------------------------------------------------------------------------
class BoardDecisionOpened(EventPayload):
    type: Literal["BoardDecisionOpened"] = "BoardDecisionOpened"
    procedure: BoardProcedure
    matter: str
    parent_case: str
    requested_by: str
    closes_at: str
    eligible: tuple[str, ...]
    voting_members: tuple[str, ...]
    chair: str
    observers: tuple[str, ...] = ()  # always recorded
    quorum: str
    quorum_rule: str
    pass_threshold: dict[str, Any]
    threshold_rule: str
    meeting_referral: str | None = omitted_when_none()  # always recorded

    def rules(self) -> Board:
        """The Board and its rules as copied at opening."""
        return Board.model_validate(
            {
                "voting_members": self.voting_members,
                "chair": self.chair,
                "observers": self.observers,
                "quorum": self.quorum,
                "pass_threshold": self.pass_threshold,
                "meeting_referral": self.meeting_referral,
            }
        )


class MemberRecused(EventPayload):
    type: Literal["MemberRecused"] = "MemberRecused"
    member: str
    interest: str | None = Field(description="The declared interest; none for a conflict known to the parent.")
    declared_on: str


class VoteCast(EventPayload):
    type: Literal["VoteCast"] = "VoteCast"
    member: str
    choice: Choice
    previous: str | None


class ObjectionLodged(EventPayload):
    type: Literal["ObjectionLodged"] = "ObjectionLodged"
    member: str
    grounds: str
    previous: str | None


class AssentRecorded(EventPayload):
    type: Literal["AssentRecorded"] = "AssentRecorded"
    member: str


class BoardDecisionClosed(EventPayload):
    type: Literal["BoardDecisionClosed"] = "BoardDecisionClosed"
    procedure: BoardProcedure
    outcome: str
    tally: Tally
    quorum_needed: int | None
    quorum_met: bool
    responses: dict[str, str]
    recused: dict[str, str | None]
    closes_at: str | None
    closed_early: bool | None = omitted_when_none()  # always recorded; read as optional, as the fold always has
    parent_case: str | None


BoardDecisionEvent = (
    BoardDecisionOpened | MemberRecused | VoteCast | ObjectionLodged | AssentRecorded | BoardDecisionClosed
)

BOARD_DECISION_EVENTS: EventFamily[BoardDecisionEvent] = EventFamily(
    BoardDecisionOpened, MemberRecused, VoteCast, ObjectionLodged, AssentRecorded, BoardDecisionClosed
)


# -- actions ----------------------------------------------------------------------------------------------------
class VoteFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    choice: Choice


class DeclareConflict(ActionCommand[NoFields]):
    action: Literal["declare-conflict"] = "declare-conflict"


class Vote(ActionCommand[VoteFields]):
    fields_model = VoteFields
    action: Literal["vote"] = "vote"


class Object(ActionCommand[NoFields]):
    action: Literal["object"] = "object"


class NoObjection(ActionCommand[NoFields]):
    action: Literal["no-objection"] = "no-objection"


BoardDecisionCommand = DeclareConflict | Vote | Object | NoObjection

BOARD_DECISION_COMMANDS: CommandFamily[BoardDecisionCommand] = CommandFamily(DeclareConflict, Vote, Object, NoObjection)
