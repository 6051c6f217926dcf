"""Running inline scenarios on a time-skipping server of the test's own with a real worker and a fresh store, in clear
or encrypted end to end (`encrypted`)."""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from domain.organisation import Organisation
from runtime.binaries import temporal_test_server
from runtime.codec import data_converter
from runtime.search_attributes import register_search_attributes
from runtime.settings import EXAMPLE_ORGANISATION, Settings
from runtime.temporal import SERVER_STARTUP_TIMEOUT
from simulation.expectations import check
from simulation.runner import Outcome, run_scenario
from simulation.scenario import Scenario
from store.event_store import EventStore
from tests.support.keys import new_key

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


@dataclass
class Encrypted:
    environment: WorkflowEnvironment
    settings: Settings

    def client_with(self, settings: Settings | None) -> Client:
        """Another client on the same server, with other keys (or none)."""
        converter = data_converter(settings) if settings is not None else pydantic_data_converter
        client = self.environment.client
        return Client(client.service_client, namespace=client.namespace, data_converter=converter)


@pytest.fixture
async def encrypted(tmp_path: Path) -> AsyncIterator[Encrypted]:
    settings = Settings(
        data_dir=tmp_path / "var", task_queue=f"test-{uuid.uuid4().hex[:8]}", codec_keys=f"k1:{new_key()}"
    )
    environment = await WorkflowEnvironment.start_time_skipping(
        test_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
        test_server_existing_path=temporal_test_server(),
        data_converter=data_converter(settings),
    )
    await register_search_attributes(environment.client, environment.client.namespace)
    yield Encrypted(environment, settings)
    await environment.shutdown()
