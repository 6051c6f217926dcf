"""An instrument's register over several review cycles, driven as its long-lived workflow drives it.

The register waits on one lapsing step per cycle, due at 09:00 in the owner's zone on the next review date,
with one reminder the warning period ahead. Each command and timer is one turn of `domain.case_runner`, steps
scheduled by the calendar as the calendar activity does. The Charter (owner: the Director, in Brussels) is
reviewed every 36 months with a warning of 40 working days; it was last published on 2025-06-30, so its first
review here falls due on 2028-06-30.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain import case_runner, policy_register, policy_review, timed_step
from domain.case import Context, decide_command
from domain.commands import Command, EventDraft
from domain.errors import NotAllowed
from domain.events import DomainEvent
from domain.organisation import Organisation
from domain.organisation_file import parse_organisation
from domain.policy_register import POLICY_REGISTER, PolicyRegisterState
from domain.policy_review import POLICY_REVIEW
from domain.working_days import calendar_for, local_instant
from tests.support.case_run import CaseRun

EXAMPLE_ORGANISATION = Path(__file__).resolve().parents[2] / "examples" / "organisation.yaml"
OPENED_AT = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
CHARTER = "Charter of the Partnership"
BRUSSELS = ZoneInfo("Europe/Brussels")
SHA_A = "a" * 64
SHA_B = "b" * 64


# -- the driver: decide, resolve schedules, evolve -------------------------------------------------------------


@dataclass(kw_only=True)
class Register(CaseRun):
    """The register as its workflow holds it: the state, and the audit trail appended so far."""

    decider = POLICY_REGISTER

    state: PolicyRegisterState
    clock: datetime = OPENED_AT

    def review_closed(
        self, outcome: str, published: dict[str, Any] | None, *, review_case: str | None = None, at: datetime
    ) -> list[DomainEvent]:
        """What the workflow records when its child review closes."""
        closing = review_case or self.state.open_review or ""
        return self.apply(
            lambda state, context: POLICY_REGISTER.record_review_outcome(state, closing, outcome, published, context),
            at=at,
        )

    def waiting_step(self) -> timed_step.Task:
        (task,) = [task for task in self.state.tasks.values() if task.kind == "policy_review_due"]
        return task


def open_register(organisation: Organisation, instrument: str = "charter", at: datetime = OPENED_AT) -> Register:
    register = Register(organisation=organisation, state=POLICY_REGISTER.initial_state(f"policy/{instrument}"))
    register.apply(lambda state, context: policy_register.open_register(state.case_id, instrument, context), at=at)
    return register


def types(events: list[DomainEvent]) -> list[str]:
    return [event.type for event in events]


def without_reminders(events: list[DomainEvent]) -> list[DomainEvent]:
    return [event for event in events if event.type != timed_step.REMINDER_SENT]


def nine_in_brussels(day: date) -> datetime:
    return local_instant(day, time(9, 0), BRUSSELS)


def publication(version: str, published_on: str, *, reaffirmed: bool = False, sha256: str | None = SHA_A) -> dict:
    return {
        "version": version,
        "sha256": sha256,
        "document_name": f"charter-{version}.pdf",
        "published_on": published_on,
        "approver": "board",
        "decision_reference": f"policy/charter/review/x/board/{version}",
        "reaffirmed": reaffirmed,
    }


@pytest.fixture(scope="module")
def org() -> Organisation:
    return parse_organisation(EXAMPLE_ORGANISATION.read_text(encoding="utf-8"))


# -- opening ---------------------------------------------------------------------------------------------------
def test_the_register_starts_from_the_organisation_file_and_waits_for_the_due_date(org: Organisation) -> None:
    register = open_register(org)

    opened, waiting = register.events
    assert (opened.type, opened.actor) == (policy_register.REGISTER_OPENED, "system")
    assert opened.payload == {
        "instrument": "charter",
        "title": CHARTER,
        "owner": "director",
        "review_interval_months": 36,
        "warning_working_days": 40,
        "current_version": "3.0",
        "last_published_on": "2025-06-30",
        "next_review_on": "2028-06-30",
        "next_review_due_at": "2028-06-30T07:00:00+00:00",
    }
    assert waiting.type == timed_step.TASK_OPENED
    assert {key: waiting.payload[key] for key in ("task_id", "kind", "assignee", "action", "on_due")} == {
        "task_id": "review-due-1",
        "kind": "policy_review_due",
        "assignee": "director",
        "action": "start-review",
        "on_due": "lapse",
    }
    assert waiting.payload["title"] == f"The review of the {CHARTER} falls due on 2028-06-30"
    step = register.waiting_step()
    assert step.due_at == nine_in_brussels(date(2028, 6, 30))
    assert step.schedule is not None and step.schedule.escalations == []  # a waiting step lapses; nobody is late
    assert register.state.stage == "waiting"
    assert policy_register.version_history(register.state) == [
        {
            "version": "3.0",
            "sha256": None,
            "published_on": "2025-06-30",
            "approver": None,
            "decision_reference": None,
            "reaffirmed": False,
            "review_case": None,
        }
    ]


def test_opening_refuses_a_case_id_that_is_not_the_instruments(org: Organisation) -> None:
    context = Context(organisation=org, now=OPENED_AT)
    with pytest.raises(NotAllowed) as mismatched:
        policy_register.open_register("policy/sops", "charter", context)
    assert str(mismatched.value) == f"The register of the {CHARTER} is case policy/charter, not policy/sops."
    with pytest.raises(NotAllowed) as unknown:
        policy_register.open_register("policy/gdpr", "gdpr", context)
    assert str(unknown.value).startswith("No instrument 'gdpr'; known instruments: charter")


# -- the warning period ----------------------------------------------------------------------------------------
def test_the_waiting_step_asks_for_one_reminder_the_warning_period_ahead(org: Organisation) -> None:
    register = open_register(org)

    request = register.events[1].payload["schedule_request"]

    assert request["reminder_offsets"] == [-40]
    assert request["due_at"] == "2028-06-30T07:00:00Z"
    assert request["escalate"] is False


def test_the_owner_is_warned_forty_working_days_ahead_at_nine_local_time(org: Organisation) -> None:
    register = open_register(org)
    warning_day = calendar_for(org, "director").add_working_days(date(2028, 6, 30), -40)
    assert warning_day == date(2028, 5, 3)
    warning = nine_in_brussels(warning_day)

    assert register.waiting_step().schedule.reminders == [warning]  # type: ignore[union-attr]
    assert register.fire(warning - timedelta(minutes=1)) == []
    fired = register.fire(warning)

    assert types(fired) == [timed_step.REMINDER_SENT]
    assert fired[0].payload["to"] == "director"
    assert datetime.fromisoformat(fired[0].payload["planned_at"]).astimezone(BRUSSELS).strftime("%Y-%m-%d %H:%M") == (
        "2028-05-03 09:00"
    )
    assert policy_register.register_summary(register.state, warning)["warning_at"] == warning.isoformat()


# -- reviews start at their due dates, over several cycles -----------------------------------------------------
def test_reviews_start_at_their_due_dates_and_publication_moves_the_next_one(org: Organisation) -> None:
    register = open_register(org)
    first_due = nine_in_brussels(date(2028, 6, 30))

    assert without_reminders(register.fire(first_due - timedelta(minutes=1))) == []
    started = without_reminders(register.fire(first_due))

    assert types(started) == [timed_step.DEADLINE_PASSED, policy_register.REVIEW_STARTED, timed_step.TASK_COMPLETED]
    review = started[1]
    assert (review.actor, review.outcome, review.reason) == (
        "system",
        "due",
        f"the review of the {CHARTER} fell due on 2028-06-30",
    )
    assert review.payload == {
        "review_case": "policy/charter/review/1",
        "reason": "due",
        "requested_by": "system",
        "instrument": "charter",
        "version_under_review": "3.0",
        "current_sha256": None,
        "due_on": "2028-06-30",
    }
    assert started[2].outcome == "review-started"
    assert register.state.tasks == {}
    assert register.state.open_review == "policy/charter/review/1"
    assert register.state.stage == "review_open"
    assert register.refusal("director", "start-review") == (
        f"A review of the {CHARTER} is already open: policy/charter/review/1."
    )

    # Cycle 1: published on 15 September 2028; the next review is 36 months after publication.
    recorded = register.review_closed(
        "published", publication("4.0", "2028-09-15"), at=datetime(2028, 9, 30, tzinfo=UTC)
    )
    assert types(recorded) == [policy_register.VERSION_RECORDED, timed_step.TASK_OPENED]
    assert recorded[0].payload == {
        "version": "4.0",
        "sha256": SHA_A,
        "published_on": "2028-09-15",
        "approver": "board",
        "decision_reference": "policy/charter/review/x/board/4.0",
        "reaffirmed": False,
        "review_case": "policy/charter/review/1",
        "next_review_on": "2031-09-15",
        "next_review_due_at": "2031-09-15T07:00:00+00:00",
    }
    assert recorded[1].payload["task_id"] == "review-due-2"
    assert register.waiting_step().due_at == nine_in_brussels(date(2031, 9, 15))
    assert (register.state.current_version, register.state.next_review_on) == ("4.0", date(2031, 9, 15))
    assert register.state.stage == "waiting" and register.state.open_review is None

    # Cycle 2: starts on its own due date; the Charter is reaffirmed and republished on 3 October 2031.
    second = without_reminders(register.fire(nine_in_brussels(date(2031, 9, 15))))
    assert second[1].payload["review_case"] == "policy/charter/review/2"
    assert second[1].payload["version_under_review"] == "4.0"
    assert second[1].payload["current_sha256"] == SHA_A
    register.review_closed(
        "reaffirmed", publication("4.0", "2031-10-03", reaffirmed=True), at=datetime(2031, 10, 20, tzinfo=UTC)
    )
    assert register.state.next_review_on == date(2034, 10, 3)

    # Cycle 3: the Compliance Officer starts it early, inside the warning window; the version is published on
    # 10 September 2034, before the date it was due: the next review is still a full interval from publication.
    early = register.act("compliance-officer", "start-review", at=datetime(2034, 8, 28, 9, 0, tzinfo=UTC))
    assert types(early) == [policy_register.REVIEW_STARTED, timed_step.TASK_CANCELLED]
    assert early[0].payload["review_case"] == "policy/charter/review/3"
    register.review_closed(
        "published", publication("5.0", "2034-09-10", sha256=SHA_B), at=datetime(2034, 9, 11, tzinfo=UTC)
    )
    assert register.state.next_review_on == date(2037, 9, 10)
    assert register.waiting_step().task_id == "review-due-4"

    # Cycle 4 falls due on the new date, not on the old one.
    assert without_reminders(register.fire(nine_in_brussels(date(2037, 9, 10)) - timedelta(minutes=1))) == []
    fourth = without_reminders(register.fire(nine_in_brussels(date(2037, 9, 10))))
    assert fourth[1].payload["review_case"] == "policy/charter/review/4"
    assert register.state.reviews_started == 4

    assert [
        (v["version"], v["published_on"], v["reaffirmed"]) for v in policy_register.version_history(register.state)
    ] == [
        ("3.0", "2025-06-30", False),
        ("4.0", "2028-09-15", False),
        ("4.0", "2031-10-03", True),
        ("5.0", "2034-09-10", False),
    ]
    assert register.state.current_sha256 == SHA_B


def test_the_next_review_date_is_computed_when_the_review_does_not_give_one(org: Organisation) -> None:
    register = open_register(org, "sops")
    register.act("head-of-operations", "start-review", at=datetime(2027, 8, 2, 9, 0, tzinfo=UTC))

    published = {"version": "6.0", "sha256": SHA_A, "published_on": "2027-08-31", "approver": "director"}
    register.review_closed("published", published, at=datetime(2027, 9, 1, tzinfo=UTC))

    assert register.state.next_review_on == date(2028, 8, 31)
    assert register.state.versions[-1].decision_reference is None


# -- early start -----------------------------------------------------------------------------------------------
def test_the_owner_starts_a_review_early_which_cancels_the_waiting_step(org: Organisation) -> None:
    register = open_register(org)

    events = register.act("director", "start-review", comment="Governance reform", at=datetime(2027, 3, 1, tzinfo=UTC))

    assert types(events) == [policy_register.REVIEW_STARTED, timed_step.TASK_CANCELLED]
    started, cancelled = events
    assert (started.actor, started.outcome, started.reason) == ("director", "early", "Governance reform")
    assert started.payload["reason"] == "early"
    assert started.payload["requested_by"] == "director"
    assert (cancelled.payload, cancelled.reason) == ({"task_id": "review-due-1"}, "the review was started early")
    assert register.state.tasks == {}
    # Nothing is left to lapse: the due date cannot start a second review.
    assert register.fire(nine_in_brussels(date(2028, 6, 30))) == []


def test_only_the_owner_the_director_or_the_compliance_officer_start_a_review_early(org: Organisation) -> None:
    register = open_register(org, "sops")

    assert register.refusal("finance-officer", "start-review") == (
        "Only the owner of the Standard Operating Procedures (Head of Operations), the Director or the Compliance "
        "Officer may start a review early (policy review)."
    )
    assert register.refusal("head-of-operations", "start-review", urgent="yes") == (
        "Action 'start-review' has bad input: field 'urgent' is not known; 'start-review' takes no fields."
    )
    assert register.refusal("head-of-operations", "publish") == (
        "Unknown action 'publish' for an instrument's register; known actions: start-review."
    )
    events = register.act("director", "start-review")
    assert events[0].reason == "started early by Director"


def test_an_outcome_for_another_review_is_stale(org: Organisation) -> None:
    register = open_register(org)
    register.act("director", "start-review")

    assert (
        register.review_closed(
            "published", publication("4.0", "2027-06-01"), review_case="policy/charter/review/9", at=OPENED_AT
        )
        == []
    )
    assert register.state.open_review == "policy/charter/review/1"


def test_a_review_that_ends_without_publication_leaves_the_instrument_due(org: Organisation) -> None:
    register = open_register(org)
    register.act("director", "start-review", at=datetime(2027, 3, 1, tzinfo=UTC))

    events = register.review_closed("abandoned", None, at=datetime(2027, 4, 1, tzinfo=UTC))

    assert types(events) == [policy_register.REVIEW_ENDED, timed_step.TASK_OPENED]
    assert events[0].payload == {"review_case": "policy/charter/review/1", "next_review_on": "2028-06-30"}
    assert register.waiting_step().task_id == "review-due-2"
    assert register.waiting_step().due_at == nine_in_brussels(date(2028, 6, 30))


# -- what `govern policy list` shows ---------------------------------------------------------------------------
def test_the_summary_flags_a_review_that_is_past_its_date(org: Organisation) -> None:
    register = open_register(org)
    due = nine_in_brussels(date(2028, 6, 30))

    before = policy_register.register_summary(register.state, due - timedelta(days=1))
    assert {key: before[key] for key in ("instrument", "owner", "current_version", "next_review_on", "overdue")} == {
        "instrument": "charter",
        "owner": "director",
        "current_version": "3.0",
        "next_review_on": "2028-06-30",
        "overdue": False,
    }
    register.fire(due)
    assert policy_register.register_summary(register.state, due + timedelta(days=30))["overdue"] is True
    assert policy_register.register_summary(register.state, due)["open_review"] == "policy/charter/review/1"

    register.review_closed("published", publication("4.0", "2028-08-01"), at=due + timedelta(days=32))
    after = policy_register.register_summary(register.state, due + timedelta(days=32))
    assert (after["overdue"], after["current_version"], after["next_review_on"]) == (False, "4.0", "2031-08-01")
    assert POLICY_REGISTER.stage_summary(register.state)["versions"] == 2


# -- the register and its reviews together ---------------------------------------------------------------------
def test_a_review_started_by_the_register_publishes_a_version_the_register_records(org: Organisation) -> None:
    register = open_register(org, "sops")
    due = nine_in_brussels(date(2027, 9, 15))
    started = [event for event in register.fire(due) if event.type == policy_register.REVIEW_STARTED][0]

    # The workflow starts the child review from what the register recorded.
    review_case = started.payload["review_case"]
    review_state = POLICY_REVIEW.initial_state(review_case)
    clock = due
    trail: list[DomainEvent] = []

    def record(drafts: list[EventDraft]) -> None:
        nonlocal review_state
        context = Context(organisation=org, now=clock)
        turn = case_runner.commit(POLICY_REVIEW, review_state, drafts, context, case_runner.calendar(org))
        review_state = turn.state
        trail.extend(turn.events)

    def act(actor: str, action: str, comment: str | None = None, **fields: Any) -> None:
        command = Command(action=action, actor=actor, fields=fields, comment=comment)
        record(decide_command(POLICY_REVIEW, review_state, command, Context(organisation=org, now=clock)))

    record(
        policy_review.open_policy_review(
            review_case,
            "sops",
            started.payload["reason"],
            started.payload["requested_by"],
            Context(organisation=org, now=clock),
            current_version=started.payload["version_under_review"],
            current_sha256=started.payload["current_sha256"],
        )
    )
    act("head-of-operations", "submit-revision", document_sha256=SHA_A, document_name="sops-6.pdf", change_summary="x")
    act("compliance-officer", "compliance-review", decision="accept")
    act("director", "endorse", decision="approve")
    clock = datetime(2027, 9, 20, 9, 0, tzinfo=UTC)
    act("head-of-operations", "publish")
    for task in list(review_state.tasks.values()):
        act(task.assignee, "acknowledge")
    assert review_state.closed and review_state.outcome == "published"

    register.review_closed(review_state.outcome or "", policy_review.publication_of(review_state), at=clock)

    assert policy_register.version_history(register.state)[-1] == {
        "version": "6.0",
        "sha256": SHA_A,
        "published_on": "2027-09-20",
        "approver": "director",
        "decision_reference": "policy/sops/review/1",
        "reaffirmed": False,
        "review_case": "policy/sops/review/1",
    }
    assert register.state.next_review_on == date(2028, 9, 20)
    assert register.waiting_step().due_at == nine_in_brussels(date(2028, 9, 20))
