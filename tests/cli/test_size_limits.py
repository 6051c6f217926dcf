"""Size limits (domain/limits.py) refuse a command before anything is sent to Temporal, with one sentence naming
the field, and leave nothing behind: no case, no event, no taken reference, no stored document. Temporal is
not running here (127.0.0.1:1): a command within the limits gets as far as saying so, which proves the limit
was checked first."""

import hashlib
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from domain.limits import COMMAND_MAX_BYTES, TEXT_MAX_CHARACTERS, TITLE_MAX_CHARACTERS
from store.event_store import EventStore
from tests.support.keys import new_key
from tests.support.trail import case_events

REPO = Path(__file__).resolve().parents[2]
APPLICATION = yaml.safe_load((REPO / "examples" / "grants" / "kampala-upgrading.yaml").read_text())
UNREACHABLE = "Temporal is not reachable at 127.0.0.1:1"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"GOVERN_DATA_DIR": str(tmp_path / "var"), "GOVERN_TEMPORAL_ADDRESS": "127.0.0.1:1"}


def events_in(tmp_path: Path) -> int:
    with EventStore.open_existing(f"sqlite:///{tmp_path / 'var' / 'audit.db'}") as store:
        return case_events(store)


def test_a_grant_whose_title_is_1_5_mb_gets_one_sentence_and_takes_no_reference(tmp_path: Path, env) -> None:
    path = tmp_path / "application.yaml"
    path.write_text(yaml.safe_dump({**APPLICATION, "title": "x" * 1_500_000}))
    result = CliRunner().invoke(app, ["grant", "submit", str(path)], env=env)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Field 'title' is 1,500,000 characters long; the limit is 300 (size limits). Shorten it."
    )
    assert not (tmp_path / "var").exists()  # no store, no case, no reference taken
    path.write_text(yaml.safe_dump({**APPLICATION, "title": "x" * TITLE_MAX_CHARACTERS}))
    at_the_limit = CliRunner().invoke(app, ["grant", "submit", str(path)], env=env)
    assert at_the_limit.stderr.startswith(UNREACHABLE)


def test_a_grant_application_too_large_in_all_is_refused(tmp_path: Path, env) -> None:
    tranches = [{"amount": 10} for _ in range(20_000)]
    path = tmp_path / "application.yaml"
    path.write_text(yaml.safe_dump({**APPLICATION, "amount": 200_000, "tranches": tranches}))
    result = CliRunner().invoke(app, ["grant", "submit", str(path)], env=env)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"The 'submit' command is 312 KB in all; the limit is {COMMAND_MAX_BYTES // 1024} KB (size limits). Send "
        "less at once, or attach long text as a document where the action takes one."
    )
    assert not (tmp_path / "var").exists()


@pytest.mark.parametrize(
    ("extra", "sentence"),
    [
        (
            ["--comment", "c" * (TEXT_MAX_CHARACTERS + 1)],
            "The comment is 20,001 characters long; the limit is 20,000 (size limits). Shorten it, or attach it as "
            "a document where the action takes one.",
        ),
        (
            ["--field", "outcome=" + "e" * (TEXT_MAX_CHARACTERS + 1)],
            "Field 'outcome' is 20,001 characters long; the limit is 20,000 (size limits). Shorten it, or attach it "
            "as a document where the action takes one.",
        ),
        (
            [arg for n in range(14) for arg in ("--field", f"note{n}={'n' * TEXT_MAX_CHARACTERS}")],
            "The 'screen' command is 273 KB in all; the limit is 256 KB (size limits). Send less at once, or attach "
            "long text as a document where the action takes one.",
        ),
    ],
)
def test_an_oversized_action_is_refused_before_it_is_sent(tmp_path: Path, env, submitted_grant, extra, sentence):
    before = events_in(tmp_path)
    args = ["act", "grant/2027-014", "screen", "--as", "programme-officer-brussels", "--field", "outcome=eligible"]
    result = CliRunner().invoke(app, [*args, *extra], env=env)
    assert result.exit_code == 1
    assert result.stderr.strip() == sentence
    assert events_in(tmp_path) == before


def test_a_comment_at_the_limit_goes_on_to_temporal(tmp_path: Path, env, submitted_grant) -> None:
    args = ["act", "grant/2027-014", "screen", "--as", "programme-officer-brussels", "--field", "outcome=eligible"]
    result = CliRunner().invoke(app, [*args, "--comment", "c" * TEXT_MAX_CHARACTERS], env=env)
    assert result.exit_code == 1
    assert result.stderr.startswith(UNREACHABLE)


def test_a_command_that_is_not_carried_out_stores_no_document(tmp_path: Path, env, submitted_grant) -> None:
    """The document's hash goes in the command; the file is stored only once a case accepts the command."""
    document = tmp_path / "screening-note.md"
    document.write_text("Eligible under the 2027 call.\n")
    args = ["act", "grant/2027-014", "screen", "--as", "programme-officer-brussels", "--field", "outcome=eligible"]
    unsent = CliRunner().invoke(app, [*args, "--field", f"document={document}"], env=env)
    assert unsent.stderr.startswith(UNREACHABLE)
    oversized = CliRunner().invoke(
        app, [*args, "--field", f"document={document}", "--comment", "c" * (TEXT_MAX_CHARACTERS + 1)], env=env
    )
    assert oversized.exit_code == 1 and "(size limits)" in oversized.stderr
    assert not (tmp_path / "var" / "documents").exists()
    assert hashlib.sha256(document.read_bytes()).hexdigest()  # the file itself is untouched
    assert document.read_text() == "Eligible under the 2027 call.\n"


def test_an_appraisal_launch_with_an_oversized_comment_is_refused(tmp_path: Path, env) -> None:
    env = {**env, "GOVERN_CODEC_KEYS": f"k1:{new_key()}"}
    result = CliRunner().invoke(
        app, ["appraisal", "launch", "--cycle", "2027", "--comment", "c" * (TEXT_MAX_CHARACTERS + 1)], env=env
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "The comment is 20,001 characters long; the limit is 20,000 (size limits). Shorten it, or attach it as a "
        "document where the action takes one."
    )
    assert not (tmp_path / "var").exists()


def test_an_oversized_opening_is_refused_before_a_workflow_starts() -> None:
    """`start_case` checks what it would send (a plan's fields, a grant's command) before it connects."""
    from runtime.case_commands import refuse_oversized_opening
    from runtime.command_refused import CommandRefused
    from workflows.messages import OpenPlan

    opening = OpenPlan(
        case_id="plan/2028-2032",
        start_year=2028,
        end_year=2032,
        milestones={"concept_note_due": "2027-04-15", "note": "n" * (TEXT_MAX_CHARACTERS + 1)},
        consultation_closes="2027-07-30",
        requested_by="director",
    )
    with pytest.raises(CommandRefused) as refused:
        refuse_oversized_opening("plan/2028-2032", opening)
    assert refused.value.sentence == (
        "Field 'milestones.note' is 20,001 characters long; the limit is 20,000 (size limits). Shorten it, or "
        "attach it as a document where the action takes one."
    )
