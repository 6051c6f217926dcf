"""`govern appraisal` and `govern act` on appraisals: refusals before anything is sent, and progress without
content. Progress is read from the audit trail of a real simulation of the Management Team example, stopped
while the Head of Operations' self-assessment is late."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from store.event_store import EventStore
from tests.support.keys import new_key

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "scenarios" / "management-team-appraisals.yaml"
KEY = f"k1:{new_key()}"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    # An address where nothing listens: a command that got as far as Temporal would say so instead.
    return {"GOVERN_DATA_DIR": str(tmp_path / "var"), "GOVERN_TEMPORAL_ADDRESS": "127.0.0.1:1", "GOVERN_CODEC_KEYS": ""}


def run(env: dict[str, str], *args: str):
    return CliRunner().invoke(app, list(args), env=env)


def assert_nothing_recorded(env: dict[str, str]) -> None:
    audit_db = Path(env["GOVERN_DATA_DIR"]) / "audit.db"
    if audit_db.exists():
        with EventStore.open(f"sqlite:///{audit_db}") as store:
            assert store.count() == 0


def test_launching_without_a_content_key_sends_nothing(env: dict[str, str]) -> None:
    result = run(env, "appraisal", "launch", "--cycle", "2027")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "Appraisal content is confidential and must be encrypted before it reaches Temporal: set "
        "GOVERN_CODEC_KEYS (the worker needs the same keys). Nothing was sent."
    )
    assert_nothing_recorded(env)


def test_acting_on_an_appraisal_without_a_content_key_sends_nothing(env: dict[str, str]) -> None:
    result = run(
        env,
        "act",
        "appraisal/2027/fund-manager",
        "propose-objectives",
        "--as",
        "fund-manager",
        "--field",
        "objectives=x",
    )
    assert result.exit_code == 2
    assert "must be encrypted before it reaches Temporal: set GOVERN_CODEC_KEYS" in result.output


def test_a_malformed_key_is_named_in_one_line(env: dict[str, str]) -> None:
    result = run({**env, "GOVERN_CODEC_KEYS": "k1:not-base64!"}, "appraisal", "launch", "--cycle", "2027")
    assert result.exit_code == 2
    assert result.output.strip() == "Invalid setting GOVERN_CODEC_KEYS: the key of 'k1' is not valid base64."


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (["--unit", "Procurement"], "No unit 'Procurement' is in the organisation file; its units are: "),
        (["--role", "procurement_officer"], "Nobody in the organisation file holds the role 'procurement_officer'."),
        (["--as", "finance-officer"], "Only the Director or the HR Officer may launch an appraisal cycle"),
        (["--as", "nobody"], "Unknown person 'nobody': not in the organisation file."),
        (["--person", "director"], "Nothing to launch: 1 cannot be appraised in it now (director)."),
        (
            ["--mid-year-opens", "2027-03-01"],
            "The phase dates of the 2027 cycle are out of order: mid_year_opens (2027-03-01) comes before "
            "objectives_due (2027-03-31).",
        ),
    ],
)
def test_a_bad_launch_is_refused_before_temporal(env: dict[str, str], args: list[str], sentence: str) -> None:
    result = run({**env, "GOVERN_CODEC_KEYS": KEY}, "appraisal", "launch", "--cycle", "2027", *args)
    assert sentence in result.output
    assert "Temporal" not in result.output
    assert result.exit_code == (0 if sentence.startswith("Nothing to launch") else 1)
    assert_nothing_recorded(env)


def test_progress_of_a_cycle_never_launched(env: dict[str, str]) -> None:
    assert run(env, "migrate").exit_code == 0
    result = run(env, "appraisal", "progress", "2027")
    assert result.exit_code == 1
    assert result.output.strip() == "No 2027 appraisal cycle has been launched (govern appraisal launch --cycle 2027)."


@pytest.fixture(scope="module")
def late_cycle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example scenario's audit trail, stopped on 2028-02-08: the Head of Operations is late and escalated."""
    folder = tmp_path_factory.mktemp("late")
    scenario = yaml.safe_load(EXAMPLE.read_text())
    scenario["name"] = "late-self-assessment"
    scenario["organisation"] = str(REPO / "examples" / "organisation.yaml")
    scenario["until"] = "2028-02-08T12:00:00Z"
    stop = datetime(2028, 2, 8, tzinfo=UTC)
    scenario["actions"] = [action for action in scenario["actions"] if action["at"] < stop]
    scenario["expect"] = {}
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario))
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "--data-dir", str(folder / "var"), "simulate", str(path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        env={**os.environ, "GOVERN_CODEC_KEYS": KEY},
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return folder / "var" / "simulations" / "late-self-assessment" / "audit.db"


def test_progress_counts_each_phase_and_names_who_is_late_without_content(
    env: dict[str, str], late_cycle: Path
) -> None:
    database = {**env, "GOVERN_DATABASE_URL": f"sqlite:///{late_cycle}"}
    result = run(database, "appraisal", "progress", "2027", "--as-of", "2028-02-08T12:00:00Z", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["appraisals"] == 5
    phases = data["phases"]
    assert phases["objectives"]["done"] == 5 and phases["mid_year"]["done"] == 5
    assert (phases["self_assessment"]["done"], phases["self_assessment"]["late"]) == (4, 1)
    assert phases["assessment"]["open"] == 4 and phases["assessment"]["waiting"] == 1
    assert phases["rebuttal"]["waiting"] == 5
    assert [(row["case"], row["step"], row["assignee"], row["escalations_sent"]) for row in data["late"]] == [
        ("appraisal/2027/head-of-operations", "self-assessment", "head-of-operations", 2)
    ]

    text = run(database, "appraisal", "progress", "2027", "--as-of", "2028-02-08T12:00:00Z")
    assert text.exit_code == 0
    assert "Self-assessment" in text.output and "head-of-operations" in text.output
    for content in ("Grant pipeline", "Donor report", "Fund disbursement", "Eleven approvals", "slipped"):
        assert content not in text.output and content not in result.output


def test_the_audit_log_shows_appraisal_content_only_with_the_key(env: dict[str, str], late_cycle: Path) -> None:
    database = {**env, "GOVERN_DATABASE_URL": f"sqlite:///{late_cycle}"}
    without = run(database, "audit", "log", "--stream", "appraisal/2027/head-of-programmes", "--limit", "5")
    assert without.exit_code == 0
    assert "Grant pipeline" not in without.output and "encrypted (key k1)" in without.output
    keyed = run({**database, "GOVERN_CODEC_KEYS": KEY}, "audit", "log", "--stream", "appraisal/2027/head-of-programmes")
    assert keyed.exit_code == 0
    assert "Grant pipeline of 12 approvals" in keyed.output
    verified = run(database, "audit", "verify")
    assert verified.exit_code == 0 and "Audit chain intact" in verified.output
