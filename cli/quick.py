"""The lean path for the reads people run all day: `govern tasks [--for P]`, `govern overdue`, `govern plan status`,
`govern status CASE`, `govern actions CASE --as P`, `govern policy list`, `govern policy history INSTRUMENT` and
`govern appraisal progress YEAR`.

The first three read a few indexed rows of the projections, which takes a millisecond; loading Typer, pydantic,
SQLAlchemy and the domain to do it would take most of a second. So, on the embedded default's SQLite store, they
run here with the standard library alone: the same statements (`store.desk_sql`) and the same rendering
(`cli.desk_text`) as the full path, which a test checks line by line. `status`, `actions`, the `policy` reads and
`appraisal progress` fold cases with their own rules, so they load the domain (and all but the last the
organisation file), but not Typer, the settings or SQLAlchemy: the same fold (`store.case_read`) and the same
rendering (`cli.case_status`, `cli.action_list`, `cli.register_list`, `cli.appraisal_progress`) as the full path.

Whatever this path does not handle itself goes to the full path, which then answers (or refuses) exactly as
always: another store backend, a setting it does not read, an option it does not know, a step scheduled before
steps recorded their zone, a person with nothing on their desk (who may be unknown), a case id no rules know or
no trail holds, a case its rules cannot fold, an organisation file that does not load, projections behind the
log, a store at another schema revision, any database error.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from datetime import UTC, datetime

from cli import desk_text
from store import desk_sql
from store.canonical_time import canonical_time
from store.schema_revision import HEAD_REVISION

# Standard library only at run time, like `cli.main`: the domain is loaded by the reads that fold cases.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from domain.case import CaseState
    from domain.organisation import Organisation
    from store.case_fold import CaseFold

#: Settings this path reads or checks; with any other `GOVERN_*` setting set, the full path validates and uses it.
UNDERSTOOD = frozenset({"GOVERN_DATA_DIR", "GOVERN_DATABASE_URL", "GOVERN_ORGANISATION_FILE"})
#: Settings with a few valid values (a test keeps them equal to `runtime.settings`): a valid one changes nothing
#: here; another goes to the full path, which names the setting.
CHOICES = {
    "GOVERN_LOG_FORMAT": frozenset({"auto", "console", "json"}),
    "GOVERN_LOG_LEVEL": frozenset({"debug", "info", "warning", "error"}),
}
#: `GOVERN_*` variables of the test suite, which are not settings.
NOT_SETTINGS = frozenset({"GOVERN_TEST_POSTGRES_URL", "GOVERN_SCREENSHOTS_DIR"})
#: The schema the statements are written for: the store's own (`store.schema_revision`).
SCHEMA_REVISION = HEAD_REVISION

_GLOBAL = {
    "--data-dir": "GOVERN_DATA_DIR",
    "--database-url": "GOVERN_DATABASE_URL",
    "--organisation": "GOVERN_ORGANISATION_FILE",
}
#: The organisation file when none is set, as `runtime.settings` has it (a test keeps the two equal).
EXAMPLE_ORGANISATION = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples", "organisation.yaml"
)


class _Full(Exception):
    """Leave this one to the full path."""


def _settings(argv: list[str], position: int) -> dict[str, str]:
    values = {name: os.environ[name] for name in UNDERSTOOD if name in os.environ}
    for name, value in os.environ.items():
        if not name.startswith("GOVERN_"):
            if name.upper().startswith("GOVERN_"):
                raise _Full  # the settings read their names in any case (govern_data_dir too); this path does not
            continue
        if name in UNDERSTOOD or name in NOT_SETTINGS:
            continue
        if value not in CHOICES.get(name, ()):
            raise _Full
    index = 0
    while index < position:
        flag = argv[index]
        if flag not in _GLOBAL or index + 1 >= position:
            raise _Full
        setting = _GLOBAL[flag]
        if setting is not None:
            values[setting] = argv[index + 1]
        index += 2
    if "" in values.values():
        # Empty is not unset to the settings: an empty data directory is the working directory, an empty file
        # name no file. The full path makes of it what the settings do.
        raise _Full
    return values


def _organisation_file(values: dict[str, str]) -> str:
    return values.get("GOVERN_ORGANISATION_FILE") or EXAMPLE_ORGANISATION


def _require_organisation_file(values: dict[str, str]) -> None:
    """The full path of `tasks` and `overdue` reads the organisation file, and refuses one it cannot read; so
    does this path, by leaving it to the full path. (It does not parse the file: a file it can read but that
    is not a valid organisation is reported by the commands that use its content.)"""
    file = _organisation_file(values)
    if not os.path.isfile(file) or not os.access(file, os.R_OK):
        raise _Full


def _store_file(values: dict[str, str]) -> str:
    url = values.get("GOVERN_DATABASE_URL")
    if url is None:
        return os.path.realpath(os.path.join(values.get("GOVERN_DATA_DIR") or "var", "audit.db"))
    # Plain file URLs only; anything with escapes, options or another backend is the full path's.
    if not url.startswith("sqlite:///") or any(mark in url for mark in "?%#") or url.endswith(":memory:"):
        raise _Full
    return url[len("sqlite:///") :]


def _options(rest: list[str], known: dict[str, bool]) -> dict[str, str | bool]:
    """`--flag` (False in `known`) or `--flag VALUE` / `--flag=VALUE` (True); anything else: the full path."""
    found: dict[str, str | bool] = {}
    index = 0
    while index < len(rest):
        word = rest[index]
        name, equals, value = word.partition("=")
        if name not in known or name in found:
            raise _Full
        if known[name]:
            if not equals:
                if index + 1 >= len(rest):
                    raise _Full
                index += 1
                value = rest[index]
            found[name] = value
        elif equals:
            raise _Full
        else:
            found[name] = True
        index += 1
    return found


def _cursor(file: str) -> sqlite3.Cursor:
    if not os.path.isfile(file):
        sys.stderr.write(f"No audit store at {file}.\n")
        raise SystemExit(2)
    connection = sqlite3.connect(file, timeout=30)
    cursor = connection.cursor()
    cursor.execute("SELECT version_num FROM alembic_version")
    if [row[0] for row in cursor.fetchall()] != [SCHEMA_REVISION] or desk_sql.lag(cursor) is not None:
        raise _Full
    return cursor


def _tasks(cursor: sqlite3.Cursor, options: dict[str, str | bool]) -> str:
    now = datetime.now(UTC)
    now_text = canonical_time(now)
    person = options.get("--for")
    if isinstance(person, str):
        try:
            rows = desk_sql.desk(cursor, desk_sql.SQLITE, now, now_text, person)
        except desk_sql.ZoneUnknown:
            raise _Full from None
        if not rows:
            raise _Full  # the full path says whether the person is unknown, or has nothing to do
    else:
        person = None
        rows = desk_sql.open_tasks(cursor, desk_sql.SQLITE, now_text)
    if any(row.due_at is not None and row.due_local is None for row in rows):
        raise _Full
    if options.get("--json"):
        return desk_text.dumps([desk_text.task_json(row) for row in rows])
    return desk_text.tasks_text(rows, None, person)


def _overdue(cursor: sqlite3.Cursor, options: dict[str, str | bool]) -> str:
    now = datetime.now(UTC)
    rows = desk_sql.overdue_tasks(cursor, desk_sql.SQLITE, canonical_time(now))
    if any(row.due_local is None for row in rows):
        raise _Full
    grouped = desk_text.overdue_data(rows)
    if options.get("--json"):
        return desk_text.dumps(
            {person: [desk_text.task_json(row) for row in items] for person, items in grouped.items()}
        )
    return desk_text.overdue_text(grouped, None)


def _plan_status(cursor: sqlite3.Cursor, options: dict[str, str | bool]) -> str:
    now = datetime.now(UTC)
    plans = desk_sql.plan_status(cursor, desk_sql.SQLITE, canonical_time(now))
    return desk_text.dumps(plans) if options.get("--json") else desk_text.plan_status_text(plans)


def _organisation(file: str) -> Organisation:
    """The organisation file, parsed; one that does not load is the full path's to name."""
    from pathlib import Path

    from runtime.organisation_loader import OrganisationFileError, load_organisation

    try:
        return load_organisation(Path(file))
    except OrganisationFileError:
        raise _Full from None


