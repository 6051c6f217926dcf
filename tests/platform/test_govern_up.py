"""The embedded installation for real: `govern up` as a subprocess with the Temporal dev server and its Web UI,
the worker and the audit store; the CLI against it; a clean stop on SIGTERM; state that survives a restart;
and `govern worker` as the only worker against an existing Temporal."""

import asyncio
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from runtime.binaries import temporal_cli
from runtime.temporal import SERVER_STARTUP_TIMEOUT, worker_is_polling
from tests.support.processes import Running, installation_env

REPO = Path(__file__).resolve().parents[2]
APPLICATION = REPO / "examples" / "grants" / "kampala-upgrading.yaml"


@pytest.fixture
def installation(tmp_path: Path) -> dict[str, str]:
    """Environment for one throw-away installation: its own data dir and ports."""
    return installation_env(tmp_path / "var")


def govern(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


async def _polling(address: str, task_queue: str = "govern") -> bool:
    client = await Client.connect(address, data_converter=pydantic_data_converter)
    for _ in range(100):
        if await worker_is_polling(client, task_queue):
            return True
        await asyncio.sleep(0.1)
    return False


async def _cases_where(address: str, query: str) -> list[str]:
    """Cases Temporal's visibility finds by the project's search attributes (eventually consistent)."""
    client = await Client.connect(address, data_converter=pydantic_data_converter)
    for _ in range(100):
        found = [execution.id async for execution in client.list_workflows(query)]
        if found:
            return found
        await asyncio.sleep(0.1)
    return []


def test_govern_up_serves_the_ui_runs_the_worker_and_stops_cleanly(installation: dict[str, str]) -> None:
    up = Running(installation, "up")
    try:
        up.wait_for("Worker polling task queue")
        ui = f"http://127.0.0.1:{installation['GOVERN_UI_PORT']}"
        assert any(ui in line for line in up.lines), up.lines
        with urllib.request.urlopen(ui, timeout=10) as response:
            assert response.status == 200
        web = f"http://localhost:{installation['GOVERN_WEB_PORT']}"
        assert f"Web front: {web} (listening on 127.0.0.1:{installation['GOVERN_WEB_PORT']})\n" in up.lines
        assert asyncio.run(_polling(installation["GOVERN_TEMPORAL_ADDRESS"]))
        with urllib.request.urlopen(f"http://127.0.0.1:{installation['GOVERN_WEB_PORT']}/health", timeout=10) as answer:
            report = json.loads(answer.read())
        assert answer.status == 200 and report["healthy"] is True
        assert [(part["part"], part["healthy"]) for part in report["parts"]] == [
            ("temporal", True),
            ("worker", True),
            ("store", True),
            ("mail", True),
        ]
        healthy = govern(installation, "health")
        assert healthy.returncode == 0, healthy.stdout
        assert [line.split()[:2] for line in healthy.stdout.splitlines()] == [
            ["temporal", "ok"],
            ["worker", "ok"],
            ["store", "ok"],
            ["mail", "ok"],
        ]

        submitted = govern(installation, "grant", "submit", str(APPLICATION))
        assert submitted.returncode == 0, submitted.stderr
        assert "Submitted grant/2027-014: stage screening" in submitted.stdout

        again = govern(installation, "grant", "submit", str(APPLICATION))
        assert again.returncode == 1
        assert again.stderr.strip() == "Case grant/2027-014 already exists; choose another reference."

        wrong = govern(
            installation,
            "act",
            "grant/2027-014",
            "screen",
            "--as",
            "programme-officer-hanoi",
            "--field",
            "outcome=eligible",
        )
        assert wrong.returncode == 1
        assert wrong.stderr.strip().startswith("Only Programme Officer (Brussels) (programme-officer-brussels)")
        assert len(wrong.stderr.strip().splitlines()) == 1

        unknown_person = govern(installation, "act", "grant/2027-014", "screen", "--as", "nobody")
        assert unknown_person.returncode == 1
        assert unknown_person.stderr.strip() == "Unknown person 'nobody': not in the organisation file."
        unknown_case = govern(installation, "act", "grant/2099-999", "screen", "--as", "director")
        assert unknown_case.returncode == 1
        assert unknown_case.stderr.strip() == "Unknown case 'grant/2099-999': the audit trail has no such case."

        address = installation["GOVERN_TEMPORAL_ADDRESS"]
        assert asyncio.run(
            _cases_where(address, "GovernCaseKind = 'grant' AND GovernStage = 'screening' AND GovernAmountUsd > 50000")
        ) == ["grant/2027-014"]
        assert asyncio.run(_cases_where(address, "GovernAssignees = 'programme-officer-brussels'")) == [
            "grant/2027-014"
        ]

        screened = govern(
            installation,
            "act",
            "grant/2027-014",
            "screen",
            "--as",
            "programme-officer-brussels",
            "--field",
            "outcome=eligible",
            "--json",
        )
        assert screened.returncode == 0, screened.stderr
        assert json.loads(screened.stdout)["stage"] == "reviewer_assignment"

        tasks = govern(installation, "tasks", "--for", "head-of-programmes", "--json")
        rows = json.loads(tasks.stdout)
        assert [row["task_id"] for row in rows if row["case_id"] == "grant/2027-014"] == ["assign-reviewers"]
        # `govern up` started one register per instrument; the Results Framework's owner sees its next review.
        assert {row["case_id"] for row in rows} == {"grant/2027-014", "policy/results-framework"}
        status = json.loads(govern(installation, "status", "grant/2027-014", "--json").stdout)
        assert status["stage"] == "reviewer_assignment"
        assert [h["type"] for h in status["history"]][:3] == [
            "GrantSubmitted",
            "TaskOpened",
            "EligibilityScreened",
        ]
        verified = govern(installation, "audit", "verify")
        assert verified.returncode == 0
        assert verified.stdout.startswith("Audit chain intact: ")
        assert status["version"] == 5
    finally:
        code = up.stop()
    assert code == 0
    assert any("govern stopped." in line for line in up.lines)

    # Temporal's state and the audit trail survive the restart: the case carries on where it was.
    up = Running(installation, "up")
    try:
        up.wait_for("Worker polling task queue")
        assigned = govern(
            installation,
            "act",
            "grant/2027-014",
            "assign-reviewers",
            "--as",
            "head-of-programmes",
            "--field",
            "reviewers=programme-officer-hanoi,partnerships-officer-brussels",
        )
        assert assigned.returncode == 0, assigned.stderr
        assert "stage conflict_declarations" in assigned.stdout
    finally:
        assert up.stop() == 0
    assert govern(installation, "audit", "verify").stdout.startswith("Audit chain intact: ")
    assert json.loads(govern(installation, "status", "grant/2027-014", "--json").stdout)["version"] == 9
    listed = json.loads(govern(installation, "policy", "list", "--json").stdout)
    assert {row["instrument"]: row["register"] for row in listed} == {
        "charter": "running",
        "sops": "running",
        "coi-policy": "running",
        "risk-framework": "running",
        "results-framework": "running",
    }


async def test_act_without_a_worker_says_so_and_govern_worker_serves_an_existing_temporal(
    installation: dict[str, str], tmp_path: Path
) -> None:
    host, port = installation["GOVERN_TEMPORAL_ADDRESS"].split(":")
    temporal = await WorkflowEnvironment.start_local(
        dev_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
        dev_server_existing_path=temporal_cli(),
        ip=host,
        port=int(port),
        ui=False,
        data_converter=pydantic_data_converter,
    )
    try:
        refused = await asyncio.to_thread(govern, installation, "grant", "submit", str(APPLICATION))
        assert refused.returncode == 1
        assert refused.stderr.strip().startswith("No worker is polling task queue 'govern'")
        assert "Nothing was changed." in refused.stderr
        # Nothing was created either: no worker has run, so there is no store, and the read says so.
        unverified = await asyncio.to_thread(govern, installation, "audit", "verify")
        assert unverified.returncode == 1
        assert unverified.stderr.startswith("No audit store at ")

        worker = Running(installation, "worker")
        try:
            await asyncio.to_thread(worker.wait_for, "Worker polling task queue")
            submitted = await asyncio.to_thread(govern, installation, "grant", "submit", str(APPLICATION))
            assert submitted.returncode == 0, submitted.stderr
        finally:
            assert await asyncio.to_thread(worker.stop) == 0
    finally:
        await temporal.shutdown()


def test_a_bad_setting_stops_start_up_with_one_line_naming_it(installation: dict[str, str]) -> None:
    result = govern({**installation, "GOVERN_TEMPORAL_ADDRESS": "nowhere"}, "up")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Invalid setting GOVERN_TEMPORAL_ADDRESS: Value error, must be HOST:PORT, got 'nowhere'."
    ]
    bad_port = govern({**installation, "GOVERN_UI_PORT": "99999"}, "up")
    assert bad_port.returncode == 2
    assert bad_port.stderr.strip().startswith("Invalid setting GOVERN_UI_PORT:")
