"""`govern tasks`, `overdue` and `plan status` answer from the standard library on a SQLite store, `status` without
Typer, the settings or SQLAlchemy, and what they print is exactly what the full path prints; whatever the lean path
does not handle goes to the full path."""

import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import typing
from contextlib import closing, redirect_stdout
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from typer.testing import CliRunner

from cli.app import build_app
from cli.commands import command_word
from cli.quick import CHOICES, EXAMPLE_ORGANISATION, NOT_SETTINGS, SCHEMA_REVISION, UNDERSTOOD, answer_quickly
from domain.policy_register import register_case_id
from runtime.settings import Settings
from store.event_store import EventStore
from store.migrate import migrations_head
from tests.cli.conftest import KAMPALA
from tests.support.previous_release import migrated, unpack_store

REPO = Path(__file__).resolve().parents[2]
PAST = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # steps opened then are overdue now
LATER = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)  # steps opened then are not yet due


@pytest.fixture
def desk_store(tmp_path: Path, record, monkeypatch: pytest.MonkeyPatch) -> Path:
    record("grant/Q-1", "submit", KAMPALA["submitted_by"], now=PAST, **{**KAMPALA, "reference": "Q-1"})
    record("grant/Q-2", "submit", KAMPALA["submitted_by"], now=LATER, **{**KAMPALA, "reference": "Q-2"})
    record("grant/Q-2", "screen", "programme-officer-brussels", now=LATER, outcome="eligible")
    record(
        "grant/Q-2",
        "assign-reviewers",
        "head-of-programmes",
        now=LATER,
        reviewers="programme-officer-hanoi,programme-assistant-pretoria",
    )
    # The screening officer is away: a colleague holds their step on Q-1 meanwhile.
    today = datetime.now(UTC).date()
    record(
        "grant/Q-1",
        "delegate",
        "programme-officer-brussels",
        now=PAST,
        substitute="programme-officer-hanoi",
        starts_on=PAST.date().isoformat(),
        ends_on=today.replace(year=today.year + 5).isoformat(),
    )
    for name in [name for name in list(os.environ) if name.startswith("GOVERN_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("GOVERN_DATA_DIR", str(tmp_path / "var"))
    return tmp_path / "var" / "audit.db"


def _quick(argv: list[str]) -> tuple[int | None, str]:
    word, position = command_word(argv)
    assert word is not None
    out = io.StringIO()
    with redirect_stdout(out):
        code = answer_quickly(argv, word, position)
    return code, out.getvalue()


READS = [
    ["tasks"],
    ["tasks", "--json"],
    ["tasks", "--for", "programme-officer-hanoi"],
    ["tasks", "--for=programme-officer-hanoi", "--json"],
    ["tasks", "--for", "programme-officer-brussels"],
    ["overdue"],
    ["overdue", "--json"],
    ["plan", "status"],
    ["plan", "status", "--json"],
    ["status", "grant/Q-1"],
    ["status", "grant/Q-2"],
    ["status", "grant/Q-2", "--json"],
    ["policy", "list"],
    ["policy", "list", "--json"],
    ["actions", "grant/Q-1", "--as", "programme-officer-hanoi"],  # a step held for an absent colleague
    ["actions", "grant/Q-2", "--as", "programme-officer-hanoi", "--json"],
    ["actions", "grant/Q-2", "--as=head-of-programmes"],
    ["actions", "grant/Q-2", "--json", "--as", "board-chair"],  # nothing open to them
]


@pytest.mark.parametrize("argv", READS, ids=" ".join)
def test_the_lean_path_prints_what_the_full_path_prints(desk_store: Path, argv: list[str]) -> None:
    code, quick = _quick(argv)
    full = CliRunner().invoke(build_app(), argv)
    assert full.exit_code == 0, full.output
    assert code == 0, "the lean path left this read to the full path"
    assert quick == full.stdout


def test_the_desk_shows_steps_held_for_an_absent_colleague_and_what_is_overdue(desk_store: Path) -> None:
    _, desk = _quick(["tasks", "--for", "programme-officer-hanoi", "--json"])
    rows = json.loads(desk)
    assert [(row["case_id"], row["task_id"], row["overdue"], row["on_behalf_of"]) for row in rows] == [
        ("grant/Q-1", "screening", True, "programme-officer-brussels"),
        ("grant/Q-2", "coi-programme-officer-hanoi", False, None),
    ]
    _, text = _quick(["tasks", "--for", "programme-officer-hanoi"])
    assert "    programme-officer-brussels, held by programme-officer-hanoi on their behalf, due " in text
    assert "    what to do: govern actions grant/Q-1 --as programme-officer-hanoi" in text
    _, overdue = _quick(["overdue"])
    assert overdue.splitlines()[0] == "programme-officer-brussels:"


@pytest.mark.parametrize(
    "argv",
    [
        ["tasks", "--help"],
        ["tasks", "--for"],
        ["tasks", "--for", "someone-unknown"],  # nothing on the desk: the full path says whether they exist
        ["--temporal-address", "nowhere", "tasks"],  # a setting the full path validates
        ["plan", "start", "x.yaml"],
        ["status"],
        ["status", "--json", "grant/Q-1"],  # an option before the case
        ["status", "grant/Q-1", "--verbose"],
        ["status", "grant/Q-404"],  # no such case: the full path says so
        ["status", "nothing-we-know/1"],  # an id no rules know
        ["--temporal-address", "nowhere", "status", "grant/Q-1"],
        ["actions", "grant/Q-1"],  # no --as: the full path says it is missing
        ["actions", "grant/Q-1", "--as"],
        ["actions", "grant/Q-1", "--as", "someone-unknown"],  # the full path names the unknown person
        ["actions", "grant/Q-404", "--as", "programme-officer-hanoi"],
        ["actions", "nothing-we-know/1", "--as", "programme-officer-hanoi"],
        ["actions", "--as", "programme-officer-hanoi", "grant/Q-1"],  # an option before the case
        ["actions", "grant/Q-1", "--as", "programme-officer-hanoi", "--as", "director"],
        ["policy", "history"],
        ["policy", "history", "no-such-instrument"],  # the full path names the instruments the file has
        ["policy", "history", "charter"],  # no register yet: the full path says so
        ["policy", "history", "--json", "charter"],
        ["appraisal", "progress"],
        ["appraisal", "progress", "2027x"],
        ["appraisal", "progress", "2027"],  # no such cycle: the full path says so
        ["appraisal", "progress", "2027", "--as-of", "yesterday"],  # the full path says what --as-of expects
    ],
    ids=" ".join,
)
def test_what_the_lean_path_does_not_handle_goes_to_the_full_path(desk_store: Path, argv: list[str]) -> None:
    assert _quick(argv)[0] is None


def test_other_settings_and_old_steps_go_to_the_full_path(desk_store: Path, monkeypatch) -> None:
    monkeypatch.setenv("GOVERN_TEMPORAL_ADDRESS", "localhost:7233")
    assert _quick(["tasks"])[0] is None
    monkeypatch.delenv("GOVERN_TEMPORAL_ADDRESS")
    assert _quick(["tasks"])[0] == 0
    # A step scheduled before schedules recorded their zone: its zone comes from the organisation file.
    with EventStore.open(f"sqlite:///{desk_store}") as store, store.engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE projection_tasks SET time_zone = NULL, due_local = NULL WHERE case_id = 'grant/Q-1'")
        )
    assert _quick(["tasks"])[0] is None
    full = CliRunner().invoke(build_app(), ["tasks"])
    assert "due Monday 9 November 2026, 17:00 (Europe/Brussels)" in full.stdout


@pytest.mark.parametrize(
    "setting", ["GOVERN_DATA_DIR", "GOVERN_ORGANISATION_FILE", "GOVERN_DATABASE_URL", "--data-dir", "--organisation"]
)
def test_a_setting_given_empty_means_what_the_full_path_makes_of_it(
    desk_store: Path, monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    """An empty data directory is the working directory and an empty organisation file is no file, not the
    defaults: the lean path leaves an empty setting to the full path rather than read a store or a file the full
    path would not. Run where the default store (var/audit.db) is there, so that taking the default would answer."""
    monkeypatch.chdir(desk_store.parent.parent)
    if setting.startswith("--"):
        argv = [setting, "", "tasks", "--for", "programme-officer-hanoi"]
    else:
        monkeypatch.delenv("GOVERN_DATA_DIR")
        monkeypatch.setenv(setting, "")
        argv = ["tasks", "--for", "programme-officer-hanoi"]
    full = CliRunner().invoke(build_app(), argv)
    code, quick = _quick(argv)
    if setting == "GOVERN_DATABASE_URL":  # empty is unset to the settings: the full path reads the default store
        assert full.exit_code == 0 and "grant/Q-1" in full.stdout
        assert code is None
    else:
        assert full.exit_code != 0
        assert code is None, "the lean path answered from the defaults"


def test_a_setting_named_in_lower_case_is_read_as_the_full_path_reads_it(
    desk_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The settings read `govern_data_dir` as GOVERN_DATA_DIR; the lean path leaves such a name to the full path
    rather than ignore it and read the store the upper-case name points at."""
    monkeypatch.setenv("govern_data_dir", str(tmp_path / "elsewhere"))
    argv = ["tasks", "--for", "programme-officer-hanoi"]
    assert _quick(argv)[0] is None
    full = CliRunner().invoke(build_app(), argv)
    assert full.exit_code != 0 and "No audit store" in full.output


def test_a_missing_store_is_named_and_not_created(tmp_path: Path, monkeypatch) -> None:
    missing = tmp_path / "typo" / "audit.db"
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "--database-url", f"sqlite:///{missing}", "tasks"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={key: value for key, value in os.environ.items() if not key.startswith("GOVERN_")},
    )
    assert (done.returncode, done.stderr.strip()) == (2, f"No audit store at {missing}.")
    assert not missing.parent.exists()


def test_the_lean_path_knows_the_schema_and_the_settings_it_reads() -> None:
    assert SCHEMA_REVISION == migrations_head()
    fields = {f"GOVERN_{name.upper()}": field for name, field in Settings.model_fields.items()}
    assert UNDERSTOOD <= fields.keys()
    assert not NOT_SETTINGS & fields.keys()
    for name, values in CHOICES.items():
        assert set(typing.get_args(fields[name].annotation)) == values


def test_a_valid_log_setting_keeps_the_lean_path_and_a_bad_one_leaves_it_to_the_full_path(
    desk_store: Path, monkeypatch
) -> None:
    monkeypatch.setenv("GOVERN_LOG_FORMAT", "json")
    assert _quick(["tasks"])[0] == 0
    monkeypatch.setenv("GOVERN_LOG_FORMAT", "yaml")
    assert _quick(["tasks"])[0] is None
    full = CliRunner().invoke(build_app(), ["tasks"])
    assert full.exit_code == 2 and "Invalid setting GOVERN_LOG_FORMAT" in full.output


def test_a_read_through_the_console_script_imports_nothing_heavy(desk_store: Path) -> None:
    probe = (
        "import sys; from cli.main import run; run(['tasks']); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'typer', 'pydantic', 'sqlalchemy', 'temporalio', 'yaml', 'alembic', 'structlog'}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert "grant/Q-1 screening" in done.stdout


def test_the_lean_path_looks_for_the_organisation_file_where_the_settings_do() -> None:
    assert Path(EXAMPLE_ORGANISATION) == Settings.model_fields["organisation_file"].default


@pytest.mark.parametrize(
    "argv",
    [
        ["tasks"],
        ["tasks", "--for", "programme-officer-hanoi"],
        ["overdue"],
        ["--organisation", "{missing}", "tasks", "--for", "programme-officer-hanoi"],
    ],
    ids=" ".join,
)
def test_an_organisation_file_that_is_not_there_is_named_by_the_reads_that_use_it(
    desk_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    missing = tmp_path / "typo.yaml"
    argv = [str(missing) if word == "{missing}" else word for word in argv]
    if "--organisation" not in argv:
        monkeypatch.setenv("GOVERN_ORGANISATION_FILE", str(missing))
    assert _quick(argv)[0] is None
    full = CliRunner().invoke(build_app(), argv)
    assert (full.exit_code, full.output.strip()) == (
        2,
        f"Cannot read the organisation file {missing}: No such file or directory.",
    )


def test_reads_that_do_not_use_the_organisation_file_answer_without_it(
    desk_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVERN_ORGANISATION_FILE", str(tmp_path / "typo.yaml"))
    for argv in (["plan", "status"], ["overdue", "--json"]):
        code, quick = _quick(argv)
        full = CliRunner().invoke(build_app(), argv)
        assert code == full.exit_code == 0, full.output
        assert quick == full.stdout


def test_someone_the_organisation_file_no_longer_lists_keeps_their_desk_on_both_paths(
    desk_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The officer who left still holds steps: their desk shows them (to be taken over); an unknown name with
    nothing on it is still refused."""
    left = tmp_path / "without-hanoi.yaml"
    text = (REPO / "examples" / "organisation.yaml").read_text(encoding="utf-8")
    left.write_text(text.replace("programme-officer-hanoi", "programme-officer-hanoi-2"), encoding="utf-8")
    monkeypatch.setenv("GOVERN_ORGANISATION_FILE", str(left))
    argv = ["tasks", "--for", "programme-officer-hanoi"]
    code, quick = _quick(argv)
    full = CliRunner().invoke(build_app(), argv)
    assert code == full.exit_code == 0, full.output
    assert quick == full.stdout
    assert "grant/Q-1 screening" in quick and "grant/Q-2 coi-programme-officer-hanoi" in quick
    nobody = CliRunner().invoke(build_app(), ["tasks", "--for", "programme-officer-hanio"])
    assert nobody.exit_code == 1
    assert nobody.output.startswith("Unknown person 'programme-officer-hanio': not in the organisation file")


def test_a_due_date_reads_on_the_clock_it_was_counted_on_after_the_assignee_moves(
    desk_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The screening officer moved to Hanoi after their step was scheduled: both paths, and `govern status`, show
    its due date in the zone the step recorded, as counted, not in the file's new zone."""
    moved = tmp_path / "moved.yaml"
    raw = yaml.safe_load((REPO / "examples" / "organisation.yaml").read_text(encoding="utf-8"))
    officer = next(person for person in raw["people"] if person["id"] == "programme-officer-brussels")
    officer["time_zone"] = "Asia/Ho_Chi_Minh"
    moved.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv("GOVERN_ORGANISATION_FILE", str(moved))
    for argv in (["tasks"], ["tasks", "--for", "programme-officer-hanoi"], ["overdue"]):
        code, quick = _quick(argv)
        full = CliRunner().invoke(build_app(), argv)
        assert code == full.exit_code == 0, full.output
        assert quick == full.stdout
        assert "due Monday 9 November 2026, 17:00 (Europe/Brussels)" in quick, quick
    status = CliRunner().invoke(build_app(), ["status", "grant/Q-1"])
    assert (
        "  open: screening -> programme-officer-brussels (screen), due Monday 9 November 2026, 17:00 "
        "(Europe/Brussels)" in status.stdout
    ), status.stdout


@pytest.mark.parametrize(
    "read",
    [["status", "grant/Q-2"], ["policy", "list"], ["actions", "grant/Q-2", "--as", "programme-officer-hanoi"]],
    ids=" ".join,
)
def test_the_lean_reads_that_fold_cases_load_no_typer_settings_or_sqlalchemy_through_the_console_script(
    desk_store: Path, read: list[str]
) -> None:
    probe = (
        f"import sys; from cli.main import run; run({read!r}); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'typer', 'pydantic_settings', 'sqlalchemy', 'temporalio', 'alembic', 'structlog', 'cryptography'}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
    first_words = {
        "status": "grant/Q-2 (grant): stage conflict_declarations\n",
        "policy": "charter",
        "actions": "Actions open to ",
    }
    assert done.stdout.startswith(first_words[read[0]])


def test_a_status_the_full_path_refuses_is_refused_there_in_the_same_words(desk_store: Path, tmp_path: Path) -> None:
    """An organisation file that is there but does not load: `status` leaves it to the full path, which names it,
    with or without `--json`."""
    broken = tmp_path / "broken.yaml"
    broken.write_text("people: [1, 2")
    for argv in (
        ["--organisation", str(broken), "status", "grant/Q-1"],
        ["--organisation", str(broken), "status", "grant/Q-1", "--json"],
        ["--organisation", str(broken), "policy", "list", "--json"],
        ["--organisation", str(broken), "actions", "grant/Q-1", "--as", "programme-officer-hanoi"],
    ):
        assert _quick(argv)[0] is None
        full = CliRunner().invoke(build_app(), argv)
        assert full.exit_code == 2 and "organisation file" in full.output


FIXTURES = REPO / "tests" / "fixtures"
PREVIOUS_RELEASE_STORES = [
    *sorted((FIXTURES / "previous-release-0cc7368").glob("*.db.gz")),
    FIXTURES / "appraisals-store-0cc7368.db.gz",
]


def _people_to_ask(store_file: Path, case_id: str) -> list[str]:
    """Everyone the projections list as taking part in the case or holding one of its steps, and the first person
    of the organisation file who does neither."""
    with closing(sqlite3.connect(store_file)) as connection:
        involved = {
            person
            for (person,) in connection.execute(
                "SELECT person FROM projection_participants WHERE case_id = ? "
                "UNION SELECT assignee FROM projection_tasks WHERE case_id = ?",
                (case_id, case_id),
            )
        }
    listed = [person["id"] for person in yaml.safe_load(Path(EXAMPLE_ORGANISATION).read_text())["people"]]
    known = sorted(involved & set(listed))
    return [*known, next(person for person in listed if person not in involved)]


@pytest.mark.parametrize("packed", PREVIOUS_RELEASE_STORES, ids=lambda path: path.name)
def test_the_lean_reads_print_what_the_full_path_prints_for_every_case_of_every_kind(
    packed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every case of the stores an earlier release wrote for the example scenarios, once migrated: grants, Board
    decisions, policy registers and reviews, the Strategic Plan and what it opened, an appraisal cycle and its
    appraisals; the actions open on each to everyone who takes part in it and to someone who does not; the policy
    list and each register's history; each appraisal cycle's progress at three instants. The rule holds for any
    case a store holds, not only the desk's two grants."""
    store_file = unpack_store(packed, tmp_path / "audit.db")
    migrated(store_file)
    for name in [name for name in list(os.environ) if name.startswith("GOVERN_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("GOVERN_DATABASE_URL", f"sqlite:///{store_file}")
    with closing(sqlite3.connect(store_file)) as connection:
        cases = [case_id for (case_id,) in connection.execute("SELECT DISTINCT stream_id FROM audit_events")]
    assert cases
    reads = [["policy", "list"], ["policy", "list", "--json"]]
    instruments = [item["id"] for item in yaml.safe_load(Path(EXAMPLE_ORGANISATION).read_text())["instruments"]]
    for instrument in instruments:
        if register_case_id(instrument) in cases:
            reads += [["policy", "history", instrument], ["policy", "history", instrument, "--json"]]
    for cycle in sorted(case_id.split("/")[1] for case_id in cases if re.fullmatch(r"appraisal/\d{4}", case_id)):
        for as_of in (f"{cycle}-06-30T12:00:00Z", f"{int(cycle) + 1}-02-08", f"{int(cycle) + 1}-03-01T09:00:00+01:00"):
            reads += [
                ["appraisal", "progress", cycle, "--as-of", as_of],
                ["appraisal", "progress", cycle, "--json", f"--as-of={as_of}"],
            ]
    for case_id in cases:
        reads += [["status", case_id], ["status", case_id, "--json"]]
        for person in _people_to_ask(store_file, case_id):
            reads += [["actions", case_id, "--as", person], ["actions", case_id, "--as", person, "--json"]]
    for argv in reads:
        code, quick = _quick(argv)
        full = CliRunner().invoke(build_app(), argv)
        assert full.exit_code == 0, full.output
        assert code == 0, f"{' '.join(argv)} was left to the full path"
        assert quick == full.stdout, " ".join(argv)