def _readable_case(cursor: sqlite3.Cursor, case_id: str) -> CaseFold | None:
    """The case folded to its last event, None when the trail holds none; one its rules cannot fold (or no rules
    know) is the full path's to name."""
    from store.case_read import folded_case

    fold = folded_case(cursor, case_id)
    if fold.version == 0:
        return None
    if fold.decider is None or fold.state is None or fold.problem is not None:
        raise _Full
    return fold


def _status(cursor: sqlite3.Cursor, options: dict[str, str | bool], case_id: str, organisation_file: str) -> str:
    # Loaded here, not with this module: the other lean reads need none of it.
    from cli.case_status import status_data, status_text
    from store.case_read import WHOLE_TRAIL
    from store.rows import stored_event_from_row

    fold = _readable_case(cursor, case_id)
    if fold is None:
        raise _Full  # the full path says the trail holds no such case
    decider, state = fold.decider, fold.state
    assert decider is not None and state is not None  # `_readable_case` leaves only folds with both
    cursor.execute(WHOLE_TRAIL, (case_id,))
    history = [stored_event_from_row(row) for row in cursor.fetchall()]
    # Read for JSON as well: the full path refuses a file that does not load, whatever it prints.
    organisation = _organisation(organisation_file)
    data = status_data(case_id, decider, state, history)
    return desk_text.dumps(data) if options.get("--json") else status_text(data, state, history, organisation)


