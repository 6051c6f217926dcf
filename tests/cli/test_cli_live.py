"""The CLI against a real installation (`govern up` as a subprocess): a refused command stores no document and an
accepted one stores exactly its own; a grant above the size limits is refused with one sentence and leaves its
reference free; a submission shows its due date on the assignee's clock."""

import hashlib
import subprocess
import sys
import time
from pathlib import Path

import yaml

from tests.support.processes import Running, installation_env

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = REPO / "examples" / "documents"
APPLICATION = REPO / "examples" / "grants" / "kampala-upgrading.yaml"


def govern(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=120
    )


def until_accepted(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Retry a command while the case it needs has not been recorded yet (a register or a child opening)."""
    deadline = time.monotonic() + 60
    while True:
        result = govern(env, *args)
        if result.returncode == 0 or time.monotonic() > deadline or "Unknown case" not in result.stderr:
            return result
        time.sleep(0.5)


def test_refused_commands_leave_nothing_behind_and_accepted_ones_store_their_document(tmp_path: Path) -> None:
    env = installation_env(tmp_path / "var")
    documents = tmp_path / "var" / "documents"
    up = Running(env, "up")
    try:
        up.wait_for("Worker polling task queue")
        oversized = tmp_path / "oversized.yaml"
        oversized.write_text(yaml.safe_dump({**yaml.safe_load(APPLICATION.read_text()), "title": "x" * 1_500_000}))
        refused = govern(env, "grant", "submit", str(oversized))
        assert refused.returncode == 1
        assert refused.stderr.strip() == (
            "Field 'title' is 1,500,000 characters long; the limit is 300 (size limits). Shorten it."
        )
        submitted = govern(env, "grant", "submit", str(APPLICATION))  # the same reference is still free
        assert submitted.returncode == 0, submitted.stderr
        assert submitted.stdout.startswith("Submitted grant/2027-014: stage screening.\n")
        assert "  open: screening -> programme-officer-brussels (screen), due " in submitted.stdout
        assert submitted.stdout.rstrip().endswith(", 17:00 (Europe/Brussels)")

        started = until_accepted(
            env, "policy", "review", "start", "charter", "--as", "director", "--comment", "Align with the plan."
        )
        assert started.returncode == 0, started.stderr
        revise = ["act", "policy/charter/review/1", "submit-revision", "--field", "change_summary=Recusal rule."]
        not_owner = until_accepted(
            env, *revise, "--as", "compliance-officer", "--field", f"document={DOCUMENTS / 'charter-v4.md'}"
        )
        assert not_owner.returncode == 1
        assert not_owner.stderr.strip() == (
            "Only Director (director), or their substitute while they are away, may submit a revision of the "
            "Charter of the Partnership."
        )
        assert not documents.exists()
        owner = govern(env, *revise, "--as", "director", "--field", f"document={DOCUMENTS / 'charter-v4-rev2.md'}")
        assert owner.returncode == 0, owner.stderr
        digest = hashlib.sha256((DOCUMENTS / "charter-v4-rev2.md").read_bytes()).hexdigest()
        assert [path.name for path in documents.iterdir()] == [digest]
        assert (documents / digest).read_bytes() == (DOCUMENTS / "charter-v4-rev2.md").read_bytes()
    finally:
        assert up.stop() == 0
