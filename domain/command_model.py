"""Typed commands: each action of a process as a model, a process's actions as one union on `action`.

The edges stay generic: the CLI and the web send `Command(action, actor, fields, comment)`. The decider parses
it once, at its boundary, into the action's typed command. A bad field does not refuse there: the refusal
(the same sentence `parse_fields` gives) is raised where the decider first reads the fields, so the rules a
decider checks before the input (is the step open, is this the right person) keep coming first.
"""

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Generic, TypeVar, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from domain.commands import Command, parse_fields
from domain.errors import NotAllowed


class NoFields(BaseModel):
    """The fields of an action that takes none."""

    model_config = ConfigDict(frozen=True, extra="forbid")


Fields = TypeVar("Fields", bound=BaseModel)


class ActionCommand(BaseModel, Generic[Fields]):
    """One action's command; subclasses declare `action: Literal["the-action"] = "the-action"` and
    `fields_model`."""

    model_config = ConfigDict(frozen=True)

    fields_model: ClassVar[type[BaseModel]] = NoFields

    action: str
    actor: str
    comment: str | None = None
    parsed: Any = Field(default=None, description="The fields as `fields_model`, when they are valid.")
    bad_input: str | None = Field(default=None, description="The refusal of the fields, when they are not.")

    @property
    def fields(self) -> Fields:
        """The parsed fields, or the refusal naming each bad field."""
        if self.bad_input is not None:
            raise NotAllowed(self.bad_input, rule="input")
        return self.parsed

    def refuse_bad_input(self) -> None:
        """For an action whose fields the decider never reads: the refusal of bad ones, at this point."""
        if self.bad_input is not None:
            raise NotAllowed(self.bad_input, rule="input")


Typed = TypeVar("Typed", bound=ActionCommand[Any])


class CommandFamily(Generic[Typed]):
    """The actions of one process: a discriminated union on `action`, and the parse of a `Command`."""

    def __init__(self, *models: type[ActionCommand[Any]]) -> None:
        self.models = {model.model_fields["action"].default: model for model in models}
        union: Any = Annotated[Union[tuple(models)], Field(discriminator="action")]  # noqa: UP007 - built at run time
        self._adapter: TypeAdapter[Any] = TypeAdapter(union)

    @property
    def actions(self) -> list[str]:
        return list(self.models)

    def parse(self, command: Command, case_fields: Mapping[str, type[BaseModel]] | None = None) -> Typed:
        """The command as its action's typed command; its action must be one of the family's. `case_fields`
        names, per action, the fields this case asks instead of the action's own, for an action whose fields
        depend on the case (a report to the Board gives progress or risks, by its kind)."""
        model = self.models[command.action]
        fields_model = (case_fields or {}).get(command.action, model.fields_model)
        values: dict[str, Any] = {"action": command.action, "actor": command.actor, "comment": command.comment}
        try:
            values["parsed"] = parse_fields(command, fields_model)
        except NotAllowed as refusal:
            values["bad_input"] = refusal.sentence
        return self._adapter.validate_python(values)
