"""The Annual Work Plan for fiscal year 2029 under the Strategic Plan 2028-2032, driven without Temporal.

The example organisation's fiscal year starts on 1 January, so with the default of eight weeks the draft is
due on Monday 6 November 2028 at 17:00 in Brussels, and the Board's approval before the fiscal year: its last
day, Sunday 31 December 2028, is not a working day, so the Chair's step is due on Friday 29 December at 17:00
in Berlin (the Chair's zone). The step plans `awp_draft` and `awp_approval` come from `AWP_STEP_PLANS`
where the organisation file does not list them yet; that text is what `examples/organisation.yaml` should hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain import annual_work_plan, timed_step
from domain.annual_work_plan import ANNUAL_WORK_PLAN, AnnualWorkPlanState, open_annual_work_plan
from domain.board_request import BOARD_DECISION_REQUESTED
from domain.case import CASE_CLOSED
from domain.errors import NotAllowed
from domain.events import SYSTEM_ACTOR, DomainEvent
from domain.organisation import Organisation
from domain.organisation_file import parse_organisation
from tests.support.case_run import CaseRun

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_ORGANISATION = (ROOT / "examples" / "organisation.yaml").read_text(encoding="utf-8")

#: The step plans of the Annual Work Plan, as `examples/organisation.yaml` should list them.
AWP_STEP_PLANS = {
    "awp_draft": """\
  awp_draft:
    working_days: 10
    reminders: {offsets: [-10, -5, -1, 0]}
    escalations:
      - {after_working_days: 1, to: director}
      - {after_working_days: 1, to: board_chair}
""",
    "awp_approval": """\
  awp_approval:
    reminders: {offsets: [-10, -5, -1]}
    escalations:
      - {after_working_days: 1, to: director}
      - {after_working_days: 1, to: board_chair}
