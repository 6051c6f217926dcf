"""Working on cases: `govern grant submit`, `govern act`, `govern status`, `govern tasks`.

Each command checks what it can before touching Temporal (the case exists, the person exists, a worker is
listening), so bad input gets one clear line, a non-zero exit, and changes nothing.
"""

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from pydantic import BaseModel

from cli import desk_text
from cli.case_status import status_data, status_text, task_data, task_lines
from cli.context import fail, settings_of
from domain import case
from domain.acting import require_desk_owner
from domain.case_kinds import decider_for
from domain.commands import Command
from domain.errors import NotAllowed, UnknownCase
from domain.grant import GRANT
from domain.grant.application import GrantApplication
from domain.organisation import Organisation
from runtime.command_refused import CommandRefused
from runtime.documents import DocumentError, with_document_hash
from runtime.file_loading import FileInvalid, load_mapping, validate
from runtime.organisation_loader import OrganisationFileError, load_organisation
from runtime.settings import Settings
from runtime.store_access import existing_store
from store.event_store import EventStore
from store.projections import case_state, open_tasks, tasks_for

if TYPE_CHECKING:
    from temporalio.client import Client

T = TypeVar("T")

grant_app = typer.Typer(help="Multi-Donor Fund grant applications.", no_args_is_help=True)


def load_org(settings: Settings) -> Organisation:
    try:
        return load_organisation(settings.organisation_file)
    except OrganisationFileError as error:
        fail(str(error), code=2)


def open_store(settings: Settings) -> EventStore:
    """The existing audit store: the CLI only reads it (workers write), so it never creates or migrates one."""
    return refused_or(existing_store, settings)


def refused_or(function: Callable[..., T], *args: Any) -> T:
    """Run one step of the shared command path; a refusal leaves the process with its sentence."""
    try:
        return function(*args)
    except CommandRefused as refusal:
        fail(refusal.sentence, code=refusal.code)


