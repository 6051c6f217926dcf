"""Random registers: reviews fall due or start early and close in any way; no step is ever stuck.

The owner's waiting step lapses when a review falls due (the machine's clock runs for years in big steps), the
owner, the Director or the Compliance Officer may start one early, and a review closes published, reaffirmed
or without a publication, while anybody tries anything and the waiting step is extended or reassigned.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st

from domain import policy_register
from domain.commands import EventDraft
from domain.policy_register import POLICY_REGISTER, PolicyRegisterState
from tests.support.case_machine import MACHINE_SETTINGS, ORGANISATIONS, REASON, Answer, CaseMachine

ANSWERS: dict[str, list[Answer]] = {"start-review": [({}, None), ({}, REASON)]}


class PolicyRegisterMachine(CaseMachine):
    decider = POLICY_REGISTER
    organisations = ORGANISATIONS
    answers = ANSWERS

    @property
    def register(self) -> PolicyRegisterState:
        assert isinstance(self.state, PolicyRegisterState)
        return self.state

    def preferred_people(self) -> list[str]:
        compliance = [p.id for p in self.organisation.people_with_role("compliance_officer")]
        return [*super().preferred_people(), self.register.owner or "", *compliance]

    def open_case(self, data: st.DataObject) -> None:
        instrument = data.draw(st.sampled_from([i.id for i in self.organisation.instruments]), label="instrument")
        case_id = policy_register.register_case_id(instrument)
        self.begin(case_id, lambda context: policy_register.open_register(case_id, instrument, context))

    def outside(self, data: st.DataObject) -> list[EventDraft] | None:
        register = self.register
        if register.open_review is None:
            return None
        outcome = data.draw(st.sampled_from(["published", "reaffirmed", "returned"]), label="outcome")
        published = None
        if outcome != "returned":
            on = self.now.date() - timedelta(days=data.draw(st.integers(0, 3), label="days ago"))
            published = {
                "version": data.draw(st.sampled_from(["7.0", "7.1"]), label="version"),
                "sha256": "d" * 64,
                "published_on": on.isoformat(),
                "approver": "director",
                "decision_reference": register.open_review,
                "reaffirmed": outcome == "reaffirmed",
            }
        context = self.context()
        return POLICY_REGISTER.record_review_outcome(register, register.open_review, outcome, published, context)


TestPolicyRegisterMachine = PolicyRegisterMachine.TestCase
TestPolicyRegisterMachine.settings = MACHINE_SETTINGS
