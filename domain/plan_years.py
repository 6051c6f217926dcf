"""The years of an approved plan: only a published Strategic Plan opens its yearly cases (Annual Work Plan and
quarterly reports), one year at a time from its first year to its last; a progress report is measured against
the plan's targets, a risk report is not."""

from collections.abc import Sequence

from domain.strategic_plan import StrategicPlanState


def year_to_open(plan: StrategicPlanState, first_year: int, last_year: int, next_year: int | None) -> int | None:
    """The year whose cases open next, or None when the plan opens no more (not published, or past its end)."""
    if plan.outcome != "published":
        return None
    year = next_year or first_year
    return None if year > last_year else year


def report_targets(report_kind: str, plan_targets: Sequence[str]) -> Sequence[str]:
    return plan_targets if report_kind == "progress" else ()
