"""`govern`: the command line. It wires settings to the edges and holds no rules.

Start-up is the first thing every command pays, so this module imports nothing but the standard library and the
command table (`cli.commands`): `govern --help` is answered from the table, the few reads people run all day
(`tasks`, `overdue`, `plan status`) take a lean path when they can (`cli.quick`), and any other command builds a
Typer app holding only itself (`cli.app`).
"""

from __future__ import annotations

import os
import sys

from cli.commands import BY_NAME, command_word, root_help

# Standard library only, and not even `typing` at run time: this module is on the lean path of `cli.quick`.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def __getattr__(name: str) -> Any:
    """`from cli.main import app`: the whole Typer app, built on first use (tests drive it with CliRunner)."""
    if name == "app":
        from cli.app import build_app

        app = build_app()
        globals()["app"] = app
        return app
    raise AttributeError(name)


def _let_sdk_logs_arrive() -> None:
    """The SDK core hands its log lines to Python in batches a few milliseconds apart; a command that talked to
    Temporal waits for the last batch, so that a warning is on stderr rather than lost at exit."""
    temporal = sys.modules.get("runtime.temporal")
    if temporal is not None and temporal.sdk_runtime.cache_info().currsize:
        import time

        time.sleep(0.1)


def run(argv: list[str]) -> int:
    """Run `govern` with these arguments; the exit code."""
    word, position = command_word(argv)
    if word is None and (not argv or "--help" in argv or "-h" in argv):
        sys.stdout.write(root_help())
        return 0
    if word is not None:
        from cli.quick import answer_quickly

        code = answer_quickly(argv, word, position)
        if code is not None:
            return code
    from cli.app import build_app

    app = build_app(only=word if word in BY_NAME else None)
    try:
        app(args=argv, prog_name="govern")
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    return 0


def entry() -> None:
    """The console script. It leaves without interpreter finalisation, which can abort (SIGABRT) while the
    Temporal client's native threads are still winding down; output is flushed first, the exit code kept."""
    code: int = 0
    try:
        code = run(sys.argv[1:])
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except BaseException:  # noqa: BLE001 - print it like Python would, then leave the same way
        import traceback

        traceback.print_exc()
        code = 1
    _let_sdk_logs_arrive()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
