"""The `govern` commands and global options as one table, read without importing any of them.

`govern --help` is answered from this table alone, and `govern COMMAND …` imports only that command's module,
so a command pays for what it uses and nothing else (Typer, Temporal, SQLAlchemy and pydantic cost over a
second together). `cli.app` builds the Typer app from the same table, and a test checks that every summary here
is the first line of its command's own help, so the two cannot drift. Standard library only.
"""

from __future__ import annotations

from collections import namedtuple

DESCRIPTION = "Governance workflows with deadline reminders, Board sign-offs and a verifiable audit trail."


# Named tuples from `collections`, not `typing`: `typing` alone would add a tenth to `govern --help`.
#: `target` is "module:attribute", a command function or (when `group`) a Typer group.
CommandEntry = namedtuple("CommandEntry", "name target summary group", defaults=(False,))
#: `setting` is the keyword of `runtime.settings.load_settings`.
GlobalOption = namedtuple("GlobalOption", "flag setting metavar help")


GLOBAL_OPTIONS: tuple[GlobalOption, ...] = (
    GlobalOption("--data-dir", "data_dir", "PATH", "State directory (env GOVERN_DATA_DIR; default var/)."),
    GlobalOption(
        "--database-url",
        "database_url",
        "TEXT",
        "Audit store URL (env GOVERN_DATABASE_URL; default SQLite in the data dir).",
    ),
    GlobalOption(
        "--organisation",
        "organisation_file",
        "PATH",
        "Organisation file (env GOVERN_ORGANISATION_FILE; default the example).",
    ),
    GlobalOption(
        "--temporal-address",
        "temporal_address",
        "TEXT",
        "Temporal HOST:PORT (env GOVERN_TEMPORAL_ADDRESS; default localhost:7233).",
    ),
    GlobalOption(
        "--namespace",
        "temporal_namespace",
        "TEXT",
        "Temporal namespace (env GOVERN_TEMPORAL_NAMESPACE; default default).",
    ),
    GlobalOption("--task-queue", "task_queue", "TEXT", "Task queue (env GOVERN_TASK_QUEUE; default govern)."),
)

COMMANDS: tuple[CommandEntry, ...] = (
    CommandEntry(
        "up",
        "cli.serve:up",
        "Start everything on this machine: the Temporal dev server with its Web UI, the audit store, the worker "
        "and the web front (GOVERN_WEB_PORT).",
    ),
    CommandEntry(
        "worker",
        "cli.serve:worker",
        "Run only a worker against an existing Temporal (GOVERN_TEMPORAL_ADDRESS, TLS or API key).",
    ),
    CommandEntry(
        "web",
        "cli.web:web",
        "Serve only the web front (GOVERN_WEB_HOST:GOVERN_WEB_PORT) against an existing Temporal and audit store.",
    ),
    CommandEntry(
        "migrate",
        "cli.migrate:migrate",
        "Create the audit store if it does not exist, and migrate it to the current schema.",
    ),
    CommandEntry(
        "health",
        "cli.health:health",
        "Check Temporal, the worker, the audit store and mail; exit 1 when any part is unhealthy.",
    ),
    CommandEntry("grant", "cli.cases:grant_app", "Multi-Donor Fund grant applications.", group=True),
    CommandEntry(
        "act", "cli.cases:act", "Act on a case as a person. A refusal prints the rule's sentence and changes nothing."
    ),
    CommandEntry(
        "actions",
        "cli.actions:actions",
        "The actions open to a person on a case now, their fields, and the `govern act` lines that take them.",
    ),
    CommandEntry(
        "status",
        "cli.cases:status",
        "The stage, a summary of the history, and the open tasks, rebuilt from the audit trail.",
    ),
    CommandEntry(
        "tasks", "cli.cases:tasks", "Open tasks with due dates, overdue first, from the audit trail's projection."
    ),
    CommandEntry(
        "simulate",
        "cli.simulate:simulate",
        "Run a scenario against the time-skipping test server; print the audit trail; exit 1 if an expectation fails.",
    ),
    CommandEntry(
        "reference",
        "cli.reference:reference",
        "Print the reference of processes, events, payload keys, tasks, stages and outcomes, generated from the code.",
    ),
    CommandEntry(
        "policy",
        "cli.policy:policy_app",
        "Governance instruments: registers, reviews, attestations, history.",
        group=True,
    ),
    CommandEntry("overdue", "cli.policy:overdue", "Every overdue step across all processes, grouped by person."),
    CommandEntry(
        "plan", "cli.plan:plan_app", "The Strategic Plan, its Annual Work Plans and quarterly reports.", group=True
    ),
    CommandEntry(
        "appraisal",
        "cli.appraisal:appraisal_app",
        "Annual performance appraisals: launch a cycle, follow its progress (never its content).",
        group=True,
    ),
    CommandEntry(
        "codec-server",
        "cli.codec_server:codec_server",
        "Serve the Temporal Web UI's remote codec endpoint (decrypts payloads for holders of the token).",
    ),
    CommandEntry(
        "audit", "cli.audit:app", "Read, export, checkpoint and verify the tamper-evident audit trail.", group=True
    ),
    CommandEntry(
        "projections",
        "cli.projections:app",
        "The read projections (tasks, cases, delegations, participants): rebuild them, or check them.",
        group=True,
    ),
)

BY_NAME = {entry.name: entry for entry in COMMANDS}
_TAKES_VALUE = {option.flag for option in GLOBAL_OPTIONS}


def command_word(argv: list[str]) -> tuple[str | None, int]:
    """The command named in `argv` (after the global options and their values) and its position, or
    (None, len(argv)) when there is none."""
    index = 0
    while index < len(argv):
        word = argv[index]
        if word in _TAKES_VALUE:
            index += 2
        elif word.startswith("-"):
            index += 1
        else:
            return word, index
    return None, len(argv)


def _wrapped(text: str, indent: int, width: int = 118) -> str:
    import textwrap

    return ("\n" + " " * indent).join(textwrap.wrap(text, width - indent)) or text


def root_help() -> str:
    """What `govern --help` prints."""
    width = max(len(entry.name) for entry in COMMANDS)
    flag_width = max(len(f"{option.flag} {option.metavar}") for option in GLOBAL_OPTIONS)
    lines = [
        "Usage: govern [OPTIONS] COMMAND [ARGS]...",
        "",
        f"  {DESCRIPTION}",
        "",
        "Options (before the command):",
        *(f"  {f'{option.flag} {option.metavar}':<{flag_width}}  {option.help}" for option in GLOBAL_OPTIONS),
        f"  {'--help':<{flag_width}}  Show this message and exit.",
        "",
        "Commands:",
        *(f"  {entry.name:<{width}}  {_wrapped(entry.summary, width + 4)}" for entry in COMMANDS),
        "",
        "`govern COMMAND --help` shows a command's arguments and options.",
    ]
    return "\n".join(lines) + "\n"
