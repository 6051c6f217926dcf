"""`govern health`: whether Temporal, the worker, the audit store and mail are healthy, one line each."""

import asyncio
import json

import typer

from cli.context import settings_of
from runtime.health import check


def health(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Check Temporal, the worker, the audit store and mail; exit 1 when any part is unhealthy."""
    result = asyncio.run(check(settings_of(ctx)))
    if as_json:
        typer.echo(json.dumps({"healthy": result.healthy, "parts": [part.model_dump() for part in result.parts]}))
    else:
        for part in result.parts:
            typer.echo(f"{part.part:<9} {'ok' if part.healthy else 'DOWN':<5} {part.detail}")
    if not result.healthy:
        raise typer.Exit(1)
