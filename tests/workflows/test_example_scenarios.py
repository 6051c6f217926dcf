"""The example scenarios under examples/scenarios/ pass through `govern simulate`, as the README promises, the read
projections their appends kept then match their audit log (`govern projections check`), and docs/reference.md is
exactly what the code generates from them (`govern reference`)."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from runtime.organisation_loader import load_organisation
from runtime.settings import EXAMPLE_ORGANISATION
from simulation.reference import build_reference
from store.models import StoredEvent

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((REPO / "examples" / "scenarios").glob("*.yaml"))
PEOPLE = {person.id for person in load_organisation(EXAMPLE_ORGANISATION).people}


def govern(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args], capture_output=True, text=True, cwd=REPO, timeout=timeout
    )


@pytest.fixture(scope="module")
def example_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Each example scenario run once through `govern simulate --json`, shared by the tests below."""
    runs = {}
    for scenario in SCENARIOS:
        data_dir = tmp_path_factory.mktemp(scenario.stem)
        result = govern("--data-dir", str(data_dir), "simulate", "--json", str(scenario))
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        runs[scenario.stem] = {**json.loads(result.stdout), "data_dir": str(data_dir)}
    return runs


def trail(run: dict[str, Any]) -> list[StoredEvent]:
    return [StoredEvent.model_validate(event) for event in run["events"]]


def test_there_are_example_scenarios() -> None:
    names = {path.stem for path in SCENARIOS}
    assert {"small-grant-director", "large-grant-board", "late-progress-report"} <= names


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda path: path.stem)
def test_example_scenario_meets_its_expectations(example_runs, scenario: Path) -> None:
    run = example_runs[scenario.stem]
    assert run["failures"] == []
    assert run["verify"].startswith("Audit chain intact")
    assert run["events"]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda path: path.stem)
def test_the_projections_match_the_log_after_each_example_scenario(example_runs, scenario: Path) -> None:
    (store,) = (Path(example_runs[scenario.stem]["data_dir"]) / "simulations").glob("*/audit.db")
    check = govern("--database-url", f"sqlite:///{store}", "projections", "check")
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]
    assert check.stdout.splitlines()[-1].startswith("Projections match the log: ")


def test_docs_reference_is_what_the_code_generates(example_runs) -> None:
    generated = build_reference({name: trail(run) for name, run in example_runs.items()}, PEOPLE)
    documented = (REPO / "docs" / "reference.md").read_text(encoding="utf-8")
    assert documented == generated, "docs/reference.md is stale: run `govern reference --out docs/reference.md`"


def test_the_reference_does_not_depend_on_how_concurrent_cases_interleaved(example_runs) -> None:
    """Cases that run at once write in a different interleaving each run; the reference must read the same."""
    trails = {name: trail(run) for name, run in example_runs.items()}
    interleaved_otherwise = {name: list(reversed(events)) for name, events in trails.items()}
    assert build_reference(interleaved_otherwise, PEOPLE) == build_reference(trails, PEOPLE)


def test_govern_reference_prints_the_reference_of_the_scenarios_it_runs(example_runs, tmp_path: Path) -> None:
    """`govern reference --scenarios DIR` runs DIR's scenarios; one example gives that example's reference."""
    data = yaml.safe_load((REPO / "examples" / "scenarios" / "small-grant-director.yaml").read_text())
    data["organisation"] = str(EXAMPLE_ORGANISATION)
    for opening in data["cases"]:
        opening["file"] = str((REPO / "examples" / "scenarios" / opening["file"]).resolve())
    (tmp_path / "small-grant-director.yaml").write_text(yaml.safe_dump(data))
    result = govern("--data-dir", str(tmp_path / "var"), "reference", "--scenarios", str(tmp_path))
    assert result.returncode == 0, result.stderr
    expected = build_reference({"small-grant-director": trail(example_runs["small-grant-director"])}, PEOPLE)
    assert result.stdout == expected
    assert "## `grant`: `grant/<reference>`" in result.stdout
    assert "The example scenarios open no such case." in result.stdout  # the plan, appraisals, ...
    assert not (tmp_path / "var").exists()  # each run's store is a throw-away one
