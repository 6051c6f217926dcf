"""From a step's schedule request to its recorded schedule: due date, reminder instants, escalation targets.

The calendar activity runs this when a step opens (so a replay sees the recorded result, whatever the
`holidays` package says later). A fixed due day that is not a working day of the assignee's hub moves to the
previous working day (`working_days.fixed_due_day`); an explicit instant (`extend until=`, a Board
procedure's close) is kept as given. Escalations go to the people the step plan names, resolved once, now; a
level that would reach nobody or the late person themselves (the Director has no supervisor to escalate to)
is left out rather than sent to the wrong person.
"""

from datetime import UTC, time

from domain.organisation import Organisation, OrganisationLookupError, StepPlan
from domain.timed_step import Escalation, ScheduleRequest, TaskSchedule
from domain.working_days import (
    PlannedEscalation,
    calendar_for,
    due_day,
    escalation_instants,
    fixed_due_day,
    local_instant,
    reminder_instants,
    zone_for,
)


def escalation_time(plan: StepPlan, planned: PlannedEscalation) -> time:
    for escalation in plan.escalations:
        if escalation.after_working_days == planned.after_working_days and escalation.to == planned.to:
            return escalation.local_time
    return time(9, 0)


def plan_schedule(organisation: Organisation, request: ScheduleRequest) -> TaskSchedule:
    plan = organisation.plan_for(request.kind)
    calendar = calendar_for(organisation, request.assignee)
    tz = zone_for(organisation, request.assignee)
    if request.due_at is not None:
        due_at = request.due_at
        due_on = due_at.astimezone(tz).date()
    elif request.due_on is not None:
        at = request.due_time or plan.due_local_time
        due_on = fixed_due_day(request.due_on, request.opened_at, tz, calendar, at)
        due_at = local_instant(due_on, at, tz)
    else:
        working_days = request.working_days if request.working_days is not None else plan.working_days
        start = request.count_from or request.opened_at
        due_on = due_day(start, working_days, tz, calendar)
        due_at = local_instant(due_on, plan.due_local_time, tz)
    reminders = [
        planned.at.astimezone(UTC)
        for planned in reminder_instants(
            due_on,
            request.reminder_offsets if request.reminder_offsets is not None else plan.reminders.offsets,
            tz,
            calendar,
            plan.reminders.local_time,
            not_before=request.opened_at,
        )
        if planned.at < due_at
    ]
    escalations: list[Escalation] = []
    if request.escalate:
        for planned in escalation_instants(due_on, plan.escalations, tz, calendar):
            try:
                subject = request.escalation_subject or request.assignee
                target = organisation.escalation_target(planned.to, subject, request.officer)
            except OrganisationLookupError:
                continue
            if target == request.assignee or any(step.to == target for step in escalations):
                continue
            # Lateness is counted on the late person's calendar; the message arrives at the recipient's hour.
            escalate_at = local_instant(
                planned.local_day, escalation_time(plan, planned), zone_for(organisation, target)
            )
            escalations.append(Escalation(level=len(escalations) + 1, at=escalate_at.astimezone(UTC), to=target))
    return TaskSchedule(
        due_at=due_at.astimezone(UTC),
        reminders=reminders,
        escalations=escalations,
        time_zone=organisation.person(request.assignee).time_zone,
    )
