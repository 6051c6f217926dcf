"""The documents a case refers to: every SHA-256 its events record under a `sha256` or `<what>_sha256` key (with
the name beside it, `name` or `<what>_name`). They are stored once, by content, under
`<data dir>/documents/<sha256>`; the page offers those that are stored for download by hash."""

import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
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
        for key, digest in value.items():
            if not (key == "sha256" or str(key).endswith("_sha256")) or not isinstance(digest, str):
                continue
            if not _SHA256.match(digest.lower()):
                continue
            name = value.get(str(key).removesuffix("sha256") + "name")
            yield digest.lower(), name if isinstance(name, str) and name else digest[:12]
        for inner in value.values():
            if isinstance(inner, Mapping | list):
                yield from _found(inner)
    elif isinstance(value, list):
        for item in value:
            yield from _found(item)


def documents_of(events: Iterable[StoredEvent], stored_in: Path) -> list[DocumentRef]:
    """The stored documents the events name, each once, in the order they first appear."""
    seen: dict[str, DocumentRef] = {}
    for event in events:
        for digest, name in _found(event.payload):
            if digest in seen or not (stored_in / digest).is_file():
                continue
            seen.setdefault(
                digest, DocumentRef(sha256=digest, name=name, recorded_by=event.actor, event_type=event.type)
            )
    return list(seen.values())


def is_sha256(text: str) -> bool:
    return bool(_SHA256.match(text))
