"""`govern --help` comes from the command table alone, and that table agrees with each command's own help;
a command imports only what it needs, so nothing heavy is loaded for the help or for a command not run."""

import subprocess
import sys
from pathlib import Path

import typer.main
from typer.testing import CliRunner

from cli.app import build_app
from cli.commands import BY_NAME, COMMANDS, GLOBAL_OPTIONS, command_word, root_help

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("typer", "pydantic", "temporalio", "sqlalchemy", "yaml", "structlog", "alembic", "cryptography")


def _first_paragraph(text: str) -> str:
    return " ".join(text.strip().split("\n\n")[0].split())


def test_the_table_names_every_command_with_the_first_paragraph_of_its_own_help() -> None:
    command = typer.main.get_command(build_app())
    registered = {name: _first_paragraph(sub.help or "") for name, sub in command.commands.items()}
    assert registered == {entry.name: entry.summary for entry in COMMANDS}
    # The global options are the table's, with its help texts.
    options = {param.opts[0]: param.help for param in command.params if param.opts[0] != "--help"}
    assert options == {option.flag: option.help for option in GLOBAL_OPTIONS}


def test_root_help_lists_every_command_and_option() -> None:
    text = root_help()
    for entry in COMMANDS:
        assert f"\n  {entry.name} " in text
    for option in GLOBAL_OPTIONS:
        assert f"  {option.flag} {option.metavar}" in text


def test_help_imports_nothing_heavy() -> None:
    probe = (
        "import sys; from cli.main import run; run(['--help']); "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert done.stdout.startswith("Usage: govern [OPTIONS] COMMAND [ARGS]...")


def test_the_command_word_is_found_after_the_global_options() -> None:
    assert command_word(["--data-dir", "/srv/x", "tasks", "--for", "p"]) == ("tasks", 2)
    assert command_word(["--help"]) == (None, 1)
    assert command_word(["audit", "verify"]) == ("audit", 0)


def test_a_command_mounted_alone_behaves_as_in_the_whole_app(tmp_path: Path) -> None:
    alone = CliRunner().invoke(build_app(only="tasks"), ["tasks", "--help"])
    whole = CliRunner().invoke(build_app(), ["tasks", "--help"])
    assert alone.exit_code == whole.exit_code == 0
    assert alone.output == whole.output
    assert set(BY_NAME) >= {"tasks", "overdue", "plan"}
