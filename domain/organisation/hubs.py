"""Hubs: a country's public holidays and a hub's closure days make the working-day calendar of its staff."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from functools import cache
from typing import Any

import holidays
from holidays.registry import EntityLoader
from pydantic import Field, ValidationInfo, field_validator, model_validator

from domain.organisation.fields import HubId, Text, TimeZoneName, _Frozen


@cache
def _holiday_calendar_problem(country: str, subdivision: str | None) -> str | None:
    """Whether the holidays package has this calendar, from its registry and the one country's class alone.

    Building a calendar here would read translation files through `locale`, which the Temporal workflow
    sandbox forbids; organisation snapshots are validated again inside workflows, so this check stays pure.
    The country is looked up in the package's registry; a country's class is loaded only to check a
    subdivision, because loading any one loads all 250 of the package's country modules (a tenth of a second
    on every command that reads the organisation, which most commands do without building a calendar).
    """
    if country not in _country_codes():
        return f"the holidays package has no calendar for {country!r}"
    if subdivision is None:
        return None
    subdivisions = list(getattr(holidays, country).subdivisions)
    if subdivision not in subdivisions:
        known = ", ".join(subdivisions) or "none"
        return f"the holidays package knows these subdivisions of {country}: {known}"
    return None


@cache
def _country_codes() -> frozenset[str]:
    """Every country code the holidays package has a calendar for, aliases included, read from its registry."""
    return frozenset(EntityLoader.get_country_codes())


class ClosurePeriod(_Frozen):
    """Days a hub is closed beyond public holidays, e.g. the end-of-year closure. A bare date is one day."""

    first: date
    last: date
    reason: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare_date(cls, value: Any) -> Any:
        if isinstance(value, date | str):
            return {"first": value, "last": value}
        return value

    @model_validator(mode="after")
    def _ordered(self) -> ClosurePeriod:
        if self.last < self.first:
            raise ValueError(f"closure period ends ({self.last}) before it starts ({self.first})")
        return self

    def days(self) -> Iterator[date]:
        day = self.first
        while day <= self.last:
            yield day
            day += timedelta(days=1)


class Hub(_Frozen):
    """A Secretariat hub: its country's public holidays and its closure days make its working-day calendar."""

    id: HubId
    name: Text
    country: str = Field(description="ISO 3166-1 alpha-2 code, as the `holidays` package knows it.")
    subdivision: str | None = None
    time_zone: TimeZoneName
    closure_days: tuple[ClosurePeriod, ...] = ()

    @field_validator("country", mode="before")
    @classmethod
    def _known_country(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().upper()
            if not re.fullmatch(r"[A-Z]{2}", value) or _holiday_calendar_problem(value, None):
                raise ValueError(
                    f"{value!r} is not a country code the holidays package knows (use ISO alpha-2, e.g. 'BE')"
                )
        return value

    @field_validator("subdivision")
    @classmethod
    def _known_subdivision(cls, value: str | None, info: ValidationInfo) -> str | None:
        country = info.data.get("country")
        if value is not None and country is not None:
            problem = _holiday_calendar_problem(country, value)
            if problem:
                raise ValueError(f"unknown subdivision {value!r} of {country}: {problem}")
        return value

    def closure_reasons(self) -> dict[date, str]:
        """Every closed date with its reason, periods expanded."""
        return {day: period.reason or "closure day" for period in self.closure_days for day in period.days()}