def _policy_list(cursor: sqlite3.Cursor, options: dict[str, str | bool], organisation: Organisation) -> str:
    from cli.register_list import register_rows, register_text
    from domain.policy_register import PolicyRegisterState, register_case_id

    def register_of(instrument: str) -> PolicyRegisterState | None:
        fold = _readable_case(cursor, register_case_id(instrument))
        if fold is None:
            return None
        if not isinstance(fold.state, PolicyRegisterState):
            raise _Full
        return fold.state

    rows = register_rows(organisation, register_of, datetime.now(UTC))
    return desk_text.dumps(rows) if options.get("--json") else register_text(rows)


def _policy_history(
    cursor: sqlite3.Cursor, options: dict[str, str | bool], organisation: Organisation, instrument: str
) -> str:
    from cli.register_list import history_text
    from domain.policy_register import PolicyRegisterState, register_case_id, version_history

    fold = _readable_case(cursor, register_case_id(instrument))
    if fold is None or not isinstance(fold.state, PolicyRegisterState):
        raise _Full  # the full path says the register has not started
    rows = version_history(fold.state)
    return desk_text.dumps(rows) if options.get("--json") else history_text(rows)


def _appraisal_progress(cursor: sqlite3.Cursor, options: dict[str, str | bool], cycle: int, now: datetime) -> str:
    from cli.appraisal_progress import progress_data, progress_text
    from domain.appraisal_cycle import AppraisalCycleState, cycle_case_id

    fold = _readable_case(cursor, cycle_case_id(cycle))
    if fold is None or not isinstance(fold.state, AppraisalCycleState):
        raise _Full  # the full path says no such cycle has been launched

    def appraisal_of(case_id: str) -> CaseState | None:
        found = _readable_case(cursor, case_id)
        return None if found is None else found.state

    data = progress_data(cycle, now, fold.state, appraisal_of)
    return desk_text.dumps(data) if options.get("--json") else progress_text(data, now)


def _actions(
    cursor: sqlite3.Cursor, options: dict[str, str | bool], case_id: str, person: str, organisation: Organisation
) -> str:
    from cli.action_list import actions_data, actions_text
    from domain.action_catalogue import actions_open_to
    from domain.case import Context

    fold = _readable_case(cursor, case_id)
    if fold is None:
        raise _Full  # the full path says the trail holds no such case
    state = fold.state
    assert state is not None  # `_readable_case` leaves only folds with a state
    offers = actions_open_to(state, person, Context(organisation=organisation, now=datetime.now(UTC)))
    if options.get("--json"):
        return desk_text.dumps(actions_data(case_id, state, person, offers))
    return actions_text(organisation, state, person, offers)


