"""The timed human step under time-skipping: reminders at planned local times with holidays and closures
skipped, escalation up the reporting line, an extension moving every timer, delegation on behalf of."""

from pathlib import Path
from typing import Any

import yaml

from store.verify import verify

REPO = Path(__file__).resolve().parents[2]
APPLICATION = yaml.safe_load((REPO / "examples" / "grants" / "kampala-upgrading.yaml").read_text())


def kampala(reference: str, at: str | None = None) -> dict[str, Any]:
    """The example USD 120,000 application under a reference of the test's own (case ids are workflow ids)."""
    return {"application": {**APPLICATION, "reference": reference}, **({"at": at} if at else {})}


def _action(at: str, action: str, actor: str, case: str, **extra: Any) -> dict[str, Any]:
    return {"at": at, "case": case, "action": action, "as": actor, **extra}


async def test_screening_reminders_skip_ascension_and_the_bridge_day_then_escalate(run_inline, audit_store) -> None:
    # Opened Monday 3 May 2027 in Brussels; 5 working days, skipping Ascension (6 May) and the closure (7 May).
    outcome = await run_inline(
        {
            "start": "2027-05-03T06:00:00Z",
            "until": "2027-05-21T00:00:00Z",
            "cases": [kampala("T-101", "2027-05-03T09:00:00+02:00")],
            "expect": {
                "reminders": [
                    {"to": "programme-officer-brussels", "task": "screening", "local": "2027-05-10 09:00"},
                    {"to": "programme-officer-brussels", "task": "screening", "local": "2027-05-12 09:00"},
                ],
                "no_reminders": [{"to": "programme-officer-brussels", "local": "2027-05-06 09:00"}],
                "escalations": [
                    {
                        "to": "head-of-programmes",
                        "task": "screening",
                        "level": 1,
                        "local": "2027-05-14 09:00",
                    },
                    {"to": "director", "task": "screening", "level": 2, "local": "2027-05-20 09:00"},
                ],
            },
        }
    )
    opened = next(e for e in outcome.events if e.type == "TaskOpened" and e.payload["task_id"] == "screening")
    assert opened.payload["schedule"]["due_at"] == "2027-05-12T15:00:00Z"  # 17:00 Brussels summer time
    reminders = [e for e in outcome.events if e.type == "ReminderSent"]
    assert [e.payload["number"] for e in reminders] == [1, 2]
    # The trail says how each fact came about: the submission came from the simulation, the reminders and
    # escalations from timers.
    assert opened.payload["channel"] == {"name": "simulation"}
    assert {e.payload["channel"]["name"] for e in outcome.events if e.type in ("ReminderSent", "EscalationRaised")} == {
        "timer"
    }
    assert verify(audit_store).ok


async def test_an_extension_moves_the_due_date_and_every_timer(run_inline) -> None:
    case = "grant/T-102"
    outcome = await run_inline(
        {
            "start": "2027-05-03T06:00:00Z",
            "until": "2027-05-26T00:00:00Z",
            "cases": [kampala("T-102", "2027-05-03T09:00:00+02:00")],
            "actions": [
                _action(
                    "2027-05-11T10:00:00+02:00",
                    "extend",
                    "programme-officer-hanoi",
                    case,
                    fields={"task": "screening", "working_days": 3},
                    comment="Applicant's annex arrives late",
                    expect="refused",
                    refusal="Only the Director or Programme Officer (Brussels)'s supervisor",
                ),
                _action(
                    "2027-05-11T10:30:00+02:00",
                    "extend",
                    "head-of-programmes",
                    case,
                    fields={"task": "screening", "working_days": 3},
                    expect="refused",
                    refusal="needs a reason",
                ),
                _action(
                    "2027-05-11T11:00:00+02:00",
                    "extend",
                    "head-of-programmes",
                    case,
                    fields={"task": "screening", "working_days": 3},
                    comment="Applicant's annex arrives late",
                ),
            ],
            "expect": {
                # 12 May + 3 working days, skipping Whit Monday (17 May): due Tuesday 18 May.
                "reminders": [
                    {"to": "programme-officer-brussels", "task": "screening", "local": "2027-05-13 09:00"},
                    {"to": "programme-officer-brussels", "task": "screening", "local": "2027-05-18 09:00"},
                ],
                "no_reminders": [{"to": "programme-officer-brussels", "local": "2027-05-12 09:00"}],
                "escalations": [
                    {"to": "head-of-programmes", "level": 1, "local": "2027-05-20 09:00"},
                    {"to": "director", "level": 2, "local": "2027-05-25 09:00"},
                ],
                "no_escalations": [{"to": "head-of-programmes", "local": "2027-05-14 09:00"}],
                "events": [
                    {
                        "type": "DeadlineExtended",
                        "actor": "head-of-programmes",
                        "payload": {"previous_due_at": "2027-05-12T15:00:00+00:00"},
                    }
                ],
            },
        }
    )
    extended = next(e for e in outcome.events if e.type == "DeadlineExtended")
    assert extended.reason == "Applicant's annex arrives late"
    assert extended.payload["schedule"]["due_at"] == "2027-05-18T15:00:00Z"


