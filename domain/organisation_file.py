"""Reading the organisation file: YAML text in, a whole valid `Organisation` out, or every error at once.

A person fixing the file wants the full list, not one error per attempt, so `parse_organisation` reports
YAML syntax errors with their line, field errors with paths like `people[3].time_zone`, and cross-reference
errors (unknown hub, supervisor cycle, gaps in the delegation of authority) together. Nothing is half-loaded:
the caller gets an `Organisation` or `OrganisationInvalid`, never a partial model.

Pure: it takes text, not a path, so reading the file stays an activity's job.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from domain.organisation import (
    AppraisalSettings,
    AuthorityBand,
    Hub,
    Instrument,
    Organisation,
    OrganisationParts,
    OrganisationProblems,
    Person,
    StepPlanSpec,
    find_problems,
)

__all__ = ["OrganisationInvalid", "parse_organisation"]


class OrganisationInvalid(ValueError):
    """The organisation file is not valid. `errors` holds one "field.path: reason" line per problem."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors: list[str] = list(errors)
        count = len(self.errors)
        heading = f"The organisation file has {count} error{'s' if count != 1 else ''}:"
        super().__init__("\n".join([heading, *(f"  - {error}" for error in self.errors)]))


# ----------------------------------------------------------------------------------------------------------
# YAML: safe, and without the YAML 1.1 surprises that bite configuration files


_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"


# The C parser (libyaml) when installed: same safety, a tenth of the time.
if TYPE_CHECKING:  # a base class chosen at run time; to the type checker, the pure-Python loader (same interface)
    _SafeLoader = yaml.SafeLoader
else:
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _OrganisationLoader(_SafeLoader):
    """`yaml.SafeLoader` that reads 17:00 as text (not the base-60 number 1020), `NO` as Norway (not false),
    and refuses a key given twice in one mapping instead of silently keeping the last."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
            except TypeError:
                duplicate = False
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"found the key {key!r} twice",
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


_OrganisationLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_INT, _FLOAT, _BOOL)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_OrganisationLoader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_OrganisationLoader.add_implicit_resolver(
    _INT, re.compile(r"^(?:[-+]?0x[0-9a-fA-F_]+|[-+]?(?:0|[1-9][0-9_]*))$"), list("-+0123456789")
)
_OrganisationLoader.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def _load_yaml(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_OrganisationLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        what = " ".join(part for part in (error.problem, error.context) if part) or str(error)
        raise OrganisationInvalid([f"yaml: {where}{what}"]) from None
    except yaml.YAMLError as error:
        raise OrganisationInvalid([f"yaml: {error}"]) from None


# ----------------------------------------------------------------------------------------------------------
# Turning pydantic's errors into "field.path: reason"


def _path(loc: Sequence[int | str]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "[key]":
            continue
        else:
            path += f".{part}" if path else str(part)
    return path or "organisation"


_SCALARS = (str, int, float, bool, type(None))


def _reason(error: Any) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (not part of the organisation file format; check its spelling)"
    # The models hold lists as tuples so that they stay frozen; the file's author wrote a list.
    message: str = error["msg"].replace("a valid tuple", "a list").replace("Tuple should", "List should")
    if kind in ("value_error", "assertion_error"):
        message = re.sub(r"^(Value error|Assertion failed), ", "", message)
    else:
        value = error.get("input")
        if isinstance(value, _SCALARS):
            message = f"{message} (got {value!r})"
    return message[:1].lower() + message[1:]


def _is_cross_check(error: Any) -> bool:
    return isinstance((error.get("ctx") or {}).get("error"), OrganisationProblems)


# ----------------------------------------------------------------------------------------------------------
# Validating section by section, so cross-checks still run when some records are broken

_M = TypeVar("_M", bound=BaseModel)


def _each(raw: Any, model: type[_M]) -> tuple[list[tuple[int, _M]] | None, set[str], bool]:
    """Validate every item of a list alone: (the valid ones, ids of the invalid ones, whether all passed)."""
    if not isinstance(raw, list):
        return None, set(), False
    valid: list[tuple[int, _M]] = []
    unchecked: set[str] = set()
    for index, item in enumerate(raw):
        try:
            valid.append((index, model.model_validate(item)))
        except ValidationError:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                unchecked.add(item["id"])
    return valid, unchecked, len(valid) == len(raw)


def _one(raw: Any, model: type[_M]) -> _M | None:
    try:
        return model.model_validate(raw)
    except ValidationError:
        return None


def _parts(data: dict[str, Any]) -> OrganisationParts:
    hubs, hub_ids_unchecked, _ = _each(data.get("hubs"), Hub)
    people, person_ids_unchecked, people_complete = _each(data.get("people"), Person)
    bands, _, bands_complete = _each(data.get("delegation_of_authority"), AuthorityBand)
    instruments, _, _ = _each(data.get("instruments", []), Instrument)
    raw_board = data.get("board")
    board = raw_board if isinstance(raw_board, dict) else {}
    voting = board.get("voting_members")
    observers = board.get("observers")
    raw_plans = data.get("step_plans")
    step_plans: dict[str, StepPlanSpec] | None = None
    if isinstance(raw_plans, dict):
        step_plans = {}
        for kind, raw_plan in raw_plans.items():
            spec = _one(raw_plan, StepPlanSpec)
            if isinstance(kind, str) and spec is not None:
                step_plans[kind] = spec
    raw_appraisal = data.get("appraisal")
    return OrganisationParts(
        hubs=hubs,
        hub_ids_unchecked=hub_ids_unchecked,
        people=people,
        person_ids_unchecked=person_ids_unchecked,
        people_complete=people_complete,
        board_voting_members=voting if isinstance(voting, list) else None,
        board_chair=board.get("chair"),
        board_observers=observers if isinstance(observers, list) else None,
        delegation_of_authority=bands,
        delegation_complete=bands_complete and bool(bands),
        step_plans=step_plans,
        instruments=instruments,
        appraisal=None if raw_appraisal is None else _one(raw_appraisal, AppraisalSettings),
    )


def _dedupe(messages: list[str]) -> list[str]:
    return list(dict.fromkeys(messages))


def parse_organisation(text: str) -> Organisation:
    """Parse and validate an organisation file's YAML text.

    Raises `OrganisationInvalid` listing every error as "field.path: reason", e.g.
    "people[3].hub: unknown hub 'nairobi'; known hubs: brussels, pretoria, hanoi".
    """
    data = _load_yaml(text)
    if not isinstance(data, dict):
        raise OrganisationInvalid(["organisation: the file must be a YAML mapping of name, hubs, people, board, ..."])
    # Top-level keys starting with "x-" hold YAML anchors (shared closure periods and the like), not settings.
    data = {key: value for key, value in data.items() if not (isinstance(key, str) and key.startswith("x-"))}
    try:
        return Organisation.model_validate(data)
    except ValidationError as error:
        details = error.errors()
        messages = [f"{_path(detail['loc'])}: {_reason(detail)}" for detail in details if not _is_cross_check(detail)]
    # Cross-checks run on the sections that validated alone: with a clean file this gives exactly the
    # problems the model raised; with broken records it still reports what it can.
    messages += [str(problem) for problem in find_problems(_parts(data))]
    raise OrganisationInvalid(_dedupe(messages))
