"""The example scenarios under examples/scenarios/ pass through `govern simulate`, as the README promises, and
the read projections their appends kept then match their audit log (`govern projections check`)."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((REPO / "examples" / "scenarios").glob("*.yaml"))


def test_there_are_example_scenarios() -> None:
    names = {path.stem for path in SCENARIOS}
    assert {"small-grant-director", "large-grant-board", "late-progress-report"} <= names


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda path: path.stem)
def test_example_scenario_meets_its_expectations(scenario: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "--data-dir", str(tmp_path), "simulate", str(scenario)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "All expectations met." in result.stdout
    assert "Audit chain intact" in result.stdout
    (store,) = (tmp_path / "simulations").glob("*/audit.db")
    check = subprocess.run(
        [sys.executable, "-m", "cli.main", "--database-url", f"sqlite:///{store}", "projections", "check"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]
    assert check.stdout.splitlines()[-1].startswith("Projections match the log: ")
