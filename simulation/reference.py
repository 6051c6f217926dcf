"""The reference for scenario authors: every process's actions, event types, payload keys, task ids, stages and
outcomes, generated from the code so that it cannot drift from it (`govern reference`, `docs/reference.md`).

Two sources, each used for what it can say truthfully:

- **the code as written**: each decider's actions (its handler table), and the event types its module declares
  as constants (`SUBMITTED = "GrantSubmitted"`), with the step events every process shares;
- **the code as run**: the audit trails of the example scenarios, run through the real workflows, activities and
  deciders. Payload keys, task ids, stages and outcomes are only ever built inside the deciders' functions, so
  they are read off what those functions recorded; each stage is the stage the decider's own `evolve` gives
  after each event. What the examples never reach is marked as such rather than guessed.

Person ids in task ids and payload keys read `<person>` and numbers `<n>`, so the reference holds for any
organisation file.
"""

import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from domain import cancellation, case, task_management, timed_step
from domain.case import CaseDecider
from domain.case_kinds import case_kinds, decider_for
from domain.events import DomainEvent
from domain.step_events import STEP_EVENTS, TaskOpened
from store.models import StoredEvent

#: Each process's case id, as a person writes it, with an example that `decider_for` must resolve to it.
PROCESSES: tuple[tuple[str, str], ...] = tuple((kind.id_pattern, kind.example) for kind in case_kinds())

_EVENT_TYPE = re.compile(r"[A-Z][a-z]+(?:[A-Z][a-z]+)+")
_SHARED_MODULES: tuple[ModuleType, ...] = (timed_step, case, task_management, cancellation)


class ReferenceDrift(Exception):
    """The reference's own table of processes no longer matches the code."""


def declared_event_types(module: ModuleType) -> set[str]:
    """The event types a module names as constants: upper-case names bound to a CamelCase word."""
    return {
        value
        for name, value in vars(module).items()
        if name.isupper() and isinstance(value, str) and _EVENT_TYPE.fullmatch(value)
    }


def declared_actions(decider: CaseDecider) -> list[str]:
    """The actions a decider's module dispatches on: its handler table (or its `ACTIONS`)."""
    module = sys.modules[type(decider).__module__]
    table = getattr(module, "_HANDLERS", ()) or getattr(module, "ACTIONS", ())
    return sorted(table)


@dataclass
class EventSeen:
    outcomes: set[str] = field(default_factory=set)
    keys: dict[str, set[str]] = field(default_factory=dict)
    count: int = 0


@dataclass
class TaskSeen:
    kinds: set[str] = field(default_factory=set)
    actions: set[str] = field(default_factory=set)


@dataclass
class ProcessSeen:
    stages: list[str] = field(default_factory=list)
    outcomes: set[str] = field(default_factory=set)
    events: dict[str, EventSeen] = field(default_factory=dict)
    tasks: dict[str, TaskSeen] = field(default_factory=dict)
    cases: int = 0


class _Generaliser:
    """Person ids become `<person>` (and, in a task id, numbers `<n>`), so what one organisation's run shows
    holds for any. A payload's own keys are field names and stay as the decider wrote them."""

    def __init__(self, people: Iterable[str]) -> None:
        names = sorted(set(people), key=len, reverse=True)
        self._people = re.compile("|".join(re.escape(name) for name in names)) if names else None

    def person(self, text: str) -> str:
        return self._people.sub("<person>", text) if self._people is not None else text

    def task_id(self, text: str) -> str:
        return re.sub(r"\d+", "<n>", self.person(text))


def _nested_keys(value: Any, generalise: _Generaliser) -> set[str]:
    """The keys of a mapping one level down (person ids among them generalised), or of a list's mappings."""
    if isinstance(value, Mapping):
        return {generalise.person(str(key)) for key in value}
    if isinstance(value, list) and value and all(isinstance(item, Mapping) for item in value):
        return {f"[].{key}" for item in value for key in item}
    return set()


def _domain_event(event: StoredEvent) -> DomainEvent:
    """The domain event a record carries, without its place in the chain (and without re-validation)."""
    return DomainEvent.model_construct(**{name: getattr(event, name) for name in DomainEvent.model_fields})


def observe(trails: Mapping[str, list[StoredEvent]], people: Iterable[str]) -> dict[str, ProcessSeen]:
    """What the trails show per process kind: each stream folded with its decider, event by event."""
    generalise = _Generaliser(people)
    seen: dict[str, ProcessSeen] = {}
    for name in sorted(trails):
        streams: dict[str, list[StoredEvent]] = {}
        for event in trails[name]:
            streams.setdefault(event.stream_id, []).append(event)
        # In case-id order, not the order the cases first wrote: concurrent cases interleave differently from
        # one run to the next, and the stages are listed in the order first seen.
        for stream_id, events in sorted(streams.items()):
            decider = decider_for(stream_id)
            process = seen.setdefault(decider.kind, ProcessSeen())
            process.cases += 1
            state = decider.initial_state(stream_id)
            for event in sorted(events, key=lambda item: item.stream_version):
                state = case.evolve(decider, state, _domain_event(event))
                if state.stage not in process.stages:
                    process.stages.append(state.stage)
                record = process.events.setdefault(event.type, EventSeen())
                record.count += 1
                if event.outcome is not None:
                    record.outcomes.add(event.outcome)
                for key, value in event.payload.items():
                    record.keys.setdefault(key, set()).update(_nested_keys(value, generalise))
                opened = STEP_EVENTS.parse(event)
                if isinstance(opened, TaskOpened):
                    task = process.tasks.setdefault(generalise.task_id(opened.task_id), TaskSeen())
                    task.kinds.add(opened.kind)
                    task.actions.add(opened.action)
            if state.closed and state.outcome is not None:
                process.outcomes.add(state.outcome)
    return seen


