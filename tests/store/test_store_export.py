"""Exports carry the whole chain, and the procedure in store/VERIFYING.md re-verifies them offline."""

import csv
import io
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from domain.events import DomainEvent
from store.checkpoint import write_checkpoint
from store.event_store import EventStore
from store.export import EXPORT_COLUMNS, export_events

VERIFYING = Path(__file__).resolve().parents[2] / "store" / "VERIFYING.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", VERIFYING.read_text(encoding="utf-8"), flags=re.DOTALL)


@pytest.fixture
def scripts(tmp_path: Path) -> tuple[Path, Path]:
    verify_export, check_checkpoint = python_blocks()
    assert len(verify_export.splitlines()) <= 25, "the auditor's snippet should stay short"
    first, second = tmp_path / "verify_export.py", tmp_path / "check_checkpoint.py"
    first.write_text(verify_export, encoding="utf-8")
    second.write_text(check_checkpoint, encoding="utf-8")
    return first, second


@pytest.fixture
def trail(store: EventStore, make_event: Callable[..., DomainEvent]) -> EventStore:
    """Events with every optional field, none of them, non-ASCII text, a comma, quotes and a newline."""
    store.append(
        "grant/2027-014",
        [
            make_event(1, actor_role="Programme Officer", reason='Revised, "final" budget\nsee annex'),
            make_event(2, type="GrantApproved", actor="director", on_behalf_of="board-chair", outcome="approved"),
        ],
        expected_version=0,
        workflow_id="grant-approval/grant/2027-014",
        run_id="0f9b6c1e",
    )
    store.append(
        "appraisal/2027/staff-7",
        [make_event(3, "appraisal/2027/staff-7", payload={"ratings": [4, 5], "comment": "Très bien ✓", "x": 0.1})],
        expected_version=0,
    )
    store.append("policy/travel", [make_event(4, "policy/travel", payload={})], expected_version=None)
    return store


def export_to(store: EventStore, export_format: str, path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        assert export_events(store, export_format, out) == store.count()  # type: ignore[arg-type]
    return path


def run(script: Path, *args: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(script), *map(str, args)], capture_output=True, text=True)


@pytest.mark.parametrize("export_format", ["jsonl", "csv"])
def test_the_documented_snippet_verifies_an_export(
    trail: EventStore, scripts: tuple[Path, Path], tmp_path: Path, export_format: str
) -> None:
    exported = export_to(trail, export_format, tmp_path / f"audit.{export_format}")
    result = run(scripts[0], exported)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Chain intact: 4 events, head {trail.head().hash}."


@pytest.mark.parametrize("export_format", ["jsonl", "csv"])
def test_the_documented_snippet_catches_an_edited_export(
    trail: EventStore, scripts: tuple[Path, Path], tmp_path: Path, export_format: str
) -> None:
    exported = export_to(trail, export_format, tmp_path / f"audit.{export_format}")
    exported.write_text(exported.read_text(encoding="utf-8").replace("Très bien", "Passable"), encoding="utf-8")
    result = run(scripts[0], exported)
    assert result.returncode != 0
    assert result.stderr.strip() == "Chain broken at sequence 3."


def test_the_documented_snippet_checks_a_checkpoint(
    trail: EventStore, scripts: tuple[Path, Path], tmp_path: Path, key_path: Path
) -> None:
    checkpoint = write_checkpoint(trail, key_path)
    exported = export_to(trail, "jsonl", tmp_path / "audit.jsonl")
    result = run(scripts[1], checkpoint, key_path.with_suffix(".pub"), exported)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Checkpoint genuine; the export extends it at sequence 4."

    forged = json.loads(checkpoint.read_text())
    forged["statement"]["seq"] = 3
    checkpoint.write_text(json.dumps(forged))
    result = run(scripts[1], checkpoint, key_path.with_suffix(".pub"), exported)
    assert result.returncode != 0
    assert "InvalidSignature" in result.stderr


def test_jsonl_holds_the_stored_values_and_the_payload_object(trail: EventStore) -> None:
    out = io.StringIO()
    export_events(trail, "jsonl", out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [list(line) for line in lines] == [list(EXPORT_COLUMNS)] * 4
    first = lines[0]
    stored = trail.record_at(1)
    assert stored is not None
    assert {k: v for k, v in first.items() if k != "payload"} == {k: v for k, v in stored.items() if k != "payload"}
    assert first["payload"] == json.loads(stored["payload"])
    assert first["reason"] == 'Revised, "final" budget\nsee annex'


def test_csv_holds_the_canonical_payload_text_and_empty_cells_for_null(trail: EventStore) -> None:
    out = io.StringIO()
    export_events(trail, "csv", out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == list(EXPORT_COLUMNS)
    assert len(rows) == 4
    assert rows[2]["payload"] == trail.record_at(3)["payload"]  # type: ignore[index]
    assert rows[2]["actor_role"] == ""
    assert rows[0]["seq"] == "1"


def test_an_empty_store_exports_nothing_but_a_csv_header(store: EventStore) -> None:
    out = io.StringIO()
    assert export_events(store, "jsonl", out) == 0
    assert out.getvalue() == ""
    out = io.StringIO()
    export_events(store, "csv", out)
    assert out.getvalue() == ",".join(EXPORT_COLUMNS) + "\n"
