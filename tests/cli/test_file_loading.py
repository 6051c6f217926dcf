"""Every file a person writes loads the same way: YAML dates are accepted, every field error is named with its
path, and a file that is not UTF-8 gets one sentence, never a traceback. These run without Temporal: a file
that loads gets as far as "Temporal is not reachable", which is where nothing has been sent yet."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from simulation.scenario import load_scenario
from store.event_store import EventStore

REPO = Path(__file__).resolve().parents[2]
ORGANISATION = REPO / "examples" / "organisation.yaml"
UNREACHABLE = "Temporal is not reachable at 127.0.0.1:1 (namespace default); start it with `govern up` or set "
UNREACHABLE += "GOVERN_TEMPORAL_ADDRESS."


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    EventStore.open(f"sqlite:///{tmp_path / 'var' / 'audit.db'}").close()
    return {"GOVERN_DATA_DIR": str(tmp_path / "var"), "GOVERN_TEMPORAL_ADDRESS": "127.0.0.1:1"}


def readme_plan_file() -> str:
    """The YAML block the README shows under `govern plan start FILE`."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return readme.split("`govern plan start FILE` reads YAML", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]


def test_the_readme_plan_file_is_the_example_and_gets_as_far_as_temporal(tmp_path: Path, env) -> None:
    text = readme_plan_file()
    example = REPO / "examples" / "plans" / "strategic-plan-2028-2032.yaml"
    assert yaml.safe_load(text) == yaml.safe_load(example.read_text(encoding="utf-8"))
    assert "consultation_closes: 2027-07-30" in text  # unquoted: YAML reads it as a date
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["plan", "start", str(path)], env=env)
    assert result.exit_code == 1
    concept_note_due = yaml.safe_load(text)["milestones"]["concept_note_due"]
    if datetime.now(UTC).date() < concept_note_due:
        assert result.stderr.strip() == UNREACHABLE
    else:  # once the README's dates have passed, the rule that refuses them is what stops it
        assert result.stderr.strip() == (
            f"The concept note's due date {concept_note_due.isoformat()} has already passed; "
            "give the milestones dates still ahead."
        )


def test_a_plan_file_names_every_field_in_error(tmp_path: Path, env) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(
        "start_year: soon\nmilestone: {}\nmilestones: {concept_note_due: 2027-04-15}\nconsultation_closes: [1]\n"
    )
    result = CliRunner().invoke(app, ["plan", "start", str(path)], env=env)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"The plan file {path} has 4 errors:",
        "  - start_year: input should be a valid integer, unable to parse string as an integer (got 'soon')",
        "  - end_year: required field is missing",
        "  - consultation_closes: input should be a valid string",
        "  - milestone: unknown field (check its spelling)",
    ]


def test_a_grant_application_names_every_field_in_error(tmp_path: Path, env) -> None:
    application = yaml.safe_load((REPO / "examples" / "grants" / "kampala-upgrading.yaml").read_text())
    application.pop("title")
    application["duration_months"] = 0
    application["tranches"][1]["amount"] = "sixty thousand"
    path = tmp_path / "application.yaml"
    path.write_text(yaml.safe_dump(application))
    result = CliRunner().invoke(app, ["grant", "submit", str(path)], env=env)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"The application {path} has 3 errors:",
        "  - title: required field is missing",
        "  - duration_months: input should be greater than 0 (got 0)",
        "  - tranches[1].amount: input should be a valid decimal (got 'sixty thousand')",
    ]


def test_a_grant_reference_that_yaml_reads_as_a_date_is_taken_as_written(tmp_path: Path, env) -> None:
    text = (REPO / "examples" / "grants" / "kampala-upgrading.yaml").read_text()
    path = tmp_path / "application.yaml"
    path.write_text(text.replace("reference: 2027-014", "reference: 2027-03-01"))
    assert isinstance(yaml.safe_load(path.read_text())["reference"], date)
    result = CliRunner().invoke(app, ["grant", "submit", str(path)], env=env)
    assert result.stderr.strip() == UNREACHABLE


LATIN_1 = "title: Caf\xe9 culture\n".encode("latin-1")


@pytest.mark.parametrize(
    ("args", "what", "code"),
    [
        (["grant", "submit", "{path}"], "The application", 1),
        (["plan", "start", "{path}"], "The plan file", 1),
        (["simulate", "{path}"], "The scenario", 2),
        (["--organisation", "{path}", "tasks"], "The organisation file", 2),
        (
            ["--organisation", "{path}", "grant", "submit", str(REPO / "examples/grants/kampala-upgrading.yaml")],
            "The organisation file",
            2,
        ),
    ],
)
def test_a_file_that_is_not_utf8_gets_one_sentence(tmp_path: Path, env, args, what, code) -> None:
    path = tmp_path / "latin-1.yaml"
    path.write_bytes(LATIN_1)
    result = CliRunner().invoke(app, [arg.format(path=path) for arg in args], env=env)
    assert result.exit_code == code
    assert result.stderr.strip() == f"{what} {path} is not UTF-8 text (byte 0xe9 at offset 10); save it as UTF-8."
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_scenario_reads_unquoted_dates_and_times(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(
        f"organisation: {ORGANISATION}\n"
        "start: 2027-03-01T08:00:00Z\n"
        "cases:\n"
        "  - kind: strategic_plan\n"
        "    plan: {start_year: 2028, end_year: 2032, consultation_closes: 2027-07-30,\n"
        "           milestones: {concept_note_due: 2027-04-15, consultation_draft_due: 2027-06-15,\n"
        "                        final_draft_due: 2027-09-15}}\n"
        "actions:\n"
        "  - {at: 2027-03-02T10:00:00+01:00, case: grant/2027-014, action: sign-agreement,\n"
        "     as: programme-officer-pretoria, fields: {signed_on: 2027-03-02}}\n"
        "expect:\n"
        "  events: [{type: TrancheReleased, payload: {released_on: 2027-03-02}}]\n"
    )
    scenario, _ = load_scenario(path)
    assert scenario.start == datetime(2027, 3, 1, 8, tzinfo=UTC)
    plan = scenario.cases[0].plan
    assert plan is not None and plan.consultation_closes == "2027-07-30"
    assert plan.milestones["final_draft_due"] == "2027-09-15"
    # Fields and payload expectations hold the text, as `--field` sends it and the audit trail records it.
    assert scenario.actions[0].fields == {"signed_on": "2027-03-02"}
    assert scenario.expect.events[0].payload == {"released_on": "2027-03-02"}


def test_a_scenario_names_every_problem_including_in_the_application_files_it_names(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("reference: [unclosed\n")
    path = tmp_path / "scenario.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "organisation": str(ORGANISATION),
                "start": "2027-03-01T08:00:00Z",
                "cases": [{"file": "broken.yaml"}, {"file": "absent.yaml"}],
            }
        )
    )
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path), "simulate", str(path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"The scenario {path} has 2 errors:",
        f"  - cases[0].file: The application {broken} is not valid YAML: line 2, column 1: "
        "did not find expected ',' or ']' while parsing a flow sequence",
        f"  - cases[1].file: Cannot read the application {tmp_path / 'absent.yaml'}: No such file or directory",
    ]
    assert not (tmp_path / "simulations").exists()
