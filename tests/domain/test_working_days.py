"""Working days and deadlines as a person in each hub would check them: weekends, public holidays and closure
days skipped; deadlines at 17:00 and reminders at 09:00 local time, right across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.organisation import Escalation, Organisation
from domain.organisation_file import parse_organisation
from domain.working_days import (
    HubCalendar,
    calendar_for,
    due_at,
    escalation_instants,
    local_instant,
    reminder_instants,
    schedule_step,
    zone_for,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "organisation.yaml"
ORG: Organisation = parse_organisation(EXAMPLE.read_text(encoding="utf-8"))

BRUSSELS = HubCalendar.for_hub(ORG.hub("brussels"))
PRETORIA = HubCalendar.for_hub(ORG.hub("pretoria"))
HANOI = HubCalendar.for_hub(ORG.hub("hanoi"))
WEEKENDS_ONLY = HubCalendar.weekends_only()


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


# ------------------------------------------------------------------------------------------------------------
# Which days count


def test_weekends_are_skipped() -> None:
    friday = date(2027, 3, 5)
    assert not BRUSSELS.is_working_day(date(2027, 3, 6))
    assert BRUSSELS.why_closed(date(2027, 3, 7)) == "Sunday"
    assert BRUSSELS.add_working_days(friday, 1) == date(2027, 3, 8)
    assert WEEKENDS_ONLY.add_working_days(friday, 1) == date(2027, 3, 8)


def test_a_belgian_public_holiday_is_skipped() -> None:
    # The holidays package puts Ascension 2027 on Thursday 6 May (Easter is 28 March 2027).
    ascension = date(2027, 5, 6)
    belgium = HubCalendar(country="BE")
    assert belgium.why_closed(ascension) == "public holiday (Ascension Day)"
    assert belgium.add_working_days(date(2027, 5, 5), 1) == date(2027, 5, 7)
    # The Brussels hub also closes on the bridge day after it.
    assert BRUSSELS.why_closed(date(2027, 5, 7)) == "closure day (Bridge day after Ascension)"
    assert BRUSSELS.add_working_days(date(2027, 5, 5), 1) == date(2027, 5, 10)


def test_tet_is_skipped_in_hanoi() -> None:
    vietnam = HubCalendar(country="VN")
    tet = [date(2027, 2, 4) + timedelta(days=offset) for offset in range(7)]  # 29th of the last month to 5th day
    assert all(not vietnam.is_working_day(day) for day in tet)
    assert vietnam.holiday_name(date(2027, 2, 6)) == "Lunar New Year"
    assert vietnam.add_working_days(date(2027, 2, 3), 1) == date(2027, 2, 11)
    # The Hanoi hub stays closed one more day.
    assert HANOI.add_working_days(date(2027, 2, 3), 1) == date(2027, 2, 12)
    # Brussels works through Tết.
    assert BRUSSELS.add_working_days(date(2027, 2, 3), 1) == date(2027, 2, 4)


def test_a_south_african_observed_holiday_is_skipped() -> None:
    # Human Rights Day fell on Sunday 21 March 2027 and is observed on Monday 22 March.
    assert PRETORIA.why_closed(date(2027, 3, 22)) == "public holiday (Human Rights Day (observed))"
    assert PRETORIA.add_working_days(date(2027, 3, 19), 1) == date(2027, 3, 23)


def test_the_end_of_year_closure_is_skipped() -> None:
    assert BRUSSELS.why_closed(date(2026, 12, 28)) == "closure day (End-of-year closure 2026/2027)"
    assert BRUSSELS.add_working_days(date(2026, 12, 23), 1) == date(2027, 1, 4)
    # New Year's Day 2028 is a Saturday; Viet Nam observes it on Monday 3 January.
    assert HANOI.why_closed(date(2028, 1, 3)) == "public holiday (New Year's Day (observed))"
    assert HANOI.add_working_days(date(2027, 12, 23), 1) == date(2028, 1, 4)
    assert BRUSSELS.working_days_between(date(2026, 12, 23), date(2027, 1, 4)) == 1


def test_negative_offsets_count_back() -> None:
    monday = date(2027, 5, 10)
    assert BRUSSELS.add_working_days(monday, -1) == date(2027, 5, 5)  # back over the weekend, bridge day, Ascension
    assert BRUSSELS.add_working_days(monday, -3) == date(2027, 5, 3)
    assert BRUSSELS.working_days_between(monday, date(2027, 5, 5)) == -1
    assert BRUSSELS.working_days_between(monday, date(2027, 5, 3)) == -3


def test_zero_working_days_rolls_to_the_next_working_day() -> None:
    assert BRUSSELS.add_working_days(date(2027, 5, 4), 0) == date(2027, 5, 4)
    assert BRUSSELS.add_working_days(date(2027, 5, 6), 0) == date(2027, 5, 10)


def test_people_without_a_hub_have_weekends_only() -> None:
    board_member = calendar_for(ORG, "board-member-5")
    christmas_2026 = date(2026, 12, 25)  # a Friday
    assert board_member.is_working_day(christmas_2026)
    assert not calendar_for(ORG, "programme-officer-brussels").is_working_day(christmas_2026)
    assert calendar_for(ORG, "programme-officer-hanoi").label == "hanoi"
    assert str(zone_for(ORG, "board-member-7")) == "America/New_York"


# ------------------------------------------------------------------------------------------------------------
# Deadlines


def test_due_at_across_the_spring_dst_change_in_brussels() -> None:
    opened = utc(2027, 3, 22, 9, 0)  # Monday 10:00 CET
    # Three working days: Thursday 25 March, still winter time (UTC+1).
    assert due_at(opened, 3, "Europe/Brussels", BRUSSELS) == utc(2027, 3, 25, 16, 0)
    # Five working days: over the weekend of the DST change and Easter Monday to Tuesday 30 March, UTC+2.
    assert due_at(opened, 5, "Europe/Brussels", BRUSSELS) == utc(2027, 3, 30, 15, 0)


def test_due_at_across_the_autumn_dst_change_in_brussels() -> None:
    opened = utc(2027, 10, 27, 12, 0)  # Wednesday, summer time
    # Thu 28, Fri 29, (DST ends Sun 31), All Saints' Day Mon 1 Nov skipped, Tue 2 Nov at 17:00 CET.
    assert due_at(opened, 3, "Europe/Brussels", BRUSSELS) == utc(2027, 11, 2, 16, 0)


def test_due_at_counts_from_the_local_opening_date() -> None:
    # 23:30 UTC on Monday is already Tuesday 01:30 in Brussels and 06:30 in Hanoi.
    opened = utc(2027, 6, 14, 23, 30)
    assert due_at(opened, 1, "Europe/Brussels", BRUSSELS) == utc(2027, 6, 16, 15, 0)
    assert due_at(opened, 1, "Asia/Ho_Chi_Minh", HANOI) == utc(2027, 6, 16, 10, 0)
    assert due_at(opened, 1, "Africa/Johannesburg", PRETORIA, local_time=time(12, 0)) == utc(2027, 6, 17, 10, 0)
    # (16 June is Youth Day in South Africa.)


def test_a_step_opened_on_a_weekend_is_due_counting_from_monday() -> None:
    saturday = utc(2027, 6, 5, 10, 0)
    assert due_at(saturday, 1, "Europe/Brussels", BRUSSELS) == utc(2027, 6, 7, 15, 0)


def test_due_at_refuses_naive_and_negative_input() -> None:
    with pytest.raises(ValueError, match="naive"):
        due_at(datetime(2027, 6, 1, 9, 0), 5, "Europe/Brussels", BRUSSELS)
    with pytest.raises(ValueError, match="negative"):
        due_at(utc(2027, 6, 1, 9, 0), -1, "Europe/Brussels", BRUSSELS)


def test_local_instant() -> None:
    assert local_instant(date(2027, 1, 15), time(9, 0), "Europe/Brussels") == utc(2027, 1, 15, 8, 0)
    assert local_instant(date(2027, 7, 15), time(9, 0), "Europe/Brussels") == utc(2027, 7, 15, 7, 0)
    assert local_instant(date(2027, 7, 15), time(9, 0), "Asia/Ho_Chi_Minh") == utc(2027, 7, 15, 2, 0)
    assert local_instant(date(2027, 7, 15), time(9, 0), "America/Lima") == utc(2027, 7, 15, 14, 0)


# ------------------------------------------------------------------------------------------------------------
# Reminders and escalations


@pytest.mark.parametrize(
    ("calendar", "zone", "expected"),
    [
        # 09:00 CET is 08:00 UTC
        (BRUSSELS, "Europe/Brussels", [utc(2027, 2, 9, 8), utc(2027, 2, 15, 8), utc(2027, 2, 16, 8)]),
        # 09:00 SAST is 07:00 UTC
        (PRETORIA, "Africa/Johannesburg", [utc(2027, 2, 9, 7), utc(2027, 2, 15, 7), utc(2027, 2, 16, 7)]),
        # 09:00 ICT is 02:00 UTC; five working days before 16 February reach back over Tết to 1 February
        (HANOI, "Asia/Ho_Chi_Minh", [utc(2027, 2, 1, 2), utc(2027, 2, 15, 2), utc(2027, 2, 16, 2)]),
    ],
    ids=["brussels", "pretoria", "hanoi"],
)
def test_reminders_at_nine_local_in_each_hub(calendar: HubCalendar, zone: str, expected: list[datetime]) -> None:
    due_on = date(2027, 2, 16)
    reminders = reminder_instants(due_on, [-5, -1, 0], zone, calendar, local_time=time(9, 0))
    assert [reminder.at for reminder in reminders] == expected
    assert [reminder.offset for reminder in reminders] == [-5, -1, 0]


def test_reminders_already_past_when_the_step_opens_are_dropped() -> None:
    due_on = date(2027, 6, 4)
    reminders = reminder_instants(due_on, [-5, -1, 0], "Europe/Brussels", BRUSSELS, not_before=utc(2027, 6, 1, 8, 0))
    assert [reminder.local_day for reminder in reminders] == [date(2027, 6, 3), date(2027, 6, 4)]


def test_escalations_skip_closed_days() -> None:
    plan = [
        Escalation(after_working_days=2, to="supervisor"),
        Escalation(after_working_days=5, to="director"),
    ]
    planned = escalation_instants(date(2027, 5, 5), plan, "Europe/Brussels", BRUSSELS)
    # Ascension (6 May) and the bridge day (7 May) do not count.
    assert [(item.to, item.at) for item in planned] == [
        ("supervisor", utc(2027, 5, 11, 7, 0)),
        ("director", utc(2027, 5, 14, 7, 0)),
    ]


def test_schedule_of_a_screening_step_from_the_organisation_file() -> None:
    plan = ORG.plan_for("screening")  # 5 working days, reminders -2 and 0, default escalations
    assignee = "programme-officer-brussels"
    schedule = schedule_step(utc(2027, 6, 1, 8, 0), plan, zone_for(ORG, assignee), calendar_for(ORG, assignee))
    assert schedule.due_on == date(2027, 6, 8)
    assert schedule.due_at == utc(2027, 6, 8, 15, 0)
    assert [reminder.at for reminder in schedule.reminders] == [utc(2027, 6, 4, 7, 0), utc(2027, 6, 8, 7, 0)]
    assert [(item.to, item.local_day) for item in schedule.escalations] == [
        ("supervisor", date(2027, 6, 10)),
        ("director", date(2027, 6, 15)),
    ]


# ------------------------------------------------------------------------------------------------------------
# Properties


CALENDARS = {"brussels": BRUSSELS, "pretoria": PRETORIA, "hanoi": HANOI, "weekends-only": WEEKENDS_ONLY}


@settings(max_examples=300, deadline=None)
@given(
    calendar_name=st.sampled_from(sorted(CALENDARS)),
    start=st.dates(min_value=date(2026, 1, 1), max_value=date(2029, 12, 31)),
    n=st.integers(min_value=-60, max_value=60),
)
def test_adding_then_counting_gives_back_n_and_lands_on_a_working_day(calendar_name: str, start: date, n: int) -> None:
    calendar = CALENDARS[calendar_name]
    result = calendar.add_working_days(start, n)
    assert calendar.is_working_day(result)
    if n == 0:
        assert result >= start
        assert calendar.working_days_between(start, result) == (0 if calendar.is_working_day(start) else 1)
    else:
        assert calendar.working_days_between(start, result) == n
        assert (result > start) == (n > 0)


@settings(max_examples=100, deadline=None)
@given(
    calendar_name=st.sampled_from(["brussels", "pretoria", "hanoi"]),
    opened_at=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2029, 6, 30), timezones=st.just(UTC)),
    working_days=st.integers(min_value=1, max_value=40),
)
def test_a_deadline_is_always_at_the_end_of_a_working_day_after_opening(
    calendar_name: str, opened_at: datetime, working_days: int
) -> None:
    calendar = CALENDARS[calendar_name]
    zone = ORG.hub(calendar_name).time_zone
    deadline = due_at(opened_at, working_days, zone, calendar)
    local = deadline.astimezone(ZoneInfo(zone))
    assert deadline > opened_at
    assert local.time() == time(17, 0)
    assert calendar.is_working_day(local.date())
