"""`govern actions CASE --as PERSON`: what the person may do on the case now, with which fields, and the
`govern act` lines that do it. It reads the case from the audit trail and asks the action catalogue
(`domain.action_catalogue`), the same one the web's forms and the e-mails use, and prints through
`cli.action_list`, as the lean path does (`cli.quick`)."""

import json
from datetime import UTC, datetime

import typer

from cli.action_list import actions_data, actions_text
from cli.context import fail, settings_of
from domain.acting import require_known_person
from domain.action_catalogue import actions_open_to
from domain.case import Context
from domain.case_kinds import decider_for
from domain.errors import NotAllowed, UnknownCase
from runtime.command_refused import CommandRefused
from runtime.organisation_loader import OrganisationFileError, load_organisation
from runtime.store_access import existing_store
from store.projections import case_state


def actions(
    ctx: typer.Context,
    case_id: str = typer.Argument(..., metavar="CASE", help="e.g. grant/2027-014 or grant/2027-014/board/1"),
    person: str = typer.Option(..., "--as", help="The person (an id from the organisation file)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The actions open to a person on a case now, their fields, and the `govern act` lines that take them."""
    settings = settings_of(ctx)
    try:
        organisation = load_organisation(settings.organisation_file)
    except OrganisationFileError as error:
        fail(str(error), code=2)
    try:
        require_known_person(organisation, person)
        decider_for(case_id)
    except NotAllowed as refusal:
        fail(refusal.sentence)
    except UnknownCase as error:
        fail(str(error))
    try:
        store = existing_store(settings)
    except CommandRefused as refusal:
        fail(refusal.sentence, code=refusal.code)
    try:
        state = case_state(store, case_id)
    finally:
        store.close()
    if state is None:
        fail(f"Unknown case '{case_id}': the audit trail has no such case.")
    offers = actions_open_to(state, person, Context(organisation=organisation, now=datetime.now(UTC)))
    if as_json:
        typer.echo(json.dumps(actions_data(case_id, state, person, offers), indent=2))
        return
    typer.echo(actions_text(organisation, state, person, offers))
