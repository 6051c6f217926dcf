"""Reading the files people write by hand: a grant application, a plan, a scenario, the organisation file.

Every loader goes through here, so each gives the same answers to the same mistakes: one sentence when the file
cannot be read or is not UTF-8 text, the line and column of a YAML syntax error, and every field error at once,
each with its path (`tranches[1].amount: ...`), rather than the first one or a validation library's summary.

YAML reads an unquoted `2027-07-30` as a date object; here it stays the text that was written, and each model
parses it as a date where it wants one. Otherwise `consultation_closes: 2027-07-30` would be refused by a model
that expects text, and a date in a command's fields would reach the case as something other than what
`--field` sends.
"""

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

_TIMESTAMP = "tag:yaml.org,2002:timestamp"

# The C parser (libyaml) when installed: same safety, a tenth of the time.
if TYPE_CHECKING:  # a base class chosen at run time; to the type checker, the pure-Python loader (same interface)
    _SafeLoader = yaml.SafeLoader
else:
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _DatesAsTextLoader(_SafeLoader):
    """`yaml.SafeLoader` that leaves dates and times as the text written in the file."""


_DatesAsTextLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

Model = TypeVar("Model", bound=BaseModel)


class FileInvalid(Exception):
    """The file cannot be used. The message is what a person reads: one sentence, or a heading and one line
    per problem with its field path."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


def _capitalised(what: str) -> str:
    return what[:1].upper() + what[1:]


def read_text(path: Path, what: str) -> str:
    """The file's text. `what` names it in the sentence, e.g. 'the plan file'."""
    try:
        content = Path(path).read_bytes()
    except OSError as error:
        raise FileInvalid(f"Cannot read {what} {path}: {error.strerror or error}.") from None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FileInvalid(
            f"{_capitalised(what)} {path} is not UTF-8 text (byte 0x{content[error.start]:02x} at offset "
            f"{error.start}); save it as UTF-8."
        ) from None


def parse_yaml(text: str) -> Any:
    """YAML with dates left as text; a syntax error is a `yaml.YAMLError`."""
    return yaml.load(text, Loader=_DatesAsTextLoader)  # noqa: S506 - a SafeLoader subclass


def _yaml_problem(error: yaml.YAMLError) -> str:
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        what = " ".join(part for part in (error.problem, error.context) if part) or str(error).splitlines()[0]
        return where + what
    return str(error).splitlines()[0]


def load_mapping(path: Path, what: str) -> dict[str, Any]:
    """The file as a YAML mapping (dates as text), or `FileInvalid` with one sentence."""
    text = read_text(path, what)
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as error:
        raise FileInvalid(f"{_capitalised(what)} {path} is not valid YAML: {_yaml_problem(error)}.") from None
    if not isinstance(data, dict):
        raise FileInvalid(f"{_capitalised(what)} {path} must be a YAML mapping of fields.")
    return data


def field_path(loc: Sequence[int | str]) -> str:
    """pydantic's location as a person writes it: `people[3].hub`, `milestones.concept_note_due`."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif "[" in part or part == "[key]":
            continue  # pydantic's name for a union member or a validator, not a field
        else:
            path += f".{part}" if path else part
    return path


def field_problems(error: ValidationError) -> list[str]:
    """Every error of a validation, each as 'path: reason' (or the reason alone for the whole file)."""
    problems = []
    for item in error.errors():
        kind = item["type"]
        if kind == "missing":
            reason = "required field is missing"
        elif kind == "extra_forbidden":
            reason = "unknown field (check its spelling)"
        else:
            reason = item["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
            value = item.get("input")
            if kind not in ("value_error", "assertion_error") and isinstance(value, str | int | float | bool):
                shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "...'"
                reason = f"{reason} (got {shown})"
            reason = reason[:1].lower() + reason[1:]
        path = field_path(item["loc"])
        problems.append(f"{path}: {reason}" if path else reason)
    return list(dict.fromkeys(problems))


def invalid(what: str, path: Path | str | None, problems: Sequence[str]) -> FileInvalid:
    """One problem in one line; several under a heading, one line each. `path` is None for inline content."""
    subject = f"{_capitalised(what)} {path}" if path is not None else _capitalised(what)
    if len(problems) == 1:
        return FileInvalid(f"{subject} is invalid: {problems[0]}.", problems)
    lines = [f"{subject} has {len(problems)} errors:", *(f"  - {problem}" for problem in problems)]
    return FileInvalid("\n".join(lines), problems)


def validate(model: type[Model], data: Any, path: Path | str | None, what: str) -> Model:
    """`data` as `model`, or `FileInvalid` naming every field in error."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise invalid(what, path, field_problems(error)) from None


def load_model(path: Path, model: type[Model], what: str) -> Model:
    """Read, parse and validate a file in one step."""
    return validate(model, load_mapping(path, what), path, what)
