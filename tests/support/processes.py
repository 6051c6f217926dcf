"""Helpers for tests that run `govern` as a real process."""

import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _ephemeral_ports() -> range:
    """The ports the kernel hands out on its own: to `bind(port 0)` and to every outgoing connection."""
    try:
        low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except OSError:
        low, high = 32768, 60999
    return range(low, high + 1)


def _test_ports() -> range:
    """Where the test installations' ports come from: outside the kernel's ephemeral range (on its wider side), so
    that no outgoing connection and no "any free port" that a server picks for itself (the Temporal dev server picks
    its HTTP, metrics and internal ports that way, after it has been given ours and before it binds them) can take
    one. CI once lost a run to that: the UI port a test had drawn was in use when the dev server came to bind it."""
    ephemeral = _ephemeral_ports()
    below, above = range(10000, ephemeral.start), range(ephemeral.stop, 65536)
    return max(below, above, key=len)


TEST_PORTS = _test_ports()


#: Ports this test process has handed out already: an installation's three ports are drawn one after another and
#: none is bound until its server starts, so a draw must not repeat an earlier one.
_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A port free now on loopback, drawn at random from `TEST_PORTS`, and never one handed out before."""
    for _ in range(200):
        port = random.choice(TEST_PORTS)
        if port in _HANDED_OUT:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            _HANDED_OUT.add(port)
            return port
    raise AssertionError(f"no free port in {TEST_PORTS} after 200 tries")


def installation_env(data_dir: Path | None, **settings: str) -> dict[str, str]:
    """The environment of one throw-away installation: its own data directory (unless None: the working
    directory's var/), its own free ports for Temporal, its UI and the web app (never a default port another
    run may hold), JSON logs, and any further settings."""
    env = {
        **os.environ,
        "GOVERN_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "GOVERN_UI_PORT": str(free_port()),
        "GOVERN_WEB_PORT": str(free_port()),
        "GOVERN_LOG_FORMAT": "json",
        **settings,
    }
    if data_dir is not None:
        env["GOVERN_DATA_DIR"] = str(data_dir)
    return env


class Running:
    """A long-running `govern` command (up, worker) whose output a test can wait on."""

    def __init__(self, env: dict[str, str], *args: str, cwd: Path = REPO) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", *args],
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []

    def wait_for(self, text: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if line:
                self.lines.append(line)
                if text in line:
                    return
            elif self.process.poll() is not None:
                break
        raise AssertionError(f"never saw {text!r}; stdout={self.lines} stderr={self.stop_now()}")

    def stop(self, timeout: float = 30) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        assert self.process.stdout is not None
        self.lines.extend(self.process.stdout.readlines())
        return code

    def stop_now(self) -> str:
        self.process.kill()
        _, err = self.process.communicate(timeout=10)
        return err[-3000:]
