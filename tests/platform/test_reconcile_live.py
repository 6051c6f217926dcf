"""On a live `govern up`: a case cancelled through Temporal is closed on the record and leaves `govern tasks`;
a case terminated through Temporal (which no workflow can see) is named by `govern audit reconcile`, with the
identity and reason from Temporal's history, and reconcile exits 1; before that, it exits 0."""

import asyncio
from pathlib import Path

import yaml
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from tests.platform.test_govern_up import govern
from tests.support.processes import Running, installation_env

REPO = Path(__file__).resolve().parents[2]
KAMPALA = yaml.safe_load((REPO / "examples" / "grants" / "kampala-upgrading.yaml").read_text())


def _application(tmp_path: Path, reference: str) -> Path:
    path = tmp_path / f"{reference}.yaml"
    path.write_text(yaml.safe_dump({**KAMPALA, "reference": reference}))
    return path


async def _end_in_temporal(address: str) -> None:
    client = await Client.connect(address, data_converter=pydantic_data_converter, identity="operator@console")
    await client.get_workflow_handle("grant/R-1").cancel(reason="entered twice")
    await client.get_workflow_handle("grant/R-2").terminate(reason="cleanup by hand")
    for case_id in ("grant/R-1", "grant/R-2"):
        try:
            await client.get_workflow_handle(case_id).result()
        except Exception:  # noqa: BLE001 - both end unsuccessfully, which is the point
            pass


def test_cancel_is_recorded_and_terminate_is_reconciled(tmp_path: Path) -> None:
    env = installation_env(tmp_path / "var")
    up = Running(env, "up")
    try:
        up.wait_for("Worker polling task queue")
        for reference in ("R-1", "R-2", "R-3"):
            submitted = govern(env, "grant", "submit", str(_application(tmp_path, reference)))
            assert submitted.returncode == 0, submitted.stderr
        clean = govern(env, "audit", "reconcile")
        assert clean.returncode == 0, clean.stdout + clean.stderr
        # The three grants and the registers `govern up` started for the organisation's five instruments.
        assert clean.stdout.strip() == "Temporal and the audit trail agree: 8 cases, 8 workflow runs."

        asyncio.run(_end_in_temporal(env["GOVERN_TEMPORAL_ADDRESS"]))

        status = govern(env, "status", "grant/R-1")
        assert "closed: cancelled" in status.stdout
        tasks = govern(env, "tasks")
        assert "grant/R-1 " not in tasks.stdout and "grant/R-3 " in tasks.stdout
        diverged = govern(env, "audit", "reconcile")
        assert diverged.returncode == 1
        assert diverged.stdout.strip().splitlines() == [
            "Case grant/R-2 is open in the audit trail (stage screening) but its workflow run "
            f"{_run_of(diverged.stdout)} was terminated by operator@console (cleanup by hand) in Temporal."
        ]
    finally:
        assert up.stop() == 0


def _run_of(output: str) -> str:
    return output.split("workflow run ", 1)[1].split(" ", 1)[0]