""",
}


def organisation_with_awp_steps() -> Organisation:
    missing = "".join(text for kind, text in AWP_STEP_PLANS.items() if f"\n  {kind}:" not in EXAMPLE_ORGANISATION)
    return parse_organisation(EXAMPLE_ORGANISATION.replace("\nstep_plans:\n", "\nstep_plans:\n" + missing, 1))


ORGANISATION = organisation_with_awp_steps()
CASE_ID = "plan/2028-2032/awp/2029"
DIRECTOR = "director"
CHAIR = "board-chair"
PLAN_TARGETS = ("T1", "T2", "T3")
OPENED_AT = datetime(2028, 9, 1, 9, 0, tzinfo=UTC)
DRAFT_V1 = "a" * 64
DRAFT_V2 = "b" * 64


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def local(instant: datetime | str, zone: str = "Europe/Brussels") -> str:
    moment = datetime.fromisoformat(instant) if isinstance(instant, str) else instant
    return moment.astimezone(ZoneInfo(zone)).strftime("%a %d %b %Y %H:%M")


def types(events: list[DomainEvent]) -> list[str]:
    return [event.type for event in events]


@dataclass(kw_only=True)
class AwpCase(CaseRun):
    decider = ANNUAL_WORK_PLAN

    organisation: Organisation = ORGANISATION
    state: AnnualWorkPlanState
    clock: datetime = OPENED_AT

    def board_outcome(self, outcome: str, *, at: datetime, board_case: str | None = None) -> list[DomainEvent]:
        reference = board_case or self.state.board_cases[-1]
        return self.apply(
            lambda state, context: ANNUAL_WORK_PLAN.record_board_outcome(
                state, reference, outcome, {"eligible": 9}, context
            ),
            at=at,
        )

    def submit(self, sha: str, *, at: datetime, targets: str = "T1,T2") -> list[DomainEvent]:
        return self.act(DIRECTOR, "submit-draft", at=at, document_sha256=sha, document_name="awp-2029.pdf",
                        targets=targets)  # fmt: skip


def open_awp(at: datetime = OPENED_AT, **changes: Any) -> AwpCase:
    awp = AwpCase(state=ANNUAL_WORK_PLAN.initial_state(changes.pop("case_id", CASE_ID)), clock=at)
    arguments = {"plan_targets": PLAN_TARGETS, "fiscal_year": 2029, "requested_by": SYSTEM_ACTOR, **changes}
    awp.append(open_annual_work_plan(awp.state.case_id, context=awp.context(), **arguments))
    return awp


def opening_refusal(**changes: Any) -> str:
    with pytest.raises(NotAllowed) as refused:
        open_awp(**changes)
    return str(refused.value)


# -- opening ---------------------------------------------------------------------------------------------------
def test_opening_fixes_the_draft_deadline_weeks_before_the_fiscal_year_and_the_approval_deadline_before_it() -> None:
    awp = open_awp()

    opened, task = awp.events
    assert (opened.type, opened.actor, opened.outcome) == (annual_work_plan.OPENED, SYSTEM_ACTOR, "opened")
    assert opened.payload == {
        "plan_case": "plan/2028-2032",
        "fiscal_year": 2029,
        "fiscal_year_starts_on": "2029-01-01",
        "draft_weeks_before": 8,
        "draft_due_at": "2028-11-06T16:00:00+00:00",
        "draft_due_on": "2028-11-06",
        "approval_due_at": "2028-12-31T16:00:00+00:00",
        "approval_due_on": "2028-12-31",
        "plan_targets": ["T1", "T2", "T3"],
        "director": DIRECTOR,
        "requested_by": SYSTEM_ACTOR,
    }
    draft = awp.state.tasks["draft"]
    assert (draft.kind, draft.assignee, draft.action) == ("awp_draft", DIRECTOR, "submit-draft")
    assert local(draft.due_at) == "Mon 06 Nov 2028 17:00"
    assert local(awp.state.approval_due_at, "Europe/Berlin") == "Sun 31 Dec 2028 17:00"


def test_the_number_of_weeks_before_the_fiscal_year_is_configurable() -> None:
    awp = open_awp(draft_weeks_before=12)

    assert local(awp.state.tasks["draft"].due_at) == "Mon 09 Oct 2028 17:00"


# -- late, then approved -----------------------------------------------------------------------------------------
def test_a_late_annual_work_plan_reminds_and_escalates_to_the_director_and_the_chair() -> None:
    awp = open_awp()

    # The draft is late: the Director is reminded before it is due, the Chair is told the day after.
    late_draft = awp.fire(utc(2028, 11, 7, 9))
    assert [(e.type, e.payload["to"]) for e in late_draft] == [(timed_step.REMINDER_SENT, DIRECTOR)] * 4 + [
        (timed_step.ESCALATION_RAISED, CHAIR)
    ]
    # Brussels working days before Monday 6 November, around All Saints' Day (Wednesday 1 November).
    assert [local(e.payload["planned_at"]) for e in late_draft[:4]] == [
        "Fri 20 Oct 2028 09:00",
        "Fri 27 Oct 2028 09:00",
        "Fri 03 Nov 2028 09:00",
        "Mon 06 Nov 2028 09:00",
    ]
    escalation = late_draft[-1]
    assert escalation.payload["level"] == 1
    assert local(escalation.payload["planned_at"], "Europe/Berlin") == "Tue 07 Nov 2028 09:00"

    # The draft goes to the Board's vote; the Chair sees the approval through before the fiscal year.
    submitted = awp.submit(DRAFT_V1, at=utc(2028, 11, 20, 9))
    assert types(submitted) == [
        annual_work_plan.DRAFT_SUBMITTED,
        timed_step.TASK_COMPLETED,
        BOARD_DECISION_REQUESTED,
        timed_step.TASK_OPENED,
    ]
    assert submitted[0].payload == {
        "version": 1,
        "document_sha256": DRAFT_V1,
        "document_name": "awp-2029.pdf",
        "targets": ["T1", "T2"],
        "due_at": "2028-11-06T16:00:00+00:00",
        "late": True,
    }
    assert submitted[2].payload == {
        "board_case": "plan/2028-2032/awp/2029/board/1",
        "procedure": "vote",
        "matter": "Approval of the Annual Work Plan 2029 under the Strategic Plan 2028-2032 (draft version 1, "
        "awp-2029.pdf)",
        "conflicted": [],
    }
    approval = awp.state.tasks["approval"]
    assert (approval.kind, approval.assignee) == ("awp_approval", CHAIR)
    # The last day before the fiscal year is a Sunday: the Chair's step is due on the Friday before it.
    assert local(approval.due_at, "Europe/Berlin") == "Fri 29 Dec 2028 17:00"
    assert awp.state.stage == "board_vote"

    # The Board rejects version 1; the Director revises, and version 2 goes to a new vote.
    rejected = awp.board_outcome("rejected", at=utc(2028, 12, 5, 9))
    assert types(rejected) == [annual_work_plan.BOARD_RECORDED, timed_step.TASK_OPENED]
    assert awp.state.stage == "revision"
    assert awp.state.tasks["draft"].title == (
        "Revise the draft Annual Work Plan 2029: the Management Board did not approve version 1 (rejected)"
    )
    assert list(awp.state.tasks) == ["approval", "draft"]  # the approval deadline does not move
    awp.submit(DRAFT_V2, at=utc(2028, 12, 12, 9), targets="T1,T2,T3")
    assert awp.state.board_cases == ("plan/2028-2032/awp/2029/board/1", "plan/2028-2032/awp/2029/board/2")

    # The approval is late: the Chair was reminded before the fiscal year, the Director is told after.
    late_approval = awp.fire(utc(2029, 1, 2, 9))
    assert [(e.type, e.payload["to"]) for e in late_approval] == [(timed_step.REMINDER_SENT, CHAIR)] * 3 + [
        (timed_step.ESCALATION_RAISED, DIRECTOR)
    ]
    # The Chair has no hub, so only weekends are closed on their calendar (Christmas Day counts): 10, 5 and 1
    # working days before Friday 29 December.
    assert [local(e.payload["planned_at"], "Europe/Berlin") for e in late_approval[:3]] == [
        "Fri 15 Dec 2028 09:00",
        "Fri 22 Dec 2028 09:00",
        "Thu 28 Dec 2028 09:00",
    ]
    assert local(late_approval[-1].payload["planned_at"]) == "Mon 01 Jan 2029 09:00"

    approved = awp.board_outcome("approved", at=utc(2029, 1, 8, 9))
    assert types(approved) == [
        annual_work_plan.BOARD_RECORDED,
        timed_step.TASK_COMPLETED,
        annual_work_plan.APPROVED,
        CASE_CLOSED,
    ]
    assert approved[2].payload == {
        "by": "board",
        "reference": "plan/2028-2032/awp/2029/board/2",
        "version": 2,
        "document_sha256": DRAFT_V2,
        "document_name": "awp-2029.pdf",
        "targets": ["T1", "T2", "T3"],
        "fiscal_year": 2029,
        "before_fiscal_year": False,
    }
    assert (approved[-1].outcome, approved[-1].payload) == ("approved", {"stage": "approved"})
    assert awp.state.closed and awp.state.tasks == {}
    assert [(e.payload["to"], e.payload["task_id"]) for e in awp.events if e.type == timed_step.ESCALATION_RAISED] == [
        (CHAIR, "draft"),
        (DIRECTOR, "approval"),
    ]


def test_an_annual_work_plan_on_time_is_approved_before_the_fiscal_year_without_escalation() -> None:
    awp = open_awp()
    awp.submit(DRAFT_V1, at=utc(2028, 10, 30, 9))

    approved = awp.board_outcome("approved", at=utc(2028, 11, 15, 9))

    assert approved[2].payload["before_fiscal_year"] is True
    assert not [e for e in awp.events if e.type == timed_step.ESCALATION_RAISED]
    assert awp.state.outcome == "approved"


def test_the_chair_records_a_decision_the_board_took_in_session_which_supersedes_the_open_vote() -> None:
    awp = open_awp()
    awp.submit(DRAFT_V1, at=utc(2028, 10, 30, 9))

    events = awp.act(CHAIR, "record-meeting-decision", at=utc(2028, 11, 8, 9), decision="approve",
                     reference="MB/2028/05")  # fmt: skip

    assert types(events) == [
        annual_work_plan.BOARD_RECORDED,
        timed_step.TASK_COMPLETED,
        annual_work_plan.APPROVED,
        CASE_CLOSED,
    ]
    assert (events[0].actor, events[0].actor_role, events[0].payload) == (
        CHAIR,
        "board_chair",
        {"reference": "MB/2028/05", "version": 1, "superseded_vote": "plan/2028-2032/awp/2029/board/1"},
    )
    # The vote's later close changes nothing on a closed case.
    assert awp.board_outcome("rejected", at=utc(2028, 11, 20, 9), board_case="plan/2028-2032/awp/2029/board/1") == []


def test_a_vote_closing_after_a_meeting_rejected_the_draft_is_recorded_as_superseded() -> None:
    awp = open_awp()
    awp.submit(DRAFT_V1, at=utc(2028, 10, 30, 9))
    awp.act(CHAIR, "record-meeting-decision", at=utc(2028, 11, 8, 9), decision="reject", reference="MB/2028/05",
            comment="Budget lines do not match the plan")  # fmt: skip
    assert awp.state.stage == "revision"

    late_vote = awp.board_outcome("approved", at=utc(2028, 11, 14, 9))

    assert types(late_vote) == [annual_work_plan.BOARD_RECORDED]
    assert (late_vote[0].outcome, late_vote[0].payload["vote_outcome"]) == ("superseded", "approved")
    assert awp.state.stage == "revision" and not awp.state.closed


# -- refusals --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "sentence"),
    [
        (
            {"case_id": "plan/2028-2032/awp/2030"},
            "The Annual Work Plan for fiscal year 2029 is case plan/<period>/awp/2029, not plan/2028-2032/awp/2030.",
        ),
        (
            {"case_id": "plan/2028-2032/awp/2033", "fiscal_year": 2033},
            "Fiscal year 2033 is outside the Strategic Plan 2028-2032.",
        ),
        ({"plan_targets": ()}, "An Annual Work Plan is opened with the Strategic Plan's targets; the plan has none."),
        (
            {"draft_weeks_before": 0},
            "The draft is due between 1 and 52 weeks before the fiscal year starts, not 0.",
        ),
        ({"requested_by": "nobody"}, "Unknown person 'nobody': not in the organisation file."),
    ],
)
def test_opening_refusals(changes: dict[str, Any], sentence: str) -> None:
    assert opening_refusal(**changes) == sentence


def test_draft_and_decision_refusals() -> None:
    awp = open_awp()
    draft = {"document_sha256": DRAFT_V1, "document_name": "awp.pdf"}

    assert awp.refusal(DIRECTOR, "submit-draft", targets="T1,T9", **draft) == (
        "Target T9 is not a target of the Strategic Plan 2028-2032 (its targets: T1, T2, T3)."
    )
    assert awp.refusal(DIRECTOR, "submit-draft", targets="T8,T9", **draft) == (
        "Targets T8, T9 are not targets of the Strategic Plan 2028-2032 (its targets: T1, T2, T3)."
    )
    assert awp.refusal(DIRECTOR, "submit-draft", targets=" , ", **draft) == (
        "An Annual Work Plan links to the Strategic Plan's targets: give targets=ID,ID (the plan's targets: "
        "T1, T2, T3)."
    )
    assert awp.refusal(DIRECTOR, "submit-draft", **draft) == (
        "Action 'submit-draft' has bad input: field 'targets' is required."
    )
    assert awp.refusal("head-of-operations", "submit-draft", targets="T1", **draft) == (
        "Only Director (director), or their substitute while they are away, may submit the Annual Work Plan 2029."
    )
    assert awp.refusal(CHAIR, "record-meeting-decision", decision="approve", reference="MB/2028/05") == (
        "The Annual Work Plan 2029 has no open step to record the Board meeting's decision on (stage: drafting): the "
        "Board Chair records a Board meeting's decision once a draft is before the Management Board; it is waiting "
        "for Director (director) to 'submit-draft'."
    )
    assert awp.refusal(DIRECTOR, "approve") == (
        "Unknown action 'approve' for an Annual Work Plan; known actions: record-meeting-decision, submit-draft."
    )
    assert awp.refusal(DIRECTOR, "reassign", task="draft", to="head-of-programmes", comment="Delegated") == (
        "The Director leads the Annual Work Plans; 'Submit the draft Annual Work Plan 2029 (8 weeks before the "
        "fiscal year starts on 2029-01-01)' cannot go to Head of Programmes. While the Director is away, a "
        "substitute acts through a delegation (Annual Work Plan)."
    )

    awp.submit(DRAFT_V1, at=utc(2028, 10, 30, 9))

    assert awp.refusal(DIRECTOR, "submit-draft", targets="T1", **draft) == (
        "Draft version 1 of the Annual Work Plan 2029 is before the Management Board "
        "(plan/2028-2032/awp/2029/board/1); it can be revised only if the Board does not approve it."
    )
    assert awp.refusal(DIRECTOR, "record-meeting-decision", decision="approve", reference="MB/2028/05") == (
        "Only Board Chair (Member State) (board-chair), or their substitute while they are away, may record the "
        "Board meeting's decision."
    )
    assert awp.refusal(CHAIR, "record-meeting-decision", decision="approve") == (
        "Action 'record-meeting-decision' has bad input: field 'reference' is required."
    )
    assert awp.refusal(DIRECTOR, "reassign", task="approval", to="board-member-2", comment="Chair away") == (
        "The Board Chair sees the Annual Work Plan 2029 through the Board; Board Member 2 (Donor) is not the Chair "
        "(Annual Work Plan)."
    )

    awp.board_outcome("approved", at=utc(2028, 11, 15, 9))

    assert awp.refusal(DIRECTOR, "submit-draft", targets="T1", **draft) == (
        "Case plan/2028-2032/awp/2029 is closed (approved); it accepts no further actions."
    )


def test_refusals_before_opening_and_after_a_referral() -> None:
    unopened = AwpCase(state=ANNUAL_WORK_PLAN.initial_state(CASE_ID))
    assert unopened.refusal(DIRECTOR, "submit-draft") == "Annual Work Plan plan/2028-2032/awp/2029 has not been opened."

    awp = open_awp()
    awp.submit(DRAFT_V1, at=utc(2028, 10, 30, 9))
    referred = awp.board_outcome("referred_to_meeting", at=utc(2028, 11, 15, 9))

    # A referral leaves the decision to the meeting, which the Chair records on the approval step.
    assert types(referred) == [annual_work_plan.BOARD_RECORDED]
    assert awp.state.stage == "board_meeting"
    assert awp.refusal(DIRECTOR, "submit-draft", document_sha256=DRAFT_V2, document_name="v2.pdf", targets="T1") == (
        "The Annual Work Plan 2029 has no open step to submit a draft (stage: board_meeting): the Director submits a "
        "draft when the case opens, and a revised one when the Management Board does not approve it; it is waiting "
        "for Board Chair (Member State) (board-chair) to 'record-meeting-decision'."
    )
    events = awp.act(CHAIR, "record-meeting-decision", at=utc(2028, 12, 4, 9), decision="approve",
                     reference="MB/2028/06")  # fmt: skip
    assert events[0].payload == {"reference": "MB/2028/06", "version": 1}
    assert awp.state.outcome == "approved"
