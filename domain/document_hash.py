"""A document enters a case by its SHA-256 hash, never its content: the field type that checks one."""

import re
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _check_sha256(value: str) -> str:
    value = value.strip().lower()
    if not _SHA256.match(value):
        raise PydanticCustomError("sha256", "must be the 64 hexadecimal digits of the document's SHA-256 hash")
    return value


Sha256 = Annotated[str, AfterValidator(_check_sha256)]
