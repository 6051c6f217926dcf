"""Acting has a deadline and tells the truth. A worker killed mid-action: `govern act` answers within
GOVERN_ACT_TIMEOUT, saying that the action was not carried out and never will be; when a worker comes back,
the abandoned action is indeed refused by the case (its acceptance deadline has passed), so nothing happens
behind the person's back."""

import os
import re
import signal
from pathlib import Path

import yaml
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from runtime.binaries import temporal_cli
from runtime.temporal import SERVER_STARTUP_TIMEOUT
from tests.platform.test_govern_up import govern
from tests.support.processes import Running, free_port

REPO = Path(__file__).resolve().parents[2]
KAMPALA = yaml.safe_load((REPO / "examples" / "grants" / "kampala-upgrading.yaml").read_text())


async def test_an_action_a_dead_worker_never_took_is_refused_when_a_worker_returns(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "GOVERN_DATA_DIR": str(tmp_path / "var"),
        "GOVERN_TEMPORAL_ADDRESS": f"127.0.0.1:{port}",
        "GOVERN_LOG_FORMAT": "json",
        "GOVERN_ACT_TIMEOUT": "6",
    }
    application = tmp_path / "application.yaml"
    application.write_text(yaml.safe_dump({**KAMPALA, "reference": "D-1"}))
    temporal = await WorkflowEnvironment.start_local(
        dev_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
        dev_server_existing_path=temporal_cli(),
        ip="127.0.0.1",
        port=port,
        ui=False,
        data_converter=pydantic_data_converter,
    )
    try:
        worker = Running(env, "worker")
        worker.wait_for("Worker polling task queue")
        assert govern(env, "grant", "submit", str(application)).returncode == 0
        worker.process.send_signal(signal.SIGKILL)
        worker.process.wait(timeout=10)

        screen = ["act", "grant/D-1", "screen", "--as", "programme-officer-brussels", "--field", "outcome=eligible"]
        abandoned = govern(env, *screen, timeout=60)
        assert abandoned.returncode == 1
        sentence = abandoned.stderr.strip().splitlines()[-1]
        assert re.fullmatch(
            r"No worker took the 'screen' on grant/D-1 within 6 s, so it was not carried out, and it will not be "
            r"later: the case refuses it after \d\d:\d\d:\d\d UTC\. Nothing was changed; act again once a worker is "
            r"running \(`govern up` or `govern worker`\)\.",
            sentence,
        ), sentence

        worker = Running(env, "worker")
        worker.wait_for("Worker polling task queue")
        try:
            # The same action again is accepted: the abandoned one did not screen the grant in the meantime.
            again = govern(env, *screen, timeout=60)
            assert again.returncode == 0, again.stderr
            status = govern(env, "status", "grant/D-1", "--json")
            history = yaml.safe_load(status.stdout)["history"]
            assert [event["type"] for event in history].count("EligibilityScreened") == 1
        finally:
            assert worker.stop() == 0
    finally:
        await temporal.shutdown()
