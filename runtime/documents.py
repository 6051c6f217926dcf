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
    return store_document_content(documents_dir, content), Path(path).name


def store_document_content(documents_dir: Path, content: bytes) -> str:
    """Keep `content` under its SHA-256 (once; a second copy of the same text is the same file); its hash.
    Written beside the target and renamed, so nobody reads half a document."""
    digest = hashlib.sha256(content).hexdigest()
    documents_dir.mkdir(parents=True, exist_ok=True)
    target = documents_dir / digest
    if not target.exists():
        handle, temporary = tempfile.mkstemp(dir=documents_dir, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return digest


def with_stored_document(fields: dict[str, Any], documents_dir: Path, base: Path) -> dict[str, Any]:
    """`document=PATH` in a command's fields becomes `document_sha256` and `document_name`."""
    if "document" not in fields:
        return fields
    rest = dict(fields)
    path = Path(str(rest.pop("document")))
    digest, name = store_document(documents_dir, path if path.is_absolute() else base / path)
    return {**rest, "document_sha256": digest, "document_name": name}
