"""`govern web`: the web front alone, against an existing Temporal and audit store, for installations that run
workers and web processes on separate machines. It never creates or migrates the store."""

import asyncio
import signal

import typer

from cli.context import fail, settings_of
from runtime.logging import configure_logging
from runtime.organisation_loader import OrganisationFileError, load_organisation
from runtime.settings import Settings
from store.errors import StoreError
from store.event_store import EventStore


async def _serve_web(settings: Settings) -> None:
    from web.serving import WebNotStarted, check_web_port, start_web, web_context

    configure_logging(settings.log_format, settings.log_level)
    try:
        organisation = load_organisation(settings.organisation_file)
    except OrganisationFileError as error:
        fail(str(error), code=2)
    try:
        store = EventStore.open_existing(settings.audit_database_url)
    except StoreError as error:
        fail(str(error), code=2)
    try:
        check_web_port(settings)
        server = await start_web(web_context(settings, organisation, store))
    except WebNotStarted as error:
        store.close()
        fail(str(error), code=2)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    typer.echo(f"Acting through Temporal at {settings.temporal_address}. Press Ctrl-C to stop.")
    try:
        await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await server.stop()
        store.close()
        typer.echo("Web front stopped.")


def web(ctx: typer.Context) -> None:
    """Serve only the web front (GOVERN_WEB_HOST:GOVERN_WEB_PORT) against an existing Temporal and audit store."""
    asyncio.run(_serve_web(settings_of(ctx)))