def _code(items: Iterable[str]) -> str:
    listed = [f"`{item}`" for item in items]
    return ", ".join(listed) if listed else "none"


def _keys(record: EventSeen, common: set[str]) -> str:
    parts = []
    for key in sorted(record.keys):
        if key in common:
            continue
        nested = sorted(record.keys[key])
        parts.append(f"`{key}`" + (f" ({', '.join(nested)})" if nested else ""))
    return ", ".join(parts) or "–"


def _event_rows(types: Iterable[str], seen: Mapping[str, EventSeen], common: set[str]) -> list[str]:
    rows = ["| event type | outcomes | payload keys |", "|---|---|---|"]
    for event_type in sorted(types):
        record = seen.get(event_type)
        if record is None or record.count == 0:
            rows.append(f"| `{event_type}` | (not in the example scenarios) | |")
        else:
            rows.append(f"| `{event_type}` | {_code(sorted(record.outcomes))} | {_keys(record, common)} |")
    return rows


def _merged(records: Iterable[EventSeen]) -> EventSeen:
    merged = EventSeen()
    for record in records:
        merged.count += record.count
        merged.outcomes |= record.outcomes
        for key, nested in record.keys.items():
            merged.keys.setdefault(key, set()).update(nested)
    return merged


def build_reference(trails: Mapping[str, list[StoredEvent]], people: Iterable[str]) -> str:
    """The reference as Markdown, from the deciders and the example scenarios' audit trails (by scenario name)."""
    observed = observe(trails, people)
    processes: list[tuple[str, CaseDecider]] = []
    for pattern, example in PROCESSES:
        decider = decider_for(example)
        if any(other.kind == decider.kind for _, other in processes):
            raise ReferenceDrift(f"Two case-id shapes lead to the {decider.kind} decider; correct PROCESSES.")
        processes.append((pattern, decider))
    unlisted = set(observed) - {decider.kind for _, decider in processes}
    if unlisted:
        raise ReferenceDrift(f"The examples ran processes the reference does not list: {', '.join(sorted(unlisted))}.")
    shared_types = set().union(*(declared_event_types(module) for module in _SHARED_MODULES))
    all_records = [record for process in observed.values() for record in process.events.values()]
    every_key = [set(record.keys) for record in all_records]
    common = set.intersection(*every_key) if every_key else set()
    lines = [
        "# Reference: processes, events, tasks, stages and outcomes",
        "",
        "<!-- Generated by `govern reference --out docs/reference.md`; do not edit. "
        "tests/workflows/test_example_scenarios.py fails when this file differs from what the code generates. -->",
        "",
        "For scenario authors (README, *Scenario format*): the names to use in `expect:`. Actions come from each",
        "process's decider, event types from the constants its module declares; payload keys, task ids, stages and",
        "outcomes are those recorded when the example scenarios (`examples/scenarios/*.yaml`) run through the real",
        "workflows and deciders, each stage as the decider's `evolve` gives it after each event. `<person>` stands",
        "for a person id and `<n>` for a number; a key followed by names in brackets holds a mapping with those",
        "keys (`[].` for a list of mappings), which a payload expectation can match as a subset.",
        "",
        f"Every event's payload has {_code(sorted(common))}. The step events below are shared by every process.",
        "",
        "## Every process",
        "",
        f"Actions on any step: {_code(sorted(task_management.ACTIONS))}.",
        "",
        *_event_rows(
            shared_types,
            {t: _merged(p.events[t] for p in observed.values() if t in p.events) for t in shared_types},
            common,
        ),
    ]
    for pattern, decider in processes:
        module = sys.modules[type(decider).__module__]
        process = observed.get(decider.kind, ProcessSeen())
        own_types = (declared_event_types(module) | set(process.events)) - shared_types
        lines += [
            "",
            f"## `{decider.kind}`: `{pattern}`",
            "",
            f"Actions: {_code(declared_actions(decider))}.",
            "",
        ]
        if process.cases == 0:
            lines += ["The example scenarios open no such case.", ""]
        lines += [
            f"Stages: {_code(process.stages)}.",
            "",
            f"Outcomes when closed: {_code(sorted(process.outcomes))}.",
            "",
            "Tasks: "
            + (
                "; ".join(
                    f"`{task_id}` (kind {_code(sorted(task.kinds))}, action {_code(sorted(task.actions))})"
                    for task_id, task in sorted(process.tasks.items())
                )
                or "none"
            )
            + ".",
            "",
            *_event_rows(own_types, process.events, common),
        ]
    return "\n".join(lines) + "\n"
