"""`govern audit reconcile`: do Temporal's histories and the audit trail tell the same story, case by case?"""

import asyncio
import json

import typer

from cli.context import fail, settings_of
from store.errors import StoreError
from store.event_store import EventStore


def reconcile(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Compare every case's Temporal runs with its audit trail; name each divergence; exit 1 if there is any."""
    from runtime.reconcile import reconcile as compare
    from runtime.temporal import TemporalUnavailable, connect

    settings = settings_of(ctx)
    try:
        store = EventStore.open_existing(settings.audit_database_url)
    except StoreError as error:
        fail(str(error), code=2)

    async def run():
        try:
            client = await connect(settings)
        except TemporalUnavailable as error:
            fail(str(error))
        return await compare(client, store)

    try:
        result = asyncio.run(run())
    finally:
        store.close()
    if as_json:
        data = {
            "agrees": result.agrees,
            "cases": result.cases,
            "runs": result.runs,
            "divergences": result.divergences,
        }
        typer.echo(json.dumps(data, indent=2))
    elif result.agrees:
        typer.echo(f"Temporal and the audit trail agree: {result.cases} cases, {result.runs} workflow runs.")
    else:
        for sentence in result.divergences:
            typer.echo(sentence)
        typer.echo(f"{len(result.divergences)} divergence(s) between Temporal and the audit trail.", err=True)
    if not result.agrees:
        raise typer.Exit(1)
