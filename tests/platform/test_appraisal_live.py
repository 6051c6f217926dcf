"""Appraisals on the embedded installation: `govern up` with a content key, and the CLI exactly as the README
documents it. The dev server's own stored history is then searched for the content, with a client that has
no key: it must hold ciphertext only."""

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from tests.support.keys import new_key
from tests.support.processes import Running, installation_env

REPO = Path(__file__).resolve().parents[2]
OBJECTIVES = "Disburse ninety percent of the fund"


@pytest.fixture
def installation(tmp_path: Path) -> dict[str, str]:
    return installation_env(tmp_path / "var", GOVERN_CODEC_KEYS=f"k2027:{new_key()}")


def govern(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=90
    )


async def raw_history(address: str, workflow_id: str) -> bytes:
    client = await Client.connect(address, data_converter=pydantic_data_converter)
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    return b"".join(event.SerializeToString() for event in history.events)


def test_launch_act_and_progress_on_govern_up_keep_the_content_encrypted(installation: dict[str, str]) -> None:
    up = Running(installation, "up")
    try:
        up.wait_for("Worker polling task queue")
        launched = govern(installation, "appraisal", "launch", "--cycle", "2027", "--role", "management_team", "--json")
        assert launched.returncode == 0, launched.stderr
        data = json.loads(launched.stdout)
        assert len(data["cases"]) == 5 and "appraisal/2027/fund-manager" in data["cases"]
        assert [item["person"] for item in data["skipped"]] == ["director"]

        again = govern(installation, "appraisal", "launch", "--cycle", "2027", "--role", "management_team")
        assert again.returncode == 0
        assert again.stdout.strip().startswith("Nothing to launch: 5 in scope are already in the 2027 cycle")

        proposed = govern(
            installation,
            "act",
            "appraisal/2027/fund-manager",
            "propose-objectives",
            "--as",
            "fund-manager",
            "--field",
            f"objectives={OBJECTIVES}",
        )
        assert proposed.returncode == 0, proposed.stderr
        self_rating = govern(
            installation, "act", "appraisal/2027/fund-manager", "agree-objectives", "--as", "fund-manager",
            "--field", "decision=agree",
        )  # fmt: skip
        assert self_rating.returncode == 1
        assert self_rating.stderr.strip() == (
            "Nobody appraises themselves: Fund Manager (Multi-Donor Fund) cannot agree the objectives on their own "
            "appraisal."
        )

        progress = govern(installation, "appraisal", "progress", "2027")
        assert progress.returncode == 0, progress.stderr
        assert "Appraisal cycle 2027: 5 appraisals" in progress.stdout
        assert OBJECTIVES not in progress.stdout

        raw = asyncio.run(raw_history(installation["GOVERN_TEMPORAL_ADDRESS"], "appraisal/2027/fund-manager"))
        assert b"binary/encrypted" in raw
        assert OBJECTIVES.encode() not in raw

        without_key = {**installation, "GOVERN_CODEC_KEYS": ""}
        log = govern(without_key, "audit", "log", "--stream", "appraisal/2027/fund-manager")
        assert log.returncode == 0 and OBJECTIVES not in log.stdout and "encrypted (key k2027)" in log.stdout
        keyed = govern(installation, "audit", "log", "--stream", "appraisal/2027/fund-manager")
        assert OBJECTIVES in keyed.stdout
        assert govern(without_key, "audit", "verify").returncode == 0
    finally:
        up.stop()
