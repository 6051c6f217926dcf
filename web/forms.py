"""An offer from the catalogue (`domain.action_catalogue.ActionOffer`) as an HTML form, and a submitted form back
into the command's fields.

Only the offer's own fields, `action`, `comment` and `csrf_token` are read from a submission; anything else a
browser sends (an `actor`, an `as`, a `channel`) is ignored, so no form field can name who acts. A document
field is a file upload, stored by its SHA-256 like `govern act --field document=PATH`.
"""

from pathlib import Path

from pydantic import BaseModel, ConfigDict
from starlette.datastructures import FormData, UploadFile

from domain.action_catalogue import ActionOffer, FieldSpec
from domain.organisation import Organisation
from runtime.documents import Document

#: A choice with this many options or fewer is a row of radio buttons; more is a drop-down list.
RADIO_LIMIT = 5
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


class Choice(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: str
    label: str


class FieldView(BaseModel):
    """One field as the template draws it."""

    model_config = ConfigDict(frozen=True)

    name: str
    label: str
    widget: str  # radio, select, checkboxes, text, number, date, file
    required: bool
    choices: tuple[Choice, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    help: str | None = None
    value: str = ""
    values: tuple[str, ...] = ()


class FormView(BaseModel):
    model_config = ConfigDict(frozen=True)

    offer: ActionOffer
    fields: tuple[FieldView, ...]
    multipart: bool
    comment_required: bool
    comment_help: str | None
    comment: str = ""


def _choice_label(value: str, organisation: Organisation) -> str:
    if organisation.has_person(value):
        return f"{organisation.person(value).name} ({value})"
    return value.replace("_", " ").replace("-", " ")


def _widget(spec: FieldSpec) -> str:
    if spec.kind == "document":
        return "file"
    if spec.kind == "people":
        return "checkboxes" if spec.choices else "text"
    if spec.kind in ("choice", "boolean", "person") and spec.choices:
        return "radio" if len(spec.choices) <= RADIO_LIMIT and spec.kind != "person" else "select"
    if spec.kind == "integer":
        return "number"
    if spec.kind == "date":
        return "date"
    return "text"


def _when(conditions: dict[str, tuple[str, ...]], offer: ActionOffer) -> str | None:
    if not conditions:
        return None
    labels = {spec.name: spec.label for spec in offer.fields}
    parts = [f"{labels.get(name, name).lower()} is {' or '.join(values)}" for name, values in conditions.items()]
    return "Required when " + "; ".join(parts) + "."


def form_view(offer: ActionOffer, organisation: Organisation, entered: FormData | None = None) -> FormView:
    """The offer as a form, with what the person entered last time (after a refusal) filled back in."""
    views = []
    for spec in offer.fields:
        widget = _widget(spec)
        help_text = " ".join(part for part in (spec.help, _when(spec.required_when, offer)) if part) or None
        value = ""
        values: tuple[str, ...] = ()
        if entered is not None and widget != "file":
            values = tuple(str(item) for item in entered.getlist(spec.name) if isinstance(item, str))
            value = values[0] if values else ""
        views.append(
            FieldView(
                name=spec.name,
                label=spec.label,
                widget=widget,
                required=spec.required and not spec.required_when,
                choices=tuple(
                    Choice(value=choice, label=_choice_label(choice, organisation)) for choice in spec.choices
                ),
                minimum=spec.minimum,
                maximum=spec.maximum,
                help=help_text,
                value=value,
                values=values,
            )
        )
    comment = entered.get("comment") if entered is not None else None
    return FormView(
        offer=offer,
        fields=tuple(views),
        multipart=any(view.widget == "file" for view in views),
        comment_required=offer.comment == "required",
        comment_help=_when(offer.comment_required_when, offer),
        comment=comment if isinstance(comment, str) else "",
    )


class SubmittedFields(BaseModel):
    """The command's fields as read from a form, and the uploaded document, to store once the command is
    accepted (a refused one leaves no file behind)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    fields: dict[str, str]
    comment: str | None
    document: Document | None = None


class BadSubmission(Exception):
    """One sentence: the form could not be read (a file too large)."""


async def read_submission(offer: ActionOffer, form: FormData) -> SubmittedFields:
    fields: dict[str, str] = {}
    document: Document | None = None
    for spec in offer.fields:
        if spec.kind == "document":
            upload = form.get(spec.name)
            if isinstance(upload, UploadFile) and upload.filename:
                content = await upload.read(MAX_DOCUMENT_BYTES + 1)
                if len(content) > MAX_DOCUMENT_BYTES:
                    raise BadSubmission(f"{spec.label} is larger than 20 MB; nothing was sent.")
                document = Document(name=Path(upload.filename).name, content=content)
                fields["document_sha256"] = document.sha256
                fields["document_name"] = document.name
            continue
        given = [item.strip() for item in form.getlist(spec.name) if isinstance(item, str) and item.strip()]
        if not given:
            continue
        fields[spec.name] = ",".join(given) if spec.kind == "people" else given[0]
    comment = form.get("comment")
    text = comment.strip() if isinstance(comment, str) else ""
    return SubmittedFields(fields=fields, comment=text or None, document=document)
