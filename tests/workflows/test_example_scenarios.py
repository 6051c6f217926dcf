"""The example scenarios under examples/scenarios/ pass through `govern simulate`, as the README promises."""

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
