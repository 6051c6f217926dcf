"""Helpers for tests that run `govern` as a real process."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
