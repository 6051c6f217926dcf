"""The Strategic Plan cycle, driven as its workflow would drive it, without Temporal.

The plan 2028-2032 is drafted through 2027: concept note due Friday 30 April, consultation draft due Tuesday
15 June, Member consultation closing Friday 30 July, final draft due Thursday 30 September, all at 17:00 in
Brussels (the Director's zone). Step schedules are resolved by `plan_schedule`, as the calendar activity does;
the Board's vote is a child case whose outcome comes back through `record_board_outcome`.

The example organisation is used with the step plans this cycle needs (`PLAN_STEP_PLANS`), added only where
the file does not list them yet; that text is what `examples/organisation.yaml` should hold.

pytest runs with `--import-mode=importlib`, so this module carries its own small driver.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain import strategic_plan, timed_step
from domain.board_request import BOARD_DECISION_REQUESTED
from domain.case import CASE_CLOSED, Context
from domain.errors import NotAllowed
from domain.events import DomainEvent
from domain.organisation import Organisation
from domain.organisation_file import parse_organisation
from domain.plan_targets import PlanFormatError, PlanMilestone, Target, parse_milestones, parse_targets
from domain.strategic_plan import STRATEGIC_PLAN, StrategicPlanState, open_strategic_plan
from tests.support.case_run import CaseRun

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_ORGANISATION = (ROOT / "examples" / "organisation.yaml").read_text(encoding="utf-8")

#: The step plans of the Strategic Plan cycle, as `examples/organisation.yaml` should list them.
PLAN_STEP_PLANS = {
    "plan_milestone": """\
  plan_milestone:
    reminders: {offsets: [-10, -5, -1, 0]}
    escalations:
      - {after_working_days: 2, to: board_chair}
""",
    "consultation_window": """\
  consultation_window:
    reminders: {offsets: []}
    escalations: []
""",
    "board_review": """\
  board_review:
    working_days: 15
    escalations:
      - {after_working_days: 2, to: director}
""",
    "plan_revision": """\
  plan_revision:
    working_days: 20
    escalations:
      - {after_working_days: 2, to: board_chair}
""",
    "plan_publication": """\
  plan_publication:
    working_days: 10
    escalations:
      - {after_working_days: 2, to: board_chair}
