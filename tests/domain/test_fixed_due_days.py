"""A step due on a fixed date that is not a working day in its assignee's hub is due on the previous working day.

Fixed dates come from the calendar of governance, not from counting working days: the appraisal cycle's phase
dates, a number of weeks before the fiscal year, the Strategic Plan's milestone dates. A deadline on a
Saturday, a public holiday or a closure day is met by the last working day before it. Each hub's calendar is
used, with its country's holidays and its closures, in both organisations; the schedule is what the calendar
activity records (`plan_schedule`), so a replay sees the recorded instant.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from domain.annual_work_plan import ANNUAL_WORK_PLAN, open_annual_work_plan
from domain.case import Context, state_after
from domain.events import SYSTEM_ACTOR
from domain.organisation import Organisation
from domain.step_schedule import plan_schedule
from domain.strategic_plan import STRATEGIC_PLAN, open_strategic_plan
from domain.timed_step import ScheduleRequest, TaskSchedule
from domain.working_days import calendar_for, local_instant, zone_for
from tests.support.schedules import with_schedule

OPENED = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)


def fixed(organisation: Organisation, person: str, day: date, *, opened_at: datetime = OPENED) -> TaskSchedule:
    request = ScheduleRequest(assignee=person, kind="appraisal_phase", opened_at=opened_at, due_on=day)
    return plan_schedule(organisation, request)


def local_day(organisation: Organisation, person: str, instant: datetime) -> str:
    return instant.astimezone(zone_for(organisation, person)).strftime("%a %d %b %Y %H:%M")


@pytest.mark.parametrize(
    ("person", "fixed_day", "due", "why"),
    [
        ("director", date(2027, 7, 31), "Fri 30 Jul 2027 17:00", "a Saturday"),
        ("director", date(2027, 7, 21), "Tue 20 Jul 2027 17:00", "Belgian National Day"),
        ("director", date(2027, 5, 7), "Wed 05 May 2027 17:00", "the bridge-day closure after Ascension Day"),
        ("programme-officer-pretoria", date(2027, 4, 27), "Mon 26 Apr 2027 17:00", "Freedom Day"),
        ("programme-officer-pretoria", date(2027, 12, 27), "Thu 23 Dec 2027 17:00", "the year-end closure"),
        ("programme-officer-hanoi", date(2027, 9, 3), "Wed 01 Sep 2027 17:00", "National Day, two days"),
        ("programme-officer-hanoi", date(2027, 2, 11), "Wed 03 Feb 2027 17:00", "Lunar New Year and a closure"),
    ],
)
def test_a_fixed_day_off_work_in_the_example_hubs_moves_to_the_previous_working_day(
    example_org: Organisation, person: str, fixed_day: date, due: str, why: str
) -> None:
    calendar = calendar_for(example_org, person)
    assert not calendar.is_working_day(fixed_day), why

    schedule = fixed(example_org, person, fixed_day)

    assert local_day(example_org, person, schedule.due_at) == due


@pytest.mark.parametrize(
    ("person", "fixed_day", "due"),
    [
        ("officer-nairobi", date(2027, 10, 20), "Tue 19 Oct 2027 17:00"),  # Mashujaa Day
        ("officer-nairobi", date(2027, 12, 13), "Fri 10 Dec 2027 17:00"),  # Jamhuri Day observed, a weekend before
        ("officer-dakar", date(2027, 4, 4), "Fri 02 Apr 2027 17:00"),  # Independence Day, a Sunday
        ("officer-dakar", date(2027, 12, 29), "Fri 24 Dec 2027 17:00"),  # the Dakar hub's year-end closure
    ],
)
def test_the_same_rule_in_another_organisations_hubs(
    small_org: Organisation, person: str, fixed_day: date, due: str
) -> None:
    assert local_day(small_org, person, fixed(small_org, person, fixed_day).due_at) == due


def test_a_fixed_day_that_is_a_working_day_is_kept(example_org: Organisation) -> None:
    schedule = fixed(example_org, "programme-officer-hanoi", date(2027, 3, 31))

    assert local_day(example_org, "programme-officer-hanoi", schedule.due_at) == "Wed 31 Mar 2027 17:00"


def test_a_step_opened_on_the_weekend_it_is_due_is_due_on_the_next_working_day(example_org: Organisation) -> None:
    saturday = local_instant(date(2027, 7, 31), time(10, 0), "Europe/Brussels")

    schedule = fixed(example_org, "director", date(2027, 7, 31), opened_at=saturday)

    assert local_day(example_org, "director", schedule.due_at) == "Mon 02 Aug 2027 17:00"


def test_reminders_count_back_from_the_moved_day(example_org: Organisation) -> None:
    # The phase plan reminds 5 and 1 working days before and on the day, at 09:00.
    schedule = fixed(example_org, "director", date(2027, 7, 31))

    assert [local_day(example_org, "director", at) for at in schedule.reminders] == [
        "Fri 23 Jul 2027 09:00",
        "Thu 29 Jul 2027 09:00",
        "Fri 30 Jul 2027 09:00",
    ]


def test_the_2028_work_plan_draft_due_on_a_saturday_is_due_the_friday_before(example_org: Organisation) -> None:
    context = Context(organisation=example_org, now=datetime(2027, 6, 1, 8, tzinfo=UTC))
    case_id = "plan/2028-2032/awp/2028"
    drafts = [
        with_schedule(example_org, draft)
        for draft in open_annual_work_plan(
            case_id, plan_targets=["T1"], fiscal_year=2028, requested_by=SYSTEM_ACTOR, context=context
        )
    ]
    opened = drafts[0].payload
    assert (opened["draft_due_on"], date.fromisoformat(opened["draft_due_on"]).strftime("%A")) == (
        "2027-11-06",
        "Saturday",
    )

    state = state_after(ANNUAL_WORK_PLAN, ANNUAL_WORK_PLAN.initial_state(case_id), drafts, context.now)

    assert local_day(example_org, "director", state.tasks["draft"].due_at) == "Fri 05 Nov 2027 17:00"
    assert state.draft_due_at == state.tasks["draft"].due_at  # what `govern status` shows


def test_a_july_fiscal_year_moves_the_draft_off_a_sunday_in_nairobi(small_org: Organisation) -> None:
    context = Context(organisation=small_org, now=datetime(2028, 9, 4, 8, tzinfo=UTC))
    case_id = "plan/2028-2032/awp/2029"  # the fiscal year from 1 July 2029; eight weeks before is Sunday 6 May
    drafts = [
        with_schedule(small_org, draft)
        for draft in open_annual_work_plan(
            case_id, plan_targets=["T1"], fiscal_year=2029, requested_by=SYSTEM_ACTOR, context=context
        )
    ]

    state = state_after(ANNUAL_WORK_PLAN, ANNUAL_WORK_PLAN.initial_state(case_id), drafts, context.now)

    assert local_day(small_org, "exec-director", state.tasks["draft"].due_at) == "Fri 04 May 2029 17:00"


def test_a_strategic_plan_milestone_on_a_holiday_is_due_the_working_day_before(example_org: Organisation) -> None:
    context = Context(organisation=example_org, now=datetime(2027, 3, 1, 8, tzinfo=UTC))
    milestones = {
        "concept_note_due": date(2027, 5, 1),  # a Saturday and Labour Day
        "consultation_draft_due": date(2027, 6, 15),
        "final_draft_due": date(2027, 9, 30),
    }
    drafts = [
        with_schedule(example_org, draft)
        for draft in open_strategic_plan(
            "plan/2028-2032", 2028, 2032, milestones, date(2027, 7, 30), "director", context
        )
    ]

    state = state_after(STRATEGIC_PLAN, STRATEGIC_PLAN.initial_state("plan/2028-2032"), drafts, context.now)

    assert local_day(example_org, "director", state.tasks["concept-note"].due_at) == "Fri 30 Apr 2027 17:00"
    assert state.milestones_due["concept_note"] == state.tasks["concept-note"].due_at
