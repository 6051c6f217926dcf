"""Random quarterly reports to the Board, progress and risk: submitted by the responsible person, a delegate
or the Director, acknowledged by the Chair; no step is ever left that nobody may take."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import strategies as st

from domain.board_report import BOARD_REPORT, open_board_report
from domain.events import SYSTEM_ACTOR
from tests.support.case_machine import MACHINE_SETTINGS, ORGANISATIONS, Answer, CaseMachine

ANSWERS: dict[str, list[Answer]] = {
    "submit-report": [({"progress": "T1=12;T2=0.5"}, None), ({"risks": "R1=Funding shortfall:high"}, None)],
    "acknowledge": [({}, None)],
}


class BoardReportMachine(CaseMachine):
    decider = BOARD_REPORT
    organisations = ORGANISATIONS
    answers = ANSWERS
    start = datetime(2029, 3, 1, 8, 0, tzinfo=UTC)

    def open_case(self, data: st.DataObject) -> None:
        path = data.draw(st.sampled_from(["report", "risk"]), label="report kind")
        quarter = data.draw(st.integers(1, 4), label="quarter")
        case_id = f"plan/2028-2032/{path}/2029-Q{quarter}"
        staff = [person.id for person in self.organisation.staff()]
        responsible = data.draw(st.sampled_from([None, *staff]), label="responsible")
        self.begin(
            case_id,
            lambda context: open_board_report(
                case_id, requested_by=SYSTEM_ACTOR, context=context, targets=["T1", "T2"], responsible=responsible
            ),
        )


TestBoardReportMachine = BoardReportMachine.TestCase
TestBoardReportMachine.settings = MACHINE_SETTINGS
