"""A command: what a person asks a case to do, exactly as `govern act` carries it.

Each decider turns the loose `fields` into its own typed model and refuses bad input with a sentence.
"""

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.errors import NotAllowed
from domain.suggestions import did_you_mean


class Command(BaseModel):
    model_config = ConfigDict(frozen=True)

    action: str
    actor: str
    fields: dict[str, Any] = Field(default_factory=dict)
    comment: str | None = None


class EventDraft(BaseModel):
    """An event as a decider states it; the runtime adds the id, the stream and the instant."""

    model_config = ConfigDict(frozen=True)

    type: str
    actor: str
    actor_role: str | None = None
    on_behalf_of: str | None = None
    reason: str | None = None
    outcome: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)


FieldsModel = TypeVar("FieldsModel", bound=BaseModel)


def parse_fields(command: Command, model: type[FieldsModel]) -> FieldsModel:
    """The command's fields as `model`, or a refusal naming each bad field; an unknown field gets the near
    miss it probably was, and the list of the action's fields."""
    try:
        return model.model_validate(command.fields)
    except ValidationError as error:
        valid = list(model.model_fields)
        problems = []
        unknown = False
        for item in error.errors():
            name = ".".join(str(part) for part in item["loc"]) or "fields"
            if item["type"] == "missing":
                problems.append(f"field '{name}' is required")
            elif item["type"] == "extra_forbidden":
                unknown = True
                suggestion = did_you_mean(name, valid)
                problems.append(f"field '{name}' is not known{' (' + suggestion + ')' if suggestion else ''}")
            else:
                problems.append(f"field '{name}': {item['msg'][0].lower()}{item['msg'][1:]}")
        if unknown:
            problems.append(
                f"the fields of '{command.action}' are: {', '.join(valid)}"
                if valid
                else f"'{command.action}' takes no fields"
            )
        raise NotAllowed(f"Action '{command.action}' has bad input: {'; '.join(problems)}.", rule="input") from None


def required_comment(command: Command, why: str | None = None) -> str:
    """The command's comment, which this action needs as its reason; else a refusal saying so."""
    if not command.comment or not command.comment.strip():
        what = why or f"Action '{command.action}'"
        raise NotAllowed(f"{what} needs a reason: give --comment.", rule="reason")
    return command.comment.strip()
