"""Bad input to the case commands: one sentence, a non-zero exit, and nothing written anywhere.

These run without Temporal: every check here happens before the CLI would connect."""

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from store.event_store import EventStore
from tests.support.trail import case_events

REPO = Path(__file__).resolve().parents[2]
APPLICATION = yaml.safe_load((REPO / "examples" / "grants" / "kampala-upgrading.yaml").read_text())


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    # An address where nothing listens: a command that got as far as Temporal would say so instead. The store
    # exists, as it does once a worker has started (reads never create one).
    EventStore.open(f"sqlite:///{tmp_path / 'var' / 'audit.db'}").close()
    return {"GOVERN_DATA_DIR": str(tmp_path / "var"), "GOVERN_TEMPORAL_ADDRESS": "127.0.0.1:1"}


def submit(tmp_path: Path, env: dict[str, str], **changes: object):
    path = tmp_path / "application.yaml"
    path.write_text(yaml.safe_dump({**APPLICATION, **changes}))
    return CliRunner().invoke(app, ["grant", "submit", str(path)], env=env)


def assert_nothing_recorded(env: dict[str, str]) -> None:
    audit_db = Path(env["GOVERN_DATA_DIR"]) / "audit.db"
    if audit_db.exists():
        with EventStore.open(f"sqlite:///{audit_db}") as store:
            assert case_events(store) == 0


@pytest.mark.parametrize(
    ("changes", "sentence"),
    [
        (
            {"amount": 100000},
            "The application {path} is invalid: the tranches add up to 120000, not to the amount 100000.",
        ),
        (
            {"currency": "EUR"},
            "The application {path} is invalid: an amount in EUR needs fx_rate_to_usd, the rate recorded on the case.",
        ),
        (
            {"submitted_by": "finance-officer"},
            "Only a programme officer may submit a grant application; finance-officer is not one.",
        ),
        (
            {"screening_officer": "programme-officer-pretoria"},
            "The screening officer must not be the officer who submitted the application (separation of duties).",
        ),
        (
            {"grantee_contact": "nobody-known"},
            "The grant application is invalid: grantee_contact: unknown person 'nobody-known'.",
        ),
        ({"amount": -5}, "The application {path} is invalid: amount: input should be greater than 0 (got -5)."),
    ],
)
def test_an_invalid_application_is_refused_with_one_sentence(tmp_path, env, changes, sentence) -> None:
    result = submit(tmp_path, env, **changes)
    assert result.exit_code == 1
    assert result.stderr.strip() == sentence.format(path=tmp_path / "application.yaml")
    assert_nothing_recorded(env)


def test_an_unreadable_application_is_refused(tmp_path: Path, env: dict[str, str]) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("reference: [unclosed\n")
    result = CliRunner().invoke(app, ["grant", "submit", str(path)], env=env)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"The application {path} is not valid YAML:")
    missing = CliRunner().invoke(app, ["grant", "submit", str(tmp_path / "absent.yaml")], env=env)
    assert missing.exit_code == 1
    assert (
        missing.stderr.strip() == f"Cannot read the application {tmp_path / 'absent.yaml'}: No such file or directory."
    )


def test_a_valid_application_without_temporal_says_so_and_records_nothing(tmp_path, env) -> None:
    result = submit(tmp_path, env)
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("Temporal is not reachable at 127.0.0.1:1")
    assert_nothing_recorded(env)


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (
            ["act", "grant/2027-014", "screen", "--as", "nobody"],
            "Unknown person 'nobody': not in the organisation file.",
        ),
        (
            ["act", "grant/2027-014", "screen", "--as", "director"],
            "Unknown case 'grant/2027-014': the audit trail has no such case.",
        ),
        (
            ["act", "budget/2027", "approve", "--as", "director"],
            "'budget/2027' is not a case id this installation knows "
            "(e.g. grant/2027-014, policy/charter, plan/2028-2032, appraisal/2027/head-of-programmes).",
        ),
        (
            ["act", "grant/2027-014", "screen", "--as", "director", "--field", "outcome"],
            "--field takes KEY=VALUE, got 'outcome'.",
        ),
        (["status", "grant/2027-014"], "Unknown case 'grant/2027-014': the audit trail has no such case."),
        (["tasks", "--for", "nobody"], "Unknown person 'nobody': not in the organisation file."),
    ],
)
def test_unknown_cases_people_and_bad_fields_are_refused(env, args, sentence) -> None:
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 1
    assert result.stderr.strip() == sentence
    assert_nothing_recorded(env)


def test_no_tasks_on_an_empty_installation(env) -> None:
    result = CliRunner().invoke(app, ["tasks"], env=env)
    assert result.exit_code == 0
    assert result.stdout.strip() == "No open tasks."


def test_a_plan_whose_dates_do_not_hold_is_refused_before_anything_starts(tmp_path: Path, env) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "start_year": 2032,
                "end_year": 2028,
                "consultation_closes": "2031-07-30",
                "milestones": {
                    "concept_note_due": "2031-04-15",
                    "consultation_draft_due": "2031-06-15",
                    "final_draft_due": "2031-09-15",
                },
            }
        )
    )
    result = CliRunner().invoke(app, ["plan", "start", str(path)], env=env)
    assert result.exit_code == 1
    assert result.stderr.strip() == "A Strategic Plan's period must end after it starts; 2032-2028 does not."
    assert_nothing_recorded(env)


@pytest.mark.parametrize(
    "args",
    [
        ["policy", "history", "bylaws"],
        ["policy", "attestations", "bylaws"],
        ["policy", "review", "start", "bylaws", "--as", "director"],
    ],
)
def test_an_unknown_instrument_is_named_with_the_known_ones(env, args) -> None:
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Unknown instrument 'bylaws'; the organisation file has: charter, sops, coi-policy, risk-framework, "
        "results-framework."
    )


def test_policy_list_shows_every_instrument_before_any_register_runs(env) -> None:
    result = CliRunner().invoke(app, ["policy", "list"], env=env)
    assert result.exit_code == 0
    # An instrument past its review date is flagged OVERDUE first; which ones are depends on today's date.
    assert [line.removeprefix("OVERDUE ").split()[0] for line in result.stdout.splitlines()] == [
        "charter",
        "sops",
        "coi-policy",
        "risk-framework",
        "results-framework",
    ]
    assert CliRunner().invoke(app, ["plan", "status"], env=env).stdout.strip() == "No Strategic Plan has been opened."
    assert CliRunner().invoke(app, ["overdue"], env=env).stdout.strip() == "Nothing is overdue."


def test_an_installation_can_refuse_cli_actions_from_anyone_but_its_operators(tmp_path: Path, env) -> None:
    import getpass

    me = getpass.getuser()
    env = {**env, "GOVERN_CLI_ACTING": "ops-1, ops-2"}
    path = tmp_path / "application.yaml"
    path.write_text(yaml.safe_dump(APPLICATION))
    result = CliRunner().invoke(app, ["grant", "submit", str(path)], env=env)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "This installation accepts actions from the command line only from its operators (GOVERN_CLI_ACTING); "
        f"'{me}' is not one of them. Act through the web front instead. Nothing was sent."
    )
    assert_nothing_recorded(env)
    # An operator gets past this check (and on to Temporal, which is not running here).
    allowed = CliRunner().invoke(app, ["grant", "submit", str(path)], env={**env, "GOVERN_CLI_ACTING": me})
    assert allowed.exit_code == 1
    assert allowed.stderr.startswith("Temporal is not reachable at 127.0.0.1:1")
