"""`govern actions CASE --as PERSON`: what the person may do on the case now, with which fields, and the
`govern act` lines that do it. It reads the case from the audit trail and asks the action catalogue
(`domain.action_catalogue`), the same one the web's forms and the e-mails use."""

import json
from datetime import UTC, datetime

import typer

from cli.context import fail, settings_of
from domain.acting import require_known_person
from domain.action_catalogue import ActionOffer, FieldSpec, actions_open_to, how_to_act
from domain.case import CaseState, Context
from domain.case_kinds import decider_for
from domain.errors import NotAllowed, UnknownCase
from domain.notice import format_local
from domain.organisation import Organisation
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
        data = {
            "case": case_id,
            "person": person,
            "stage": state.stage,
            "closed": state.closed,
            "offers": [{**offer.model_dump(mode="json"), "how_to_act": how_to_act(offer, person)} for offer in offers],
        }
        typer.echo(json.dumps(data, indent=2))
        return
    typer.echo(_text(organisation, state, person, offers))


def _text(organisation: Organisation, state: CaseState, person: str, offers: list[ActionOffer]) -> str:
    who = f"{organisation.person(person).name} ({person})"
    if state.closed:
        return f"No actions are open to {who} on {state.case_id}: it is closed ({state.outcome or state.stage})."
    if not offers:
        return f"No actions are open to {who} on {state.case_id} now (stage {state.stage})."
    lines = [f"Actions open to {who} on {state.case_id} (stage {state.stage}):"]
    zone = organisation.person(person).time_zone
    for offer in offers:
        lines.append("")
        heading = f"{offer.label} ({offer.action})"
        if offer.task_id:
            heading += f", step {offer.task_id}"
        if offer.on_behalf_of:
            heading += f", on behalf of {organisation.person(offer.on_behalf_of).name} ({offer.on_behalf_of})"
        if offer.due_at:
            heading += f", due {format_local(offer.due_at, zone)}"
        lines.append(heading)
        for spec in offer.fields:
            lines.append(f"  --field {spec.name}=  {_describe(spec)}")
        lines.append(f"  --comment  {_comment(offer)}")
        lines.extend(f"    {line}" for line in how_to_act(offer, person))
    return "\n".join(lines)


#: How many choices a line of text lists before it says how many there are.
_SHOWN = 12


def _when(rules: dict[str, tuple[str, ...]]) -> str:
    return "; ".join(f"{field} is {' or '.join(values)}" for field, values in rules.items())


def _describe(spec: FieldSpec) -> str:
    parts = [spec.label, "required" if spec.required else "optional"]
    if spec.required_when:
        parts.append(
            "required when "
            + "; ".join(f"{field} is {' or '.join(values)}" for field, values in spec.required_when.items())
        )
    if spec.choices:
        joiner = ", " if spec.kind == "people" else " | "
        shown = joiner.join(spec.choices[:_SHOWN])
        if len(spec.choices) > _SHOWN:
            shown += f"{joiner}... ({len(spec.choices)} in all; --json lists them)"
        parts.append(("from " if spec.kind == "people" else "") + shown)
    elif spec.kind == "integer":
        if spec.minimum is not None and spec.maximum is not None:
            parts.append(f"a whole number from {spec.minimum} to {spec.maximum}")
        elif spec.minimum is not None:
            parts.append(f"a whole number, at least {spec.minimum}")
        else:
            parts.append("a whole number")
    elif spec.kind == "date":
        parts.append("YYYY-MM-DD")
    elif spec.kind == "document":
        parts.append("the path of the file (stored by its SHA-256)")
    if spec.help and spec.help.rstrip(".").lower() != spec.label.lower():
        parts.append(spec.help)
    return "; ".join(parts)


def _comment(offer: ActionOffer) -> str:
    if offer.comment == "required":
        return f"{offer.comment_label}: required"
    when = _when(offer.comment_required_when)
    return f"{offer.comment_label}: " + (f"required when {when}" if when else "optional")
