"""Random grants, driven by random people: no step is ever left that nobody may take, in two organisations.

The machine submits a grant in any band of the organisation's delegation of authority, by any pair of
programme officers, then mixes the holders' own actions (any reviewers, Head of Programmes and Director
included; conflicts declared or not; approvals and rejections), anybody's attempts at anything, step
management, time, and the Board's outcome. `tests/support/case_machine.py` checks, after every accepted
command, that each open step can be completed or reassigned and that the state folds from the stored events.
"""

from __future__ import annotations

from itertools import combinations

from hypothesis import strategies as st

from domain import timed_step
from domain.commands import Command, EventDraft
from domain.grant import GRANT, GrantState
from tests.support.case_machine import MACHINE_SETTINGS, ORGANISATIONS, REASON, Answer, CaseMachine

ANSWERS: dict[str, list[Answer]] = {
    "screen": [({"outcome": "eligible"}, None), ({"outcome": "more-information"}, REASON)],
    "provide-information": [({}, None)],
    "declare-interests": [({"conflict": False}, None), ({"conflict": True}, "I advised the applicant")],
    "review": [({"score": 4, "recommendation": "approve"}, None), ({"score": 2, "recommendation": "revise"}, None)],
    "approve": [({"decision": "approve"}, None), ({"decision": "reject"}, REASON)],
    "endorse": [({"decision": "approve"}, None), ({"decision": "reject"}, REASON)],
    "record-meeting-decision": [({"decision": "approve", "reference": "MB/2027/1"}, None)],
    "sign-agreement": [({}, None)],
    "submit-report": [({}, None)],
    "review-report": [({"decision": "approve"}, None), ({"decision": "revise"}, REASON)],
    "release-tranche": [({}, None)],
    "submit-final-report": [({}, None)],
    "review-final-report": [({"decision": "approve"}, None), ({"decision": "revise"}, REASON)],
}


class GrantMachine(CaseMachine):
    decider = GRANT
    organisations = ORGANISATIONS
    answers = ANSWERS
    other_actions = ("withdraw", "assign-reviewers")

    @property
    def grant(self) -> GrantState:
        assert isinstance(self.state, GrantState)
        return self.state

    def amounts(self) -> list[int]:
        """One amount inside every band of the matrix, and one on each band's upper edge."""
        amounts = []
        for band in self.organisation.delegation_of_authority:
            if band.up_to_usd is not None:
                amounts += [int(band.up_to_usd), int(band.up_to_usd) - 1000]
            else:
                amounts.append(int(band.above_usd or 0) + 50000)
        return amounts

    def open_case(self, data: st.DataObject) -> None:
        officers = [p.id for p in self.organisation.people_with_role("programme_officer")]
        contacts = [p.id for p in self.organisation.people_with_role("grantee_contact")]
        amount = data.draw(st.sampled_from(self.amounts()), label="amount")
        submitter = data.draw(st.sampled_from(officers), label="submitter")
        screener = data.draw(st.sampled_from([o for o in officers if o != submitter]), label="screener")
        application = {
            "reference": "2027-900",
            "title": "Random grant",
            "applicant": "A city",
            "country": "KE",
            "amount": amount,
            "currency": "USD",
            "duration_months": 12,
            "submitted_by": submitter,
            "screening_officer": screener,
            "grantee_contact": data.draw(st.sampled_from(contacts), label="contact"),
            "tranches": [{"amount": amount // 2}, {"amount": amount - amount // 2}],
        }
        self.state = GRANT.initial_state("grant/2027-900")
        assert self.try_command(Command(action="submit", actor=submitter, fields=application))

    def panels(self, needed: int) -> list[str]:
        staff = [p.id for p in self.organisation.staff()]
        return [",".join(panel) for panel in combinations(staff, needed)]

    def completions(self, task: timed_step.Task) -> list[Command]:
        if task.action == "assign-reviewers":
            needed = 2 - len(self.grant.reviewers)
            return [
                Command(action="assign-reviewers", actor=task.assignee, fields={"reviewers": panel})
                for panel in self.panels(needed)
            ]
        return super().completions(task)

    def any_command(self, data: st.DataObject) -> Command | None:
        command = super().any_command(data)
        if command is not None and command.action == "assign-reviewers":
            staff = [p.id for p in self.organisation.staff()]
            picked = data.draw(st.lists(st.sampled_from(staff), min_size=1, max_size=2, unique=True), label="panel")
            return command.model_copy(update={"fields": {"reviewers": ",".join(picked)}})
        return command

    def outside(self, data: st.DataObject) -> list[EventDraft] | None:
        grant = self.grant
        if grant.stage != "board_no_objection" or not grant.board_cases:
            return None
        outcome = data.draw(st.sampled_from(["approved", "referred_to_meeting", "rejected", "no_quorum"]))
        context = self.context()
        return GRANT.record_board_outcome(grant, grant.board_cases[-1], outcome, {}, context)


TestGrantMachine = GrantMachine.TestCase
TestGrantMachine.settings = MACHINE_SETTINGS