def _parse_fields(pairs: list[str]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            fail(f"--field takes KEY=VALUE, got {pair!r}.")
        fields[key.strip()] = value
    return fields


async def _client_with_worker(settings: Settings) -> "Client":
    from runtime.case_commands import client_with_worker

    try:
        return await client_with_worker(settings)
    except CommandRefused as refusal:
        fail(refusal.sentence, code=refusal.code)


def _echo(data: Any, as_json: bool, text: str) -> None:
    typer.echo(json.dumps(data, default=str, indent=2) if as_json else text)


APPLICATION = "the application"


def loaded(function: Callable[..., T], *args: Any) -> T:
    """Read a file a person wrote (`runtime.file_loading`); a file that does not load leaves with its sentence."""
    try:
        return function(*args)
    except FileInvalid as error:
        fail(str(error))


@grant_app.command("submit")
def submit(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="The application, a YAML file (see README)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Submit a grant application; it starts the GrantApproval case grant/<reference>."""
    from runtime.case_commands import cli_channel, record_refusal, refuse_if_exists
    from workflows.messages import OpenCase

    settings = settings_of(ctx)
    fields = loaded(load_mapping, file, APPLICATION)
    loaded(validate, GrantApplication, fields, file, APPLICATION)
    organisation = load_org(settings)
    reference = str(fields.get("reference", ""))
    case_id = f"grant/{reference}"
    actor = str(fields.get("submitted_by", ""))
    command = Command(action="submit", actor=actor, fields=fields, channel=refused_or(cli_channel, settings))
    context = case.Context(organisation=organisation, now=datetime.now(UTC))
    try:
        case.decide_command(GRANT, GRANT.initial_state(case_id), command, context)
    except NotAllowed as refusal:
        record_refusal(settings, None, case_id, command, refusal.rule or "unnamed", refusal.sentence)
        fail(refusal.sentence)
    refused_or(refuse_if_exists, settings, case_id, f"Case {case_id} already exists; choose another reference.")
    state = opened_case(settings, case_id, OpenCase(case_id=case_id, command=command))
    summary = {"case": case_id, "stage": state.stage, "open_tasks": task_data(state)}
    text = f"Submitted {case_id}: stage {state.stage}.\n" + "\n".join(task_lines(state, organisation))
    _echo(summary, as_json, text)


def opened_case(settings: Settings, case_id: str, opening: BaseModel) -> case.CaseState:
    """Start the case's workflow and wait for its opening on the audit trail, or leave with the sentence."""
    from runtime.case_commands import start_case
    from workflows.case_kind_workflows import workflow_for

    try:
        return asyncio.run(start_case(settings, case_id, workflow_for(case_id).run, opening))
    except CommandRefused as refusal:
        fail(refusal.sentence, code=refusal.code)


def act(
    ctx: typer.Context,
    case_id: str = typer.Argument(..., metavar="CASE", help="e.g. grant/2027-014 or grant/2027-014/board/1"),
    action: str = typer.Argument(..., help="e.g. screen, review, approve, vote, extend, reassign, delegate"),
    actor: str = typer.Option(..., "--as", help="The person acting (an id from the organisation file)."),
    field: list[str] = typer.Option([], "--field", help="KEY=VALUE, repeatable."),
    comment: str | None = typer.Option(None, "--comment", help="The reason or comment, on the record."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Act on a case as a person. A refusal prints the rule's sentence and changes nothing.

    `--field document=PATH` stores the file by its SHA-256 and sends its hash and name."""
    perform(settings_of(ctx), case_id, action, actor, _parse_fields(field), comment, as_json)


def perform(
    settings: Settings,
    case_id: str,
    action: str,
    actor: str,
    fields: dict[str, str],
    comment: str | None,
    as_json: bool,
) -> None:
    """The checks every action passes before it reaches its case, then the action itself."""
    from runtime.case_commands import accept_by, check_before_sending, cli_channel, send_command

    organisation = load_org(settings)
    _, store = refused_or(check_before_sending, settings, organisation, None, case_id, actor)
    try:
        # Hashed now, stored only once the case accepts the command: a refusal leaves no file behind.
        fields, document = with_document_hash(fields, Path.cwd())
    except DocumentError as error:
        fail(str(error))
    deadline = accept_by(timedelta(seconds=settings.act_timeout))
    command = Command(
        action=action,
        actor=actor,
        fields=fields,
        comment=comment,
        channel=refused_or(cli_channel, settings),
        accept_by=deadline,
    )
    try:
        result = asyncio.run(send_command(settings, organisation, store, case_id, command, document=document))
    except CommandRefused as refusal:
        fail(refusal.sentence, code=refusal.code)
    except KeyboardInterrupt:
        fail(
            f"Interrupted before {case_id} answered: the '{action}' is carried out if a worker takes it before "
            f"{deadline:%H:%M:%S} UTC, and never after. Check `govern status {case_id}` after that time.",
            code=130,
        )
    text = f"{case_id}: {action} by {actor} accepted; recorded {', '.join(result.events)}; stage {result.stage}"
    if result.closed:
        text += f"; case closed ({result.outcome})"
    _echo(result.model_dump(mode="json", exclude={"version", "next_wake", "children"}), as_json, text + ".")


def status(
    ctx: typer.Context,
    case_id: str = typer.Argument(..., metavar="CASE"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The stage, a summary of the history, and the open tasks, rebuilt from the audit trail."""
    settings = settings_of(ctx)
    try:
        decider = decider_for(case_id)
    except UnknownCase as error:
        fail(str(error))
    store = open_store(settings)
    state = case_state(store, case_id)
    if state is None:
        fail(f"Unknown case '{case_id}': the audit trail has no such case.")
    organisation = load_org(settings)
    history = store.read_stream(case_id)
    data = status_data(case_id, decider, state, history)
    _echo(data, as_json, status_text(data, state, history, organisation))


def tasks(
    ctx: typer.Context,
    person: str | None = typer.Option(None, "--for", help="Only this person's tasks."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Open tasks with due dates, overdue first, from the audit trail's projection."""
    settings = settings_of(ctx)
    organisation = load_org(settings)
    store = open_store(settings)
    now = datetime.now(UTC)
    rows = tasks_for(store, now, person, organisation) if person is not None else open_tasks(store, now)
    if person is not None:
        try:
            require_desk_owner(organisation, person, holds_steps=bool(rows))
        except NotAllowed as refusal:
            fail(refusal.sentence)
    if as_json:
        typer.echo(desk_text.dumps([desk_text.task_json(row) for row in rows]))
    else:
        typer.echo(desk_text.tasks_text(rows, zone_in(organisation), person))


def zone_in(organisation: Organisation) -> Callable[[str], str]:
    """A person's zone from the organisation file, for steps that do not record theirs (UTC for someone the
    file no longer has)."""

    def zone_of(person: str) -> str:
        return organisation.person(person).time_zone if organisation.has_person(person) else "UTC"

    return zone_of
