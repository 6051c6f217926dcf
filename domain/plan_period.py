"""The period of a Strategic Plan, shared by the plan's cases: its case id `plan/<first year>-<last year>`, its
years, the days it spans in fiscal years, and the hour its deadlines fall due."""

import re
from datetime import date, time, timedelta

from domain.organisation import Organisation

#: Drafting milestones and plan deadlines fall due at this hour, in the Director's (headquarters) time zone.
DUE_LOCAL_TIME = time(17, 0)

_PLAN_CASE = re.compile(r"^plan/(\d{4})-(\d{4})$")


def plan_case_id(first_year: int, last_year: int) -> str:
    return f"plan/{first_year}-{last_year}"


def plan_years(plan_case: str) -> tuple[int, int]:
    """(first year, last year) of `plan/2028-2032`; ValueError for anything else."""
    match = _PLAN_CASE.match(plan_case)
    if not match:
        raise ValueError(f"'{plan_case}' is not a Strategic Plan case id (e.g. plan/2028-2032)")
    return int(match.group(1)), int(match.group(2))


def plan_period_bounds(organisation: Organisation, first_year: int, last_year: int) -> tuple[date, date]:
    """The first and last day of the plan period, in fiscal years."""
    return (
        organisation.fiscal_year_start_in(first_year),
        organisation.fiscal_year_start_in(last_year + 1) - timedelta(days=1),
    )
