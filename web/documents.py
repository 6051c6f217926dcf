"""The documents a case refers to: every `document_sha256` its events record (with the name beside it). They are
stored once, by content, under `<data dir>/documents/<sha256>`; the page offers them for download by hash."""

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from store.models import StoredEvent

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class DocumentRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    sha256: str
    name: str
    recorded_by: str
    event_type: str


def _found(value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, Mapping):
        digest = value.get("document_sha256")
        if isinstance(digest, str) and _SHA256.match(digest.lower()):
            name = value.get("document_name")
            yield digest.lower(), name if isinstance(name, str) and name else digest[:12]
        for inner in value.values():
            if isinstance(inner, Mapping | list):
                yield from _found(inner)
    elif isinstance(value, list):
        for item in value:
            yield from _found(item)


def documents_of(events: Iterable[StoredEvent]) -> list[DocumentRef]:
    seen: dict[str, DocumentRef] = {}
    for event in events:
        for digest, name in _found(event.payload):
            seen.setdefault(
                digest, DocumentRef(sha256=digest, name=name, recorded_by=event.actor, event_type=event.type)
            )
    return list(seen.values())


def is_sha256(text: str) -> bool:
    return bool(_SHA256.match(text))
