"""The timed human step, as the grant's steps use it: due dates, reminders, escalations and lapses.

Schedules are resolved by `plan_schedule` from the example organisation, exactly as the calendar activity does
when a step opens; timers fire through `decide_timers` at the instants recorded then. The dates are chosen so
that the calendars matter:

- Brussels: Ascension Day (Thursday 6 May 2027), the hub's bridge-day closure (Friday 7 May) and Pentecost
  Monday (17 May);
- Hanoi: Tết (4 to 10 February 2027) and the hub's closure on 11 February.

Reminders go out at 09:00 in the assignee's zone; an escalation at 09:00 in its recipient's zone, counted in
working days of the late person's calendar.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain import case, timed_step
from domain.case import CASE_CLOSED
from domain.events import DomainEvent
from domain.step_events import STEP_EVENTS

Submit = Callable[..., Any]

BRUSSELS = ZoneInfo("Europe/Brussels")
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
KAMPALA = ZoneInfo("Africa/Kampala")
ZONES = {"programme-officer-pretoria": ZoneInfo("Africa/Johannesburg"), "head-of-programmes": BRUSSELS}

#: Thursday 29 April 2027, 10:00 in Brussels: Kampala is submitted; the Brussels officer must screen it.
BRUSSELS_OPENING = datetime(2027, 4, 29, 8, 0, tzinfo=UTC)
#: Thursday 28 January 2027, 10:00 in Hanoi: Lima is submitted; the Hanoi officer must screen it.
HANOI_OPENING = datetime(2027, 1, 28, 3, 0, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def local(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%a %d %b %H:%M")


def about(events: list[DomainEvent], task_id: str) -> list[DomainEvent]:
    return [event for event in events if event.payload.get("task_id") == task_id]


# -- due dates and planned instants --------------------------------------------------------------------------
def test_a_brussels_step_skips_ascension_and_the_bridge_day(submit: Submit) -> None:
    kampala = submit(at=BRUSSELS_OPENING)

    schedule = kampala.task("screening").schedule
    # Five working days: Fri 30 Apr, Mon 3, Tue 4, Wed 5 May, then (Thu 6 Ascension, Fri 7 closed) Mon 10 May.
    assert local(schedule.due_at, BRUSSELS) == "Mon 10 May 17:00"
    assert [local(at, BRUSSELS) for at in schedule.reminders] == ["Tue 04 May 09:00", "Mon 10 May 09:00"]
    assert [(step.level, step.to, local(step.at, BRUSSELS)) for step in schedule.escalations] == [
        (1, "head-of-programmes", "Wed 12 May 09:00"),
        # Five working days overdue: 11, 12, 13, 14 and, past Pentecost Monday, Tuesday 18 May.
        (2, "director", "Tue 18 May 09:00"),
    ]


def test_a_hanoi_step_skips_tet_and_the_hub_closure(submit: Submit) -> None:
    lima = submit(kampala=False, at=HANOI_OPENING)

    screening = lima.task("screening")
    assert screening.assignee == "programme-officer-hanoi"
    schedule = screening.schedule
    # Fri 29 Jan, Mon 1, Tue 2, Wed 3 Feb, then (Tết 4-10 Feb, closure 11 Feb) Friday 12 February.
    assert local(schedule.due_at, HANOI) == "Fri 12 Feb 17:00"
    # Two working days before the due day is Tuesday 2 February, across the holiday.
    assert [local(at, HANOI) for at in schedule.reminders] == ["Tue 02 Feb 09:00", "Fri 12 Feb 09:00"]
    assert schedule.reminders == [utc(2027, 2, 2, 2, 0), utc(2027, 2, 12, 2, 0)]
    # Overdue days count on Hanoi's calendar; the message reaches Brussels at 09:00 Brussels time.
    assert [(step.level, step.to, local(step.at, BRUSSELS)) for step in schedule.escalations] == [
        (1, "head-of-programmes", "Tue 16 Feb 09:00"),
        (2, "director", "Fri 19 Feb 09:00"),
    ]


# -- reminders and escalations firing ------------------------------------------------------------------------
def test_reminders_go_out_at_nine_in_the_assignees_zone_and_not_a_minute_before(submit: Submit) -> None:
    kampala = submit(at=BRUSSELS_OPENING)

    assert kampala.fire(utc(2027, 5, 4, 6, 59)) == []
    (first,) = kampala.fire(utc(2027, 5, 4, 7, 0))
    assert kampala.fire(utc(2027, 5, 10, 6, 59)) == []
    (second,) = kampala.fire(utc(2027, 5, 10, 7, 0))

    assert (first.type, first.actor, first.outcome) == (timed_step.REMINDER_SENT, "system", "reminded")
    assert first.payload == {
        "task_id": "screening",
        "to": "programme-officer-brussels",
        "number": 1,
        "planned_at": "2027-05-04T07:00:00+00:00",
        "due_at": "2027-05-10T15:00:00+00:00",
    }
    assert first.reason == "reminder 1 of 2 before the due date"
    assert (second.payload["number"], second.payload["planned_at"]) == (2, "2027-05-10T07:00:00+00:00")
    assert kampala.task("screening").reminders_sent == 2


def test_hanoi_reminders_go_out_at_nine_in_hanoi(submit: Submit) -> None:
    lima = submit(kampala=False, at=HANOI_OPENING)

    (first,) = lima.fire(utc(2027, 2, 2, 2, 0))
    assert lima.fire(utc(2027, 2, 11, 23, 59)) == []
    (second,) = lima.fire(utc(2027, 2, 12, 2, 0))

    assert [event.payload["to"] for event in (first, second)] == ["programme-officer-hanoi"] * 2
    assert [local(event.occurred_at, HANOI) for event in (first, second)] == [
        "Tue 02 Feb 09:00",
        "Fri 12 Feb 09:00",
    ]


def test_an_overdue_step_escalates_to_the_supervisor_then_the_director(submit: Submit) -> None:
    kampala = submit(at=BRUSSELS_OPENING)
    kampala.fire(utc(2027, 5, 10, 15, 0))  # the due instant passes: both reminders went out, nothing else

    assert kampala.fire(utc(2027, 5, 12, 6, 59)) == []
    (supervisor,) = kampala.fire(utc(2027, 5, 12, 7, 0))
    assert kampala.fire(utc(2027, 5, 17, 12, 0)) == []  # Pentecost Monday does not count
    (director,) = kampala.fire(utc(2027, 5, 18, 7, 0))

    assert (supervisor.type, supervisor.outcome) == (timed_step.ESCALATION_RAISED, "escalated")
    assert supervisor.payload == {
        "task_id": "screening",
        "to": "head-of-programmes",
        "assignee": "programme-officer-brussels",
        "level": 1,
        "planned_at": "2027-05-12T07:00:00+00:00",
        "due_at": "2027-05-10T15:00:00+00:00",
    }
    assert supervisor.reason == (
        "'Screen the eligibility of 'Citywide slum upgrading strategy for Kampala'' is overdue "
        "(was due 2027-05-10T15:00:00+00:00)"
    )
    assert (director.payload["to"], director.payload["level"]) == ("director", 2)
    assert kampala.fire(utc(2027, 12, 31, 12, 0)) == []


def test_timers_missed_while_asleep_fire_once_in_the_order_they_were_planned(submit: Submit) -> None:
    kampala = submit(at=BRUSSELS_OPENING)

    events = kampala.fire(utc(2027, 6, 1, 12, 0))

    assert [(event.type, event.payload["planned_at"]) for event in events] == [
        (timed_step.REMINDER_SENT, "2027-05-04T07:00:00+00:00"),
        (timed_step.REMINDER_SENT, "2027-05-10T07:00:00+00:00"),
        (timed_step.ESCALATION_RAISED, "2027-05-12T07:00:00+00:00"),
        (timed_step.ESCALATION_RAISED, "2027-05-18T07:00:00+00:00"),
    ]
    assert kampala.fire(utc(2027, 6, 2, 12, 0)) == []


# -- what does not fire --------------------------------------------------------------------------------------
def test_a_completed_step_is_not_reminded_or_escalated(submit: Submit) -> None:
    kampala = submit(at=BRUSSELS_OPENING)
    kampala.act("programme-officer-brussels", "screen", outcome="eligible", at=utc(2027, 5, 3, 12, 0))

    events = kampala.fire(utc(2027, 6, 30, 12, 0))

    assert about(events, "screening") == []
    assert {event.payload["task_id"] for event in events} == {"assign-reviewers"}


def test_a_cancelled_step_is_not_reminded_or_escalated(submit: Submit) -> None:
    kampala = submit(at=BRUSSELS_OPENING)
    kampala.act("programme-officer-pretoria", "withdraw", comment="Duplicate submission", at=utc(2027, 5, 3, 12, 0))
    assert [event.type for event in kampala.events[-2:]] == [timed_step.TASK_CANCELLED, CASE_CLOSED]

    assert kampala.fire(utc(2027, 6, 30, 12, 0)) == []
    assert case.next_wake(kampala.state) is None


def test_a_step_cancelled_in_an_open_case_stops_its_timers(submit: Submit) -> None:
    kampala = submit(at=BRUSSELS_OPENING)
    cancelled = timed_step.cancel_task(kampala.task("screening"), "replaced")

    tasks = timed_step.evolve_tasks(kampala.state.tasks, STEP_EVENTS.parse(cancelled))

    assert tasks == {}
    assert timed_step.fired_timers(tasks, utc(2027, 6, 30, 12, 0)) == []
    assert timed_step.next_wake(tasks) is None


# -- next wake -----------------------------------------------------------------------------------------------
def test_the_workflow_wakes_at_the_next_recorded_instant(submit: Submit) -> None:
    kampala = submit(at=BRUSSELS_OPENING)

    assert case.next_wake(kampala.state) == utc(2027, 5, 4, 7, 0)
    kampala.fire(utc(2027, 5, 4, 7, 0))
    assert case.next_wake(kampala.state) == utc(2027, 5, 10, 7, 0)
    kampala.fire(utc(2027, 5, 10, 7, 0))
    # An escalating step does not wake at its due instant, only at its escalations.
    assert case.next_wake(kampala.state) == utc(2027, 5, 12, 7, 0)
    kampala.fire(utc(2027, 5, 18, 7, 0))
    assert case.next_wake(kampala.state) is None


def test_a_lapsing_step_wakes_at_its_deadline_and_lapses_once(submit: Submit) -> None:
    kampala = submit(at=utc(2027, 3, 1, 9, 0))
    kampala.act("programme-officer-brussels", "screen", outcome="more-information", comment="Budget breakdown")

    request = kampala.task("more-information")
    # The applicant's clock: weekends only (no hub), 09:00 and 17:00 in Kampala.
    assert request.on_due == "lapse"
    assert [local(at, KAMPALA) for at in request.schedule.reminders] == [
        "Mon 15 Mar 09:00",
        "Fri 19 Mar 09:00",
        "Mon 22 Mar 09:00",
    ]
    assert local(request.due_at, KAMPALA) == "Mon 22 Mar 17:00"
    # The step ends the applicant's clock; nobody is escalated to.
    assert request.schedule.escalations == []

    reminders = kampala.fire(utc(2027, 3, 22, 13, 59))
    assert [event.payload["to"] for event in reminders] == ["grantee-contact-kampala"] * 3
    assert case.next_wake(kampala.state) == request.due_at

    lapsed = kampala.fire(request.due_at)

    assert [event.type for event in lapsed] == [
        timed_step.DEADLINE_PASSED,
        timed_step.TASK_CANCELLED,
        CASE_CLOSED,
    ]
    assert lapsed[0].payload == {
        "task_id": "more-information",
        "assignee": "grantee-contact-kampala",
        "due_at": "2027-03-22T14:00:00+00:00",
    }
    assert kampala.state.outcome == "lapsed"
    assert kampala.fire(utc(2027, 4, 30, 12, 0)) == []
    assert case.next_wake(kampala.state) is None


# -- escalation levels that would reach nobody ---------------------------------------------------------------
def test_the_directors_own_step_escalates_to_nobody(submit: Submit) -> None:
    kampala = submit().through_reviews()
    approval = kampala.task("approval")
    assert approval.assignee == "director"

    # The plan says supervisor, then Director: the Director has no supervisor and is the late person.
    assert approval.schedule.escalations == []
    events = kampala.fire(utc(2027, 6, 30, 12, 0))

    assert [event.type for event in about(events, "approval")] == [timed_step.REMINDER_SENT] * 2


def test_a_head_of_units_step_escalates_once_to_the_director(submit: Submit) -> None:
    kampala = submit()
    kampala.screen_eligible()

    assignment = kampala.task("assign-reviewers")

    assert assignment.assignee == "head-of-programmes"
    # Supervisor and Director are the same person: one escalation, at level 1.
    assert [(step.level, step.to) for step in assignment.schedule.escalations] == [(1, "director")]


def test_an_escalation_to_the_case_officer_reaches_the_submitting_officer(submit: Submit) -> None:
    kampala = submit().through_reviews().approved().signed()

    report = kampala.task("progress-report-1")

    assert report.assignee == "grantee-contact-kampala"
    assert local(report.due_at, KAMPALA) == "Mon 29 Mar 17:00"
    # Lateness counts on the grantee's calendar; each recipient is told at 09:00 where they are.
    assert [(step.level, step.to, local(step.at, ZONES[step.to])) for step in report.schedule.escalations] == [
        (1, "programme-officer-pretoria", "Wed 31 Mar 09:00"),
        (2, "head-of-programmes", "Mon 12 Apr 09:00"),
    ]