def _known_person(organisation: Organisation, person: str) -> None:
    """Someone the organisation file lists; anyone else is the full path's to refuse, in its words."""
    from domain.acting import require_known_person
    from domain.errors import NotAllowed

    try:
        require_known_person(organisation, person)
    except NotAllowed:
        raise _Full from None


def answer_quickly(argv: list[str], word: str, position: int) -> int | None:
    """The exit code when the command was answered here; None to take the full path."""
    rest = argv[position + 1 :]
    try:
        values = _settings(argv, position)
        # Whether the full path of the command reads the organisation file (for people's zones, or names).
        if word == "tasks":
            read, options = _tasks, _options(rest, {"--for": True, "--json": False})
            reads_organisation = True
        elif word == "overdue":
            read, options = _overdue, _options(rest, {"--json": False})
            reads_organisation = not options.get("--json")
        elif word == "status" and rest[:1] and not rest[0].startswith("-"):
            case_id = rest[0]
            options = _options(rest[1:], {"--json": False})
            from store.case_fold import rules_of

            if rules_of(case_id) is None:
                raise _Full  # the full path names an id no rules know before it looks for the store

            def read(cursor: sqlite3.Cursor, options: dict[str, str | bool]) -> str:
                return _status(cursor, options, case_id, _organisation_file(values))

            reads_organisation = True
        elif word == "actions" and rest[:1] and not rest[0].startswith("-"):
            case_id = rest[0]
            options = _options(rest[1:], {"--as": True, "--json": False})
            person = options.get("--as")
            if not isinstance(person, str):
                raise _Full  # the full path says `--as` is missing
            # In the full path's order: the organisation file, the person, the case id's rules, then the store.
            organisation = _organisation(_organisation_file(values))
            _known_person(organisation, person)
            from store.case_fold import rules_of

            if rules_of(case_id) is None:
                raise _Full

            def read(cursor: sqlite3.Cursor, options: dict[str, str | bool]) -> str:
                return _actions(cursor, options, case_id, person, organisation)

            reads_organisation = True
        elif word == "policy" and rest[:1] == ["list"]:
            options = _options(rest[1:], {"--json": False})
            # Parsed before the store is opened, as the full path does: a file that does not load is named first.
            organisation = _organisation(_organisation_file(values))

            def read(cursor: sqlite3.Cursor, options: dict[str, str | bool]) -> str:
                return _policy_list(cursor, options, organisation)

            reads_organisation = True
        elif word == "policy" and rest[:1] == ["history"] and rest[1:2] and not rest[1].startswith("-"):
            instrument = rest[1]
            options = _options(rest[2:], {"--json": False})
            organisation = _organisation(_organisation_file(values))
            try:
                organisation.instrument(instrument)
            except LookupError:
                raise _Full from None  # the full path names the instruments the file has

            def read(cursor: sqlite3.Cursor, options: dict[str, str | bool]) -> str:
                return _policy_history(cursor, options, organisation, instrument)

            reads_organisation = True
        elif word == "appraisal" and rest[:1] == ["progress"] and rest[1:2] and rest[1].isascii() and rest[1].isdigit():
            cycle = int(rest[1])
            options = _options(rest[2:], {"--as-of": True, "--json": False})
            as_of = options.get("--as-of")
            now = datetime.now(UTC)
            if isinstance(as_of, str):
                from cli.appraisal_progress import as_of_instant

                instant = as_of_instant(as_of)
                if instant is None:
                    raise _Full  # the full path says what --as-of expects
                now = instant

            def read(cursor: sqlite3.Cursor, options: dict[str, str | bool]) -> str:
                return _appraisal_progress(cursor, options, cycle, now)

            reads_organisation = False
        elif word == "plan" and rest[:1] == ["status"]:
            read, options = _plan_status, _options(rest[1:], {"--json": False})
            reads_organisation = False
        else:
            return None
        if reads_organisation:
            _require_organisation_file(values)
        cursor = _cursor(_store_file(values))
        try:
            text = read(cursor, options)
        finally:
            cursor.connection.close()
    except (_Full, sqlite3.Error):
        return None
    sys.stdout.write(text + "\n")
    return 0
