"""What `govern status` and `govern tasks` print: a summary a person reads (names, not Python lists and dicts),
and each due date on the assignee's own clock with the zone's name; `--json` keeps UTC ISO-8601."""

import json
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app


def env_for(tmp_path: Path) -> dict[str, str]:
    return {"GOVERN_DATA_DIR": str(tmp_path / "var"), "GOVERN_TEMPORAL_ADDRESS": "127.0.0.1:1"}


def test_status_prints_a_readable_summary_and_local_due_dates(tmp_path: Path, record, submitted_grant) -> None:
    record("grant/2027-014", "screen", "programme-officer-brussels", outcome="eligible")
    record(
        "grant/2027-014",
        "assign-reviewers",
        "head-of-programmes",
        reviewers="programme-officer-hanoi,partnerships-officer-brussels",
    )
    record("grant/2027-014", "declare-interests", "programme-officer-hanoi", conflict="no")
    record("grant/2027-014", "declare-interests", "partnerships-officer-brussels", conflict="no")
    record("grant/2027-014", "review", "programme-officer-hanoi", score="4", recommendation="approve")
    result = CliRunner().invoke(app, ["status", "grant/2027-014"], env=env_for(tmp_path))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[: lines.index("Open tasks:")] == [
        "grant/2027-014 (grant): stage technical_review",
        "  title: Citywide slum upgrading strategy for Kampala",
        "  applicant: Kampala Capital City Authority",
        "  amount: 120000 USD",
        "  amount usd: 120000.00",
        "  approval: between USD 50,000 and 250,000",
        "  screener: Programme Officer (Brussels)",
        "  reviewers: Programme Officer (Hanoi), Partnerships Officer (Brussels)",
        "  reviews: Programme Officer (Hanoi): score 4, approve",
        "  tranches: 2",
    ]
    # Opened Monday 1 March 2027; ten Brussels working days later, at the close of business in Brussels.
    assert lines[lines.index("Open tasks:") + 1] == (
        "  open: review-partnerships-officer-brussels -> partnerships-officer-brussels (review), "
        "due Monday 15 March 2027, 17:00 (Europe/Brussels)"
    )
    assert lines[lines.index("Open tasks:") + 2].startswith("History (")


def test_each_due_date_is_on_its_assignees_clock_and_json_keeps_utc(tmp_path: Path, record, submitted_grant) -> None:
    record("grant/2027-014", "screen", "programme-officer-brussels", outcome="eligible")
    record(
        "grant/2027-014",
        "assign-reviewers",
        "head-of-programmes",
        reviewers="programme-officer-hanoi,programme-assistant-pretoria",
    )
    env = env_for(tmp_path)
    status = CliRunner().invoke(app, ["status", "grant/2027-014"], env=env)
    assert status.exit_code == 0, status.output
    open_lines = [line for line in status.stdout.splitlines() if line.startswith("  open: ")]
    tasks = json.loads(CliRunner().invoke(app, ["status", "grant/2027-014", "--json"], env=env).stdout)["open_tasks"]
    assert {task["task"]: task["due_at"] for task in tasks} == {
        "coi-programme-officer-hanoi": "2027-03-04T10:00:00+00:00",
        "coi-programme-assistant-pretoria": "2027-03-04T15:00:00+00:00",
    }
    # The same instants, each read on its assignee's clock: 17:00 in Hanoi, 17:00 in Pretoria.
    assert open_lines == [
        "  open: coi-programme-officer-hanoi -> programme-officer-hanoi (declare-interests), "
        "due Thursday 4 March 2027, 17:00 (Asia/Ho_Chi_Minh)",
        "  open: coi-programme-assistant-pretoria -> programme-assistant-pretoria (declare-interests), "
        "due Thursday 4 March 2027, 17:00 (Africa/Johannesburg)",
    ]
    listed = CliRunner().invoke(app, ["tasks"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "    programme-officer-hanoi, due Thursday 4 March 2027, 17:00 (Asia/Ho_Chi_Minh)" in listed.stdout
    assert "    programme-assistant-pretoria, due Thursday 4 March 2027, 17:00 (Africa/Johannesburg)" in listed.stdout
    rows = json.loads(CliRunner().invoke(app, ["tasks", "--json"], env=env).stdout)
    assert {row["task_id"]: row["due_at"] for row in rows} == {
        "coi-programme-officer-hanoi": "2027-03-04T10:00:00Z",
        "coi-programme-assistant-pretoria": "2027-03-04T15:00:00Z",
    }
