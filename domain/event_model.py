"""Typed events: each event's payload as a frozen pydantic model, a process's events as one union on `type`.

The stored envelope (`DomainEvent`) keeps `type: str` and `payload: dict`; what is typed is the payload. A
model's `payload()` is exactly the dict the audit store records and hashes: the same keys and values, JSON
values (dates as ISO strings), and a field marked `omitted_when_none` absent rather than null. Keys the runtime
stamps into every payload after the decider (`channel`, and `sealed` where the store sealed `content`) are kept
as extra keys, so a stored event parses and dumps back to the very dict it was read from.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Annotated, Any, Generic, Protocol, TypeVar, Union, cast

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, TypeAdapter, ValidationError

from domain.commands import EventDraft

#: An instant as payloads record it, `datetime.isoformat()` ("…+00:00"); pydantic's own JSON form would write "Z".
Instant = Annotated[datetime, PlainSerializer(datetime.isoformat, return_type=str, when_used="json")]


def omitted_when_none(default: Any = None, **kwargs: Any) -> Any:
    """A payload field that is left out of the payload, not written as null, while it has no value."""
    return Field(default=default, exclude_if=lambda value: value is None, **kwargs)


class EventPayload(BaseModel):
    """One event's payload; subclasses declare `type: Literal["TheEventType"] = "TheEventType"`."""

    model_config = ConfigDict(frozen=True, extra="allow")

    type: str

    def payload(self) -> dict[str, Any]:
        """The payload as recorded: every field but `type`, in JSON form, with the extra keys it was read with."""
        return self.model_dump(mode="json", exclude={"type"})

    def draft(
        self,
        actor: str,
        *,
        actor_role: str | None = None,
        on_behalf_of: str | None = None,
        reason: str | None = None,
        outcome: str | None = None,
    ) -> EventDraft:
        """The event as a decider states it: this payload under the envelope's who, why and outcome."""
        return EventDraft(
            type=self.type,
            actor=actor,
            actor_role=actor_role,
            on_behalf_of=on_behalf_of,
            reason=reason,
            outcome=outcome,
            payload=self.payload(),
        )


Event = TypeVar("Event", bound=EventPayload)


class Recorded(Protocol):
    """An event as the parse reads it: a `DomainEvent`, a stored event, or a decider's `EventDraft`."""

    @property
    def type(self) -> str: ...

    @property
    def payload(self) -> Mapping[str, Any]: ...


class EventFamily(Generic[Event]):
    """The events of one process: a discriminated union on `type`, and the parse from a stored event."""

    def __init__(self, *models: type[EventPayload]) -> None:
        self.models = {model.model_fields["type"].default: model for model in models}
        union: Any = Annotated[Union[tuple(models)], Field(discriminator="type")]  # noqa: UP007 - built at run time
        self._adapter: TypeAdapter[Any] = TypeAdapter(union)
        # The last event parsed and its model: a fold reads one event through the shared rules and then its
        # process's own, which often parse the same event in the same family again. Compared by identity (the
        # event is held, so its id cannot be reused), and the models are frozen, so sharing one is safe.
        self._last: tuple[Recorded, Any] | None = None

    @property
    def types(self) -> Iterable[str]:
        return self.models.keys()

    def parse(self, event: Recorded) -> Event | None:
        """The event's payload as its typed model, or None for an event not of this process (a step's, the
        case's close): those are the shared rules' to read."""
        if event.type not in self.models:
            return None
        last = self._last
        if last is not None and last[0] is event:
            return cast(Event, last[1])
        try:
            parsed = self._adapter.validate_python({**event.payload, "type": event.type})
        except ValidationError as error:
            # A stored event without a key its model requires fails as a read of that key always has (the
            # audit check reports a case its rules cannot fold by this error): KeyError naming the first.
            missing = [e["loc"][-1] for e in error.errors() if e["type"] == "missing" and len(e["loc"]) == 2]
            if missing:
                raise KeyError(missing[0]) from error
            raise
        self._last = (event, parsed)
        return cast(Event, parsed)
