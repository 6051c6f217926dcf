"""One case folded from its stored events by its own decider: the unit every projection row is derived from.

The fold is the same pure `domain.case.evolve` the workflows run, applied to the events as stored (confidential
content folded in its sealed form, as every reader of the store sees it). Rows are derived from the folded state
by `store.projection_rows`, so the append, the rebuild and the check cannot disagree about what a row holds.

A case whose rules cannot fold one of its events (an id no decider knows, a payload its rules do not expect:
records the store accepts but no workflow writes) keeps its last good state and names the event in `problem`;
its rows then show no open steps, and reading its state says why.
"""

import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from domain import case
from domain.case import CaseDecider, CaseState
from domain.case_kinds import decider_for
from domain.errors import UnknownCase
from domain.events import DomainEvent
from store.canonical import parse_canonical_time
from store.rows import (
    COLUMN_INDEX,
    OCCURRED_AT_INDEX,
    PAYLOAD_INDEX,
    SEQ_INDEX,
    STREAM_ID_INDEX,
    STREAM_VERSION_INDEX,
)

_FIELDS = ("event_id", "type", "actor", "actor_role", "on_behalf_of", "reason", "outcome")
_FIELD_INDEXES = tuple((name, COLUMN_INDEX[name]) for name in _FIELDS)

# A snapshot of the state is written at least every this many events (and when the case closes), so a reader
# folds at most this many events onto it and an append rarely serialises a whole state.
SNAPSHOT_EVERY = 16


def event_from_row(row: Sequence[Any], payload: dict[str, Any] | None = None) -> DomainEvent:
    """The domain event of a stored row (ROW_COLUMNS order), payload decoded from its canonical text.

    Built without re-validation: the row was validated when it was appended and its hash covers it."""
    values: dict[str, Any] = {name: row[index] for name, index in _FIELD_INDEXES}
    return DomainEvent.model_construct(
        stream_id=row[STREAM_ID_INDEX],
        occurred_at=parse_canonical_time(row[OCCURRED_AT_INDEX]),
        payload=json.loads(row[PAYLOAD_INDEX]) if payload is None else payload,
        **values,
    )


@lru_cache(maxsize=8192)
def rules_of(case_id: str) -> CaseDecider | None:
    """The decider of a case id (`domain.case_kinds.decider_for`), None for an id no rules know; remembered, since
    a busy store asks it for the same cases again and again."""
    try:
        return decider_for(case_id)
    except UnknownCase:
        return None


_STATE_TYPES: dict[str, type[CaseState]] = {}


def _state_type(decider: CaseDecider, case_id: str) -> type[CaseState]:
    found = _STATE_TYPES.get(decider.kind)
    if found is None:
        found = _STATE_TYPES[decider.kind] = type(decider.initial_state(case_id))
    return found


class CaseFold:
    """A case's state after its first `version` events, and what its rows need besides the state."""

    __slots__ = (
        "case_id",
        "decider",
        "state",
        "problem",
        "version",
        "snapshot_version",
        "opened_at",
        "last_event_at",
        "last_seq",
        "people",
    )

    def __init__(
        self,
        case_id: str,
        decider: CaseDecider | None,
        state: CaseState | None,
        problem: str | None = None,
        version: int = 0,
        snapshot_version: int = 0,
        opened_at: str | None = None,
        last_event_at: str | None = None,
        last_seq: int = 0,
    ) -> None:
        self.case_id = case_id
        self.decider = decider
        self.state = state
        self.problem = problem
        self.version = version
        self.snapshot_version = snapshot_version
        self.opened_at = opened_at
        self.last_event_at = last_event_at
        self.last_seq = last_seq
        # Everyone the projection already lists as taking part (None: not known here), so an append writes only
        # the people its events name for the first time.
        self.people: set[str] | None = None

    @classmethod
    def empty(cls, case_id: str) -> "CaseFold":
        decider = rules_of(case_id)
        if decider is None:
            return cls(case_id, None, None, problem=f"no rules know the case id '{case_id}'")
        return cls(case_id, decider, decider.initial_state(case_id))

    @classmethod
    def from_snapshot(
        cls,
        case_id: str,
        snapshot: str | None,
        snapshot_version: int,
        problem: str | None,
        opened_at: str,
        last_event_at: str,
        last_seq: int,
    ) -> "CaseFold":
        """The fold at `snapshot_version`, from its stored row. An empty fold (version 0) when the case has no
        snapshot yet (fewer than SNAPSHOT_EVERY events) or its snapshot no longer reads (a state model changed
        shape since it was written): the caller then folds from the start."""
        decider = rules_of(case_id)
        if decider is None:
            fold = cls.empty(case_id)
        elif snapshot is None:
            return cls.empty(case_id)
        else:
            try:
                state = _state_type(decider, case_id).model_validate_json(snapshot)
            except ValidationError:
                return cls.empty(case_id)
            fold = cls(case_id, decider, state, problem=problem)
        fold.version = fold.snapshot_version = snapshot_version
        fold.opened_at, fold.last_event_at, fold.last_seq = opened_at, last_event_at, last_seq
        return fold

    def copy(self) -> "CaseFold":
        copied = CaseFold(
            self.case_id,
            self.decider,
            self.state,
            self.problem,
            self.version,
            self.snapshot_version,
            self.opened_at,
            self.last_event_at,
            self.last_seq,
        )
        copied.people = self.people
        return copied

    def apply_row(self, row: Sequence[Any], payload: dict[str, Any] | None = None) -> DomainEvent:
        """Fold one stored row (the case's next version) and return it as a domain event."""
        event = event_from_row(row, payload)
        self.apply(event, row[STREAM_VERSION_INDEX], row[SEQ_INDEX], row[OCCURRED_AT_INDEX])
        return event

    def apply(self, event: DomainEvent, stream_version: int, seq: int, occurred_at: str) -> None:
        if self.opened_at is None:
            self.opened_at = occurred_at
        self.version = stream_version
        self.last_seq = seq
        self.last_event_at = occurred_at
        if self.problem is not None or self.decider is None or self.state is None:
            return
        try:
            self.state = case.evolve(self.decider, self.state, event)
        except Exception as error:  # noqa: BLE001 - any failure of the rules on a stored record is reported
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            self.problem = (
                f"event {seq} ({event.type}, version {stream_version}) cannot be folded by the {self.decider.kind} "
                f"rules: {reason}"
            )

    def snapshot_due(self) -> bool:
        """Every SNAPSHOT_EVERY events, and when the case closes (its last state for good). A case with fewer
        events has none: a reader folds its short trail from the start, and its appends write no state."""
        if self.version - self.snapshot_version >= SNAPSHOT_EVERY:
            return True
        return self.state is not None and self.state.closed and self.snapshot_version < self.version

    def snapshot_json(self) -> str | None:
        return None if self.state is None else self.state.model_dump_json()
