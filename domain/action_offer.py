"""What an action open to a person looks like: its fields and its comment, as forms and command lines show them.

`domain.action_catalogue` finds the offers; `domain.action_table` says what the deciders' models cannot.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FieldKind = Literal["choice", "text", "integer", "date", "person", "people", "document", "boolean"]

#: The placeholder a line gives for a comment or a free text; the decider accepts it, the person replaces it.
PLACEHOLDER = "..."
#: What a document field reads in a line: the one value only the person can supply.
PATH = "PATH"
BOOLEAN_CHOICES = ("no", "yes")


class FieldSpec(BaseModel):
    """One field of an action, as a form shows it and `--field name=value` sends it."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(description="As in --field name=value.")
    label: str = Field(description="What a form's <label> says.")
    kind: FieldKind
    choices: tuple[str, ...] = ()
    required: bool = True
    minimum: int | None = None
    maximum: int | None = None
    help: str | None = None
    example: str | None = Field(
        default=None, description="The value a `how_to_act` line gives; None: the field is left out of lines."
    )
    required_when: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Another field -> its values that make this one required."
    )


class ActionOffer(BaseModel):
    """One action a person may take on a case now."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    action: str = Field(description="The `govern act` action.")
    label: str = Field(description="e.g. 'Approve or reject', 'Object', 'Vote'.")
    task_id: str | None = Field(description="The step it completes, if any.")
    task_title: str | None
    due_at: datetime | None
    on_behalf_of: str | None = Field(description="Set when the person acts as an absent colleague's substitute.")
    fields: tuple[FieldSpec, ...]
    comment: Literal["required", "optional"]
    comment_label: str = Field(description="e.g. 'Grounds for objecting', 'Reason'.")
    comment_required_when: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="A field -> its values that make the comment required."
    )

    @property
    def decision(self) -> FieldSpec | None:
        """The field whose choices the lines spell out one by one (the first choice or yes/no field)."""
        return decision_field(self.fields)

    @property
    def needs_document(self) -> bool:
        return any(spec.kind == "document" and spec.example is not None for spec in self.fields)


def decision_field(fields: Iterable[FieldSpec]) -> FieldSpec | None:
    return next((spec for spec in fields if spec.kind in ("choice", "boolean") and spec.choices), None)
