"""Random Board decisions, by vote or no-objection, with conflicts known at opening or declared later: members
respond, change their minds, recuse, fall silent; the Chair and the Director extend. No member's step is ever
left that nobody may take, and the outcome is settled once, by the rules copied at opening."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st

from domain.board_decision import BOARD_DECISION, BoardDecisionRequest, BoardDecisionState, open_board_decision
from tests.support.case_machine import MACHINE_SETTINGS, ORGANISATIONS, Answer, CaseMachine

CASE_ID = "grant/2027-900/board/1"
ANSWERS: dict[str, list[Answer]] = {
    "vote": [({"choice": "approve"}, None), ({"choice": "reject"}, None), ({"choice": "abstain"}, None)],
    "object": [({}, "Not aligned with the plan")],
    "no-objection": [({}, None)],
    "declare-conflict": [({}, "My ministry co-finances it")],
}


class BoardDecisionMachine(CaseMachine):
    decider = BOARD_DECISION
    organisations = ORGANISATIONS
    answers = ANSWERS

    @property
    def board(self) -> BoardDecisionState:
        assert isinstance(self.state, BoardDecisionState)
        return self.state

    def preferred_people(self) -> list[str]:
        return [*super().preferred_people(), *self.organisation.board.voting_members]

    def open_case(self, data: st.DataObject) -> None:
        members = list(self.organisation.board.voting_members)
        request = BoardDecisionRequest(
            procedure=data.draw(st.sampled_from(["vote", "no_objection"]), label="procedure"),
            matter="Grant grant/2027-900",
            parent_case="grant/2027-900",
            requested_by=self.organisation.director().id,
            closes_at=self.now + timedelta(days=data.draw(st.integers(1, 30), label="days open")),
            conflicted=data.draw(st.lists(st.sampled_from(members), max_size=len(members), unique=True)),
        )
        self.begin(CASE_ID, lambda context: open_board_decision(CASE_ID, request, context))

    def check(self) -> None:
        super().check()
        closes = [event for event in self.events if event.type == "BoardDecisionClosed"]
        assert len(closes) <= 1, "the procedure closed twice"
        if closes:
            assert self.board.closed and self.board.outcome == closes[0].payload["outcome"]
        assert not set(self.board.responses) & set(self.board.recused), "a recused member's response counts"


TestBoardDecisionMachine = BoardDecisionMachine.TestCase
TestBoardDecisionMachine.settings = MACHINE_SETTINGS
