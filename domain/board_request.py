"""How any case asks the Management Board to decide: one event, the same for grants, policy reviews and plans.

The workflow runtime sees `BoardDecisionRequested`, starts the Board decision as a child case with that id,
and hands its outcome back to the parent's decider (`record_board_outcome`).
"""

from typing import Literal

from domain.commands import EventDraft

BOARD_DECISION_REQUESTED = "BoardDecisionRequested"

Procedure = Literal["no_objection", "vote"]


def board_case_id(parent_case: str, number: int) -> str:
    return f"{parent_case}/board/{number}"


def request_board_decision(
    *,
    parent_case: str,
    number: int,
    procedure: Procedure,
    matter: str,
    actor: str,
    reason: str,
    actor_role: str | None = None,
    on_behalf_of: str | None = None,
    conflicted: tuple[str, ...] = (),
) -> EventDraft:
    return EventDraft(
        type=BOARD_DECISION_REQUESTED,
        actor=actor,
        actor_role=actor_role,
        on_behalf_of=on_behalf_of,
        reason=reason,
        outcome="requested",
        payload={
            "board_case": board_case_id(parent_case, number),
            "procedure": procedure,
            "matter": matter,
            "conflicted": list(conflicted),
        },
    )
