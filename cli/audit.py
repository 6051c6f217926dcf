"""`govern audit`: read, export, checkpoint and verify the tamper-evident audit trail.

Every input is checked before the store is opened or a file is written, so bad input costs nothing but
one sentence and a non-zero exit.
"""

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TextIO, cast

import typer

from cli.context import fail, settings_of
from cli.reconcile import reconcile
from runtime.settings import Settings
from store.errors import CheckpointError, StoreError
from store.event_store import EventStore
from store.export import EXPORT_FORMATS, ExportFormat, export_events
from store.models import MAX_PAGE_SIZE, EventFilter, StoredEvent
from store.verify import verify as verify_chain

app = typer.Typer(
    help="Read, export, checkpoint and verify the tamper-evident audit trail.",
    no_args_is_help=True,
    add_completion=False,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON (one object per line) instead of text.")]


@contextmanager
def _opened_store(settings: Settings) -> Iterator[EventStore]:
    """The existing store; the log alone, so read projections behind it (see `store.projections`) do not matter."""
    try:
        store = EventStore.open_existing(settings.audit_database_url, projections_current=False)
    except StoreError as error:
        fail(str(error))
    try:
        yield store
    finally:
        store.close()


def _instant(text: str | None, option: str) -> datetime | None:
    """An ISO-8601 date or date-time; without a zone it is taken as UTC."""
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        fail(f"Invalid {option} {text!r}: expected an ISO-8601 date or time, e.g. 2027-03-01 or 2027-03-01T09:00:00Z.")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@app.command()
def verify(
    ctx: typer.Context,
    checkpoint: Annotated[
        Path | None,
        typer.Option("--checkpoint", help="Also prove the log still extends this signed checkpoint."),
    ] = None,
    from_checkpoint: Annotated[
        Path | None,
        typer.Option(
            "--from-checkpoint",
            help="Verify only what was appended since this signed checkpoint, and that it extends it.",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Recompute the hash chain; exit 1 naming the first broken sequence number."""
    settings = settings_of(ctx)
    key_path = settings.checkpoint_key_path
    if checkpoint is not None and from_checkpoint is not None:
        fail("Give either --checkpoint (verify everything) or --from-checkpoint (verify what came after it), not both.")
    signed_file = checkpoint or from_checkpoint
    if signed_file is not None:
        from store.checkpoint import load_public_key, read_checkpoint

        try:
            read_checkpoint(signed_file)
            load_public_key(key_path)
        except CheckpointError as error:
            fail(str(error))
    with _opened_store(settings) as store:
        try:
            result = verify_chain(store, checkpoint=checkpoint, key_path=key_path, from_checkpoint=from_checkpoint)
        except StoreError as error:
            fail(str(error))
    typer.echo(result.model_dump_json() if as_json else result.sentence())
    if not result.ok:
        raise typer.Exit(1)


@app.command()
def checkpoint(
    ctx: typer.Context,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Where to write it [default <data dir>/checkpoints/checkpoint-<seq>.json]."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Sign the log's current head with the checkpoint key and print the file's path."""
    settings = settings_of(ctx)
    from store.checkpoint import read_checkpoint, write_checkpoint

    if out is not None and out.is_dir():
        fail(f"--out {out} is a directory; give a file name.")
    with _opened_store(settings) as store:
        try:
            path = write_checkpoint(
                store, settings.checkpoint_key_path, out, directory=settings.data_dir / "checkpoints"
            )
        except StoreError as error:
            fail(str(error))
    if as_json:
        statement = read_checkpoint(path).statement
        typer.echo(json.dumps({"path": str(path), **statement.model_dump()}))
    else:
        typer.echo(str(path))


_TABLE_COLUMNS = ("seq", "occurred at (UTC)", "case", "v", "type", "actor", "for", "outcome", "reason")


def _table_row(event: StoredEvent) -> tuple[str, ...]:
    actor = f"{event.actor} ({event.actor_role})" if event.actor_role else event.actor
    return (
        str(event.seq),
        event.occurred_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        event.stream_id,
        str(event.stream_version),
        event.type,
        actor,
        event.on_behalf_of or "",
        event.outcome or "",
        (event.reason or "").replace("\n", " "),
    )


def _print_table(events: list[StoredEvent], out: TextIO, notes: dict[int, str] | None = None) -> None:
    """The table, with an indented line under a row whose seq has a note (its sealed content)."""
    notes = notes or {}
    rows = [_TABLE_COLUMNS, *(_table_row(event) for event in events)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_TABLE_COLUMNS))]
    for position, row in enumerate(rows):
        out.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() + "\n")
        note = notes.get(events[position - 1].seq) if position else None
        if note is not None:
            out.write(f"    content: {note}\n")


@app.command()
def log(
    ctx: typer.Context,
    stream: Annotated[str | None, typer.Option("--stream", help="Only this case, e.g. grant/2027-014.")] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="Only events by this person or 'system'.")] = None,
    event_type: Annotated[str | None, typer.Option("--type", help="Only this event type.")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Occurred at or after (ISO-8601; UTC if no zone).")
    ] = None,
    until: Annotated[str | None, typer.Option("--until", help="Occurred before (ISO-8601; UTC if no zone).")] = None,
    limit: Annotated[int, typer.Option("--limit", help=f"At most this many events (1-{MAX_PAGE_SIZE}).")] = 50,
    after: Annotated[int, typer.Option("--after", help="Start after this sequence number (paging cursor).")] = 0,
    as_json: JsonFlag = False,
) -> None:
    """Show audit events, oldest first, filtered by case, actor, type and time."""
    settings = settings_of(ctx)
    since_at, until_at = _instant(since, "--since"), _instant(until, "--until")
    if not 1 <= limit <= MAX_PAGE_SIZE:
        fail(f"Invalid --limit {limit}: give a number from 1 to {MAX_PAGE_SIZE}.")
    if after < 0:
        fail(f"Invalid --after {after}: sequence numbers start at 1.")
    if since_at and until_at and until_at < since_at:
        fail("--until is before --since, so no event could match.")
    event_filter = EventFilter(
        stream_id=stream,
        actor=actor,
        type=event_type,
        since=since_at,
        until=until_at,
        after_seq=after,
        limit=limit,
    )
    # Sealed content is opened (and its cryptography loaded) only for the log that shows it.
    from cli.audit_content import Unsealed
    from runtime.codec_keys import CodecConfigError
    from runtime.sealing import sealer_from_settings

    try:
        unsealed = Unsealed(sealer_from_settings(settings))
    except CodecConfigError as error:
        fail(str(error))
    with _opened_store(settings) as store:
        page = store.read(event_filter)
    if as_json:
        for event in page.events:
            typer.echo(unsealed.json_line(event))
        unsealed.settle()
        return
    if not page.events:
        typer.echo("No audit events match.")
        return
    notes = {event.seq: note for event in page.events if (note := unsealed.note(event)) is not None}
    _print_table(page.events, sys.stdout, notes)
    if page.next_after_seq is not None:
        typer.echo(f"More events follow: add --after {page.next_after_seq}.")
    unsealed.settle()


@app.command()
def export(
    ctx: typer.Context,
    export_format: Annotated[str, typer.Option("--format", help="jsonl or csv.")] = "jsonl",
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file [default: standard output].")] = None,
) -> None:
    """Export every record with its chain fields, for offline re-verification (see store/VERIFYING.md)."""
    settings = settings_of(ctx)
    if export_format.strip().lower() not in EXPORT_FORMATS:
        fail(f"Unknown export format {export_format!r}: use jsonl or csv.")
    chosen = cast(ExportFormat, export_format.strip().lower())
    if out is not None and (out.is_dir() or not out.parent.is_dir()):
        fail(f"Cannot write the export to {out}: its directory does not exist or it is a directory.")
    with _opened_store(settings) as store:
        if out is None:
            count = export_events(store, chosen, sys.stdout)
            sys.stdout.flush()
            return
        # Into a temporary file that is renamed at the end: an interrupted export leaves nothing behind.
        handle = tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", newline="", dir=out.parent, prefix=f".{out.name}.", delete=False
        )
        try:
            with handle:
                count = export_events(store, chosen, handle)
            os.replace(handle.name, out)
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
    typer.echo(f"Exported {count} events to {out}.", err=True)


app.command("reconcile")(reconcile)