def reviewed_by_march_11(case: str) -> list[dict[str, Any]]:
    return [
        _action(
            "2027-03-02T10:00:00+01:00",
            "screen",
            "programme-officer-brussels",
            case,
            fields={"outcome": "eligible"},
        ),
        _action(
            "2027-03-02T11:00:00+01:00",
            "assign-reviewers",
            "head-of-programmes",
            case,
            fields={"reviewers": "programme-officer-hanoi,partnerships-officer-brussels"},
        ),
        _action(
            "2027-03-03T09:00:00+01:00",
            "declare-interests",
            "programme-officer-hanoi",
            case,
            fields={"conflict": "no"},
        ),
        _action(
            "2027-03-03T10:00:00+01:00",
            "declare-interests",
            "partnerships-officer-brussels",
            case,
            fields={"conflict": "no"},
        ),
        _action(
            "2027-03-10T10:00:00+01:00",
            "review",
            "programme-officer-hanoi",
            case,
            fields={"score": 4, "recommendation": "approve"},
        ),
        _action(
            "2027-03-11T10:00:00+01:00",
            "review",
            "partnerships-officer-brussels",
            case,
            fields={"score": 4, "recommendation": "approve"},
        ),
    ]


async def test_a_substitute_approves_on_behalf_of_the_absent_director(run_inline) -> None:
    case = "grant/T-103"
    outcome = await run_inline(
        {
            "start": "2027-03-01T08:00:00Z",
            "until": "2027-03-16T00:00:00Z",
            "cases": [kampala("T-103")],
            "actions": [
                *reviewed_by_march_11(case),
                _action(
                    "2027-03-11T12:00:00+01:00",
                    "approve",
                    "head-of-operations",
                    case,
                    fields={"decision": "approve"},
                    expect="refused",
                    refusal="Only the Director may approve grants between USD 50,000 and 250,000",
                ),
                _action(
                    "2027-03-11T13:00:00+01:00",
                    "delegate",
                    "director",
                    case,
                    fields={
                        "substitute": "programme-officer-pretoria",
                        "starts_on": "2027-03-12",
                        "ends_on": "2027-03-19",
                    },
                    expect="refused",
                    refusal="is the subject or requester of this case and cannot be a substitute",
                ),
                _action(
                    "2027-03-11T14:00:00+01:00",
                    "delegate",
                    "director",
                    case,
                    fields={
                        "substitute": "head-of-operations",
                        "starts_on": "2027-03-12",
                        "ends_on": "2027-03-19",
                    },
                    comment="Director on mission",
                ),
                _action(
                    "2027-03-15T10:00:00+01:00",
                    "approve",
                    "head-of-operations",
                    case,
                    fields={"decision": "approve"},
                ),
            ],
            "expect": {
                "events": [
                    {
                        "type": "DelegationGranted",
                        "actor": "director",
                        "payload": {"absent": "director", "substitute": "head-of-operations"},
                    },
                    {"type": "GrantApproved", "actor": "head-of-operations", "on_behalf_of": "director"},
                    {
                        "type": "TaskCompleted",
                        "actor": "head-of-operations",
                        "on_behalf_of": "director",
                        "payload": {"task_id": "approval"},
                    },
                ],
                "stages": {case: "agreement"},
            },
        }
    )
    assert sum(1 for e in outcome.events if e.type == "GrantApproved") == 1
