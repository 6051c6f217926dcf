"""Every "how to act" line in the example scenarios' e-mails works as written.

Each scenario runs through `govern simulate`, with the real workflows, activities and audit store. Then, for
every `.eml` it left, the event that caused it is found by its Message-ID, the case is rebuilt from the audit
trail as it stood at that instant, and each line under "How to act" is split as a shell would (shlex) into a
`govern act` command and given to the case's decider, which must accept it. Lines that need a document run
with a real file in place of PATH, stored as `govern act` stores it.
"""

import base64
import email
import os
import subprocess
import sys
from collections import Counter
from datetime import datetime
from email.message import Message
from pathlib import Path

import pytest

from domain import case
from domain.case import Context
from domain.case_kinds import decider_for
from domain.errors import NotAllowed
from domain.events import DomainEvent
from domain.notice import DOCUMENT_HEADING, HOW_TO_ACT_HEADING, message_id_for
from domain.organisation import Organisation
from runtime.documents import with_document_hash
from runtime.sealing import SEALED_KEY, ContentSealer
from simulation.runner import scenario_organisation
from simulation.scenario import load_scenario
from store.event_store import EventStore
from store.models import StoredEvent
from store.projections import all_events
from tests.support.catalogue_checks import Checked, check_catalogue, parse_line
from tests.support.keys import new_key

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((REPO / "examples" / "scenarios").glob("*.yaml"))


class Mail:
    def __init__(self, path: Path) -> None:
        message: Message = email.message_from_binary_file(path.open("rb"))
        self.recipient = path.parent.name
        self.case_id = str(message["X-Govern-Case"])
        self.task_id = message["X-Govern-Task"]
        self.kind = str(message["X-Govern-Kind"])
        self.message_id = str(message["Message-ID"])
        payload = message.get_payload(decode=True)
        assert isinstance(payload, bytes)
        self.body = payload.decode()
        self.lines = self._under(HOW_TO_ACT_HEADING)
        self.document_lines = self._under(DOCUMENT_HEADING)

    def _under(self, heading: str) -> list[str]:
        lines = self.body.splitlines()
        if heading not in lines:
            return []
        found = []
        for line in lines[lines.index(heading) + 1 :]:
            if not line.startswith("    "):
                break
            found.append(line.strip())
        return found


def with_content(event: StoredEvent, sealer: ContentSealer) -> DomainEvent:
    """The event as the workflow held it: sealed appraisal content opened with the run's key."""
    payload = dict(event.payload)
    if SEALED_KEY in payload:
        content = sealer.unseal(event)
        del payload[SEALED_KEY]
        payload["content"] = content
    return DomainEvent.model_validate({**event.model_dump(include=set(DomainEvent.model_fields)), "payload": payload})


def state_at(events: list[DomainEvent], case_id: str, instant: datetime) -> case.CaseState:
    decider = decider_for(case_id)
    state = decider.initial_state(case_id)
    for event in events:
        if event.occurred_at <= instant:
            state = case.evolve(decider, state, event)
    return state


def simulate(scenario: Path, data_dir: Path, key: str) -> tuple[Path, Path]:
    environment = {**os.environ, "GOVERN_CODEC_KEYS": key}
    environment.pop("GOVERN_DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "--data-dir", str(data_dir), "simulate", str(scenario)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        env=environment,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    folder = data_dir / "simulations" / scenario.stem
    return folder / "audit.db", folder / "mail"


def check_mail(
    mail: Mail,
    cause: DomainEvent,
    events: list[DomainEvent],
    organisation: Organisation,
    document: Path,
) -> list[str]:
    """Run each of the mail's lines against the case as it stood when the mail was decided; the lines run."""
    state = state_at(events, mail.case_id, cause.occurred_at)
    decider = decider_for(mail.case_id)
    context = Context(organisation=organisation, now=cause.occurred_at)
    ran = []
    for line, needs_document in [(line, False) for line in mail.lines] + [(line, True) for line in mail.document_lines]:
        assert ("=PATH" in line) is needs_document, line
        case_id, command = parse_line(line.replace("=PATH", f"={document}") if needs_document else line)
        assert case_id == mail.case_id and command.actor == mail.recipient, line
        fields, _ = with_document_hash(command.fields, document.parent)
        try:
            case.decide_command(decider, state, command.model_copy(update={"fields": fields}), context)
        except NotAllowed as refusal:
            raise AssertionError(f"{mail.message_id} to {mail.recipient}: {line!r} is refused: {refusal}") from None
        ran.append(line)
    return ran


class Run:
    """One example scenario, simulated once for the tests below: its mails, and its cases' trails as the
    workflows held them (sealed appraisal content opened with the run's own key)."""

    def __init__(self, scenario: Path, tmp_path: Path) -> None:
        key = new_key()
        database, self.mail_dir = simulate(scenario, tmp_path / "data", f"test:{key}")
        loaded, base = load_scenario(scenario)
        self.organisation = scenario_organisation(loaded, base)
        sealer = ContentSealer({"test": base64.b64decode(key)})
        store = EventStore.open_existing(f"sqlite:///{database}")
        try:
            self.mails = [Mail(path) for path in sorted(self.mail_dir.glob("*/*.eml"))]
            self.streams: dict[str, list[DomainEvent]] = {}
            for event in all_events(store):
                self.streams.setdefault(event.stream_id, []).append(with_content(event, sealer))
        finally:
            store.close()

    def cause(self, mail: Mail) -> DomainEvent:
        """The event that made the mail, found by the Message-ID it derives."""
        events = self.streams[mail.case_id]
        return next(event for event in events if message_id_for(event.event_id, mail.recipient) == mail.message_id)


@pytest.fixture(scope="module", params=SCENARIOS, ids=lambda path: path.stem)
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Run:
    return Run(request.param, tmp_path_factory.mktemp(request.param.stem))


def test_every_how_to_act_line_in_the_example_mails_runs_as_written(run: Run, tmp_path: Path) -> None:
    document = tmp_path / "revised-text.md"
    document.write_text("A revised text.\n", encoding="utf-8")
    ran: Counter[str] = Counter()
    task_mails = 0
    for mail in run.mails:
        cause = run.cause(mail)
        lines = check_mail(mail, cause, run.streams[mail.case_id], run.organisation, document)
        ran.update(line.split()[3] for line in lines)
        if mail.kind in ("task_opened", "reminder"):
            task_mails += 1
            # A step's holder is always told how to take it, or why they cannot yet.
            assert lines or "You cannot act on it yet: " in mail.body, mail.body
    assert task_mails > 0 and sum(ran.values()) >= task_mails, ran


def test_at_every_instant_the_catalogue_offers_what_the_decider_accepts_and_nothing_else(run: Run) -> None:
    """Every state the example scenarios' cases pass through (after each instant at which something was
    recorded): for everyone in the organisation file, every offered line is accepted and every command they
    were not offered is refused."""
    checked = Checked()
    for case_id, events in sorted(run.streams.items()):
        for instant in sorted({event.occurred_at for event in events}):
            state = state_at(events, case_id, instant)
            if not state.closed:
                check_catalogue(state, run.organisation, instant, checked)
    assert checked.lines > 0 and checked.refusals > 0, checked
