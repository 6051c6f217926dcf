"""What a workflow learns about the organisation: the snapshot, and the calendar's answer for new steps.

Both come through activities so that a replay sees exactly what the first run saw, even after the
organisation file or the public-holiday tables have changed.
"""

from temporalio import activity

from domain.organisation import Organisation
from domain.step_schedule import plan_schedule
from domain.timed_step import ScheduleRequest, TaskSchedule


class OrganisationActivities:
    def __init__(self, organisation: Organisation) -> None:
        self._organisation = organisation

    @activity.defn(name="organisation_snapshot")
    def organisation_snapshot(self) -> Organisation:
        return self._organisation

    @activity.defn(name="plan_schedules")
    def plan_schedules(self, requests: list[ScheduleRequest]) -> list[TaskSchedule]:
        return [plan_schedule(self._organisation, request) for request in requests]
