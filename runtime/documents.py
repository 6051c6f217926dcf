"""Documents (a revised policy, a plan draft) are stored by the SHA-256 of their content, once, under the data
dir; a command carries only the hash and the name, so the audit trail proves which text was approved."""

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any


class DocumentError(Exception):
    pass


def store_document(documents_dir: Path, path: Path) -> tuple[str, str]:
    """Copy the file into the content-addressed store (idempotent); its hash and name."""
    try:
        content = Path(path).read_bytes()
    except OSError as error:
        raise DocumentError(f"Cannot read the document {path}: {error.strerror}.") from None
    digest = hashlib.sha256(content).hexdigest()
    documents_dir.mkdir(parents=True, exist_ok=True)
    target = documents_dir / digest
    if not target.exists():
        handle, temporary = tempfile.mkstemp(dir=documents_dir, prefix=".incoming-")
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.replace(temporary, target)
    return digest, Path(path).name


def with_stored_document(fields: dict[str, Any], documents_dir: Path, base: Path) -> dict[str, Any]:
    """`document=PATH` in a command's fields becomes `document_sha256` and `document_name`."""
    if "document" not in fields:
        return fields
    rest = dict(fields)
    path = Path(str(rest.pop("document")))
    digest, name = store_document(documents_dir, path if path.is_absolute() else base / path)
    return {**rest, "document_sha256": digest, "document_name": name}
