"""Field types of the organisation file, each with its own readable error, and the frozen record they share."""

from __future__ import annotations

import re
from datetime import time
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from domain.organisation.roles import Role

_ROLE_LIKE_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_KIND = re.compile(r"^[a-z][a-z0-9_]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")


def _role_like_id(value: Any) -> Any:
    if isinstance(value, str) and not _ROLE_LIKE_ID.match(value):
        raise ValueError(
            f"{value!r} is not a role-like id: use lower-case words joined by hyphens, "
            "e.g. 'programme-officer-brussels'"
        )
    return value


def _role(value: Any) -> Any:
    if isinstance(value, Role):
        return value
    if isinstance(value, str) and value in Role._value2member_map_:
        return Role(value)
    raise ValueError(f"unknown role {value!r}; known roles: {', '.join(role.value for role in Role)}")


def _time_zone(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("must be an IANA time zone name such as 'Europe/Brussels'")
    try:
        ZoneInfo(value)
    except Exception:  # ZoneInfoNotFoundError, ValueError for malformed keys, OSError for directories
        raise ValueError(
            f"unknown IANA time zone {value!r}; use a name such as 'Europe/Brussels' or 'Asia/Ho_Chi_Minh'"
        ) from None
    return value


def _email(value: Any) -> Any:
    if isinstance(value, str) and not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


def _local_time(value: Any) -> Any:
    # YAML 1.1 reads an unquoted 17:00 as the base-60 number 1020; refuse numbers rather than guess.
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        match = _CLOCK.match(value)
        if match:
            return time(int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))
    raise ValueError(f"{value!r} is not a local time; write it as 'HH:MM' in quotes, e.g. '09:00'")


def _ratio(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a fraction")
    try:
        if isinstance(value, Fraction):
            return value
        if isinstance(value, int | Decimal):
            return Fraction(value)
        if isinstance(value, float):
            return Fraction(str(value))
        if isinstance(value, str):
            text = value.strip()
            if text.endswith("%"):
                return Fraction(text[:-1].strip()) / 100
            return Fraction(text)
    except (ValueError, ZeroDivisionError):
        pass
    raise ValueError(f"{value!r} is not a fraction; write e.g. 0.5, '1/2', '2/3' or '50%'")


def _version(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


PersonId = Annotated[str, BeforeValidator(_role_like_id)]
HubId = Annotated[str, BeforeValidator(_role_like_id)]
InstrumentId = Annotated[str, BeforeValidator(_role_like_id)]
RoleName = Annotated[Role, BeforeValidator(_role)]
TimeZoneName = Annotated[str, BeforeValidator(_time_zone)]
Email = Annotated[str, BeforeValidator(_email)]
LocalTime = Annotated[time, BeforeValidator(_local_time)]
#: An exact fraction; floats are read through their decimal text so 0.5 is exactly 1/2.
Ratio = Annotated[Fraction, BeforeValidator(_ratio), PlainSerializer(str, return_type=str)]
Text = Annotated[str, Field(min_length=1)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
