"""Random Annual Work Plans: drafts early or late, votes that approve, reject or are referred, meetings that
decide; no step is ever left that nobody may take."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import strategies as st

from domain.annual_work_plan import ANNUAL_WORK_PLAN, AnnualWorkPlanState, open_annual_work_plan
from domain.commands import EventDraft
from domain.events import SYSTEM_ACTOR
from tests.support.case_machine import MACHINE_SETTINGS, ORGANISATIONS, Answer, CaseMachine

CASE_ID = "plan/2028-2032/awp/2029"
ANSWERS: dict[str, list[Answer]] = {
    "submit-draft": [
        ({"document_sha256": "6" * 64, "document_name": "awp.pdf", "targets": "T1"}, None),
        ({"document_sha256": "7" * 64, "document_name": "awp-2.pdf", "targets": "T1,T2"}, None),
    ],
    "record-meeting-decision": [
        ({"decision": "approve", "reference": "MB/1"}, None),
        ({"decision": "reject", "reference": "MB/2"}, None),
    ],
}


class AnnualWorkPlanMachine(CaseMachine):
    decider = ANNUAL_WORK_PLAN
    organisations = ORGANISATIONS
    answers = ANSWERS
    start = datetime(2028, 9, 4, 8, 0, tzinfo=UTC)

    @property
    def awp(self) -> AnnualWorkPlanState:
        assert isinstance(self.state, AnnualWorkPlanState)
        return self.state

    def open_case(self, data: st.DataObject) -> None:
        weeks = data.draw(st.sampled_from([8, 4, 12]), label="weeks before")
        self.begin(
            CASE_ID,
            lambda context: open_annual_work_plan(
                CASE_ID,
                plan_targets=["T1", "T2"],
                fiscal_year=2029,
                requested_by=SYSTEM_ACTOR,
                context=context,
                draft_weeks_before=weeks,
            ),
        )

    def outside(self, data: st.DataObject) -> list[EventDraft] | None:
        awp = self.awp
        if not awp.board_cases:
            return None
        # Usually the pending vote; sometimes an earlier one arriving after the Board decided in session.
        board_case = data.draw(st.sampled_from(list(awp.board_cases)), label="board case")
        outcome = data.draw(st.sampled_from(["approved", "rejected", "no_quorum", "referred_to_meeting"]))
        context = self.context()
        return ANNUAL_WORK_PLAN.record_board_outcome(awp, board_case, outcome, {}, context)


TestAnnualWorkPlanMachine = AnnualWorkPlanMachine.TestCase
TestAnnualWorkPlanMachine.settings = MACHINE_SETTINGS
