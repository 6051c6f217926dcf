"""A Board procedure as a member or observer reads it: the matter, the deadline, and who has responded as far
as `domain.visibility` lets this viewer know (while it is open, nobody else's choice)."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from domain.board_decision import BoardDecisionState
from domain.organisation import Organisation
from domain.visibility import board_responses_visible, response_detail_visible
from store.models import StoredEvent
from web.timeline import DetailVisible

#: How a response reads on the page.
RESPONSE_WORDS = {
    "recused": "recused (conflict of interest)",
    "not_responded": "not responded yet",
    "responded": "responded",
    "no_objection": "no objection",
    "objected": "objected",
    "approve": "approve",
    "reject": "reject",
    "abstain": "abstain",
}


class MemberResponse(BaseModel):
    model_config = ConfigDict(frozen=True)

    member: str
    name: str
    response: str
    is_viewer: bool


class BoardView(BaseModel):
    model_config = ConfigDict(frozen=True)

    procedure: str
    matter: str
    closes_at: datetime | None
    responses: list[MemberResponse]
    observers: list[str]
    viewer_is_observer: bool
    open: bool


def board_view(state: BoardDecisionState, viewer: str, organisation: Organisation) -> BoardView:
    visible = board_responses_visible(state, viewer, organisation)

    def name(person_id: str) -> str:
        return organisation.person(person_id).name if organisation.has_person(person_id) else person_id

    board = organisation.board
    return BoardView(
        procedure="written no-objection procedure" if state.procedure == "no_objection" else "electronic vote",
        matter=state.matter,
        closes_at=state.closes_at,
        responses=[
            MemberResponse(
                member=member, name=name(member), response=RESPONSE_WORDS.get(what, what), is_viewer=member == viewer
            )
            for member, what in visible.items()
        ],
        observers=[name(observer) for observer in board.observers],
        viewer_is_observer=viewer in board.observers and viewer not in state.voting_members,
        open=not (state.closed or state.decided),
    )


def response_details(state: BoardDecisionState, viewer: str, organisation: Organisation) -> DetailVisible:
    """For a timeline: hide how others responded while the procedure is open (`domain.visibility`)."""

    def visible(event: StoredEvent) -> bool:
        return response_detail_visible(state, event.type, event.actor, viewer, organisation)

    return visible
