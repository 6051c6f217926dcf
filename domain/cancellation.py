"""A case cancelled from outside its rules: through Temporal's Web UI, CLI or API, by an operator.

Nobody acts on a governance case that way in the ordinary course, but when it happens the trail must say so,
or it would keep showing an open case with steps that will never remind anyone again. The workflow sees the
request (with the reason given, if any, but not who sent it) and records it here: `CaseCancelled`, then the
case closes with outcome `cancelled`, which cancels its open steps so they leave every task list. Who sent the
request is in Temporal's history; `govern audit reconcile` reports it beside the trail.
"""

from domain.case import CaseState, close_case
from domain.commands import EventDraft
from domain.events import SYSTEM_ACTOR
from domain.step_events import CaseCancelled

CASE_CANCELLED = "CaseCancelled"
CANCELLED = "cancelled"


def cancel_case(state: CaseState, reason: str | None) -> list[EventDraft]:
    """What a cancellation request records; nothing for a case that has already closed."""
    if state.closed:
        return []
    given = (reason or "").strip()
    why = f"cancelled through Temporal: {given}" if given else "cancelled through Temporal (no reason given)"
    return [
        CaseCancelled(stage=state.stage, requested_reason=given or None).draft(
            SYSTEM_ACTOR, reason=why, outcome=CANCELLED
        ),
        *close_case(state, actor=SYSTEM_ACTOR, outcome=CANCELLED, reason=why, stage="closed"),
    ]
