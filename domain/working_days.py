"""Working days, deadlines and the instants at which reminders and escalations go out.

A step's deadline counts working days of the assignee's hub calendar: weekends, the hub country's public
holidays (from the `holidays` package) and the organisation's closure days do not count. The deadline is
the end of the Nth working day after the step opened, at a local time in the assignee's zone; reminders
and escalations go out at a local hour, on working days only. A step due on a fixed date (a phase date, a
number of weeks before the fiscal year) that is not a working day is due on the previous working day.

Workflows never call this module directly. They call an activity that computes the due instant and the
reminder and escalation instants when a step opens and records them in the step's event; later timers use
the recorded instants. So a replay sees the recorded results even after the `holidays` tables or the IANA
time zone data are updated, which would otherwise move a deadline under a running case. The functions
here are deterministic for a given install and free of clocks and randomness, so the activity,
projections and tests can call them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import holidays

from domain.organisation import Escalation, Hub, Organisation, StepPlan

__all__ = [
    "HubCalendar",
    "PlannedEscalation",
    "PlannedReminder",
    "StepSchedule",
    "calendar_for",
    "due_at",
    "due_day",
    "due_instant",
    "fixed_due_day",
    "escalation_instants",
    "local_instant",
    "local_text",
    "reminder_instants",
    "schedule_step",
    "zone",
    "zone_for",
]

#: Saturday and Sunday, for calendars without a country (Board members, grantee contacts).
DEFAULT_WEEKEND: frozenset[int] = frozenset({5, 6})

# No real calendar closes for ten years; a longer search means the closure data is wrong.
_MAX_CLOSED_RUN = 3660

_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class HubCalendar:
    """Which days count as working days for the people of one hub.

    A day is a working day unless it falls on the country's weekend, is a public holiday of the country (and
    subdivision) in the `holidays` package, or is one of the hub's closure days. Without a country only the
    weekend is closed: that is the calendar of Board members and others outside the hubs.
    """

    def __init__(
        self,
        *,
        country: str | None = None,
        subdivision: str | None = None,
        closure_days: Iterable[date] | Mapping[date, str] = (),
        label: str | None = None,
    ) -> None:
        self.country = country
        self.subdivision = subdivision
        self.label = label or (f"{country}{'-' + subdivision if subdivision else ''}" if country else "weekends only")
        if isinstance(closure_days, Mapping):
            self._closures: dict[date, str] = dict(closure_days)
        else:
            self._closures = {day: "closure day" for day in closure_days}
        self._holidays: holidays.HolidayBase | None = None
        self.weekend: frozenset[int] = DEFAULT_WEEKEND
        if country is not None:
            self._holidays = holidays.country_holidays(country, subdiv=subdivision)
            self.weekend = frozenset(getattr(self._holidays, "weekend", DEFAULT_WEEKEND))

    @classmethod
    def for_hub(cls, hub: Hub) -> HubCalendar:
        return cls(
            country=hub.country,
            subdivision=hub.subdivision,
            closure_days=hub.closure_reasons(),
            label=hub.id,
        )

    @classmethod
    def weekends_only(cls, label: str = "weekends only") -> HubCalendar:
        return cls(label=label)

    def __repr__(self) -> str:
        return f"HubCalendar({self.label!r})"

    @property
    def closure_days(self) -> frozenset[date]:
        return frozenset(self._closures)

    def holiday_name(self, day: date) -> str | None:
        """The public holiday's name on `day`, if any (several are joined with '; ')."""
        if self._holidays is None:
            return None
        return self._holidays.get(day)

    def why_closed(self, day: date) -> str | None:
        """None on a working day; otherwise a phrase for messages, e.g. 'public holiday (Ascension Day)'."""
        if day.weekday() in self.weekend:
            return _WEEKDAY_NAMES[day.weekday()]
        name = self.holiday_name(day)
        if name is not None:
            return f"public holiday ({name})"
        if day in self._closures:
            return f"closure day ({self._closures[day]})"
        return None

    def is_working_day(self, day: date) -> bool:
        return self.why_closed(day) is None

    def _step(self, day: date, direction: int) -> date:
        for _ in range(_MAX_CLOSED_RUN):
            day += timedelta(days=direction)
            if self.is_working_day(day):
                return day
        raise ValueError(f"{self.label}: no working day within {_MAX_CLOSED_RUN} days of {day}")

    def next_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the first working day after it."""
        return day if self.is_working_day(day) else self._step(day, 1)

    def previous_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the last working day before it."""
        return day if self.is_working_day(day) else self._step(day, -1)

    def add_working_days(self, start: date, n: int) -> date:
        """The nth working day after `start` (before it when n < 0); `start` itself is never counted.

        n = 0 gives `start` when it is a working day, else the next working day, so the result is always a
        working day. For n != 0, `working_days_between(start, add_working_days(start, n)) == n`.
        """
        if n == 0:
            return self.next_working_day(start)
        direction = 1 if n > 0 else -1
        day = start
        for _ in range(abs(n)):
            day = self._step(day, direction)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days from `start` to `end`: those in (start, end] when end >= start, else minus those in
        [end, start).

        It is the n for which `add_working_days(start, n) == end` when `end` is a working day.
        """
        if end >= start:
            return sum(
                1 for offset in range(1, (end - start).days + 1) if self.is_working_day(start + timedelta(offset))
            )
        return -sum(1 for offset in range((start - end).days) if self.is_working_day(end + timedelta(offset)))


# ----------------------------------------------------------------------------------------------------------
# Time zones and instants


def zone(tz: str | tzinfo) -> tzinfo:
    """An IANA zone by name (e.g. 'Asia/Ho_Chi_Minh'), or the tzinfo given."""
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def local_instant(day: date, at: time, tz: str | tzinfo) -> datetime:
    """The UTC instant of a local wall-clock time on a local date.

    Around a DST change a wall-clock time can occur twice or not at all; zoneinfo takes the first occurrence
    (fold=0) and moves a skipped time forward by the gap. Governance hours (09:00, 17:00) never fall there.
    """
    return datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone(tz)).astimezone(UTC)


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must carry a time zone (UTC), got a naive datetime {moment.isoformat()}")


def due_day(opened_at: datetime, working_days: int, tz: str | tzinfo, calendar: HubCalendar) -> date:
    """The local date of the deadline: the `working_days`-th working day after the local opening date."""
    _require_aware(opened_at, "opened_at")
    if working_days < 0:
        raise ValueError(f"a step cannot allow a negative number of working days ({working_days})")
    opened_on = opened_at.astimezone(zone(tz)).date()
    return calendar.add_working_days(opened_on, working_days)


def fixed_due_day(
    day: date, opened_at: datetime, tz: str | tzinfo, calendar: HubCalendar, at: time = time(17, 0)
) -> date:
    """The day a step fixed to `day` is due: `day` itself on a working day, else the previous working day, so
    that a deadline on a Saturday or a holiday is met by the last working day before it rather than drift after
    it. When that earlier day would be before the step opened (it opened on the weekend in question), the next
    working day instead: a step is never due before it exists."""
    _require_aware(opened_at, "opened_at")
    earlier = calendar.previous_working_day(day)
    if local_instant(earlier, at, tz) > opened_at:
        return earlier
    return calendar.next_working_day(day)


def due_at(
    opened_at: datetime,
    working_days: int,
    tz: str | tzinfo,
    calendar: HubCalendar,
    local_time: time = time(17, 0),
) -> datetime:
    """The deadline in UTC: `local_time` (end of the working day) on the Nth working day after opening.

    Counting starts from the local date on which the step opened, in the assignee's zone, so a step opened on
    Friday evening with 1 working day is due on Monday (or the next working day) at 17:00 local time.
    """
    return local_instant(due_day(opened_at, working_days, tz, calendar), local_time, tz)


# ----------------------------------------------------------------------------------------------------------
# Reminders and escalations


@dataclass(frozen=True)
class PlannedReminder:
    """A reminder `offset` working days from the due day: on `local_day` at local time, i.e. `at` (UTC)."""

    offset: int
    local_day: date
    at: datetime


@dataclass(frozen=True)
class PlannedEscalation:
    """An escalation to `to` (relation, role or person id) once the step is `after_working_days` overdue."""

    after_working_days: int
    to: str
    local_day: date
    at: datetime


def reminder_instants(
    due_on: date,
    offsets: Sequence[int],
    tz: str | tzinfo,
    calendar: HubCalendar,
    local_time: time = time(9, 0),
    not_before: datetime | None = None,
) -> list[PlannedReminder]:
    """Reminder instants in UTC, at `local_time` on working days `offsets` away from the due day.

    Negative offsets are before the due day, 0 is the due day itself. Reminders that would fall before
    `not_before` (usually the moment the step opened) are dropped: a short step gets only those still ahead.
    """
    if not_before is not None:
        _require_aware(not_before, "not_before")
    planned = []
    for offset in sorted(set(offsets)):
        day = calendar.add_working_days(due_on, offset)
        at = local_instant(day, local_time, tz)
        if not_before is None or at >= not_before:
            planned.append(PlannedReminder(offset=offset, local_day=day, at=at))
    return planned


def escalation_instants(
    due_on: date,
    escalations: Sequence[Escalation],
    tz: str | tzinfo,
    calendar: HubCalendar,
) -> list[PlannedEscalation]:
    """Escalation instants in UTC: each at its local time, the given number of working days after the due day.

    `tz` and `calendar` are those of the late assignee: it is their lateness that is counted.
    """
    planned = []
    for escalation in escalations:
        day = calendar.add_working_days(due_on, escalation.after_working_days)
        planned.append(
            PlannedEscalation(
                after_working_days=escalation.after_working_days,
                to=escalation.to,
                local_day=day,
                at=local_instant(day, escalation.local_time, tz),
            )
        )
    return sorted(planned, key=lambda item: (item.at, item.after_working_days))


@dataclass(frozen=True)
class StepSchedule:
    """Everything a step needs to set its timers, computed once when it opens and recorded in its event."""

    due_on: date
    due_at: datetime
    reminders: tuple[PlannedReminder, ...]
    escalations: tuple[PlannedEscalation, ...]


def schedule_step(opened_at: datetime, plan: StepPlan, tz: str | tzinfo, calendar: HubCalendar) -> StepSchedule:
    """Due date, reminders and escalations of a step opened at `opened_at` under `plan`, for one assignee."""
    due_on = due_day(opened_at, plan.working_days, tz, calendar)
    return StepSchedule(
        due_on=due_on,
        due_at=local_instant(due_on, plan.due_local_time, tz),
        reminders=tuple(
            reminder_instants(
                due_on, plan.reminders.offsets, tz, calendar, plan.reminders.local_time, not_before=opened_at
            )
        ),
        escalations=tuple(escalation_instants(due_on, plan.escalations, tz, calendar)),
    )


# ----------------------------------------------------------------------------------------------------------
# A person's calendar and zone


def calendar_for(organisation: Organisation, person_id: str) -> HubCalendar:
    """The calendar that counts this person's working days: their hub's, or weekends only without a hub."""
    hub = organisation.hub_of(person_id)
    if hub is None:
        return HubCalendar.weekends_only()
    return HubCalendar.for_hub(hub)


def zone_for(organisation: Organisation, person_id: str) -> tzinfo:
    """The person's IANA time zone, in which their deadlines and reminders are set."""
    return ZoneInfo(organisation.person(person_id).time_zone)


def due_instant(organisation: Organisation, person: str, day: date, at: time) -> datetime:
    """A fixed deadline: `at` on `day` in the person's time zone, as a UTC instant."""
    return local_instant(day, at, zone_for(organisation, person))


def local_text(organisation: Organisation, person: str, instant: datetime) -> str:
    """'2027-06-30 17:00 Europe/Brussels': an instant as the person reads it."""
    zone = organisation.person(person).time_zone
    return f"{instant.astimezone(zone_for(organisation, person)).strftime('%Y-%m-%d %H:%M')} {zone}"
