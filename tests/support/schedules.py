"""What the calendar activity does, for tests that look at one step's schedule without running a turn."""

from domain import case_runner
from domain.commands import EventDraft
from domain.organisation import Organisation


def with_schedule(organisation: Organisation, draft: EventDraft) -> EventDraft:
    """The step's schedule request becomes its recorded schedule, as `plan_schedules` records it at run time."""
    (scheduled,) = case_runner.resolve_schedules([draft], case_runner.calendar(organisation))
    return scheduled
