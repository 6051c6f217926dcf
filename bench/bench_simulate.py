"""`govern simulate` as a whole process (issue 10).

- `simulate.governance_year`: the governance year (examples/governance-year/scenario.yaml) through
  `govern simulate`, wall seconds (at most 60 on this machine), the median of three whole runs (this shared
  machine's speed drifts by a fifth from one minute to the next, and one slow or lucky run must not set the
  figure), and the audit events per second it produced; every run must meet its own expectations.
- `simulate.strategic_plan_vs_today`: examples/scenarios/strategic-plan-approval.yaml through `govern simulate`,
  against `bench.today_simulate` (today's code with what issue 10 changed on this path put back: the settle loop
  that queries every case, closed or not; no explicit worker build id; appends without projections), run in
  turn, three times each; the median of the pairwise ratios.
"""

import statistics
import sys
from typing import Any

from bench import fixtures
from bench.fixtures import REPO, governance_year, simulate, workdir, year_scenario

STRATEGIC_PLAN = REPO / "examples" / "scenarios" / "strategic-plan-approval.yaml"


def run(quick: bool = False) -> dict[str, dict[str, Any]]:
    quick = quick or fixtures.quick()
    year = governance_year()
    years = [year] + ([] if quick else [simulate(year_scenario(), workdir() / f"governance-year-{n}") for n in (2, 3)])
    assert {run.events for run in years} == {year.events}, [run.events for run in years]
    year_seconds = statistics.median(run.seconds for run in years)
    each = ", ".join(f"{run.seconds:.1f}" for run in years)
    today = [sys.executable, "-m", "bench.today_simulate"]
    ours_times, today_times, ratios = [], [], []
    for number in range(1 if quick else 3):
        ours = simulate(STRATEGIC_PLAN, workdir() / f"plan-ours-{number}")
        before = simulate(STRATEGIC_PLAN, workdir() / f"plan-today-{number}", today)
        assert ours.events == before.events, (ours.events, before.events)
        ours_times.append(ours.seconds)
        today_times.append(before.seconds)
        ratios.append(ours.seconds / before.seconds)
    scenario = "the Strategic Plan scenario (quick run)" if quick else "examples/governance-year/scenario.yaml"
    return {
        "simulate.governance_year": {
            "value": round(year_seconds, 1),
            "unit": "s",
            "baseline": f"{scenario}: {year.events:,} events, all expectations met; median of runs of {each} s",
            "baseline_value": None,
            "ratio": None,
            "target": 60,
            "bound": "at_most",
        },
        "simulate.governance_year.events_per_s": {
            "value": round(year.events / year_seconds, 1),
            "unit": "events/s",
            "baseline": None,
            "baseline_value": None,
            "ratio": None,
            "target": None,
            "bound": None,
        },
        "simulate.strategic_plan_vs_today": {
            "value": round(statistics.median(ours_times), 2),
            "unit": "s",
            "baseline": "today's govern simulate (bench.today_simulate) on the same scenario, run in turn",
            "baseline_value": round(statistics.median(today_times), 2),
            "ratio": round(statistics.median(ratios), 3),
            "target": 0.25,
            "bound": "at_most",
        },
    }
