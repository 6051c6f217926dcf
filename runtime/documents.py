"""Documents (a revised policy, a plan draft) are stored by the SHA-256 of their content, once, under the data
dir; a command carries only the hash and the name, so the audit trail proves which text was approved.

The file is read and hashed before the command is sent, and stored only once the case has accepted it: a
refused command leaves nothing under `documents/`.
"""

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class DocumentError(Exception):
    pass


@dataclass(frozen=True)
class Document:
    """A document read from disk, not yet stored."""

    name: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def read_document(path: Path) -> Document:
    try:
        return Document(name=Path(path).name, content=Path(path).read_bytes())
    except OSError as error:
        raise DocumentError(f"Cannot read the document {path}: {error.strerror}.") from None


def with_document_hash(fields: dict[str, Any], base: Path) -> tuple[dict[str, Any], Document | None]:
    """`document=PATH` in a command's fields becomes `document_sha256` and `document_name`; the document comes
    back beside the fields, for `store_document` once the command is accepted."""
    if "document" not in fields:
        return fields, None
    rest = dict(fields)
    path = Path(str(rest.pop("document")))
    document = read_document(path if path.is_absolute() else base / path)
    return {**rest, "document_sha256": document.sha256, "document_name": document.name}, document


def store_document(documents_dir: Path, document: Document) -> Path:
    """Write the document into the content-addressed store (idempotent; atomic, so no half-written file)."""
    documents_dir.mkdir(parents=True, exist_ok=True)
    target = documents_dir / document.sha256
    if not target.exists():
        handle, temporary = tempfile.mkstemp(dir=documents_dir, prefix=".incoming-")
        with os.fdopen(handle, "wb") as stream:
            stream.write(document.content)
        os.replace(temporary, target)
    return target
