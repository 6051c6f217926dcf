"""`govern actions CASE --as PERSON`: the catalogue's offers and lines for a case read from the audit trail.

No Temporal is needed: the case's events are appended to a store as its workflow would have appended them."""

import json
import shlex
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from domain import case, timed_step
from domain.case import Context, decide_command, provisional_event
from domain.commands import Command
from domain.events import DomainEvent
from domain.grant import GRANT, GrantState
from domain.organisation_file import parse_organisation
from domain.step_schedule import plan_schedule
from store.event_store import EventStore

REPO = Path(__file__).resolve().parents[2]
ORGANISATION = parse_organisation((REPO / "examples" / "organisation.yaml").read_text(encoding="utf-8"))
APPLICATION = yaml.safe_load((REPO / "examples" / "grants" / "kampala-upgrading.yaml").read_text())


def grant_at_approval(store: EventStore) -> GrantState:
    """The Kampala grant through screening and two reviews, as the workflow records it, a few days ago."""
    now = datetime.now(UTC) - timedelta(days=3)
    state = GRANT.initial_state("grant/2027-014")
    steps = [
        ("programme-officer-pretoria", "submit", APPLICATION),
        ("programme-officer-brussels", "screen", {"outcome": "eligible"}),
        ("head-of-programmes", "assign-reviewers", {"reviewers": "compliance-officer,internal-auditor"}),
        ("compliance-officer", "declare-interests", {"conflict": "no"}),
        ("internal-auditor", "declare-interests", {"conflict": "no"}),
        ("compliance-officer", "review", {"score": "4", "recommendation": "approve"}),
        ("internal-auditor", "review", {"score": "5", "recommendation": "approve"}),
    ]
    for actor, action, fields in steps:
        drafts = decide_command(
            GRANT,
            state,
            Command(action=action, actor=actor, fields=fields),
            Context(organisation=ORGANISATION, now=now),
        )
        events: list[DomainEvent] = []
        for draft in drafts:
            if draft.type in timed_step.SCHEDULED_EVENTS:
                request = timed_step.ScheduleRequest.model_validate(draft.payload["schedule_request"])
                schedule = plan_schedule(ORGANISATION, request).model_dump(mode="json")
                draft = draft.model_copy(update={"payload": {**draft.payload, "schedule": schedule}})
            event = provisional_event(state, draft, now, len(events)).model_copy(
                update={"event_id": f"{action}-{actor}-{len(events)}"}
            )
            state = case.evolve(GRANT, state, event)
            events.append(event)
        store.append(state.case_id, events, expected_version=store.current_version(state.case_id))
    return state


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    with EventStore.open(f"sqlite:///{tmp_path / 'var' / 'audit.db'}") as store:
        grant_at_approval(store)
    return {"GOVERN_DATA_DIR": str(tmp_path / "var"), "GOVERN_TEMPORAL_ADDRESS": "127.0.0.1:1"}


def run(env: dict[str, str], *args: str):
    return CliRunner().invoke(app, ["actions", *args], env=env)


def test_the_approver_sees_the_step_its_fields_and_lines_that_run(env: dict[str, str]) -> None:
    result = run(env, "grant/2027-014", "--as", "director")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("Actions open to Director (director) on grant/2027-014 (stage approval):")
    assert "Approve or reject (approve), step approval, due " in text
    assert "  --field decision=  Decision; required; approve | reject" in text
    assert "  --comment  Reason (needed to reject): required when decision is reject" in text
    assert "    govern act grant/2027-014 approve --as director --field decision=approve\n" in text
    assert '    govern act grant/2027-014 approve --as director --field decision=reject --comment "..."\n' in text
    assert "Extend the deadline (extend), step approval" in text


def test_json_gives_each_offer_with_its_fields_and_lines(env: dict[str, str]) -> None:
    result = run(env, "grant/2027-014", "--as", "head-of-programmes", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["case"], data["person"], data["stage"], data["closed"]) == (
        "grant/2027-014",
        "head-of-programmes",
        "approval",
        False,
    )
    (approve,) = [offer for offer in data["offers"] if offer["action"] == "approve"]
    assert approve["task_id"] == "approval" and approve["comment_required_when"] == {"decision": ["reject"]}
    assert approve["fields"][0]["choices"] == ["approve", "reject"]
    for line in approve["how_to_act"]:
        assert shlex.split(line, comments=True)[:6] == [
            "govern",
            "act",
            "grant/2027-014",
            "approve",
            "--as",
            "head-of-programmes",
        ]


def test_someone_with_nothing_to_do_is_told_so(env: dict[str, str]) -> None:
    result = run(env, "grant/2027-014", "--as", "communications-officer-hanoi")
    assert result.exit_code == 0
    assert result.stdout.strip() == (
        "No actions are open to Communications Officer (Hanoi) (communications-officer-hanoi) on grant/2027-014 "
        "now (stage approval)."
    )


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (["grant/2099-999", "--as", "director"], "Unknown case 'grant/2099-999': the audit trail has no such case."),
        (["grant/2027-014", "--as", "nobody"], "Unknown person 'nobody': not in the organisation file."),
        (
            ["nonsense", "--as", "director"],
            "'nonsense' is not a case id this installation knows (e.g. grant/2027-014, policy/charter, "
            "plan/2028-2032, appraisal/2027/head-of-programmes).",
        ),
    ],
)
def test_bad_input_is_one_sentence_and_a_non_zero_exit(env: dict[str, str], args: list[str], sentence: str) -> None:
    result = run(env, *args)
    assert result.exit_code == 1
    assert result.stderr.strip() == sentence


def test_without_an_audit_store_it_says_so(tmp_path: Path) -> None:
    result = run({"GOVERN_DATA_DIR": str(tmp_path / "empty")}, "grant/2027-014", "--as", "director")
    assert result.exit_code == 2
    assert result.stderr.startswith("No audit store at ")
    assert not (tmp_path / "empty" / "audit.db").exists()
