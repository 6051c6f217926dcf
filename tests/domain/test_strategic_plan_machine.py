"""Random Strategic Plan cycles: milestones, the Member consultation, the Board's review and vote, publication.

The Director submits milestones early or late (a consultation draft after its planned close gives a new one),
Members comment or stay silent, the Chair asks for revisions or sends the plan to the vote, the vote's outcome
arrives, while anybody tries anything and steps are extended (the consultation window too), reassigned and
delegated. No step is ever left that nobody may take.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from domain import strategic_plan, timed_step
from domain.commands import Command, EventDraft
from domain.strategic_plan import STRATEGIC_PLAN, StrategicPlanState
from tests.support.case_machine import MACHINE_SETTINGS, ORGANISATIONS, REASON, Answer, CaseMachine

CASE_ID = "plan/2028-2032"
MILESTONE_OF_TASK = {
    "concept-note": "concept_note",
    "consultation-draft": "consultation_draft",
    "final-draft": "final_draft",
    "revise": "final_draft",
}
DOCUMENT = {"document_sha256": "5" * 64, "document_name": "plan.pdf"}
ANSWERS: dict[str, list[Answer]] = {
    "submit-milestone": [({**DOCUMENT, "milestone": "concept_note"}, None)],
    "comment": [({}, "More weight to secondary cities")],
    "request-board-review": [({}, None)],
    "board-review": [({"decision": "approve-for-vote"}, None), ({"decision": "revise"}, REASON)],
    "record-meeting-decision": [({"decision": "approve", "reference": "MB/1"}, None)],
    "publish": [({"targets": "T1=Cities with plans:40:2032-06-30;T2=Residents reached:1000000"}, None)],
}


class StrategicPlanMachine(CaseMachine):
    decider = STRATEGIC_PLAN
    organisations = ORGANISATIONS
    answers = ANSWERS

    @property
    def plan(self) -> StrategicPlanState:
        assert isinstance(self.state, StrategicPlanState)
        return self.state

    def open_case(self, data: st.DataObject) -> None:
        director = self.organisation.director().id
        self.begin(
            CASE_ID,
            lambda context: strategic_plan.open_strategic_plan(
                CASE_ID,
                2028,
                2032,
                {
                    "concept_note_due": date(2027, 4, 30),
                    "consultation_draft_due": date(2027, 6, 15),
                    "final_draft_due": date(2027, 9, 30),
                },
                date(2027, 7, 30),
                director,
                context,
            ),
        )

    def completions(self, task: timed_step.Task) -> list[Command]:
        milestone = MILESTONE_OF_TASK.get(task.task_id)
        if milestone is None:
            return super().completions(task)
        later = (self.now + timedelta(days=30)).date().isoformat()
        variants = [{**DOCUMENT, "milestone": milestone}]
        if milestone == "consultation_draft":  # its planned close may have passed: give a new one
            variants.append({**DOCUMENT, "milestone": milestone, "consultation_closes": later})
        return [Command(action="submit-milestone", actor=task.assignee, fields=fields) for fields in variants]

    def any_command(self, data: st.DataObject) -> Command | None:
        command = super().any_command(data)
        if command is not None and command.action == "submit-milestone":
            milestone = data.draw(st.sampled_from(sorted(set(MILESTONE_OF_TASK.values()))), label="milestone")
            return command.model_copy(update={"fields": {**DOCUMENT, "milestone": milestone}})
        return command

    def outside(self, data: st.DataObject) -> list[EventDraft] | None:
        plan = self.plan
        if plan.stage != "board_vote" or not plan.board_cases:
            return None
        outcome = data.draw(st.sampled_from(["approved", "rejected", "no_quorum", "referred_to_meeting"]))
        context = self.context()
        return STRATEGIC_PLAN.record_board_outcome(plan, plan.board_cases[-1], outcome, {}, context)


TestStrategicPlanMachine = StrategicPlanMachine.TestCase
TestStrategicPlanMachine.settings = MACHINE_SETTINGS
