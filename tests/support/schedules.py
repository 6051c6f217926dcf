"""What the calendar activity does, for tests that drive a decider without Temporal."""

from domain import timed_step
from domain.commands import EventDraft
from domain.organisation import Organisation
from domain.step_schedule import plan_schedule


def with_schedule(organisation: Organisation, draft: EventDraft) -> EventDraft:
    """The step's schedule request becomes its recorded schedule, as `plan_schedules` records it at run time."""
    if draft.type not in timed_step.SCHEDULED_EVENTS or "schedule" in draft.payload:
        return draft
    request = timed_step.ScheduleRequest.model_validate(draft.payload["schedule_request"])
    schedule = plan_schedule(organisation, request)
    return draft.model_copy(update={"payload": {**draft.payload, "schedule": schedule.model_dump(mode="json")}})
