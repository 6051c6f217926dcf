"""Random appraisals of random staff: objectives returned or agreed, signatures, ratings on the file's scale,
rebuttals; reassignments and delegations by anyone. No step is ever left that nobody may take, and nobody
ever holds an officer's step of their own appraisal or of their supervisor's."""

from __future__ import annotations

from datetime import UTC, datetime, time

from hypothesis import settings
from hypothesis import strategies as st

from domain import appraisal, timed_step
from domain.appraisal import APPRAISAL, AppraisalState, open_appraisal, reporting_officers
from domain.appraisal_phases import default_phase_dates
from domain.commands import Command
from domain.errors import NotAllowed
from tests.support.case_machine import MACHINE_SETTINGS, ORGANISATIONS, REASON, Answer, CaseMachine

CYCLE = 2027
PHASES = default_phase_dates(CYCLE)
ANSWERS: dict[str, list[Answer]] = {
    "propose-objectives": [({"objectives": "Twelve agreements signed"}, None)],
    "agree-objectives": [({"decision": "agree"}, None), ({"decision": "return"}, REASON)],
    "sign-mid-year": [({}, None)],
    "submit-self-assessment": [({"assessment": "Eleven signed"}, None)],
    "second-review": [({"decision": "concur"}, None), ({"decision": "comment"}, REASON)],
    "acknowledge": [({}, None)],
    "rebut": [({}, "The targets moved")],
    "waive-rebuttal": [({}, None)],
    "decide-rebuttal": [({"finding": "upheld"}, REASON)],
}
#: The days before which a step's action is refused, by task: the phase has not opened.
OPENS_ON = {
    appraisal.MID_YEAR_STAFF_TASK: PHASES.mid_year_opens,
    appraisal.MID_YEAR_SUPERVISOR_TASK: PHASES.mid_year_opens,
    appraisal.SELF_ASSESSMENT_TASK: PHASES.self_assessment_opens,
}


class AppraisalMachine(CaseMachine):
    decider = APPRAISAL
    organisations = ORGANISATIONS
    answers = ANSWERS
    start = datetime(2027, 1, 11, 8, 0, tzinfo=UTC)
    longest_wait_days = 120

    @property
    def appraisal(self) -> AppraisalState:
        assert isinstance(self.state, AppraisalState)
        return self.state

    def ratings(self) -> list[str]:
        """The file's scale, lowest first, so that ratings which open a rebuttal window come up often."""
        assert self.organisation.appraisal is not None
        return [level.code for level in reversed(self.organisation.appraisal.rating_scale)]

    def open_case(self, data: st.DataObject) -> None:
        appraisable = []
        for person in self.organisation.staff():
            try:
                reporting_officers(self.organisation, person.id)
            except NotAllowed:
                continue
            appraisable.append(person.id)
        person = data.draw(st.sampled_from(appraisable), label="staff member")
        case_id = appraisal.appraisal_case_id(CYCLE, person)
        launcher = data.draw(st.sampled_from(["director", "hr"]), label="launcher")
        by = (self.organisation.director() if launcher == "director" else self.organisation.people_with_role(
            "hr_officer")[0]).id  # fmt: skip
        self.begin(case_id, lambda context: open_appraisal(case_id, CYCLE, person, PHASES, by, context))

    def preferred_people(self) -> list[str]:
        state = self.appraisal
        officers = [state.staff_member, state.first_reporting_officer, state.second_reporting_officer]
        return [*super().preferred_people(), *(p for p in officers if p)]

    def completions(self, task: timed_step.Task) -> list[Command]:
        if task.action == "rate":
            return [
                Command(action="rate", actor=task.assignee, fields={"rating": code}, comment=REASON)
                for code in self.ratings()
            ]
        commands = super().completions(task)
        if task.action == "rebut":  # the window is the staff member's: rebut, or waive it
            commands.append(Command(action="waive-rebuttal", actor=task.assignee))
        return commands

    def any_command(self, data: st.DataObject) -> Command | None:
        command = super().any_command(data)
        if command is not None and command.action in ("rate", "decide-rebuttal"):
            code = data.draw(st.sampled_from(self.ratings()), label="rating")
            fields = {"rating": code} if command.action == "rate" else {"finding": "revised", "rating": code}
            return command.model_copy(update={"fields": fields, "comment": REASON})
        return command

    def probe_at(self, task: timed_step.Task) -> datetime:
        """A phase that has not opened is waited for, not stuck: try it on its opening day."""
        opens = OPENS_ON.get(task.task_id)
        if opens is not None:
            day = datetime.combine(opens, time(12, 0), UTC)
            return max(self.now, day)
        return self.now


TestAppraisalMachine = AppraisalMachine.TestCase
# A year of phases needs more steps than a grant does.
TestAppraisalMachine.settings = settings(MACHINE_SETTINGS, max_examples=60, stateful_step_count=80)
