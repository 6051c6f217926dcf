"""`govern reference`: every process's actions, event types, payload keys, task ids, stages and outcomes.

It runs the example scenarios on the time-skipping server (as `govern simulate` does, each in a throw-away
store) and reads the reference off the deciders and the trails they recorded (`simulation.reference`), so
`docs/reference.md`, which is its output, cannot drift from the code.
"""

import asyncio
import tempfile
from pathlib import Path

import typer

from cli.context import fail, settings_of
from runtime.logging import configure_logging
from runtime.organisation_loader import OrganisationFileError
from runtime.settings import REPO_ROOT, Settings
from simulation.expectations import check
from simulation.reference import build_reference
from simulation.runner import SimulationError, run_scenario, scenario_organisation
from simulation.scenario import ScenarioInvalid, load_scenario
from store.event_store import EventStore
from store.models import StoredEvent

EXAMPLE_SCENARIOS = REPO_ROOT / "examples" / "scenarios"


async def _trail_of(path: Path, settings: Settings) -> tuple[list[StoredEvent], set[str]]:
    """The audit trail one scenario records, and the people of its organisation; only from a scenario that
    meets its own expectations, since a reference read off a broken run would mislead."""
    try:
        scenario, base = load_scenario(path)
        organisation = scenario_organisation(scenario, base)
    except (ScenarioInvalid, OrganisationFileError) as error:
        fail(str(error), code=2)
    with tempfile.TemporaryDirectory(prefix="govern-reference-") as folder:
        run_settings = settings.model_copy(update={"data_dir": Path(folder), "database_url": None})
        with EventStore.open(f"sqlite:///{Path(folder) / 'audit.db'}") as store:
            try:
                outcome = await run_scenario(scenario, base, organisation, store, run_settings, Path(folder) / "mail")
            except SimulationError as error:
                fail(f"The scenario {path} did not run: {error}")
            failures = outcome.problems + check(scenario.expect, outcome.events, outcome.stages, organisation)
    if failures:
        fail(f"The scenario {path} does not meet its expectations ({failures[0]}); run `govern simulate {path}`.")
    return outcome.events, {person.id for person in organisation.people}


async def _trails(paths: list[Path], settings: Settings) -> tuple[dict[str, list[StoredEvent]], set[str]]:
    trails: dict[str, list[StoredEvent]] = {}
    people: set[str] = set()
    for path in paths:
        trails[path.stem], seen = await _trail_of(path, settings)
        people |= seen
    return trails, people


def reference(
    ctx: typer.Context,
    out: Path | None = typer.Option(None, "--out", help="Write it here (e.g. docs/reference.md) instead of printing."),
    scenarios: Path = typer.Option(EXAMPLE_SCENARIOS, "--scenarios", help="The folder of scenarios to run."),
) -> None:
    """Print the reference of processes, events, payload keys, tasks, stages and outcomes, generated from the code."""
    settings = settings_of(ctx)
    configure_logging("json", "warning")
    paths = sorted(Path(scenarios).glob("*.yaml"))
    if not paths:
        fail(f"No scenarios (*.yaml) in {scenarios}.", code=2)
    trails, people = asyncio.run(_trails(paths, settings))
    text = build_reference(trails, people)
    if out is None:
        typer.echo(text, nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    typer.echo(f"Wrote {out}.")
