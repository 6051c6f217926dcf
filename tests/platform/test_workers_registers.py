"""The deployment for many machines: two `govern worker`s against one Temporal and no `govern up`. Every
instrument's register runs exactly once, and a review that has fallen due opens and tells its owner."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from runtime.binaries import temporal_cli
from runtime.settings import EXAMPLE_ORGANISATION
from runtime.temporal import SERVER_STARTUP_TIMEOUT
from tests.support.processes import Running, free_port

REPO = Path(__file__).resolve().parents[2]


async def _running_registers(address: str) -> list[str]:
    client = await Client.connect(address, data_converter=pydantic_data_converter)
    ids = []
    async for execution in client.list_workflows("WorkflowType='InstrumentRegister' AND ExecutionStatus='Running'"):
        ids.append(execution.id)
    return sorted(ids)


async def test_two_workers_run_every_register_once_and_a_due_review_warns_its_owner(tmp_path: Path) -> None:
    # The example organisation, but the SOPs were last published long ago: their review is due now.
    organisation = tmp_path / "organisation.yaml"
    text = EXAMPLE_ORGANISATION.read_text(encoding="utf-8")
    overdue = text.replace("    last_published_on: 2026-09-15\n", "    last_published_on: 2025-06-02\n")
    assert overdue != text
    organisation.write_text(overdue, encoding="utf-8")
    port = free_port()
    env = {
        **os.environ,
        "GOVERN_DATA_DIR": str(tmp_path / "var"),
        "GOVERN_TEMPORAL_ADDRESS": f"127.0.0.1:{port}",
        "GOVERN_ORGANISATION_FILE": str(organisation),
        "GOVERN_LOG_FORMAT": "json",
    }
    subprocess.run([sys.executable, "-m", "cli.main", "migrate"], env=env, cwd=REPO, check=True, capture_output=True)
    temporal = await WorkflowEnvironment.start_local(
        dev_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
        dev_server_existing_path=temporal_cli(),
        ip="127.0.0.1",
        port=port,
        ui=False,
    )
    workers = [Running(env, "worker"), Running(env, "worker")]
    try:
        for worker in workers:
            await asyncio.to_thread(worker.wait_for, "Worker polling task queue")
        mail = tmp_path / "var" / "mail" / "head-of-operations"

        def review_mails() -> list[Path]:
            return [path for path in mail.glob("*.eml") if "policy/sops/review/1" in path.read_text()]

        for _ in range(600):
            if review_mails() and len(await _running_registers(env["GOVERN_TEMPORAL_ADDRESS"])) == 5:
                break
            await asyncio.sleep(0.1)
        assert await _running_registers(env["GOVERN_TEMPORAL_ADDRESS"]) == [
            "policy/charter",
            "policy/coi-policy",
            "policy/results-framework",
            "policy/risk-framework",
            "policy/sops",
        ]
        started = [line for worker in workers for line in worker.lines if line.startswith("Started the registers")]
        assert len(started) <= 2 and sum(line.count("policy/") for line in started) == 5
        [review_mail] = review_mails()
        assert "Standard Operating Procedures" in review_mail.read_text()
    finally:
        for worker in workers:
            assert await asyncio.to_thread(worker.stop) == 0
        await temporal.shutdown()
