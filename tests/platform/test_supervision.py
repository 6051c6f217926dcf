"""`govern up` supervises what it started: when its embedded Temporal dies, it stops the rest and exits
non-zero with one line naming the part, so that a supervisor restarts it (it does not run on while reminders
silently stop)."""

import os
import signal
from pathlib import Path

from tests.support.processes import Running, installation_env


def _children(pid: int) -> list[tuple[int, str]]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid:
            found.append((int(entry.name), command))
    return found


def test_govern_up_exits_naming_its_embedded_temporal_when_it_dies(tmp_path: Path) -> None:
    env = installation_env(tmp_path / "var")
    up = Running(env, "up")
    try:
        up.wait_for("Worker polling task queue")
        [(temporal, _)] = [(pid, command) for pid, command in _children(up.process.pid) if "temporal" in command]
        os.kill(temporal, signal.SIGKILL)
        code = up.process.wait(timeout=90)
    finally:
        if up.process.poll() is None:
            up.stop_now()
    assert code == 1
    assert up.process.stderr is not None
    lines = [line for line in up.process.stderr.read().splitlines() if not line.startswith("{")]
    assert lines[-1] == (
        "govern up stopped because the embedded Temporal server stopped working; everything it started has been "
        "stopped, so a supervisor can start it again."
    )
