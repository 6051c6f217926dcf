"""`govern simulate` fails loudly: a scenario that does not load exits 2 with one sentence, and an unmet
expectation exits 1 naming it."""

import hashlib
from pathlib import Path

import yaml
from typer.testing import CliRunner

from cli.main import app

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, scenario: dict) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario))
    return path


def test_a_scenario_that_does_not_load_exits_2_with_one_sentence(tmp_path: Path) -> None:
    path = write(tmp_path, {"organisation": str(REPO / "examples" / "organisation.yaml"), "start": "2027-03-01"})
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path), "simulate", str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(f"The scenario {path} is invalid: start:")
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_action_before_the_start_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {
            "organisation": str(REPO / "examples" / "organisation.yaml"),
            "start": "2027-03-01T08:00:00Z",
            "actions": [{"at": "2027-02-01T08:00:00Z", "case": "grant/x", "action": "screen", "as": "director"}],
        },
    )
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path), "simulate", str(path)])
    assert result.exit_code == 2
    assert "comes before the start" in result.stderr


def test_an_unmet_expectation_exits_1_and_names_it(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {
            "organisation": str(REPO / "examples" / "organisation.yaml"),
            "start": "2027-03-01T08:00:00Z",
            "until": "2027-03-02T08:00:00Z",
            "cases": [{"file": str(REPO / "examples" / "grants" / "kampala-upgrading.yaml")}],
            "actions": [
                {
                    "at": "2027-03-01T10:00:00Z",
                    "case": "grant/2027-014",
                    "action": "approve",
                    "as": "director",
                    "fields": {"decision": "approve"},
                }
            ],
            "expect": {
                "outcomes": {"grant/2027-014": "approved"},
                "events": [{"type": "GrantApproved", "case": "grant/2027-014"}],
            },
        },
    )
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path), "simulate", str(path)])
    assert result.exit_code == 1, result.stdout
    assert "3 expectation(s) failed:" in result.stdout
    assert (
        "approve by director on grant/2027-014 at 2027-03-01 10:00 was refused: Grant grant/2027-014 has no "
        "open step to approve (stage: screening): approval follows two independent technical reviews; it is "
        "waiting for Programme Officer (Brussels) (programme-officer-brussels) to 'screen'." in result.stdout
    )
    assert "Expected case grant/2027-014 to end approved, but got no outcome yet." in result.stdout
    assert "Expected event GrantApproved case=grant/2027-014, but it is not in the audit trail." in result.stdout
    assert "Audit chain intact: 2 events" in result.stdout


def test_a_refused_revision_stores_no_document_and_its_sentence_is_printed(tmp_path: Path) -> None:
    documents = REPO / "examples" / "documents"
    accepted = hashlib.sha256((documents / "charter-v4-rev2.md").read_bytes()).hexdigest()
    path = write(
        tmp_path,
        {
            "name": "refused-revision",
            "organisation": str(REPO / "examples" / "organisation.yaml"),
            "start": "2027-09-01T06:00:00Z",
            "cases": [{"kind": "policy_register", "instrument": "charter"}],
            "actions": [
                {
                    "at": "2027-09-01T10:00:00+02:00",
                    "case": "policy/charter",
                    "action": "start-review",
                    "as": "director",
                    "comment": "Align the Charter with the new Strategic Plan.",
                },
                {
                    "at": "2027-09-02T10:00:00+02:00",
                    "case": "policy/charter/review/1",
                    "action": "submit-revision",
                    "as": "compliance-officer",
                    "expect": "refused",
                    "refusal": "may submit a revision",
                    "fields": {"document": str(documents / "charter-v4.md"), "change_summary": "Not theirs to make."},
                },
                {
                    "at": "2027-09-03T10:00:00+02:00",
                    "case": "policy/charter/review/1",
                    "action": "submit-revision",
                    "as": "director",
                    "fields": {"document": str(documents / "charter-v4-rev2.md"), "change_summary": "Recusal rule."},
                },
            ],
            "expect": {
                "events": [
                    {
                        "case": "policy/charter/review/1",
                        "type": "RevisionSubmitted",
                        "count": 1,
                        "actor": "director",
                        "on_behalf_of": None,
                        "payload": {"sha256": accepted},
                    },
                ],
            },
        },
    )
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path), "simulate", str(path)])
    assert result.exit_code == 0, result.stdout
    assert "All expectations met." in result.stdout
    folder = tmp_path / "simulations" / "refused-revision"
    # Only the accepted revision's document is stored; the refused one left nothing behind.
    assert sorted(item.name for item in (folder / "documents").iterdir()) == [accepted]
    assert "Refused actions (1):" in result.stdout
    refused = next(line for line in result.stdout.splitlines() if "submit-revision by compliance-officer" in line)
    assert refused.startswith(
        "  2027-09-02 08:00 policy/charter/review/1 submit-revision by compliance-officer, refused as expected: "
        "Only Director (director), or their substitute while they are away, may submit a revision of the Charter of "
        "the Partnership."
    )
