"""The README is a contract: its walk-through runs, line by line, against `govern up`, as a newcomer would."""

import getpass
import json
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

from tests.support.processes import Running, installation_env

REPO = Path(__file__).resolve().parents[2]


def walkthrough_lines() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- walkthrough", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip().startswith("govern ")]


def test_the_readme_walkthrough_approves_a_grant_and_verifies_the_trail(tmp_path: Path) -> None:
    (tmp_path / "examples").symlink_to(REPO / "examples")
    env = installation_env(None, PYTHONPATH=str(REPO))
    env.pop("GOVERN_DATA_DIR", None)
    lines = walkthrough_lines()
    assert len(lines) >= 10
    up = Running(env, "up", cwd=tmp_path)
    outputs: list[str] = []
    try:
        up.wait_for("Worker polling task queue")
        for line in lines:
            command, _, note = line.partition("#")
            refused = "refused" in note
            result = subprocess.run(
                [sys.executable, "-m", "cli.main", *shlex.split(command)[1:]],
                env=env,
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert result.returncode == (1 if refused else 0), f"{line}\n{result.stdout}\n{result.stderr}"
            outputs.append(result.stdout + result.stderr)
    finally:
        assert up.stop() == 0
    joined = "\n".join(outputs)
    assert "Submitted grant/2027-014: stage screening." in joined
    assert "Only the Director may approve grants between USD 50,000 and 250,000 (delegation of authority)." in joined
    assert re.search(r"grant/2027-014 \(grant\): stage agreement", joined)
    assert re.search(r"Audit chain intact: \d+ events", joined)
    checkpoint = next(Path(p) for p in re.findall(r"\S+checkpoint-\d+\.json", joined))
    assert (tmp_path / checkpoint).exists() or checkpoint.exists()
    assert (tmp_path / "var" / "audit.jsonl").stat().st_size > 0
    assert list((tmp_path / "var" / "mail" / "programme-officer-brussels").glob("*.eml"))
    # Who acted through the shell, on which machine, beside the name they typed after --as.
    exported = [json.loads(line) for line in (tmp_path / "var" / "audit.jsonl").read_text().splitlines()]
    screened = next(record for record in exported if record["type"] == "EligibilityScreened")
    assert screened["actor"] == "programme-officer-brussels"
    assert screened["payload"]["channel"] == {"name": "cli", "os_user": getpass.getuser(), "host": socket.gethostname()}
    # The Head of Programmes' attempt above their band is on the record of refused attempts, not in the case.
    [refused] = [record for record in exported if record["type"] == "CommandRefused"]
    assert refused["stream_id"].startswith("refusals/")
    assert refused["actor"] == "head-of-programmes"
    assert refused["reason"] == (
        "Only the Director may approve grants between USD 50,000 and 250,000 (delegation of authority)."
    )
    assert {key: refused["payload"][key] for key in ("case", "action", "rule", "fields")} == {
        "case": "grant/2027-014",
        "action": "approve",
        "rule": "delegation-of-authority",
        "fields": ["decision"],
    }
    assert refused["payload"]["channel"]["name"] == "cli"
    case_types = [record["type"] for record in exported if record["stream_id"] == "grant/2027-014"]
    assert "CommandRefused" not in case_types
    with_checkpoint = subprocess.run(
        [sys.executable, "-m", "cli.main", "audit", "verify", "--checkpoint", str(checkpoint)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert with_checkpoint.returncode == 0, with_checkpoint.stderr
