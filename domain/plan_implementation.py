"""When the cases of an approved Strategic Plan open, year by year: the Annual Work Plan some weeks before its
draft is due, and each quarter's progress and risk reports to the Board the morning after the quarter ends.

The plan's workflow sleeps until each of these instants and opens the case; the cases themselves hold the
deadlines, reminders and escalations."""

from datetime import datetime, time, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from domain.annual_work_plan import DEFAULT_DRAFT_WEEKS_BEFORE
from domain.board_report import quarterly_schedule, report_case_id
from domain.organisation import Organisation
from domain.working_days import local_instant, zone_for

#: The Annual Work Plan case opens this long before its draft is due, so the Director is reminded in time.
AWP_LEAD = timedelta(weeks=6)
OPENING_TIME = time(9, 0)


class PlannedOpening(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: datetime
    case_id: str
    kind: Literal["awp", "progress", "risk"]
    year: int


def awp_opening(organisation: Organisation, plan_case: str, year: int) -> PlannedOpening:
    """The Annual Work Plan of `year` opens AWP_LEAD before its draft is due."""
    tz = zone_for(organisation, organisation.director().id)
    fiscal_year_start = organisation.fiscal_year_start_in(year)
    opens = fiscal_year_start - timedelta(weeks=DEFAULT_DRAFT_WEEKS_BEFORE) - AWP_LEAD
    return PlannedOpening(
        at=local_instant(opens, OPENING_TIME, tz), case_id=f"{plan_case}/awp/{year}", kind="awp", year=year
    )


def openings_for_year(
    organisation: Organisation, plan_case: str, year: int, last_year: int, first: bool = False
) -> list[PlannedOpening]:
    """What opens during fiscal year `year`: its quarterly reports, and the next year's Annual Work Plan
    (which falls due before this year ends). The first year also opens its own Annual Work Plan."""
    tz = zone_for(organisation, organisation.director().id)
    fiscal_year_start = organisation.fiscal_year_start_in(year)
    openings = [awp_opening(organisation, plan_case, year)] if first else []
    if year < last_year:
        openings.append(awp_opening(organisation, plan_case, year + 1))
    for slot in quarterly_schedule(fiscal_year_start, year):
        opens = local_instant(slot.quarter_end + timedelta(days=1), OPENING_TIME, tz)
        for kind in ("progress", "risk"):
            openings.append(
                PlannedOpening(at=opens, case_id=report_case_id(plan_case, kind, slot.label), kind=kind, year=year)
            )
    return sorted(openings, key=lambda opening: opening.at)
