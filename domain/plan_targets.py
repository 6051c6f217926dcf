"""A plan's time-bound targets and dated milestones, and how they are read: as `govern act --field` text
(`parse_targets`, `parse_milestones`) or as structured lists from a scenario file, both checked by the same
rules. The list helpers are shared by the plan's cases (Annual Work Plans and Board reports link target ids)."""

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

_ENTRY_ID = re.compile(r"^[A-Za-z][A-Za-z0-9._-]*$")


def split_entries(text: str) -> list[str]:
    """Entries of a `--field` list: separated by ';' or new lines; blank entries are ignored."""
    return [entry.strip() for entry in re.split(r"[;\n]", text) if entry.strip()]


def split_ids(value: str | Iterable[str]) -> list[str]:
    """Ids given as 'T1,T2' (or ';'-separated) or as a list."""
    items = re.split(r"[,;\s]+", value) if isinstance(value, str) else [str(item) for item in value]
    return [item.strip() for item in items if item.strip()]


def listing(items: Iterable[str]) -> str:
    return ", ".join(items) or "none"


class PlanFormatError(ValueError):
    """A target or milestone list that does not parse; `str(error)` is the sentence a person reads."""


class Target(BaseModel):
    """A time-bound target of the plan, e.g. T1: 40 cities with citywide slum upgrading plans by 2032."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=_ENTRY_ID.pattern)
    title: str = Field(min_length=1)
    value: Decimal
    due: date


class PlanMilestone(BaseModel):
    """A dated milestone of the approved plan, e.g. M1: mid-term review by 30 June 2030."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=_ENTRY_ID.pattern)
    title: str = Field(min_length=1)
    due: date


TARGETS_FORMAT = "ID=title:value:YYYY-MM-DD, entries separated by ';' (the date may be left out)"
MILESTONES_FORMAT = "ID=title:YYYY-MM-DD, entries separated by ';'"


def _entry(text: str, number: int, what_format: str) -> tuple[str, str]:
    key, sep, rest = text.partition("=")
    key = key.strip()
    if not sep or not _ENTRY_ID.match(key) or not rest.strip():
        raise PlanFormatError(f"Entry {number} ('{text}') is not in the form {what_format}.")
    return key, rest.strip()


def _date(text: str, number: int, entry: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise PlanFormatError(f"Entry {number} ('{entry}'): '{text.strip()}' is not a date (YYYY-MM-DD).") from None


def _number(text: str, number: int, entry: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise PlanFormatError(f"Entry {number} ('{entry}'): '{text.strip()}' is not a number.") from None
    if not value.is_finite():
        raise PlanFormatError(f"Entry {number} ('{entry}'): '{text.strip()}' is not a number.")
    return value


def _unique(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise PlanFormatError(f"{what} {item} is listed twice.")
        seen.add(item)


def parse_targets(text: str, default_due: date | None = None) -> list[Target]:
    """`T1=Cities with citywide plans:40:2032-12-31;T2=...` as targets.

    The title may itself contain ':' (the value and the date are read from the right). Without a date a
    target is due at `default_due` (the end of the plan period). Raises `PlanFormatError` with a sentence.
    """
    targets = []
    for number, entry in enumerate(split_entries(text), 1):
        key, rest = _entry(entry, number, TARGETS_FORMAT)
        parts = rest.rsplit(":", 2)
        due: date | None = default_due
        if len(parts) == 3 and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", parts[2]):
            title, value, due = parts[0], _number(parts[1], number, entry), _date(parts[2], number, entry)
        else:
            parts = rest.rsplit(":", 1)
            if len(parts) != 2:
                raise PlanFormatError(f"Entry {number} ('{entry}') is not in the form {TARGETS_FORMAT}.")
            title, value = parts[0], _number(parts[1], number, entry)
        if due is None:
            raise PlanFormatError(f"Entry {number} ('{entry}') needs its due date (YYYY-MM-DD).")
        if not title.strip():
            raise PlanFormatError(f"Entry {number} ('{entry}') has no title.")
        targets.append(Target(id=key, title=title.strip(), value=value, due=due))
    _unique([target.id for target in targets], "Target")
    return targets


def parse_milestones(text: str) -> list[PlanMilestone]:
    """`M1=Mid-term review:2030-06-30;M2=...` as plan milestones; raises `PlanFormatError` with a sentence."""
    milestones = []
    for number, entry in enumerate(split_entries(text), 1):
        key, rest = _entry(entry, number, MILESTONES_FORMAT)
        title, sep, when = rest.rpartition(":")
        if not sep or not title.strip():
            raise PlanFormatError(f"Entry {number} ('{entry}') is not in the form {MILESTONES_FORMAT}.")
        milestones.append(PlanMilestone(id=key, title=title.strip(), due=_date(when, number, entry)))
    _unique([milestone.id for milestone in milestones], "Milestone")
    return milestones


def _structured(model: type[BaseModel], items: list[Any], what: str) -> list[Any]:
    parsed = []
    for number, item in enumerate(items, 1):
        try:
            parsed.append(model.model_validate(item))
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or what
            raise PlanFormatError(f"{what.capitalize()} {number}: {where}: {first['msg'].lower()}.") from None
    return parsed


def targets_from(value: str | list[Any], default_due: date | None = None) -> list[Target]:
    """Targets from `--field` text or from a structured list (a scenario file)."""
    if isinstance(value, str):
        return parse_targets(value, default_due)
    items = [item if "due" in item or default_due is None else {**item, "due": default_due} for item in value]
    targets = _structured(Target, items, "target")
    _unique([target.id for target in targets], "Target")
    return targets


def milestones_from(value: str | list[Any]) -> list[PlanMilestone]:
    if isinstance(value, str):
        return parse_milestones(value)
    milestones = _structured(PlanMilestone, value, "milestone")
    _unique([milestone.id for milestone in milestones], "Milestone")
    return milestones
