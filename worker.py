"""The worker: registers every case workflow and activity on the task queue, and stops cleanly on a signal.

It is an edge: it wires the store, the organisation and the mail delivery to Temporal, and holds no rule.
"""

import asyncio
import concurrent.futures
import hashlib
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import structlog
from temporalio.client import Client
from temporalio.worker import Worker

from activities.audit import AuditActivities
from activities.case_starter import CaseStarter
from activities.mail import MailDelivery
from activities.notify import DEFAULT_GIVE_UP, NotifyActivities
from activities.organisation import OrganisationActivities
from domain.organisation import Organisation
from runtime.activity_logging import LoggingInterceptor
from runtime.sealing import ContentSealer, sealer_from_settings
from runtime.settings import Settings
from runtime.workflow_sandbox import workflow_runner
from store.event_store import EventStore
from workflows.case_kind_workflows import all_workflows

WORKFLOWS: Sequence[type] = all_workflows()

log = structlog.get_logger("govern.worker")

_ROOT = Path(__file__).resolve().parent
# The code that decides what a workflow does on replay: its orchestration and the rules it calls.
_BUILD_SOURCES = ("workflows", "domain")


@cache
def build_id() -> str:
    """This code's worker build id: a hash of the workflow and domain sources (a few dozen files).

    Without one, the SDK hashes the bytecode of every loaded module (temporalio, pydantic, SQLAlchemy, ...) when
    the worker starts, which costs a fifth of a second each time and says no more about the workflows."""
    digest = hashlib.sha256()
    for package in _BUILD_SOURCES:
        for path in sorted((_ROOT / package).rglob("*.py")):
            digest.update(path.relative_to(_ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return f"govern-{digest.hexdigest()[:16]}"


@dataclass(frozen=True)
class WorkerDependencies:
    store: EventStore
    organisation: Organisation
    delivery: MailDelivery
    sealer: ContentSealer | None = None
    notice_give_up: timedelta = DEFAULT_GIVE_UP


def dependencies_from(settings: Settings, organisation: Organisation, store: EventStore) -> WorkerDependencies:
    """Raises CodecConfigError (one line naming the setting) when GOVERN_CODEC_KEYS is malformed."""
    delivery = MailDelivery(
        smtp_url=settings.smtp_url,
        mail_dir=settings.mail_dir,
        mail_from=settings.mail_from,
        public_url=settings.public_url,
    )
    return WorkerDependencies(
        store=store,
        organisation=organisation,
        delivery=delivery,
        sealer=sealer_from_settings(settings),
        notice_give_up=timedelta(hours=settings.notice_give_up_hours),
    )


def activities_of(dependencies: WorkerDependencies, client: Client, task_queue: str) -> list[Callable[..., Any]]:
    audit = AuditActivities(dependencies.store, dependencies.sealer)
    organisation = OrganisationActivities(dependencies.organisation)
    notify = NotifyActivities(dependencies.delivery, dependencies.notice_give_up)
    starter = CaseStarter(client, task_queue)
    return [
        starter.start_case,
        audit.record_events,
        organisation.organisation_snapshot,
        organisation.plan_schedules,
        notify.send_notice,
    ]


def build_worker(
    client: Client, task_queue: str, dependencies: WorkerDependencies, max_cached_workflows: int = 1000
) -> Worker:
    """`max_cached_workflows=0` turns the sticky cache off, so another worker can take over a running case at
    once (the time-skipping test server never times out a stopped worker's sticky queue)."""
    return Worker(
        client,
        task_queue=task_queue,
        workflows=list(WORKFLOWS),
        activities=activities_of(dependencies, client, task_queue),
        activity_executor=concurrent.futures.ThreadPoolExecutor(max_workers=16),
        interceptors=[LoggingInterceptor()],
        workflow_runner=workflow_runner(),
        graceful_shutdown_timeout=timedelta(seconds=10),
        max_cached_workflows=max_cached_workflows,
        build_id=build_id(),
    )


async def run_until_signalled(worker: Worker, stop: asyncio.Event | None = None) -> None:
    """Run the worker until SIGINT or SIGTERM (or `stop` is set), then shut it down gracefully."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with worker:
            log.info("worker polling", task_queue=worker.task_queue)
            await stop.wait()
            log.info("worker stopping")
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
