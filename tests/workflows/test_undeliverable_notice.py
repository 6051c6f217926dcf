"""A notice the mail server rejects for good (5xx for the recipient) is recorded on the case as
NoticeUndeliverable, and the recipient's supervisor is told by mail instead; the case goes on."""

import asyncio
import uuid
from email import policy
from email.parser import BytesParser
from pathlib import Path

import yaml
from aiosmtpd.controller import Controller
from temporalio.testing import WorkflowEnvironment

from activities.mail import MailDelivery
from domain.commands import Channel, Command
from domain.organisation import Organisation
from runtime.settings import Settings
from store.event_store import EventStore
from store.projections import case_state
from tests.support.processes import free_port
from worker import WorkerDependencies, build_worker
from workflows.messages import OpenCase

REPO = Path(__file__).resolve().parents[2]
KAMPALA = yaml.safe_load((REPO / "examples" / "grants" / "kampala-upgrading.yaml").read_text())


class RejectingMailbox:
    """Accepts every recipient but one, which it refuses with a permanent 550."""

    def __init__(self, rejected: str) -> None:
        self.rejected = rejected
        self.accepted: list[tuple[list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:  # noqa: ANN001
        if address == self.rejected:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001
        self.accepted.append((list(envelope.rcpt_tos), envelope.original_content or b""))
        return "250 Message accepted for delivery"


async def test_a_rejected_notice_is_on_the_record_and_the_supervisor_is_told(
    time_skipping: WorkflowEnvironment,
    organisation: Organisation,
    audit_store: EventStore,
    settings: Settings,
    tmp_path: Path,
) -> None:
    officer = organisation.person(KAMPALA["screening_officer"])
    supervisor = organisation.person(organisation.supervisor_of(officer.id) or "")
    mailbox, port = RejectingMailbox(officer.email), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    dependencies = WorkerDependencies(
        store=audit_store,
        organisation=organisation,
        delivery=MailDelivery(f"smtp://127.0.0.1:{port}", tmp_path / "mail", "govern@example.org"),
    )
    reference = f"U-{uuid.uuid4().hex[:6]}"
    case_id = f"grant/{reference}"
    command = Command(
        action="submit",
        actor=KAMPALA["submitted_by"],
        fields={**KAMPALA, "reference": reference},
        channel=Channel(name="simulation"),
    )
    try:
        async with build_worker(time_skipping.client, settings.task_queue, dependencies):
            await time_skipping.client.start_workflow(
                "GrantApproval", OpenCase(case_id=case_id, command=command), id=case_id, task_queue=settings.task_queue
            )
            for _ in range(200):
                if any(event.type == "NoticeUndeliverable" for event in audit_store.read_stream(case_id)):
                    break
                await asyncio.sleep(0.05)
            for _ in range(200):
                if any(supervisor.email in recipients for recipients, _ in mailbox.accepted):
                    break
                await asyncio.sleep(0.05)
    finally:
        controller.stop()

    [undeliverable] = [event for event in audit_store.read_stream(case_id) if event.type == "NoticeUndeliverable"]
    assert undeliverable.actor == "system" and undeliverable.outcome == "undeliverable"
    assert (
        "permanently rejected" in (undeliverable.reason or "") and "550 5.1.1 No such mailbox" in undeliverable.reason
    )
    assert {key: undeliverable.payload[key] for key in ("recipient", "kind", "task_id", "told")} == {
        "recipient": officer.id,
        "kind": "task_opened",
        "task_id": "screening",
        "told": supervisor.id,
    }
    [(_, raw)] = [item for item in mailbox.accepted if supervisor.email in item[0]]
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert message["Subject"].startswith(f"[{case_id}] Could not reach {officer.name}:")
    assert officer.email in message.get_body(preferencelist=("plain",)).get_content()
    state = case_state(audit_store, case_id)
    assert state is not None and state.stage == "screening" and "screening" in state.tasks
