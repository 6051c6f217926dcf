"""A case on the audit trail without Temporal: the domain decides a command, the calendar resolves each step's
schedule (as the `plan_schedules` activity does), and the events are appended to the store the CLI reads.

And the command line as an operator runs it: `env` (a fresh data directory and store URL, nothing else of
GOVERN_* from the caller's environment), `govern` (invoke it in-process) and `store` (that store, opened). A test
module whose commands need other settings defines its own `env`."""

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from domain import case, timed_step
from domain.case_kinds import decider_for
from domain.commands import Command
from domain.organisation import Organisation
from domain.step_schedule import plan_schedule
from runtime.organisation_loader import load_organisation
from runtime.settings import EXAMPLE_ORGANISATION
from store.event_store import EventStore

REPO = Path(__file__).resolve().parents[2]
KAMPALA = yaml.safe_load((REPO / "examples" / "grants" / "kampala-upgrading.yaml").read_text(encoding="utf-8"))

#: Monday 1 March 2027, 09:00 UTC: no holiday or closure in any hub that week.
MONDAY = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)

RecordCommand = Callable[..., case.CaseState]


def record_command(
    store: EventStore, organisation: Organisation, case_id: str, command: Command, now: datetime = MONDAY
) -> case.CaseState:
    """Decide `command` on the case as its audit trail has it, append what it produces, return the new state."""
    decider = decider_for(case_id)
    state = decider.initial_state(case_id)
    for stored in store.read_stream(case_id):
        state = case.evolve(decider, state, stored)
    drafts = case.decide_command(decider, state, command, case.Context(organisation=organisation, now=now))
    events = []
    for number, draft in enumerate(drafts):
        if draft.type in timed_step.SCHEDULED_EVENTS and "schedule" not in draft.payload:
            request = timed_step.ScheduleRequest.model_validate(draft.payload["schedule_request"])
            schedule = plan_schedule(organisation, request).model_dump(mode="json")
            draft = draft.model_copy(update={"payload": {**draft.payload, "schedule": schedule}})
        event = case.provisional_event(state, draft, now, number)
        event = event.model_copy(update={"event_id": f"{case_id}#{state.version + 1}"})
        state = case.evolve(decider, state, event)
        events.append(event)
    store.append(case_id, events, expected_version=None)
    return state


@pytest.fixture(scope="session")
def example_organisation() -> Organisation:
    return load_organisation(EXAMPLE_ORGANISATION)


@pytest.fixture
def record(tmp_path: Path, example_organisation: Organisation) -> RecordCommand:
    """Record commands on the store at `<tmp>/var/audit.db` (created on first use, as a worker would)."""

    def run(case_id: str, action: str, actor: str, now: datetime = MONDAY, **fields: Any) -> case.CaseState:
        with EventStore.open(f"sqlite:///{tmp_path / 'var' / 'audit.db'}") as store:
            return record_command(
                store, example_organisation, case_id, Command(action=action, actor=actor, fields=fields), now
            )

    return run


@pytest.fixture
def submitted_grant(record: RecordCommand) -> case.CaseState:
    """grant/2027-014 submitted on Monday 1 March 2027, its screening open for programme-officer-brussels."""
    return record("grant/2027-014", "submit", KAMPALA["submitted_by"], **KAMPALA)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "GOVERN_DATA_DIR": str(tmp_path / "var"),
        "GOVERN_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'audit.db'}",
    }
    for name in [name for name in os.environ if name.startswith("GOVERN_")]:
        monkeypatch.delenv(name)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def govern(env: dict[str, str]) -> Callable[..., Any]:
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def store(env: dict[str, str]) -> Iterator[EventStore]:
    opened = EventStore.open(env["GOVERN_DATABASE_URL"])
    yield opened
    opened.close()
