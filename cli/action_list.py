"""What `govern actions CASE --as PERSON` prints: the actions open to the person on the case now, their fields, their
comment rule and the `govern act` lines that take them. One definition for the full path (`cli.actions`) and the
lean one (`cli.quick`), so that the two cannot print differently; it loads neither Typer, the settings nor
SQLAlchemy."""

from typing import Any

from domain.action_catalogue import ActionOffer, FieldSpec, how_to_act
from domain.case import CaseState
from domain.notice import format_local
from domain.organisation import Organisation


def actions_data(case_id: str, state: CaseState, person: str, offers: list[ActionOffer]) -> dict[str, Any]:
    """The offers as `--json` prints them."""
    return {
        "case": case_id,
        "person": person,
        "stage": state.stage,
        "closed": state.closed,
        "offers": [{**offer.model_dump(mode="json"), "how_to_act": how_to_act(offer, person)} for offer in offers],
    }


def actions_text(organisation: Organisation, state: CaseState, person: str, offers: list[ActionOffer]) -> str:
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
        parts.append(f"required when {_when(spec.required_when)}")
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
