"""`govern audit`: what an operator or auditor types, and what they see back."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from cli.main import app
from domain.events import DomainEvent
from store.canonical import record_hash
from store.event_store import EventStore

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def event(number: int, stream: str, event_type: str, actor: str, **fields: str) -> DomainEvent:
    return DomainEvent(
        event_id=f"{stream}#{number}",
        stream_id=stream,
        type=event_type,
        occurred_at=T0 + timedelta(days=number),
        actor=actor,
        payload={"number": number},
        **fields,
    )


@pytest.fixture
def trail(store: EventStore) -> EventStore:
    script = [
        ("grant/2027-014", "GrantSubmitted", "programme-officer-1"),
        ("grant/2027-014", "ReminderSent", "system"),
        ("grant/2027-015", "GrantSubmitted", "programme-officer-2"),
        ("grant/2027-014", "GrantApproved", "director"),
        ("policy/travel", "ReviewOpened", "compliance-officer"),
    ]
    for number, (stream, event_type, actor) in enumerate(script, start=1):
        store.append(stream, [event(number, stream, event_type, actor, reason="Per the DoA")], expected_version=None)
    return store


def tamper(store: EventStore, seq: int) -> None:
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER audit_events_refuse_update")
        connection.execute(sa.text("UPDATE audit_events SET actor = 'director' WHERE seq = :seq"), {"seq": seq})


# -- verify ---------------------------------------------------------------------------------------------


def test_an_empty_store_verifies(govern, store: EventStore) -> None:
    result = govern("audit", "verify")
    assert result.exit_code == 0
    assert result.output.startswith("Audit chain intact: 0 events, head 000000000000…")


@pytest.mark.parametrize(
    "command",
    [
        ("audit", "verify"),
        ("audit", "log"),
        ("audit", "export", "--format", "jsonl"),
        ("audit", "checkpoint"),
        ("status", "grant/2027-014"),
        ("tasks",),
        ("overdue",),
        ("policy", "list"),
        ("policy", "attestations", "charter"),
        ("policy", "history", "charter"),
        ("plan", "status"),
        ("appraisal", "progress", "2027"),
        ("audit", "log", "--stream", "grant/2027-014", "--json"),
        ("audit", "export", "--format", "csv", "--out", "{tmp}/export.csv"),
    ],
)
def test_a_mistyped_store_path_is_named_and_never_created(env: dict[str, str], tmp_path: Path, command) -> None:
    """An auditor who mistypes the path must not get a green result for a store the command just created."""
    missing = tmp_path / "typo" / "audit.db"
    args = [part.format(tmp=tmp_path) for part in command]
    result = CliRunner().invoke(app, ["--database-url", f"sqlite:///{missing}", *args])
    assert result.exit_code != 0
    assert result.output.strip() == f"No audit store at {missing}."
    assert not missing.parent.exists()
    assert list(tmp_path.iterdir()) == []  # no store, no data dir, no export file


def test_an_intact_trail_verifies_with_its_count_and_head(govern, trail: EventStore) -> None:
    result = govern("audit", "verify")
    assert result.exit_code == 0
    assert result.output.strip() == f"Audit chain intact: 5 events, head {trail.head().hash[:12]}…"
    as_json = json.loads(govern("audit", "verify", "--json").output)
    assert as_json["ok"] is True and as_json["count"] == 5 and as_json["head_hash"] == trail.head().hash


def test_a_tampered_trail_fails_naming_the_sequence(govern, trail: EventStore) -> None:
    tamper(trail, 3)
    result = govern("audit", "verify")
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Audit chain broken at sequence 3: the stored hash does not match the record (edited, reordered or inserted)."
    )
    as_json = govern("audit", "verify", "--json")
    assert as_json.exit_code == 1
    assert json.loads(as_json.output)["first_bad_seq"] == 3


# -- checkpoint -----------------------------------------------------------------------------------------


def test_checkpoint_prints_its_path_and_verify_uses_it(govern, trail: EventStore, env: dict[str, str]) -> None:
    data_dir = Path(env["GOVERN_DATA_DIR"])
    result = govern("audit", "checkpoint")
    assert result.exit_code == 0
    path = Path(result.output.strip())
    assert path == data_dir / "checkpoints" / "checkpoint-5.json"
    assert path.exists()
    assert (data_dir / "checkpoint-ed25519.pem").stat().st_mode & 0o777 == 0o600
    assert (data_dir / "checkpoint-ed25519.pub").exists()

    verified = govern("audit", "verify", "--checkpoint", str(path))
    assert verified.exit_code == 0
    assert verified.output.strip().endswith("; it extends the signed checkpoint at sequence 5.")


def test_checkpoint_out_and_json(govern, trail: EventStore, tmp_path: Path) -> None:
    out = tmp_path / "handed-to-auditors" / "q1.json"
    out.parent.mkdir()
    result = govern("audit", "checkpoint", "--out", str(out))
    assert (result.exit_code, result.output.strip()) == (0, str(out))
    described = json.loads(govern("audit", "checkpoint", "--json").output)
    assert (described["seq"], described["head_hash"]) == (5, trail.head().hash)


def test_verify_with_a_checkpoint_catches_a_rehashed_tail(govern, trail: EventStore) -> None:
    path = govern("audit", "checkpoint").output.strip()
    with trail.engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER audit_events_refuse_update")
        prev = connection.exec_driver_sql("SELECT hash FROM audit_events WHERE seq = 1").scalar()
        for seq in range(2, 6):
            connection.execute(
                sa.text("UPDATE audit_events SET reason = 'Rewritten', prev_hash = :p WHERE seq = :s"),
                {"p": prev, "s": seq},
            )
            row = dict(
                connection.execute(sa.text("SELECT * FROM audit_events WHERE seq = :s"), {"s": seq}).mappings().one()
            )
            prev = record_hash(row, row["payload"])
            connection.execute(sa.text("UPDATE audit_events SET hash = :h WHERE seq = :s"), {"h": prev, "s": seq})
    assert govern("audit", "verify").exit_code == 0
    result = govern("audit", "verify", "--checkpoint", path)
    assert result.exit_code == 1
    assert result.output.strip().startswith("Audit chain broken at sequence 5: the record no longer has the hash")


def test_verify_with_an_unreadable_checkpoint_is_one_sentence(govern, trail: EventStore, tmp_path: Path) -> None:
    govern("audit", "checkpoint")
    junk = tmp_path / "junk.json"
    junk.write_text("not a checkpoint")
    for path, sentence in [
        (junk, f"The checkpoint file {junk} is not a checkpoint"),
        (tmp_path / "missing.json", f"Cannot read the checkpoint file {tmp_path / 'missing.json'}"),
    ]:
        result = govern("audit", "verify", "--checkpoint", str(path))
        assert result.exit_code != 0
        assert result.output.startswith(sentence)
        assert len(result.output.strip().splitlines()) == 1


def test_verify_with_a_checkpoint_but_no_key_says_so(govern, trail: EventStore, tmp_path: Path) -> None:
    assert govern("audit", "checkpoint", "--out", str(tmp_path / "c.json")).exit_code == 0
    for name in ("checkpoint-ed25519.pem", "checkpoint-ed25519.pub"):
        (tmp_path / "var" / name).unlink()
    result = govern("audit", "verify", "--checkpoint", str(tmp_path / "c.json"))
    assert result.exit_code != 0
    assert result.output.startswith("No checkpoint key at")


# -- log ------------------------------------------------------------------------------------------------


def test_log_prints_a_table(govern, trail: EventStore) -> None:
    result = govern("audit", "log")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == [
        "seq",
        "occurred",
        "at",
        "(UTC)",
        "case",
        "v",
        "type",
        "actor",
        "for",
        "outcome",
        "reason",
    ]
    assert len(lines) == 6
    assert lines[4].split()[:7] == [
        "4",
        "2027-03-05",
        "09:00:00",
        "grant/2027-014",
        "3",
        "GrantApproved",
        "director",
    ]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--stream", "grant/2027-014"], [1, 2, 4]),
        (["--actor", "system"], [2]),
        (["--type", "GrantSubmitted"], [1, 3]),
        (["--since", "2027-03-03", "--until", "2027-03-05T09:00:00Z"], [2, 3]),
        (["--since", "2027-03-04T10:00:00+01:00"], [3, 4, 5]),
        (["--stream", "grant/2027-014", "--limit", "2"], [1, 2]),
        (["--after", "3"], [4, 5]),
    ],
)
def test_log_filters_as_json_lines(govern, trail: EventStore, args: list[str], expected: list[int]) -> None:
    result = govern("audit", "log", "--json", *args)
    assert result.exit_code == 0
    assert [json.loads(line)["seq"] for line in result.output.splitlines()] == expected


def test_log_says_how_to_get_the_next_page(govern, trail: EventStore) -> None:
    result = govern("audit", "log", "--limit", "2")
    assert result.output.splitlines()[-1] == "More events follow: add --after 2."


def test_log_with_no_match_says_so(govern, trail: EventStore) -> None:
    assert govern("audit", "log", "--actor", "nobody").output.strip() == "No audit events match."


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (["--since", "last tuesday"], "Invalid --since 'last tuesday': expected an ISO-8601 date or time"),
        (["--until", "2027-13-01"], "Invalid --until '2027-13-01'"),
        (["--limit", "0"], "Invalid --limit 0: give a number from 1 to 10000."),
        (["--since", "2027-03-05", "--until", "2027-03-01"], "--until is before --since"),
    ],
)
def test_log_bad_input_is_one_sentence_and_writes_nothing(
    govern, env: dict[str, str], args: list[str], sentence: str
) -> None:
    result = govern("audit", "log", *args)
    assert result.exit_code != 0
    assert result.output.startswith(sentence)
    assert len(result.output.strip().splitlines()) == 1
    assert not Path(env["GOVERN_DATA_DIR"]).exists()


# -- export ---------------------------------------------------------------------------------------------


def test_export_jsonl_to_stdout(govern, trail: EventStore) -> None:
    result = govern("audit", "export", "--format", "jsonl")
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [r["seq"] for r in records] == [1, 2, 3, 4, 5]
    assert records[-1]["hash"] == trail.head().hash
    assert records[1]["prev_hash"] == records[0]["hash"]


def test_export_csv_to_a_file(govern, trail: EventStore, tmp_path: Path) -> None:
    out = tmp_path / "audit.csv"
    result = govern("audit", "export", "--format", "csv", "--out", str(out))
    assert result.exit_code == 0
    assert "Exported 5 events to" in result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [row["seq"] for row in rows] == ["1", "2", "3", "4", "5"]
    assert rows[0]["payload"] == '{"number":1}'
    assert {"prev_hash", "hash", "workflow_id", "run_id"} <= set(rows[0])


def test_export_unknown_format_writes_nothing(govern, env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "audit.xml"
    result = govern("audit", "export", "--format", "xml", "--out", str(out))
    assert result.exit_code != 0
    assert result.output.strip() == "Unknown export format 'xml': use jsonl or csv."
    assert not out.exists()
    assert not Path(env["GOVERN_DATA_DIR"]).exists()


# -- bad store URLs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "sentence"),
    [
        ("not a url", "The audit database URL is not a valid SQLAlchemy URL"),
        ("mysql://root@localhost/audit", "The audit store supports SQLite and PostgreSQL, not 'mysql'"),
        (
            "postgresql://nobody@127.0.0.1:1/audit",
            "Cannot open the audit store at postgresql+psycopg://nobody@",
        ),
    ],
)
def test_a_bad_database_url_is_one_sentence(govern, monkeypatch: pytest.MonkeyPatch, url: str, sentence: str) -> None:
    monkeypatch.setenv("GOVERN_DATABASE_URL", url)
    for command in (["verify"], ["log"], ["export"], ["checkpoint"]):
        result = govern("audit", *command)
        assert result.exit_code != 0
        assert result.output.startswith(sentence), result.output
        assert len(result.output.strip().splitlines()) == 1


# -- verify from a checkpoint ------------------------------------------------------------------------------


def _grow(store: EventStore, count: int) -> None:
    for number in range(6, 6 + count):
        store.append("grant/2027-016", [event(number, "grant/2027-016", "ReminderSent", "system")], None)


def test_verify_from_a_checkpoint_reads_only_what_came_after(govern, trail: EventStore) -> None:
    path = govern("audit", "checkpoint").output.strip()
    _grow(trail, 3)
    result = govern("audit", "verify", "--from-checkpoint", path)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        f"Audit chain intact since the signed checkpoint at sequence 5: 3 events appended since, "
        f"head {trail.head().hash[:12]}… at sequence 8."
    )
    described = json.loads(govern("audit", "verify", "--from-checkpoint", path, "--json").output)
    assert (described["ok"], described["count"], described["from_checkpoint"]) == (True, 3, True)


def test_verify_from_a_checkpoint_names_a_record_tampered_after_it(govern, trail: EventStore) -> None:
    path = govern("audit", "checkpoint").output.strip()
    _grow(trail, 3)
    tamper(trail, 7)
    result = govern("audit", "verify", "--from-checkpoint", path)
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Audit chain broken at sequence 7: the stored hash does not match the record (edited, reordered or inserted)."
    )


def test_a_record_tampered_before_the_checkpoint_is_left_to_full_verification(govern, trail: EventStore) -> None:
    path = govern("audit", "checkpoint").output.strip()
    _grow(trail, 3)
    tamper(trail, 2)
    assert govern("audit", "verify", "--from-checkpoint", path).exit_code == 0
    full = govern("audit", "verify")
    assert full.exit_code == 1
    assert full.output.startswith("Audit chain broken at sequence 2:")


def test_verify_takes_one_kind_of_checkpoint(govern, trail: EventStore) -> None:
    path = govern("audit", "checkpoint").output.strip()
    result = govern("audit", "verify", "--checkpoint", path, "--from-checkpoint", path)
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Give either --checkpoint (verify everything) or --from-checkpoint (verify what came after it), not both."
    )
