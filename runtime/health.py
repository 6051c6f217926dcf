"""Is the installation able to do its job? Temporal answers, a worker polls, the audit store opens at the current
schema, and mail can go out. `govern health` prints this and `GET /health` on the web front serves it, so an
operator or a supervisor can tell which part is down.
"""

import os
from datetime import timedelta
from pathlib import Path

from pydantic import BaseModel
from temporalio.client import Client

from runtime.settings import Settings
from runtime.temporal import TemporalUnavailable, connect, worker_is_polling
from store.errors import StoreError
from store.event_store import EventStore

CHECK_TIMEOUT = timedelta(seconds=5)


class PartHealth(BaseModel):
    part: str
    healthy: bool
    detail: str


class Health(BaseModel):
    parts: list[PartHealth]

    @property
    def healthy(self) -> bool:
        return all(part.healthy for part in self.parts)


async def _temporal(settings: Settings, client: Client | None) -> tuple[PartHealth, Client | None]:
    try:
        client = client or await connect(settings)
        answered = await client.service_client.check_health(timeout=CHECK_TIMEOUT)
    except TemporalUnavailable as error:
        return PartHealth(part="temporal", healthy=False, detail=str(error)), None
    except Exception as error:  # noqa: BLE001 - any failure to answer is the same finding
        return PartHealth(
            part="temporal", healthy=False, detail=f"no answer from {settings.temporal_address}: {error}"
        ), None
    if not answered:
        return PartHealth(
            part="temporal", healthy=False, detail=f"{settings.temporal_address} reports it is not serving"
        ), client
    return PartHealth(part="temporal", healthy=True, detail=f"{settings.temporal_address} answers"), client


async def _worker(settings: Settings, client: Client | None) -> PartHealth:
    if client is None:
        return PartHealth(part="worker", healthy=False, detail="unknown: Temporal does not answer")
    try:
        polling = await worker_is_polling(client, settings.task_queue)
    except Exception as error:  # noqa: BLE001
        return PartHealth(part="worker", healthy=False, detail=f"cannot ask Temporal: {error}")
    if polling:
        return PartHealth(part="worker", healthy=True, detail=f"polling task queue '{settings.task_queue}'")
    return PartHealth(
        part="worker", healthy=False, detail=f"no worker has polled task queue '{settings.task_queue}' lately"
    )


def _store(settings: Settings, store: EventStore | None) -> PartHealth:
    try:
        opened = store or EventStore.open_existing(settings.audit_database_url)
    except StoreError as error:
        return PartHealth(part="store", healthy=False, detail=str(error))
    try:
        head = opened.head()
    except Exception as error:  # noqa: BLE001
        return PartHealth(part="store", healthy=False, detail=f"cannot read the chain head: {error}")
    finally:
        if store is None:
            opened.close()
    return PartHealth(part="store", healthy=True, detail=f"{head.seq} events, head {head.hash[:12]}…")


async def _mail(settings: Settings) -> PartHealth:
    if settings.smtp_url is None:
        directory = settings.mail_dir
        existing = next((path for path in (directory, *directory.parents) if path.exists()), Path("/"))
        if os.access(existing, os.W_OK):
            return PartHealth(part="mail", healthy=True, detail=f"written as .eml files under {directory}")
        return PartHealth(part="mail", healthy=False, detail=f"{existing} is not writable")
    import aiosmtplib

    from activities.mail import parse_smtp_url

    target = parse_smtp_url(settings.smtp_url)
    smtp = aiosmtplib.SMTP(
        hostname=target.hostname,
        port=target.port,
        use_tls=target.use_tls,
        start_tls=target.start_tls,
        timeout=CHECK_TIMEOUT.total_seconds(),
    )
    try:
        await smtp.connect()
        await smtp.quit()
    except (TimeoutError, aiosmtplib.SMTPException, OSError) as error:
        return PartHealth(part="mail", healthy=False, detail=f"{target.describe()} does not answer: {error}")
    return PartHealth(part="mail", healthy=True, detail=f"{target.describe()} answers")


async def check(settings: Settings, client: Client | None = None, store: EventStore | None = None) -> Health:
    """Every part's health; the given client and store are used as they are (a web process keeps both)."""
    temporal, answering = await _temporal(settings, client)
    worker = await _worker(settings, answering)
    return Health(parts=[temporal, worker, _store(settings, store), await _mail(settings)])
