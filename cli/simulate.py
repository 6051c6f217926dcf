"""`govern simulate SCENARIO.yaml`: run a scenario on the time-skipping server and check its expectations."""

import asyncio
import json
from dataclasses import asdict
from pathlib import Path

import typer

from cli.context import fail, settings_of
from domain.step_events import STEP_EVENTS
from runtime.logging import configure_logging
from runtime.organisation_loader import OrganisationFileError
from simulation.expectations import check
from simulation.runner import SimulationError, run_scenario, scenario_organisation, simulation_store
from simulation.scenario import ScenarioInvalid, load_scenario
from store.verify import verify


def simulate(
    ctx: typer.Context,
    scenario_file: Path = typer.Argument(..., metavar="SCENARIO.yaml"),
    as_json: bool = typer.Option(False, "--json", help="Print the trail and verdict as JSON."),
    save_histories: Path | None = typer.Option(
        None, help="Write each case's Temporal history here (for the replay test)."
    ),
) -> None:
    """Run a scenario against the time-skipping test server; print the audit trail; exit 1 if an expectation fails."""
    settings = settings_of(ctx)
    configure_logging("json", "warning")
    try:
        scenario, base = load_scenario(scenario_file)
        organisation = scenario_organisation(scenario, base)
    except (ScenarioInvalid, OrganisationFileError) as error:
        fail(str(error), code=2)
    name = scenario.name or Path(scenario_file).stem
    store, folder = simulation_store(settings, name)
    try:
        existing = store.count()
        if existing:
            fail(
                f"The audit store at GOVERN_DATABASE_URL already holds {existing} events; a simulation needs an "
                "empty one (or leave GOVERN_DATABASE_URL unset to use a fresh file).",
                code=2,
            )
        try:
            outcome = asyncio.run(
                run_scenario(
                    scenario,
                    base,
                    organisation,
                    store,
                    settings,
                    folder / "mail",
                    keep_histories=save_histories is not None,
                )
            )
        except SimulationError as error:
            fail(str(error))
        verdict = verify(store)
        failures = outcome.problems + check(scenario.expect, outcome.events, outcome.stages, organisation)
        if not verdict.ok:
            failures.append(verdict.sentence())
        if save_histories is not None:
            save_histories.mkdir(parents=True, exist_ok=True)
            for stream_id, history in outcome.histories.items():
                (save_histories / f"{name}--{stream_id.replace('/', '_')}.json").write_text(history)
        _report(outcome, verdict.sentence(), failures, store, folder, as_json)
    finally:
        store.close()
    raise typer.Exit(1 if failures else 0)


def _report(outcome, verdict: str, failures: list[str], store, folder: Path, as_json: bool) -> None:
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "events": [event.model_dump(mode="json") for event in outcome.events],
                    "cases": {
                        case_id: {"stage": stage, "outcome": result}
                        for case_id, (stage, result) in outcome.stages.items()
                    },
                    "refusals": [asdict(refusal) for refusal in outcome.refusals],
                    "verify": verdict,
                    "failures": failures,
                    "store": repr(store),
                },
                indent=2,
            )
        )
        return
    typer.echo(f"Audit trail ({len(outcome.events)} events):")
    for event in outcome.events:
        who = event.actor + (f" for {event.on_behalf_of}" if event.on_behalf_of else "")
        step = STEP_EVENTS.parse(event)
        detail = getattr(step, "task_id", None) or ""
        to = getattr(step, "to", None)
        if to:
            detail += f" -> {to}"
        typer.echo(
            f"{event.seq:>5} {event.occurred_at:%Y-%m-%d %H:%M} {event.stream_id:<28} {event.type:<26} "
            f"{who:<30} {event.outcome or '':<12} {detail}"
        )
    if outcome.refusals:
        typer.echo(f"Refused actions ({len(outcome.refusals)}):")
        for refusal in outcome.refusals:
            how = "refused as expected" if refusal.expected else "REFUSED"
            typer.echo(f"  {refusal.at} {refusal.case} {refusal.action} by {refusal.actor}, {how}: {refusal.sentence}")
    typer.echo("Cases:")
    for case_id, (stage, result) in outcome.stages.items():
        typer.echo(f"  {case_id}: {stage}" + (f" ({result})" if result else ""))
    typer.echo(verdict)
    typer.echo(f"Audit store: {store!r}; mail in {folder / 'mail'}")
    if failures:
        typer.echo(f"{len(failures)} expectation(s) failed:")
        for failure in failures:
            typer.echo(f"  - {failure}")
    else:
        typer.echo("All expectations met.")
