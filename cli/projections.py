"""`govern projections rebuild|check`: the read projections, recomputed from the audit log or compared with it.

Both open an existing store only (they never create or migrate one). `check` writes nothing; `rebuild` holds
the append lock while it recomputes, so appends wait for it and then go on.
"""

import json
import time
from typing import Annotated

import typer

from cli.context import fail, settings_of
from store.errors import StoreError
from store.event_store import EventStore

app = typer.Typer(
    help="The read projections (tasks, cases, delegations, participants): rebuild them, or check them.",
    no_args_is_help=True,
    add_completion=False,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _store(ctx: typer.Context) -> EventStore:
    try:
        return EventStore.open_existing(settings_of(ctx).audit_database_url, projections_current=False)
    except StoreError as error:
        fail(str(error), code=2)


@app.command()
def rebuild(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Recompute every projection row from the audit log."""
    store = _store(ctx)
    try:
        started = time.perf_counter()
        events, cases = store.rebuild_projections()
        seconds = time.perf_counter() - started
    except StoreError as error:
        fail(str(error))
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps({"events": events, "cases": cases, "seconds": round(seconds, 3)}))
    else:
        typer.echo(f"Projections rebuilt from the log: {events} events, {cases} cases, in {seconds:.1f} s.")


@app.command()
def check(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Recompute the projections from the audit log and compare; exit 1 naming every row that differs."""
    from store.projection_check import check_projections

    store = _store(ctx)
    try:
        result = check_projections(store)
    except StoreError as error:
        fail(str(error))
    finally:
        store.close()
    if as_json:
        typer.echo(result.model_dump_json())
    else:
        for line in result.differences:
            typer.echo(line)
        for line in result.unreadable:
            typer.echo(f"cannot be folded: {line}")
        typer.echo(result.sentence())
    if not result.ok:
        raise typer.Exit(1)
