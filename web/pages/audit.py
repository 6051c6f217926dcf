"""The auditor's page (the internal auditor's role, `domain.visibility.is_auditor`): every case and its
timeline, the whole trail's latest events and refused attempts, verification of the chain (also against an
uploaded signed checkpoint) and an export for offline verification. Anyone else gets a 404."""

import os
import tempfile
from pathlib import Path
from typing import Any, cast

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from domain.notice import case_path
from domain.refusal_record import COMMAND_REFUSED
from domain.visibility import is_auditor
from store.checkpoint import read_checkpoint
from store.errors import CheckpointError, StoreError
from store.export import EXPORT_FORMATS, ExportFormat, export_events
from store.models import MAX_PAGE_SIZE, EventFilter, StoredEvent
from store.projections import case_rows
from store.verify import verify
from web.guards import NotVisible, form_of, page, viewer_of, web_of
from web.rendering import render
from web.timeline import timeline_rows

RECENT = 50
MAX_CHECKPOINT_BYTES = 64 * 1024


def _require_auditor(request: Request) -> None:
    web = web_of(request)
    if not is_auditor(web.organisation, viewer_of(request).person_id):
        raise NotVisible()


def _latest_refusals(request: Request) -> list[StoredEvent]:
    """The latest refused attempts (`domain.refusal_record`), newest first, read by the type's index."""
    web = web_of(request)
    latest: list[StoredEvent] = []
    cursor = EventFilter(type=COMMAND_REFUSED, limit=MAX_PAGE_SIZE)
    while True:
        page = web.store.read(cursor)
        latest = (latest + page.events)[-RECENT:]
        if page.next_after_seq is None:
            return list(reversed(latest))
        cursor = cursor.model_copy(update={"after_seq": page.next_after_seq})


def _overview(request: Request) -> dict[str, Any]:
    web = web_of(request)
    head = web.store.head()
    after = max(0, head.seq - RECENT)
    recent = web.store.read(EventFilter(after_seq=after, limit=RECENT)).events
    return {
        "rows": case_rows(web.store),
        "head": head,
        "recent": timeline_rows(list(reversed(recent)), web.organisation, show_content=False, sealer=None),
        "refusals": [
            (event, timeline_rows([event], web.organisation, show_content=False, sealer=None)[0])
            for event in _latest_refusals(request)
        ],
    }


async def _page(request: Request, **values: Any) -> Response:
    overview = await run_in_threadpool(_overview, request)
    return render(request, "audit.html", case_path=case_path, formats=EXPORT_FORMATS, **overview, **values)


@page()
async def audit_home(request: Request) -> Response:
    _require_auditor(request)
    return await _page(request)


@page()
async def verify_chain(request: Request) -> Response:
    _require_auditor(request)
    web = web_of(request)
    try:
        result = await run_in_threadpool(verify, web.store, None, web.settings.checkpoint_key_path)
    except StoreError as error:
        return await _page(request, verdict=str(error), verdict_ok=False)
    return await _page(request, verdict=result.sentence(), verdict_ok=result.ok)


def _verify_against(request: Request, content: bytes) -> tuple[str, bool]:
    web = web_of(request)
    handle, name = tempfile.mkstemp(prefix="govern-checkpoint-", suffix=".json")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        path = Path(name)
        try:
            read_checkpoint(path)
            result = verify(web.store, checkpoint=path, key_path=web.settings.checkpoint_key_path)
        except (CheckpointError, StoreError) as error:
            return str(error).replace(name, "the uploaded file"), False
        return result.sentence(), result.ok
    finally:
        Path(name).unlink(missing_ok=True)


@page()
async def verify_checkpoint(request: Request) -> Response:
    _require_auditor(request)
    upload = form_of(request).get("checkpoint")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _page(request, verdict="Choose a checkpoint file to verify against.", verdict_ok=False)
    content = await upload.read(MAX_CHECKPOINT_BYTES + 1)
    if len(content) > MAX_CHECKPOINT_BYTES:
        return await _page(request, verdict="That file is too large to be a checkpoint.", verdict_ok=False)
    sentence, ok = await run_in_threadpool(_verify_against, request, content)
    return await _page(request, verdict=sentence, verdict_ok=ok)


def _export_file(request: Request, export_format: ExportFormat) -> str:
    web = web_of(request)
    handle, name = tempfile.mkstemp(prefix="govern-export-", suffix=f".{export_format}")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            export_events(web.store, export_format, out)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return name


@page()
async def export(request: Request) -> Response:
    _require_auditor(request)
    export_format = request.query_params.get("format", "jsonl")
    if export_format not in EXPORT_FORMATS:
        raise NotVisible()
    name = await run_in_threadpool(_export_file, request, cast(ExportFormat, export_format))
    media = "text/csv" if export_format == "csv" else "application/x-ndjson"
    return FileResponse(
        name,
        media_type=media,
        filename=f"audit.{export_format}",
        background=BackgroundTask(Path(name).unlink, missing_ok=True),
    )


routes = [
    Route("/audit", audit_home, methods=["GET"]),
    Route("/audit/verify", verify_chain, methods=["POST"]),
    Route("/audit/verify-checkpoint", verify_checkpoint, methods=["POST"]),
    Route("/audit/export", export, methods=["GET"]),
]
