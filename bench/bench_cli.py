"""Whole `govern` processes, timed from outside as a person waits for them (issue 10, "a CLI that answers at once").

Each figure runs two commands in turn, A B A B ..., after one warm-up run of each, and takes the median of the
pairwise ratios A/B (a drift of the machine's speed during the figure then moves both sides of a pair alike). The
reads run against the million-event store of `bench.fixtures`; `govern --help` is their yardstick, and a bare
`python -c pass` is the yardstick of `govern --help`.

The project's modules are compiled to bytecode first, as an ordinary (not editable) install has them. Where
PYTHONDONTWRITEBYTECODE is set, as on the machines these figures were taken on, an editable checkout would
otherwise compile every module a command imports, on every run: a few milliseconds a command, more than the
reads' own work, and more for a read than for `--help`.
"""

import compileall
import os
import sqlite3
import statistics
import subprocess
import sys
import time
import tomllib
from contextlib import closing
from pathlib import Path
from typing import Any

from bench import fixtures
from bench.fixtures import REPO, describe, million_store, workdir

ORGANISATION = REPO / "examples" / "governance-year" / "organisation.yaml"


def compile_bytecode() -> None:
    """The bytecode of what the project installs (pyproject's packages and modules), written next to the sources
    (`__pycache__`, ignored by git), as an install has it."""
    with (REPO / "pyproject.toml").open("rb") as config:
        setuptools = tomllib.load(config)["tool"]["setuptools"]
    for pattern in setuptools["packages"]["find"]["include"]:
        if not compileall.compile_dir(REPO / pattern.rstrip("*"), quiet=1):
            raise RuntimeError(f"The {pattern.rstrip('*')} package does not compile.")
    for module in setuptools["py-modules"]:
        if not compileall.compile_file(REPO / f"{module}.py", quiet=1):
            raise RuntimeError(f"{module}.py does not compile.")


def _first_step_of(store: Path, person: str) -> list[str]:
    """`CASE --as PERSON` for the person's first open step, as `govern tasks --for` lists it."""
    with closing(sqlite3.connect(store)) as connection:
        row = connection.execute(
            "SELECT case_id FROM projection_tasks WHERE assignee = ? ORDER BY due_at, case_id LIMIT 1", (person,)
        ).fetchone()
    if row is None:
        raise RuntimeError(f"{person} holds no open step in {store}.")
    return [row[0], "--as", person]


def _govern() -> list[str]:
    script = Path(sys.executable).with_name("govern")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli.main"]


def _wall(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(argv, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {result.stderr.decode()[-1000:]}")
    return elapsed


def pairs(a: list[str], b: list[str], env: dict[str, str], runs: int) -> tuple[float, float, float]:
    """(median seconds of A, of B, median of the pairwise ratios A/B)."""
    _wall(a, env), _wall(b, env)
    times_a, times_b, ratios = [], [], []
    for _ in range(runs):
        first, second = _wall(a, env), _wall(b, env)
        times_a.append(first)
        times_b.append(second)
        ratios.append(first / second)
    return statistics.median(times_a), statistics.median(times_b), statistics.median(ratios)


def figure(a: tuple[float, float, float], baseline: str, target: float | None) -> dict[str, Any]:
    ours, theirs, ratio = a
    return {
        "value": round(ours, 3),
        "unit": "s",
        "baseline": baseline,
        "baseline_value": round(theirs, 3),
        "ratio": round(ratio, 3),
        "target": target,
        "bound": "at_most",
    }


def run(quick: bool = False) -> dict[str, dict[str, Any]]:
    quick = quick or fixtures.quick()
    # Each run of the fast commands takes about 30 ms, where a shared machine's noise is a few ms: 15 pairs keep
    # the median of the ratios steady (7 moved it by a tenth between runs of the same code).
    runs = 3 if quick else 15
    compile_bytecode()
    store = million_store()
    env = {key: value for key, value in os.environ.items() if not key.startswith("GOVERN_")} | {
        "GOVERN_DATABASE_URL": store.url,
        "GOVERN_DATA_DIR": str(workdir() / "cli"),
        "GOVERN_ORGANISATION_FILE": str(ORGANISATION),
        "GOVERN_LOG_FORMAT": "json",
    }
    govern = _govern()
    help_ = [*govern, "--help"]
    size = describe(store)
    figures: dict[str, dict[str, Any]] = {}
    figures["cli.help_vs_python"] = figure(
        pairs(help_, [sys.executable, "-c", "pass"], env, runs), "python -c pass, whole process", 5.0
    )
    yardstick = f"govern --help, whole process (store: {size})"
    measured = {
        "cli.tasks_for.1m_vs_help": ([*govern, "tasks", "--for", store.busiest_person], 1.3),
        "cli.overdue.1m_vs_help": ([*govern, "overdue"], 1.5),
        "cli.plan_status.1m_vs_help": ([*govern, "plan", "status"], 1.5),
        # Reported as they are now, without a bound of their own.
        "cli.tasks.1m_vs_help": ([*govern, "tasks"], None),
        "cli.status.1m_vs_help": ([*govern, "status", "plan/2028-2032" if quick else "plan/2027-2031"], None),
        "cli.policy_list.1m_vs_help": ([*govern, "policy", "list"], None),
        # What a desk line points at next: the busiest person's first open step.
        "cli.actions.1m_vs_help": ([*govern, "actions", *_first_step_of(store.path, store.busiest_person)], None),
    }
    for name, (argv, target) in measured.items():
        figures[name] = figure(pairs(argv, help_, env, runs), yardstick, target)
    figures["cli.audit_verify.1m_vs_help"] = figure(
        pairs([*govern, "audit", "verify"], help_, env, max(1, runs // 3)), yardstick, None
    )
    return figures
