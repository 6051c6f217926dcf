"""Random reviews of random instruments: no step is ever left that nobody may take, in two organisations.

The owner reaffirms or revises (again and again, restarting the approvals), compliance accepts or asks for
changes, the Director approves, endorses or returns, the Board's outcome arrives, the version is published
and acknowledged, while anybody tries anything and steps are extended, reassigned and delegated.
"""

from __future__ import annotations

from hypothesis import strategies as st

from domain import policy_review, timed_step
from domain.commands import Command, EventDraft
from domain.policy_review import POLICY_REVIEW, PolicyReviewState
from tests.support.case_machine import MACHINE_SETTINGS, ORGANISATIONS, REASON, Answer, CaseMachine

REVISION = {"document_name": "draft.pdf", "change_summary": "Clearer roles"}
ANSWERS: dict[str, list[Answer]] = {
    "submit-revision": [
        ({**REVISION, "document_sha256": "a" * 64}, None),
        ({**REVISION, "document_sha256": "b" * 64, "version": "9.1"}, None),
    ],
    "reaffirm": [({}, "Still fit for purpose")],
    "compliance-review": [({"decision": "accept"}, None), ({"decision": "request-changes"}, REASON)],
    "endorse": [({"decision": "approve"}, None), ({"decision": "return"}, REASON)],
    "record-meeting-decision": [
        ({"decision": "approve", "reference": "MB/1"}, None),
        ({"decision": "reject", "reference": "MB/2"}, None),
    ],  # fmt: skip
    "publish": [({}, None)],
    "acknowledge": [({}, None)],
    "add-attestation": [({"person": "director"}, None)],
}


class PolicyReviewMachine(CaseMachine):
    decider = POLICY_REVIEW
    organisations = ORGANISATIONS
    answers = ANSWERS

    @property
    def review(self) -> PolicyReviewState:
        assert isinstance(self.state, PolicyReviewState)
        return self.state

    def open_case(self, data: st.DataObject) -> None:
        instrument = data.draw(st.sampled_from([i.id for i in self.organisation.instruments]), label="instrument")
        case_id = policy_review.review_case_id(instrument, 1)
        self.begin(
            case_id,
            lambda context: policy_review.open_policy_review(
                case_id, instrument, "due", "system", context, current_sha256="c" * 64
            ),
        )

    def preferred_people(self) -> list[str]:
        return [*super().preferred_people(), self.review.owner or ""]

    def completions(self, task: timed_step.Task) -> list[Command]:
        commands = super().completions(task)
        if task.action == "submit-revision":  # the owner's step: revise it, or reaffirm it
            commands.append(Command(action="reaffirm", actor=task.assignee, comment=REASON))
        return commands

    def outside(self, data: st.DataObject) -> list[EventDraft] | None:
        review = self.review
        context = self.context()
        if review.pending_board_case is not None:
            outcome = data.draw(st.sampled_from(["approved", "rejected", "referred_to_meeting", "no_quorum"]))
            return POLICY_REVIEW.record_board_outcome(review, review.pending_board_case, outcome, {}, context)
        return policy_review.add_missing_attestations(review, context)


TestPolicyReviewMachine = PolicyReviewMachine.TestCase
TestPolicyReviewMachine.settings = MACHINE_SETTINGS
