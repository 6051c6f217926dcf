"""`python -m bench [--quick] [name ...]`: run every `bench/bench_*.py`, merge into bench/results.json.

Each module exposes ``run() -> dict[str, dict]`` (optionally ``run(quick: bool)``), returning figures of the
form ``{name: {"value", "unit", "baseline", "baseline_value", "ratio", "target", "bound"}}``. ``ratio`` is ours
relative to the baseline measured in the same run. ``bound`` says how ``target`` reads: ``at_least`` (the
default for a ratio: a throughput, higher is better, the least acceptable ratio), ``at_most`` (a time against a
time, lower is better, the most acceptable ratio; with no baseline, the most acceptable value). A figure in
milliseconds without a bound is at most its target. Modules run in-process, one after another. ``--quick`` runs
small sizes as a smoke test and leaves bench/results.json alone.
"""

import argparse
import importlib
import inspect
import json
import os
import pkgutil
import sys
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results.json"
FIELDS = ("value", "unit", "baseline", "baseline_value", "ratio", "target", "bound")


def discover() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules([str(BENCH_DIR)]) if info.name.startswith("bench_"))


def bound_of(figure: dict[str, Any]) -> str:
    return figure.get("bound") or ("at_most" if figure.get("unit") == "ms" else "at_least")


def verdict(figure: dict[str, Any]) -> str:
    target = figure.get("target")
    if target is None:
        return ""
    measured = figure.get("ratio") if figure.get("ratio") is not None else figure["value"]
    if bound_of(figure) == "at_most":
        if figure.get("unit") == "ms":
            measured = figure["value"]
        return "meets target" if measured <= target else "MISSES target"
    if figure.get("ratio") is None:
        return ""
    return "meets target" if figure["ratio"] >= target else "MISSES target"


def line(name: str, figure: dict[str, Any]) -> str:
    unit = figure.get("unit", "")
    text = f"{name}: {figure['value']:,.6g} {unit}"
    if figure.get("baseline") is not None and figure.get("baseline_value") is not None:
        text += f" | baseline {figure['baseline']}: {figure['baseline_value']:,.6g} {unit}"
    elif figure.get("baseline") is not None:
        text += f" | {figure['baseline']}"
    if figure.get("ratio") is not None:
        text += f" | ratio {figure['ratio']:.2f}"
    if figure.get("target") is not None:
        at_most = bound_of(figure) == "at_most"
        suffix = f" {unit}" if figure.get("ratio") is None or unit == "ms" else ""
        text += f" | target {'<=' if at_most else '>='} {figure['target']}{suffix} ({verdict(figure)})"
    return text


def write_results(figures: dict[str, dict[str, Any]]) -> None:
    merged: dict[str, Any] = {}
    if RESULTS.exists():
        try:
            merged = json.loads(RESULTS.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            merged = {}
    merged.update(figures)
    temporary = RESULTS.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temporary, RESULTS)


def compile_project() -> None:
    """Whole-process figures measure govern as an installation runs it, from compiled bytecode: compile the
    project's modules first, since a machine with PYTHONDONTWRITEBYTECODE set (this one) would otherwise compile
    every module from source on every start, which no installed package does."""
    import compileall

    root = BENCH_DIR.parent
    for package in ("activities", "bench", "cli", "domain", "runtime", "simulation", "store", "web", "workflows"):
        compileall.compile_dir(root / package, quiet=1)
    compileall.compile_file(root / "worker.py", quiet=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Small sizes: a smoke run, not figures to report.")
    parser.add_argument("modules", nargs="*", help="Only these modules, e.g. bench_store.")
    args = parser.parse_args(argv)
    if args.quick:
        os.environ["GOVERN_BENCH_QUICK"] = "1"  # for modules whose run() takes no argument
    compile_project()
    names = args.modules or discover()
    figures: dict[str, dict[str, Any]] = {}
    for name in names:
        module = importlib.import_module(f"bench.{name.removesuffix('.py')}")
        started = time.perf_counter()
        accepts_quick = "quick" in inspect.signature(module.run).parameters
        produced = module.run(quick=args.quick) if accepts_quick else module.run()
        for figure_name, figure in produced.items():
            figure = {field: figure.get(field) for field in FIELDS}
            figures[figure_name] = figure
            print(line(figure_name, figure), flush=True)
        print(
            f"# {name}: {time.perf_counter() - started:.1f} s{' (quick)' if args.quick else ''}",
            file=sys.stderr,
        )
    if not args.quick:
        write_results(figures)
    else:
        print("# --quick: bench/results.json left unchanged", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