""",
}


def organisation_with_plan_steps() -> Organisation:
    missing = "".join(text for kind, text in PLAN_STEP_PLANS.items() if f"\n  {kind}:" not in EXAMPLE_ORGANISATION)
    text = EXAMPLE_ORGANISATION.replace("\nstep_plans:\n", "\nstep_plans:\n" + missing, 1)
    return parse_organisation(text)


ORGANISATION = organisation_with_plan_steps()
BRUSSELS = ZoneInfo("Europe/Brussels")
CASE_ID = "plan/2028-2032"
DIRECTOR = "director"
CHAIR = "board-chair"
MEMBER_1 = "member-representative-1"  # Madrid
MEMBER_2 = "member-representative-2"  # Kolkata
OPENED_AT = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
MILESTONES = {
    "concept_note_due": date(2027, 4, 30),
    "consultation_draft_due": date(2027, 6, 15),
    "final_draft_due": date(2027, 9, 30),
}
CONSULTATION_CLOSES = date(2027, 7, 30)
CONCEPT = "1" * 64
CONSULTATION = "2" * 64
FINAL_V1 = "3" * 64
FINAL_V2 = "4" * 64
TARGETS = (
    "T1=Cities with citywide slum upgrading strategies:40:2032-12-31;"
    "T2=Urban residents reached by basic services (million):2.5:2031-06-30;"
    "T3=Partner cities with climate action plans: adopted:25"
)
PLAN_MILESTONES = "M1=Resource mobilisation strategy adopted:2028-06-30;M2=Mid-term review:2030-06-30"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def types(events: list[DomainEvent]) -> list[str]:
    return [event.type for event in events]


def opened(events: list[DomainEvent]) -> dict[str, dict[str, Any]]:
    return {event.payload["task_id"]: event.payload for event in events if event.type == timed_step.TASK_OPENED}


# -- the driver ------------------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class PlanCase(CaseRun):
    """One Strategic Plan as its workflow holds it: the state and the audit trail appended so far."""

    decider = STRATEGIC_PLAN

    state: StrategicPlanState
    organisation: Organisation = ORGANISATION
    clock: datetime = OPENED_AT

    def board_outcome(self, outcome: str, *, at: datetime, tally: dict[str, Any] | None = None) -> list:
        """What the runtime records when the child Board vote closes."""
        board_case = self.state.board_cases[-1]
        return self.apply(
            lambda state, context: STRATEGIC_PLAN.record_board_outcome(
                state, board_case, outcome, tally or {}, context
            ),
            at=at,
        )

    # -- the usual road -----------------------------------------------------------------------------------
    def milestone(self, milestone: str, sha: str, *, at: datetime, **more: Any) -> list[DomainEvent]:
        name = f"{milestone}.pdf"
        return self.act(DIRECTOR, "submit-milestone", at=at, milestone=milestone, document_sha256=sha,
                        document_name=name, **more)  # fmt: skip

    def through_consultation(self) -> PlanCase:
        self.milestone("concept_note", CONCEPT, at=utc(2027, 4, 20, 9))
        self.milestone("consultation_draft", CONSULTATION, at=utc(2027, 6, 10, 9))
        self.act(MEMBER_1, "comment", at=utc(2027, 7, 1, 9), comment="Give secondary cities more weight.")
        self.fire(utc(2027, 7, 31, 9))
        return self

    def at_the_vote(self) -> PlanCase:
        self.through_consultation()
        self.milestone("final_draft", FINAL_V1, at=utc(2027, 9, 20, 9))
        self.act(DIRECTOR, "request-board-review", at=utc(2027, 9, 21, 9))
        self.act(CHAIR, "board-review", at=utc(2027, 10, 1, 9), decision="approve-for-vote")
        return self


def open_plan(at: datetime = OPENED_AT, organisation: Organisation = ORGANISATION) -> PlanCase:
    plan = PlanCase(state=STRATEGIC_PLAN.initial_state(CASE_ID), organisation=organisation, clock=at)
    context = Context(organisation=organisation, now=at)
    plan.append(open_strategic_plan(CASE_ID, 2028, 2032, MILESTONES, CONSULTATION_CLOSES, DIRECTOR, context))
    return plan


def opening_refusal(**changes: Any) -> str:
    arguments: dict[str, Any] = {
        "case_id": CASE_ID,
        "period_start_year": 2028,
        "period_end_year": 2032,
        "milestones": MILESTONES,
        "consultation_closes": CONSULTATION_CLOSES,
        "requested_by": DIRECTOR,
        "context": Context(organisation=ORGANISATION, now=OPENED_AT),
    }
    with pytest.raises(NotAllowed) as refused:
        open_strategic_plan(**{**arguments, **changes})
    return str(refused.value)


def local(instant: datetime | str, zone: str = "Europe/Brussels") -> str:
    moment = datetime.fromisoformat(instant) if isinstance(instant, str) else instant
    return moment.astimezone(ZoneInfo(zone)).strftime("%a %d %b %Y %H:%M")


# -- opening ---------------------------------------------------------------------------------------------------
def test_opening_records_the_milestones_and_gives_the_director_the_concept_note_due_at_17_00_brussels() -> None:
    plan = open_plan()

    first, task = plan.events
    assert (first.type, first.actor, first.actor_role, first.outcome) == (
        strategic_plan.OPENED,
        DIRECTOR,
        "director",
        "opened",
    )
    assert first.payload["period"] == "2028-2032"
    assert {name: local(at) for name, at in first.payload["milestones_due"].items()} == {
        "concept_note": "Fri 30 Apr 2027 17:00",
        "consultation_draft": "Tue 15 Jun 2027 17:00",
        "final_draft": "Thu 30 Sep 2027 17:00",
    }
    assert first.payload["consultation_closes_on"] == "2027-07-30"
    assert task.type == timed_step.TASK_OPENED
    concept = plan.state.tasks["concept-note"]
    assert (concept.kind, concept.assignee, concept.action) == ("plan_milestone", DIRECTOR, "submit-milestone")
    assert local(concept.due_at) == "Fri 30 Apr 2027 17:00"
    assert [local(at) for at in concept.schedule.reminders] == [
        "Fri 16 Apr 2027 09:00",
        "Fri 23 Apr 2027 09:00",
        "Thu 29 Apr 2027 09:00",
        "Fri 30 Apr 2027 09:00",
    ]
    # The Director has nobody above them in the Secretariat: a late milestone goes to the Board Chair.
    assert [(step.level, step.to, local(step.at, "Europe/Berlin")) for step in concept.schedule.escalations] == [
        (1, CHAIR, "Tue 04 May 2027 09:00")
    ]
    assert plan.state.stage == "drafting"


def test_a_late_milestone_is_escalated_to_the_board_chair_and_recorded_as_late() -> None:
    plan = open_plan()

    fired = plan.fire(utc(2027, 5, 4, 9))

    assert [(e.type, e.payload["to"]) for e in fired] == [(timed_step.REMINDER_SENT, DIRECTOR)] * 4 + [
        (timed_step.ESCALATION_RAISED, CHAIR)
    ]
    escalation = fired[-1]
    assert escalation.payload["level"] == 1
    assert escalation.reason.startswith("'Submit the concept note of the Strategic Plan 2028-2032' is overdue")

    submitted = plan.milestone("concept_note", CONCEPT, at=utc(2027, 5, 5, 9))[0]

    assert submitted.payload["late"] is True
    assert plan.state.submissions[0].late is True


# -- the whole cycle -------------------------------------------------------------------------------------------
def test_a_full_strategic_plan_cycle_from_concept_note_to_publication() -> None:
    plan = open_plan()

    # 1. Drafting milestones, in order.
    concept = plan.milestone("concept_note", CONCEPT, at=utc(2027, 4, 20, 9))
    assert types(concept) == [strategic_plan.MILESTONE_SUBMITTED, timed_step.TASK_COMPLETED, timed_step.TASK_OPENED]
    assert concept[0].payload == {
        "milestone": "concept_note",
        "version": 1,
        "document_sha256": CONCEPT,
        "document_name": "concept_note.pdf",
        "due_at": "2027-04-30T15:00:00+00:00",
        "late": False,
    }
    assert local(plan.state.tasks["consultation-draft"].due_at) == "Tue 15 Jun 2027 17:00"

    # 2. The consultation draft opens the Member consultation until Friday 30 July, 17:00 Brussels.
    draft = plan.milestone("consultation_draft", CONSULTATION, at=utc(2027, 6, 10, 9))
    assert types(draft)[:3] == [
        strategic_plan.MILESTONE_SUBMITTED,
        timed_step.TASK_COMPLETED,
        strategic_plan.CONSULTATION_OPENED,
    ]
    consultation = draft[2]
    assert consultation.payload["closes_at"] == "2027-07-30T15:00:00+00:00"
    assert consultation.payload["members"] == [MEMBER_1, MEMBER_2]
    steps = opened(draft)
    assert list(steps) == [f"comment/{MEMBER_1}", f"comment/{MEMBER_2}", "consultation"]
    assert {steps[task]["on_due"] for task in steps} == {"lapse"}
    assert steps["consultation"]["schedule"]["reminders"] == []  # nobody is reminded about the window itself
    assert plan.state.stage == "consultation"

    # Member 1 comments twice; both comments are on the record, and their step is done after the first.
    first = plan.act(MEMBER_1, "comment", at=utc(2027, 7, 1, 9), comment="Give secondary cities more weight.")
    assert types(first) == [strategic_plan.COMMENT_RECEIVED, timed_step.TASK_COMPLETED]
    assert (first[0].actor, first[0].actor_role) == (MEMBER_1, "member_representative")
    assert first[0].payload == {
        "member": MEMBER_1,
        "comment": "Give secondary cities more weight.",
        "number": 1,
        "document_sha256": CONSULTATION,
        "attachment_sha256": None,
    }
    second = plan.act(MEMBER_1, "comment", at=utc(2027, 7, 2, 9), comment="Add a gender target.")
    assert types(second) == [strategic_plan.COMMENT_RECEIVED]
    assert second[0].payload["number"] == 2

    # Only the silent Member is reminded: 10, 5 and 1 working days before the close, 09:00 in Kolkata.
    reminders = plan.fire(utc(2027, 7, 30, 14, 59))
    assert [(e.type, e.payload["to"]) for e in reminders] == [(timed_step.REMINDER_SENT, MEMBER_2)] * 3
    assert [local(e.payload["planned_at"], "Asia/Kolkata") for e in reminders] == [
        "Fri 16 Jul 2027 09:00",
        "Fri 23 Jul 2027 09:00",
        "Thu 29 Jul 2027 09:00",
    ]

    # The window closes at its instant; the silent Member's step lapses without escalation.
    closed = plan.fire(utc(2027, 7, 30, 15, 0))
    assert types(closed) == [
        timed_step.DEADLINE_PASSED,
        timed_step.DEADLINE_PASSED,
        timed_step.TASK_CANCELLED,
        timed_step.TASK_COMPLETED,
        strategic_plan.CONSULTATION_CLOSED,
        timed_step.TASK_OPENED,
    ]
    assert [e.payload["task_id"] for e in closed[:4]] == [f"comment/{MEMBER_2}", "consultation"] * 2
    assert closed[4].payload == {
        "comments": 2,
        "commenters": [MEMBER_1],
        "silent": [MEMBER_2],
        "closes_at": "2027-07-30T15:00:00+00:00",
    }
    assert not plan.of_type(timed_step.ESCALATION_RAISED)
    assert list(plan.state.tasks) == ["final-draft"]
    assert plan.state.stage == "final_drafting"

    # 3. The Board's review, with one round of revisions.
    final = plan.milestone("final_draft", FINAL_V1, at=utc(2027, 9, 20, 9))
    assert final[0].payload["version"] == 1
    assert opened(final)["board-submission"]["action"] == "request-board-review"
    assert plan.state.stage == "board_submission"

    review = plan.act(DIRECTOR, "request-board-review", at=utc(2027, 9, 21, 9))
    assert types(review) == [
        strategic_plan.BOARD_REVIEW_REQUESTED,
        timed_step.TASK_COMPLETED,
        timed_step.TASK_OPENED,
    ]
    assert review[0].payload == {
        "version": 1,
        "document_sha256": FINAL_V1,
        "document_name": "final_draft.pdf",
        "reviewer": CHAIR,
    }
    board_review = plan.state.tasks["board-review"]
    assert (board_review.assignee, board_review.kind, board_review.action) == (CHAIR, "board_review", "board-review")

    revise = plan.act(
        CHAIR, "board-review", at=utc(2027, 10, 1, 9), decision="revise", comment="Targets need baselines."
    )
    assert types(revise) == [strategic_plan.BOARD_REVIEW_COMPLETED, timed_step.TASK_COMPLETED, timed_step.TASK_OPENED]
    assert (revise[0].actor_role, revise[0].outcome, revise[0].reason) == (
        "board_chair",
        "revise",
        "Targets need baselines.",
    )
    assert revise[0].payload == {"decision": "revise", "version": 1, "review": 1}
    assert opened(revise)["revise"]["title"] == "Revise the Strategic Plan 2028-2032: submit final draft version 2"
    assert plan.state.stage == "revision"

    version_2 = plan.milestone("final_draft", FINAL_V2, at=utc(2027, 10, 11, 9))
    assert version_2[0].payload["version"] == 2
    assert version_2[1].payload["task_id"] == "revise"
    plan.act(DIRECTOR, "request-board-review", at=utc(2027, 10, 12, 9))

    # 4. The Chair finds it ready; the Board votes.
    to_vote = plan.act(CHAIR, "board-review", at=utc(2027, 10, 20, 9), decision="approve-for-vote")
    assert types(to_vote) == [
        strategic_plan.BOARD_REVIEW_COMPLETED,
        timed_step.TASK_COMPLETED,
        BOARD_DECISION_REQUESTED,
    ]
    requested = to_vote[-1]
    assert (requested.actor, requested.actor_role) == (CHAIR, "board_chair")
    assert requested.payload == {
        "board_case": "plan/2028-2032/board/1",
        "procedure": "vote",
        "matter": "Approval of the Strategic Plan 2028-2032 (final draft version 2, final_draft.pdf)",
        "conflicted": [],
    }
    assert plan.state.stage == "board_vote"
    assert plan.state.tasks == {}

    tally = {"eligible": 9, "approve": 7, "reject": 1, "abstain": 1}
    approved = plan.board_outcome("approved", at=utc(2027, 11, 3, 9), tally=tally)
    assert types(approved) == [strategic_plan.BOARD_RECORDED, strategic_plan.APPROVED, timed_step.TASK_OPENED]
    assert approved[0].payload == {"reference": "plan/2028-2032/board/1", "tally": tally, "version": 2}
    assert (approved[1].actor_role, approved[1].reason) == (
        "management_board",
        "approved by the Management Board (plan/2028-2032/board/1)",
    )
    assert approved[1].payload == {
        "by": "board",
        "reference": "plan/2028-2032/board/1",
        "version": 2,
        "document_sha256": FINAL_V2,
        "document_name": "final_draft.pdf",
    }
    assert opened(approved)["publication"]["assignee"] == DIRECTOR
    assert plan.state.stage == "publication"

    # 5. Publication with the plan's targets and milestones closes the cycle.
    published = plan.act(
        DIRECTOR,
        "publish",
        at=utc(2027, 11, 10, 9),
        targets=TARGETS,
        milestones=PLAN_MILESTONES,
        targets_file_sha256="5" * 64,
    )
    assert types(published) == [strategic_plan.PUBLISHED, timed_step.TASK_COMPLETED, CASE_CLOSED]
    assert published[0].payload == {
        "period": "2028-2032",
        "version": 2,
        "document_sha256": FINAL_V2,
        "document_name": "final_draft.pdf",
        "approved_by": "plan/2028-2032/board/1",
        "targets": [
            {"id": "T1", "title": "Cities with citywide slum upgrading strategies", "value": "40", "due": "2032-12-31"},
            {
                "id": "T2",
                "title": "Urban residents reached by basic services (million)",
                "value": "2.5",
                "due": "2031-06-30",
            },
            # No date: due at the end of the plan period; a ':' inside the title is kept.
            {
                "id": "T3",
                "title": "Partner cities with climate action plans: adopted",
                "value": "25",
                "due": "2032-12-31",
            },
        ],
        "milestones": [
            {"id": "M1", "title": "Resource mobilisation strategy adopted", "due": "2028-06-30"},
            {"id": "M2", "title": "Mid-term review", "due": "2030-06-30"},
        ],
        "targets_file_sha256": "5" * 64,
    }
    assert (published[-1].outcome, published[-1].payload) == ("published", {"stage": "published"})
    assert plan.state.closed and plan.state.outcome == "published"
    assert [target.id for target in plan.state.targets] == ["T1", "T2", "T3"]
    summary = STRATEGIC_PLAN.stage_summary(plan.state)
    assert summary["consultation"]["comments"] == 2
    assert summary["approved_version"] == 2
    assert [item["late"] for item in summary["milestones"]] == [False, False, False]

    # The audit trail reads as the cycle happened.
    assert [e.type for e in plan.events if not e.type.startswith(("Task", "Reminder", "Deadline"))] == [
        strategic_plan.OPENED,
        strategic_plan.MILESTONE_SUBMITTED,
        strategic_plan.MILESTONE_SUBMITTED,
        strategic_plan.CONSULTATION_OPENED,
        strategic_plan.COMMENT_RECEIVED,
        strategic_plan.COMMENT_RECEIVED,
        strategic_plan.CONSULTATION_CLOSED,
        strategic_plan.MILESTONE_SUBMITTED,
        strategic_plan.BOARD_REVIEW_REQUESTED,
        strategic_plan.BOARD_REVIEW_COMPLETED,
        strategic_plan.MILESTONE_SUBMITTED,
        strategic_plan.BOARD_REVIEW_REQUESTED,
        strategic_plan.BOARD_REVIEW_COMPLETED,
        BOARD_DECISION_REQUESTED,
        strategic_plan.BOARD_RECORDED,
        strategic_plan.APPROVED,
        strategic_plan.PUBLISHED,
        CASE_CLOSED,
    ]


@pytest.mark.parametrize("outcome", ["rejected", "no_quorum"])
def test_a_vote_that_does_not_approve_sends_the_plan_back_to_revision(outcome: str) -> None:
    plan = open_plan().at_the_vote()

    events = plan.board_outcome(outcome, at=utc(2027, 10, 20, 9))

    assert types(events) == [strategic_plan.BOARD_RECORDED, timed_step.TASK_OPENED]
    assert events[0].outcome == outcome
    assert events[1].reason == f"the Management Board did not approve ({outcome})"
    assert plan.state.stage == "revision"
    assert plan.state.tasks["revise"].assignee == DIRECTOR

    plan.milestone("final_draft", FINAL_V2, at=utc(2027, 10, 25, 9))
    plan.act(DIRECTOR, "request-board-review", at=utc(2027, 10, 25, 10))
    plan.act(CHAIR, "board-review", at=utc(2027, 10, 27, 9), decision="approve-for-vote")
    assert plan.state.board_cases == ("plan/2028-2032/board/1", "plan/2028-2032/board/2")


def test_a_referral_to_a_meeting_is_decided_by_the_meeting_as_the_chair_records_it() -> None:
    plan = open_plan().at_the_vote()

    referred = plan.board_outcome("referred_to_meeting", at=utc(2027, 10, 20, 9))

    assert types(referred) == [strategic_plan.BOARD_RECORDED, timed_step.TASK_OPENED]
    meeting = opened(referred)["board-meeting"]
    assert (meeting["assignee"], meeting["action"]) == (CHAIR, "record-meeting-decision")
    assert plan.state.stage == "board_meeting"
    assert plan.refusal(CHAIR, "record-meeting-decision", decision="approve") == (
        "Action 'record-meeting-decision' has bad input: field 'reference' is required."
    )
    assert plan.refusal(DIRECTOR, "record-meeting-decision", decision="approve", reference="MB/2027/04") == (
        "Only Board Chair (Member State) (board-chair), or their substitute while they are away, may record the "
        "Board meeting's decision."
    )

    events = plan.act(CHAIR, "record-meeting-decision", at=utc(2027, 11, 15, 9), decision="approve",
                      reference="MB/2027/04")  # fmt: skip

    assert types(events) == [
        strategic_plan.BOARD_RECORDED,
        timed_step.TASK_COMPLETED,
        strategic_plan.APPROVED,
        timed_step.TASK_OPENED,
    ]
    assert (events[0].actor, events[0].actor_role, events[0].payload["reference"]) == (
        CHAIR,
        "board_chair",
        "MB/2027/04",
    )
    assert plan.state.approved_reference == "MB/2027/04"
    assert plan.state.stage == "publication"


def test_an_outcome_of_a_superseded_or_foreign_board_case_changes_nothing() -> None:
    plan = open_plan().at_the_vote()
    context = Context(organisation=ORGANISATION, now=utc(2027, 10, 20, 9))

    assert STRATEGIC_PLAN.record_board_outcome(plan.state, "plan/2028-2032/board/9", "approved", {}, context) == []


def test_the_director_may_extend_the_consultation_and_late_comments_count_until_the_new_close() -> None:
    plan = open_plan()
    plan.milestone("concept_note", CONCEPT, at=utc(2027, 4, 20, 9))
    plan.milestone("consultation_draft", CONSULTATION, at=utc(2027, 6, 10, 9))

    extended = plan.act(
        DIRECTOR,
        "extend",
        at=utc(2027, 7, 20, 9),
        task="consultation",
        until="2027-08-13",
        comment="Members asked for two more weeks.",
    )
    assert types(extended) == [timed_step.DEADLINE_EXTENDED]
    assert local(plan.state.consultation_closes_at) == "Fri 13 Aug 2027 23:59"

    # The Members' own steps lapse at the first close, which does not close the window.
    lapsed = plan.fire(utc(2027, 7, 30, 15))
    assert [e.type for e in lapsed if e.type != timed_step.REMINDER_SENT] == [timed_step.DEADLINE_PASSED] * 2
    assert plan.state.stage == "consultation"
    late = plan.act(MEMBER_2, "comment", at=utc(2027, 8, 2, 9), comment="Kolkata's network supports the draft.")
    assert types(late) == [strategic_plan.COMMENT_RECEIVED, timed_step.TASK_COMPLETED]

    closed = plan.fire(utc(2027, 8, 13, 22))
    assert strategic_plan.CONSULTATION_CLOSED in types(closed)
    assert plan.of_type(strategic_plan.CONSULTATION_CLOSED)[0].payload["silent"] == [MEMBER_1]
    assert plan.refusal(MEMBER_1, "comment", comment="Too late?") == (
        "The Member consultation on the Strategic Plan 2028-2032 closed at 2027-08-13 23:59 Europe/Brussels; "
        "comments can no longer be received."
    )


def test_a_late_consultation_draft_may_set_a_new_close_and_must_when_the_planned_one_has_passed() -> None:
    plan = open_plan()
    plan.milestone("concept_note", CONCEPT, at=utc(2027, 4, 20, 9))
    late = utc(2027, 8, 2, 9)

    assert plan.refusal(
        DIRECTOR,
        "submit-milestone",
        at=late,
        milestone="consultation_draft",
        document_sha256=CONSULTATION,
        document_name="draft.pdf",
    ) == (  # fmt: skip
        "The Member consultation was planned to close on 2027-07-30, which has passed; give "
        "consultation_closes=YYYY-MM-DD, a later date."
    )
    assert plan.refusal(
        DIRECTOR,
        "submit-milestone",
        at=late,
        milestone="consultation_draft",
        document_sha256=CONSULTATION,
        document_name="draft.pdf",
        consultation_closes="2027-08-01",
    ) == (  # fmt: skip
        "The Member consultation must close after it opens; 2027-08-01 17:00 Europe/Brussels has passed."
    )

    events = plan.milestone("consultation_draft", CONSULTATION, at=late, consultation_closes="2027-09-03")

    assert events[0].payload["late"] is True
    assert events[2].payload["closes_at"] == "2027-09-03T15:00:00+00:00"


# -- targets and milestones as text ----------------------------------------------------------------------------
def test_targets_read_from_field_text() -> None:
    assert parse_targets(
        "T1=Cities with plans:40:2032-12-31; T2=Residents served: urban poor:1,500,000:2031-12-31"
    ) == [
        Target(id="T1", title="Cities with plans", value=Decimal("40"), due=date(2032, 12, 31)),
        Target(id="T2", title="Residents served: urban poor", value=Decimal("1500000"), due=date(2031, 12, 31)),
    ]
    # Without a date the plan's default applies (the end of the period); with no default it is refused.
    assert parse_targets("T1=Cities:40\nT2=Funds:2.5:2030-01-01", default_due=date(2032, 12, 31)) == [
        Target(id="T1", title="Cities", value=Decimal("40"), due=date(2032, 12, 31)),
        Target(id="T2", title="Funds", value=Decimal("2.5"), due=date(2030, 1, 1)),
    ]
    assert parse_milestones("M1=Mid-term review:2030-06-30") == [
        PlanMilestone(id="M1", title="Mid-term review", due=date(2030, 6, 30))
    ]


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        (
            "T1 Cities 40",
            "Entry 1 ('T1 Cities 40') is not in the form ID=title:value:YYYY-MM-DD, entries "
            "separated by ';' (the date may be left out).",
        ),  # fmt: skip
        ("T1=Cities:forty", "Entry 1 ('T1=Cities:forty'): 'forty' is not a number."),
        ("T1=Cities:40", "Entry 1 ('T1=Cities:40') needs its due date (YYYY-MM-DD)."),
        ("T1=Cities:40:2032-12-31;T1=Funds:2:2032-12-31", "Target T1 is listed twice."),
        ("T1=:40:2032-12-31", "Entry 1 ('T1=:40:2032-12-31') has no title."),
    ],
)
def test_targets_that_do_not_read_are_refused_with_a_sentence(text: str, sentence: str) -> None:
    with pytest.raises(PlanFormatError) as refused:
        parse_targets(text)
    assert str(refused.value) == sentence


# -- refusals --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "sentence"),
    [
        (
            {"period_end_year": 2028},
            "A Strategic Plan's period must end after it starts; 2028-2028 does not.",
        ),
        ({"case_id": "plan/2028"}, "The Strategic Plan 2028-2032 is case plan/2028-2032, not plan/2028."),
        ({"requested_by": "nobody"}, "Unknown person 'nobody': not in the organisation file."),
        (
            {"requested_by": "head-of-programmes"},
            "Only the Director or the Board Chair may open a Strategic Plan cycle; Head of Programmes is neither.",
        ),
        (
            {"milestones": {"concept_note_due": date(2027, 4, 30), "final_draft_due": date(2027, 9, 30)}},
            "The Strategic Plan's milestone due date consultation_draft_due is missing.",
        ),
        (
            {"consultation_closes": date(2027, 10, 15)},
            "The drafting milestones must fall in this order, each after the one before: concept note 2027-04-30, "
            "consultation draft 2027-06-15, consultation close 2027-10-15, final draft 2027-09-30.",
        ),
        (
            {"context": Context(organisation=ORGANISATION, now=utc(2027, 5, 1))},
            "The concept note's due date 2027-04-30 has already passed; give the milestones dates still ahead.",
        ),
    ],
)
def test_opening_refusals(changes: dict[str, Any], sentence: str) -> None:
    assert opening_refusal(**changes) == sentence


def test_drafting_milestones_are_refused_out_of_order_twice_or_by_anyone_but_the_director() -> None:
    plan = open_plan()
    draft = {"document_sha256": CONSULTATION, "document_name": "draft.pdf"}

    assert plan.refusal(DIRECTOR, "submit-milestone", milestone="consultation_draft", **draft) == (
        "The consultation draft cannot be submitted before the concept note (drafting milestones, in order: "
        "concept note, consultation draft, final draft)."
    )
    assert plan.refusal(DIRECTOR, "submit-milestone", milestone="final_draft", **draft) == (
        "The final draft cannot be submitted before the concept note (drafting milestones, in order: concept "
        "note, consultation draft, final draft)."
    )
    assert plan.refusal("head-of-programmes", "submit-milestone", milestone="concept_note", **draft) == (
        "Only Director (director), or their substitute while they are away, may submit the concept note of the "
        "Strategic Plan 2028-2032."
    )
    assert plan.refusal(
        DIRECTOR, "submit-milestone", milestone="concept_note", document_sha256="abc", document_name="c.pdf"
    ) == (  # fmt: skip
        "Action 'submit-milestone' has bad input: field 'document_sha256': must be the 64 hexadecimal digits of "
        "the document's SHA-256 hash."
    )
    assert plan.refusal(DIRECTOR, "submit-milestone", milestone="vision", **draft) == (
        "Action 'submit-milestone' has bad input: field 'milestone': input should be 'concept_note', "
        "'consultation_draft' or 'final_draft'."
    )
    assert plan.refusal(
        DIRECTOR, "submit-milestone", milestone="concept_note", consultation_closes="2027-08-01", **draft
    ) == (  # fmt: skip
        "Field 'consultation_closes' belongs to the consultation draft, which opens the Member consultation."
    )

    plan.milestone("concept_note", CONCEPT, at=utc(2027, 4, 20, 9))

    assert plan.refusal(DIRECTOR, "submit-milestone", milestone="concept_note", **draft) == (
        "The concept note of the Strategic Plan 2028-2032 was already submitted (drafting milestones, in order: "
        "concept note, consultation draft, final draft)."
    )

    plan.milestone("consultation_draft", CONSULTATION, at=utc(2027, 6, 10, 9))

    assert plan.refusal(DIRECTOR, "submit-milestone", milestone="final_draft", **draft) == (
        "The final draft cannot be submitted while the Member consultation is open; it closes at 2027-07-30 17:00 "
        "Europe/Brussels."
    )


def test_consultation_refusals() -> None:
    plan = open_plan()

    assert plan.refusal(MEMBER_1, "comment", comment="Early thoughts") == (
        "The Member consultation on the Strategic Plan 2028-2032 has not opened: it opens when the Director submits "
        "the consultation draft."
    )
    assert plan.refusal("board-member-2", "comment", comment="As a Board member") == (
        "Only Member representatives may comment in the Member consultation; Board Member 2 (Donor) is not one."
    )

    plan.milestone("concept_note", CONCEPT, at=utc(2027, 4, 20, 9))
    plan.milestone("consultation_draft", CONSULTATION, at=utc(2027, 6, 10, 9))

    assert plan.refusal(MEMBER_1, "comment") == "A consultation comment needs its text: give --comment."
    assert plan.refusal(MEMBER_1, "comment", comment="Fine", section="3") == (
        "Action 'comment' has bad input: field 'section' is not known; the fields of 'comment' are: attachment_sha256."
    )
    # By the instant, even before the close has been processed.
    assert plan.refusal(MEMBER_1, "comment", at=utc(2027, 7, 30, 15), comment="Just in time?") == (
        "The Member consultation on the Strategic Plan 2028-2032 closed at 2027-07-30 17:00 Europe/Brussels; "
        "comments can no longer be received."
    )


def test_board_review_and_publication_refusals() -> None:
    plan = open_plan().through_consultation()

    assert plan.refusal(DIRECTOR, "request-board-review") == (
        "Strategic Plan 2028-2032 has no open step to request the Board's review (stage: final_drafting): the "
        "Director requests the Board's review once a final draft version is submitted; it is waiting for Director "
        "(director) to 'submit-milestone'."
    )
    assert plan.refusal(DIRECTOR, "publish", targets=TARGETS) == (
        "Strategic Plan 2028-2032 has no open step to publish (stage: final_drafting): the plan is published once "
        "the Management Board has approved it by vote; it is waiting for Director (director) to 'submit-milestone'."
    )

    plan.milestone("final_draft", FINAL_V1, at=utc(2027, 9, 20, 9))

    assert plan.refusal("head-of-programmes", "request-board-review") == (
        "Only Director (director), or their substitute while they are away, may request the Board's review of the "
        "final draft."
    )
    plan.act(DIRECTOR, "request-board-review", at=utc(2027, 9, 21, 9))

    assert plan.refusal(DIRECTOR, "board-review", decision="approve-for-vote") == (
        "Only Board Chair (Member State) (board-chair), or their substitute while they are away, may review the "
        "final draft for the Management Board."
    )
    assert (
        plan.refusal(CHAIR, "board-review", decision="revise") == "Asking for revisions needs a reason: give --comment."
    )
    assert plan.refusal(
        DIRECTOR, "submit-milestone", milestone="final_draft", document_sha256=FINAL_V2, document_name="v2.pdf"
    ) == (  # fmt: skip
        "Final draft version 1 of the Strategic Plan 2028-2032 is with the Management Board (stage: board_review); "
        "a new version can be submitted only when the Board asks for revisions."
    )

    plan.act(CHAIR, "board-review", at=utc(2027, 10, 1, 9), decision="approve-for-vote")
    plan.board_outcome("approved", at=utc(2027, 10, 20, 9))

    assert plan.refusal(
        DIRECTOR, "submit-milestone", milestone="final_draft", document_sha256=FINAL_V2, document_name="v2.pdf"
    ) == (  # fmt: skip
        "The Management Board approved final draft version 1 of the Strategic Plan 2028-2032; it awaits "
        "publication and cannot be redrafted."
    )
    assert plan.refusal(DIRECTOR, "publish", targets="T1=Cities") == (
        "The plan's targets and milestones do not read: Entry 1 ('T1=Cities') is not in the form "
        "ID=title:value:YYYY-MM-DD, entries separated by ';' (the date may be left out)."
    )
    assert plan.refusal(DIRECTOR, "publish", targets="") == (
        "The Strategic Plan 2028-2032 is published with its targets: give targets=ID=title:value:YYYY-MM-DD, "
        "entries separated by ';' (the date may be left out)."
    )
    assert plan.refusal(DIRECTOR, "publish", targets="T1=Cities:40:2033-06-30") == (
        "Target T1 is due on 2033-06-30, outside the plan period 2028-01-01 to 2032-12-31."
    )
    assert plan.refusal(DIRECTOR, "publish", targets="T1=Cities:40", milestones="M1=Launch:2027-12-01") == (
        "Milestone M1 is due on 2027-12-01, outside the plan period 2028-01-01 to 2032-12-31."
    )
    assert plan.refusal(DIRECTOR, "publish", targets=[{"id": "T1", "title": "Cities"}]) == (
        "The plan's targets and milestones do not read: Target 1: value: field required."
    )

    # A scenario file may give the targets as a list.
    events = plan.act(DIRECTOR, "publish", at=utc(2027, 10, 25, 9),
                      targets=[{"id": "T1", "title": "Cities", "value": 40}])  # fmt: skip
    assert events[0].payload["targets"] == [{"id": "T1", "title": "Cities", "value": "40", "due": "2032-12-31"}]
    assert plan.refusal(DIRECTOR, "publish", targets=TARGETS) == (
        "Case plan/2028-2032 is closed (published); it accepts no further actions."
    )


def test_unknown_actions_and_reassignments_that_would_take_the_plan_from_its_owners_are_refused() -> None:
    plan = open_plan()

    assert plan.refusal(DIRECTOR, "approve") == (
        "Unknown action 'approve' for a Strategic Plan; known actions: board-review, comment, publish, "
        "record-meeting-decision, request-board-review, submit-milestone."
    )
    assert plan.refusal(DIRECTOR, "reassign", task="concept-note", to="head-of-programmes", comment="Busy") == (
        "The Director leads the Strategic Plan 2028-2032; 'Submit the concept note of the Strategic Plan 2028-2032' "
        "cannot go to Head of Programmes. While the Director is away, a substitute acts through a delegation "
        "(Strategic Plan)."
    )

    plan.milestone("concept_note", CONCEPT, at=utc(2027, 4, 20, 9))
    plan.milestone("consultation_draft", CONSULTATION, at=utc(2027, 6, 10, 9))

    assert plan.refusal(DIRECTOR, "reassign", task=f"comment/{MEMBER_2}", to=MEMBER_1, comment="Same network") == (
        "A Member's consultation comment is their own: 'Comment on the consultation draft of the Strategic Plan "
        "2028-2032 (consultation_draft.pdf)' cannot be reassigned (Member consultation)."
    )


def test_the_directors_substitute_submits_a_milestone_on_their_behalf() -> None:
    plan = open_plan()
    plan.act(DIRECTOR, "delegate", at=utc(2027, 4, 1, 9), substitute="head-of-programmes",
             starts_on="2027-04-19", ends_on="2027-04-23")  # fmt: skip

    events = plan.act("head-of-programmes", "submit-milestone", at=utc(2027, 4, 20, 9), milestone="concept_note",
                      document_sha256=CONCEPT, document_name="concept.pdf")  # fmt: skip

    assert (events[0].actor, events[0].on_behalf_of) == ("head-of-programmes", DIRECTOR)
    assert plan.state.submissions[0].submitted_by == "head-of-programmes"


def test_refusals_before_opening_and_for_steps_that_are_not_open() -> None:
    unopened = PlanCase(state=STRATEGIC_PLAN.initial_state(CASE_ID))
    assert unopened.refusal(DIRECTOR, "submit-milestone", milestone="concept_note") == (
        "Strategic Plan plan/2028-2032 has not been opened."
    )
    assert opening_refusal(milestones={**MILESTONES, "vision_due": date(2027, 5, 1)}) == (
        "The Strategic Plan's milestone due date vision_due is not a drafting milestone (concept_note_due, "
        "consultation_draft_due, final_draft_due)."
    )

    plan = open_plan()
    assert plan.refusal(CHAIR, "board-review", decision="approve-for-vote") == (
        "Strategic Plan 2028-2032 has no open step to review for the Board (stage: drafting): the Board Chair "
        "reviews a final draft once the Director has requested the Board's review; it is waiting for Director "
        "(director) to 'submit-milestone'."
    )
    assert plan.refusal(CHAIR, "record-meeting-decision", decision="approve", reference="MB/2027/04") == (
        "Strategic Plan 2028-2032 has no open step to record the Board meeting's decision on (stage: drafting): a "
        "Board meeting decides the plan only after its vote was referred there; it is waiting for Director "
        "(director) to 'submit-milestone'."
    )

    plan.at_the_vote()
    plan.board_outcome("referred_to_meeting", at=utc(2027, 10, 20, 9))
    assert plan.refusal(DIRECTOR, "reassign", task="board-meeting", to="board-member-2", comment="Chair away") == (
        "The Board Chair acts for the Management Board on the Strategic Plan 2028-2032; Board Member 2 (Donor) is "
        "not the Chair (Strategic Plan)."
    )
