"""`python -m bench [--quick] [name ...]`: run every `bench/bench_*.py`, merge into bench/results.json.

Each module exposes ``run() -> dict[str, dict]`` (optionally ``run(quick: bool)``), returning figures of the
form ``{name: {"value", "unit", "baseline", "baseline_value", "ratio", "target"}}``. ``ratio`` is ours
relative to the baseline measured in the same run, higher is better; ``target`` is the least acceptable
ratio, or, for a figure in milliseconds, the most acceptable value. Modules run in-process, one after another.
``--quick`` runs small sizes as a smoke test and leaves bench/results.json alone.
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
FIELDS = ("value", "unit", "baseline", "baseline_value", "ratio", "target")


def discover() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules([str(BENCH_DIR)]) if info.name.startswith("bench_"))


def verdict(figure: dict[str, Any]) -> str:
    target = figure.get("target")
    if target is None:
        return ""
    if figure.get("unit") == "ms":
        return "meets target" if figure["value"] <= target else "MISSES target"
    if figure.get("ratio") is None:
        return ""
    return "meets target" if figure["ratio"] >= target else "MISSES target"


def line(name: str, figure: dict[str, Any]) -> str:
    unit = figure.get("unit", "")
    text = f"{name}: {figure['value']:,.6g} {unit}"
    if figure.get("baseline") is not None:
        text += f" | baseline {figure['baseline']}: {figure['baseline_value']:,.6g} {unit}"
    if figure.get("ratio") is not None:
        text += f" | ratio {figure['ratio']:.2f}"
    if figure.get("target") is not None:
        bound = f"<= {figure['target']} ms" if unit == "ms" else f">= {figure['target']}"
        text += f" | target {bound} ({verdict(figure)})"
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Small sizes: a smoke run, not figures to report.")
    parser.add_argument("modules", nargs="*", help="Only these modules, e.g. bench_store.")
    args = parser.parse_args(argv)
    if args.quick:
        os.environ["GOVERN_BENCH_QUICK"] = "1"  # for modules whose run() takes no argument
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
