"""Running inline scenarios on the session's time-skipping server with a real worker and a fresh store."""

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.organisation import Organisation
from runtime.settings import EXAMPLE_ORGANISATION, Settings
from simulation.expectations import check
from simulation.runner import Outcome, run_scenario
from simulation.scenario import Scenario
from store.event_store import EventStore

REPO = Path(__file__).resolve().parents[2]

RunScenario = Callable[[dict[str, Any]], Awaitable[Outcome]]


@pytest.fixture
def run_inline(
    time_skipping: WorkflowEnvironment,
    organisation: Organisation,
    audit_store: EventStore,
    settings: Settings,
    tmp_path: Path,
) -> RunScenario:
    """Run a scenario given as a dict; fail the test on any unmet expectation."""

    async def run(data: dict[str, Any]) -> Outcome:
        scenario = Scenario.model_validate({"organisation": str(EXAMPLE_ORGANISATION), **data})
        outcome = await run_scenario(
            scenario,
            REPO / "examples",
            organisation,
            audit_store,
            settings,
            tmp_path / "mail",
            environment=time_skipping,
        )
        failures = outcome.problems + check(scenario.expect, outcome.events, outcome.stages, organisation)
        assert not failures, "\n".join(failures)
        return outcome

    return run
