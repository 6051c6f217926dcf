"""A command that only reads loads what reading needs: not the Temporal client, alembic and its migration scripts,
the workflows, or cryptography (issue 10: a CLI that starts at once). Each runs as a person runs it, in a process
of its own, against a store holding a case; what it printed shows it answered rather than failed early."""

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


@pytest.mark.parametrize(("argv", "code", "printed"), READS, ids=[" ".join(argv) for argv, _, _ in READS])
def test_a_read_loads_nothing_it_does_not_need(
    argv: list[str], code: int, printed: str, env: dict[str, str], record: RecordCommand
) -> None:
    record("grant/2027-014", "submit", KAMPALA["submitted_by"], **KAMPALA)
    not_needed = set(NOT_FOR_READS) - NEEDS.get(" ".join(argv[:2]), set())
    probe = (
        "import sys, io, contextlib\n"
        "from cli.main import run\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):\n"
        "    try:\n"
        f"        code = run({argv!r})\n"
        "    except SystemExit as exit_:\n"
        "        code = exit_.code\n"
        f"loaded = sorted({{name.split('.')[0] for name in sys.modules}} & {not_needed!r})\n"
        "print(code, loaded)\n"
        "print(out.getvalue())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, env=os.environ.copy(), capture_output=True, text=True, check=True
    )
    first, _, output = done.stdout.partition("\n")
    assert first == f"{code} []", done.stdout + done.stderr
    assert printed in output, output


def test_an_action_loads_the_temporal_client_but_not_the_servers_sdk_or_the_worker(
    env: dict[str, str], record: RecordCommand
) -> None:
    record("grant/2027-014", "submit", KAMPALA["submitted_by"], **KAMPALA)
    probe = (
        "import sys, io, contextlib\n"
        "from cli.main import run\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):\n"
        "    try:\n"
        "        code = run(['act', 'grant/2027-014', 'screen', '--as', 'programme-officer-brussels'])\n"
        "    except SystemExit as exit_:\n"
        "        code = exit_.code\n"
        "heavy = ('temporalio.testing', 'temporalio.worker', 'alembic', 'workflows.case_kind_workflows', "
        "'activities')\n"
        "print(code, sorted(name for name in sys.modules if name.startswith(heavy)))\n"
        "print('temporalio.client' in sys.modules, out.getvalue())\n"
    )
    environment = {**os.environ, "GOVERN_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}"}  # nobody listens
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, env=environment, capture_output=True, text=True, check=True
    )
    first, _, rest = done.stdout.partition("\n")
    assert first == "1 []", done.stdout + done.stderr
    assert rest.startswith("True Temporal is not reachable at 127.0.0.1:"), rest
