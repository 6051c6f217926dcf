"""A command: what a person asks a case to do, exactly as `govern act` carries it.

Each decider turns the loose `fields` into its own typed model and refuses bad input with a sentence.
"""

from datetime import datetime
from typing import Any, Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.errors import NotAllowed
from domain.suggestions import did_you_mean


class Channel(BaseModel):
    """How the person behind a command was identified, as the audit trail records it beside the actor: the
    web (with the sign-in method and a session reference, never a token), the command line (with the
    operating-system user and host), or a simulation. Events the engine records on its own say `timer` or
    `system`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Literal["web", "cli", "simulation", "timer", "system"]
    sign_in: str | None = Field(default=None, description="Web: 'email-link' or 'oidc'.")
    session: str | None = Field(default=None, description="Web: a reference to the session, never its token.")
    os_user: str | None = Field(default=None, description="CLI: the operating-system user who ran it.")
    host: str | None = Field(default=None, description="CLI: the machine it ran on.")

    def recorded(self) -> dict[str, str]:
        """As it goes into each event's payload under `channel`."""
        return self.model_dump(exclude_none=True)


TIMER_CHANNEL = Channel(name="timer")
SYSTEM_CHANNEL = Channel(name="system")


class Command(BaseModel):
    model_config = ConfigDict(frozen=True)

    action: str
    actor: str
    fields: dict[str, Any] = Field(default_factory=dict)
    comment: str | None = None
    channel: Channel | None = Field(
        default=None, description="How the actor was identified; commands recorded before channels have none."
    )
    accept_by: datetime | None = Field(
        default=None,
        description="The instant by which the case must accept the command; after it the case refuses it, so an "
        "action its sender gave up waiting for can never take effect later without a word.",
    )


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


class Commented(Protocol):
    """A command as `required_comment` reads it: a `Command`, or a process's typed command."""

    @property
    def action(self) -> str: ...

    @property
    def comment(self) -> str | None: ...


def required_comment(command: Commented, why: str | None = None) -> str:
    """The command's comment, which this action needs as its reason; else a refusal saying so."""
    if not command.comment or not command.comment.strip():
        what = why or f"Action '{command.action}'"
        raise NotAllowed(f"{what} needs a reason: give --comment.", rule="reason")
    return command.comment.strip()
