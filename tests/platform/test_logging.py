"""Log lines: JSON outside a terminal, with the workflow id, run id and activity bound, and no secret."""

import json
import logging

import structlog

from runtime.logging import configure_logging
from runtime.temporal import SERVER_STARTUP_TIMEOUT


def test_lines_carry_temporal_context_and_no_secret(capsys) -> None:
    configure_logging("json", "info")
    with structlog.contextvars.bound_contextvars(workflow_id="grant/2027-014", run_id="r-1", activity="send_notice"):
        structlog.get_logger("govern").info("notice delivered", actor="director", smtp_url="smtp://u:pw@mail")
    # Temporal's replay-safe workflow logger passes its context as a nested `extra`.
    logging.getLogger("temporalio.workflow").info(
        "command accepted",
        extra={"temporal_workflow": {"workflow_id": "grant/2027-021", "run_id": "r-2"}, "actor": "board-chair"},
    )
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    activity_line, workflow_line = lines[-2], lines[-1]
    assert activity_line["workflow_id"] == "grant/2027-014"
    assert activity_line["run_id"] == "r-1"
    assert activity_line["activity"] == "send_notice"
    assert activity_line["actor"] == "director"
    assert activity_line["smtp_url"] == "[redacted]"
    assert "pw@" not in json.dumps(lines)
    assert (workflow_line["workflow_id"], workflow_line["run_id"], workflow_line["actor"]) == (
        "grant/2027-021",
        "r-2",
        "board-chair",
    )


async def test_the_sdk_cores_own_lines_go_to_stderr_so_json_output_stays_json(tmp_path) -> None:
    """The SDK core logs to standard output by default, in colour; a command's `--json` output must survive it."""
    import os
    import subprocess
    import sys

    from temporalio.testing import WorkflowEnvironment

    from runtime.binaries import temporal_test_server
    from store.event_store import EventStore

    EventStore.open(f"sqlite:///{tmp_path / 'audit.db'}").close()
    server = await WorkflowEnvironment.start_time_skipping(
        test_server_startup_timeout=SERVER_STARTUP_TIMEOUT, test_server_existing_path=temporal_test_server()
    )
    try:
        result = subprocess.run(
            [sys.executable, "-m", "cli.main", "audit", "reconcile", "--json"],
            env={
                **os.environ,
                "GOVERN_DATA_DIR": str(tmp_path),
                "GOVERN_TEMPORAL_ADDRESS": server.client.service_client.config.target_host,
                # At debug level the core writes many lines while it connects: enough to corrupt stdout.
                "GOVERN_LOG_LEVEL": "debug",
                "GOVERN_LOG_FORMAT": "console",
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        await server.shutdown()
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout) == {"agrees": True, "cases": 0, "runs": 0, "divergences": []}
    assert "sdk_core" in result.stderr
