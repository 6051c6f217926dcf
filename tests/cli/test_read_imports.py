"""A command that only reads loads what reading needs: not the Temporal client, alembic and its migration scripts,
the workflows, or cryptography (issue 10: a CLI that starts at once). Each runs as a person runs it, in a process
of its own, against a store holding a case; what it printed shows it answered rather than failed early."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import KAMPALA, RecordCommand
from tests.support.processes import free_port

REPO = Path(__file__).resolve().parents[2]
#: What no read needs: acting (Temporal, the workflows and activities), migrating (alembic), signing or sealing
#: (cryptography), simulating.
NOT_FOR_READS = ("temporalio", "alembic", "workflows", "activities", "simulation", "cryptography")

#: Each read, the exit code it ends with on that store, and a piece of what it prints.
READS: list[tuple[list[str], int, str]] = [
    (["status", "grant/2027-014"], 0, "grant/2027-014 (grant): stage screening"),
    (["status", "grant/2027-999"], 1, "Unknown case 'grant/2027-999'"),
    (["tasks", "--for", "nobody-at-all"], 1, "nobody-at-all"),
    (["actions", "grant/2027-014", "--as", "programme-officer-brussels"], 0, "govern act grant/2027-014 screen"),
    (["policy", "list"], 0, "charter"),
    (["policy", "history", "charter"], 1, "The charter register has not started"),
    (["appraisal", "progress", "2027"], 1, "No 2027 appraisal cycle has been launched"),
    (["audit", "verify"], 0, "intact"),
    (["projections", "check"], 0, "match"),
    # The log shows sealed content to a holder of the key, so it may load cryptography, but not Temporal.
    (["audit", "log", "--stream", "grant/2027-014"], 0, "grant/2027-014"),
]
#: What a read may load all the same, because showing its answer needs it.
NEEDS = {"audit log": {"cryptography"}}


def _run_alone(argv: list[str], environment: dict[str, str]) -> tuple[int, set[str], str]:
    """Run `govern ARGV` in a process of its own, as a person runs it: its exit code, every module it loaded, and
    what it printed."""
    probe = (
        "import sys, io, json, contextlib\n"
        "from cli.main import run\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):\n"
        "    try:\n"
        f"        code = run({argv!r})\n"
        "    except SystemExit as exit_:\n"
        "        code = exit_.code\n"
        "print(json.dumps([code, sorted(sys.modules)]))\n"
        "print(out.getvalue())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, env=environment, capture_output=True, text=True, check=True
    )
    first, _, output = done.stdout.partition("\n")
    code, modules = json.loads(first)
    return code, set(modules), output


@pytest.mark.parametrize(("argv", "code", "printed"), READS, ids=[" ".join(argv) for argv, _, _ in READS])
def test_a_read_loads_nothing_it_does_not_need(
    argv: list[str], code: int, printed: str, env: dict[str, str], record: RecordCommand
) -> None:
    record("grant/2027-014", "submit", KAMPALA["submitted_by"], **KAMPALA)
    not_needed = set(NOT_FOR_READS) - NEEDS.get(" ".join(argv[:2]), set())
    exit_code, modules, output = _run_alone(argv, os.environ.copy())
    loaded = sorted({name.split(".")[0] for name in modules} & not_needed)
    assert (exit_code, loaded) == (code, []), output
    assert printed in output, output


def test_an_action_loads_the_temporal_client_but_not_the_servers_sdk_or_the_worker(
    env: dict[str, str], record: RecordCommand
) -> None:
    record("grant/2027-014", "submit", KAMPALA["submitted_by"], **KAMPALA)
    environment = {**os.environ, "GOVERN_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}"}  # nobody listens
    argv = ["act", "grant/2027-014", "screen", "--as", "programme-officer-brussels"]
    exit_code, modules, output = _run_alone(argv, environment)
    heavy = ("temporalio.testing", "temporalio.worker", "alembic", "workflows.case_kind_workflows", "activities")
    assert (exit_code, sorted(name for name in modules if name.startswith(heavy))) == (1, []), output
    assert "temporalio.client" in modules
    assert output.startswith("Temporal is not reachable at 127.0.0.1:"), output
