"""A case's summary (its decider's `stage_summary`) as label/value lines a person reads: names for person ids,
instants on the reader's clock, lists joined."""

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from domain.organisation import Organisation


def readable_key(key: str) -> str:
    text = key.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def summary_lines(
    summary: Mapping[str, Any], organisation: Organisation, local: Callable[[datetime], str]
) -> list[tuple[str, str]]:
    def show(value: Any) -> str:
        if isinstance(value, str):
            if organisation.has_person(value):
                return f"{organisation.person(value).name} ({value})"
            instant = _instant(value)
            return local(instant) if instant is not None else value
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, list | tuple):
            return ", ".join(show(item) for item in value) or "none"
        if isinstance(value, Mapping):
            return "; ".join(f"{readable_key(str(k)).lower()}: {show(v)}" for k, v in value.items()) or "none"
        return str(value)

    return [(readable_key(key), show(value)) for key, value in summary.items() if value not in (None, "", [], {})]


def _instant(text: str) -> datetime | None:
    if len(text) < 19 or text[4] != "-" or "T" not in text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else None
