"""`govern up` (the embedded installation) and `govern worker` (a worker against an existing Temporal)."""

import asyncio
import contextlib
from datetime import timedelta
from typing import Any

import structlog
import typer
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from cli.context import fail, settings_of
from domain.organisation import Organisation
from domain.policy_register import register_case_id
from runtime.logging import configure_logging
from runtime.organisation_loader import OrganisationFileError, load_organisation
from runtime.search_attributes import register_search_attributes
from runtime.settings import Settings
from runtime.supervision import Watched, watch
from runtime.temporal import TemporalUnavailable, connect, start_embedded
from store.errors import StoreError
from store.event_store import EventStore
from workflows.messages import OpenRegister

log = structlog.get_logger("govern")


def _prepare(settings: Settings) -> tuple[Organisation, EventStore]:
    configure_logging(settings.log_format, settings.log_level)
    try:
        organisation = load_organisation(settings.organisation_file)
    except OrganisationFileError as error:
        fail(str(error), code=2)
    try:
        store = EventStore.open(settings.audit_database_url)
    except StoreError as error:
        fail(f"Cannot open the audit store (GOVERN_DATABASE_URL): {error}", code=2)
    return organisation, store


async def start_registers(client: Client, settings: Settings, organisation: Organisation) -> list[str]:
    """One long-lived register per governance instrument; starting one that runs already is a no-op."""
    from workflows.case_kind_workflows import workflow_for

    started = []
    for instrument in organisation.instruments:
        case_id = register_case_id(instrument.id)
        try:
            await client.start_workflow(
                workflow_for(case_id).run,
                OpenRegister(case_id=case_id, instrument=instrument.id),
                id=case_id,
                task_queue=settings.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            )
            started.append(case_id)
        except WorkflowAlreadyStartedError:
            pass
    return started


async def _serve_embedded(settings: Settings) -> None:
    from web.serving import WebNotStarted, check_web_port, start_web, web_context
    from worker import build_worker, dependencies_from, run_until_signalled

    organisation, store = _prepare(settings)
    try:
        check_web_port(settings)
        web = web_context(settings, organisation, store)
    except WebNotStarted as error:
        store.close()
        fail(str(error), code=2)
    try:
        environment = await start_embedded(settings)
    except TemporalUnavailable as error:
        store.close()
        fail(str(error), code=2)
    web_server = None
    died: str | None = None
    try:
        await register_search_attributes(environment.client, settings.temporal_namespace)
        worker = build_worker(environment.client, settings.task_queue, dependencies_from(settings, organisation, store))
        await start_registers(environment.client, settings, organisation)
        typer.echo(
            f"Temporal dev server: {settings.temporal_address} (namespace {settings.temporal_namespace}), "
            f"state in {settings.data_dir / 'temporal.db'}"
        )
        typer.echo(f"Temporal Web UI: http://127.0.0.1:{settings.ui_port} (loopback only: it has no sign-in)")
        typer.echo(f"Audit store: {store!r}")
        typer.echo(
            f"Organisation: {organisation.name} ({len(organisation.people)} people) from {settings.organisation_file}"
        )
        web.actions.use(environment.client)
        try:
            web_server = await start_web(web)
        except WebNotStarted as error:
            fail(str(error), code=2)
        typer.echo(
            f"Worker polling task queue '{settings.task_queue}'. Press Ctrl-C to stop.",
        )
        stop = asyncio.Event()
        watchdog = asyncio.create_task(watch(_parts(environment.client, worker, web_server), stop))
        await run_until_signalled(worker, stop)
        died = watchdog.result() if watchdog.done() else None
        watchdog.cancel()
    finally:
        if web_server is not None:
            await web_server.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(environment.shutdown(), timeout=15)
        store.close()
        typer.echo("govern stopped.")
    if died is not None:
        fail(
            f"govern up stopped because {died} stopped working; everything it started has been stopped, so a "
            "supervisor can start it again.",
            code=1,
        )


def _parts(client: Client, worker: Any, web_server: Any) -> list[Watched]:
    """What `govern up` watches: Temporal must answer (a few seconds' grace for a busy moment); the worker and
    the web front must still be running."""

    async def temporal_answers() -> bool:
        return await client.service_client.check_health(timeout=timedelta(seconds=2))

    async def worker_runs() -> bool:
        return not worker.is_shutdown

    async def web_serves() -> bool:
        return web_server is None or web_server.stopped is None or not web_server.stopped.done()

    return [
        Watched("the embedded Temporal server", temporal_answers, misses_allowed=2),
        Watched("the worker", worker_runs),
        Watched("the web front", web_serves),
    ]


async def _serve_worker(settings: Settings) -> None:
    from worker import build_worker, dependencies_from, run_until_signalled

    organisation, store = _prepare(settings)
    try:
        client = await connect(settings)
        await register_search_attributes(client, settings.temporal_namespace)
    except TemporalUnavailable as error:
        store.close()
        fail(str(error), code=2)
    try:
        worker = build_worker(client, settings.task_queue, dependencies_from(settings, organisation, store))
        # Every deployment keeps one register per instrument running, however many workers start at once:
        # the register's id is the instrument's case id, so only one start can succeed.
        started = await start_registers(client, settings, organisation)
        if started:
            typer.echo(f"Started the registers of {', '.join(started)}.")
        typer.echo(
            f"Worker polling task queue '{settings.task_queue}' on {settings.temporal_address}. Press Ctrl-C to stop."
        )
        await run_until_signalled(worker)
    finally:
        store.close()
        typer.echo("Worker stopped.")


def up(ctx: typer.Context) -> None:
    """Start everything on this machine: the Temporal dev server with its Web UI, the audit store, the worker
    and the web front (GOVERN_WEB_PORT)."""
    asyncio.run(_serve_embedded(settings_of(ctx)))


def worker(ctx: typer.Context) -> None:
    """Run only a worker against an existing Temporal (GOVERN_TEMPORAL_ADDRESS, TLS or API key)."""
    asyncio.run(_serve_worker(settings_of(ctx)))
