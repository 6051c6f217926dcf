"""E-mail delivery against a real SMTP server (aiosmtpd on loopback) and into `.eml` files.

What a user would check: the message arrives once, with the case, the task, the due date on the recipient's
own clock and the exact `govern act` line; a retry never sends it twice; an outage delays it, never loses it.
"""

import dataclasses
import datetime as dt
import email.headerregistry
import email.policy
import email.utils
import ipaddress
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from structlog.testing import capture_logs
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.mail import DeliveryReceipt, MailDelivery, MailNotSent, UndeliverableNotice, parse_smtp_url
from activities.notify import NotifyActivities
from domain.notice import (
    DOCUMENT_HEADING,
    HOW_TO_ACT_HEADING,
    Notice,
    case_path,
    message_id_for,
    render_text,
    task_path,
)
from tests.support.processes import free_port

MAIL_FROM = "Secretariat <govern@partnership.example>"
DUE = dt.datetime(2027, 3, 12, 17, 30, tzinfo=dt.UTC)  # 18:30 in Brussels; 00:30 next day in Ho Chi Minh City
HOW_TO_ACT = "govern act grant/2027-014 screen --as {person} --field outcome=eligible"


def make_notice(
    person: str = "programme-officer-brussels",
    time_zone: str = "Europe/Brussels",
    *,
    event_id: str = "evt-0042",
    name: str = "Claire Dubois",
    kind: str = "reminder",
    address: str | None = None,
) -> Notice:
    return Notice(
        message_id=message_id_for(event_id, person),
        case_id="grant/2027-014",
        task_id="screen",
        kind=kind,
        recipient_id=person,
        recipient_name=name,
        recipient_email=address or f"{person}@partnership.example",
        recipient_time_zone=time_zone,
        subject="Reminder: eligibility screening of grant/2027-014 is due soon",
        due_at=DUE,
        task_title="Eligibility screening",
        how_to_act=HOW_TO_ACT.format(person=person),
        body_lines=["The eligibility screening of this application is still open."],
    )


def parse(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=email.policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    # Over SMTP the parsed body keeps the wire's CRLF line ends; compare as the reader sees it.
    return part.get_content().replace("\r\n", "\n")


class Mailbox:
    """An aiosmtpd handler that keeps what it accepts, and can be told to refuse recipients for a while."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.refuse_recipients = False
        self.refusal = "550 5.1.1 Mailbox unavailable"

    async def handle_RCPT(
        self, server: SMTPServer, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if self.refuse_recipients:
            return self.refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        return [parse(envelope.original_content or b"") for envelope in self.envelopes]


def start_server(mailbox: Mailbox, port: int, **smtp_options: Any) -> Controller:
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **smtp_options)
    controller.start()
    return controller


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def smtp_port(mailbox: Mailbox) -> Iterator[int]:
    port = free_port()
    controller = start_server(mailbox, port)
    yield port
    controller.stop()


@pytest.fixture(scope="module")
def tls_contexts(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1: the server's context and a client context that trusts it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client


# --- the notice as the recipient reads it -------------------------------------------------------------------


async def test_smtp_message_carries_headers_local_due_date_and_how_to_act(
    tmp_path: Path, mailbox: Mailbox, smtp_port: int
) -> None:
    delivery = MailDelivery(f"smtp://127.0.0.1:{smtp_port}", tmp_path / "mail", MAIL_FROM)
    brussels = make_notice("programme-officer-brussels", "Europe/Brussels")
    hanoi = make_notice("programme-officer-hcmc", "Asia/Ho_Chi_Minh", name="Nguyễn Thị Lan")

    receipts = [await delivery.deliver(brussels), await delivery.deliver(hanoi)]

    assert [r.transport for r in receipts] == ["smtp", "smtp"]
    assert [r.duplicate for r in receipts] == [False, False]
    assert [e.rcpt_tos for e in mailbox.envelopes] == [
        ["programme-officer-brussels@partnership.example"],
        ["programme-officer-hcmc@partnership.example"],
    ]
    assert mailbox.envelopes[0].mail_from == "govern@partnership.example"
    first, second = mailbox.messages
    assert first["From"] == MAIL_FROM
    assert first["To"] == "Claire Dubois <programme-officer-brussels@partnership.example>"
    assert second["To"].addresses[0].display_name == "Nguyễn Thị Lan"
    assert first["Subject"] == brussels.subject
    assert first["Message-ID"] == brussels.message_id == message_id_for("evt-0042", "programme-officer-brussels")
    assert second["Message-ID"] == hanoi.message_id != brussels.message_id
    assert first["Date"] is not None
    assert (first["X-Govern-Case"], first["X-Govern-Task"], first["X-Govern-Kind"]) == (
        "grant/2027-014",
        "screen",
        "reminder",
    )
    assert first["Auto-Submitted"] == "auto-generated"

    brussels_body, hanoi_body = body_of(first), body_of(second)
    assert "Due: Friday 12 March 2027, 18:30 (Europe/Brussels)" in brussels_body
    assert "Due: Saturday 13 March 2027, 00:30 (Asia/Ho_Chi_Minh)" in hanoi_body
    for body, person in (
        (brussels_body, "programme-officer-brussels"),
        (hanoi_body, "programme-officer-hcmc"),
    ):
        assert "Case: grant/2027-014" in body
        assert "Task: Eligibility screening (screen)" in body
        assert f"    govern act grant/2027-014 screen --as {person} --field outcome=eligible\n" in body
    assert "Dear Nguyễn Thị Lan," in hanoi_body


def test_render_text_follows_daylight_saving_and_omits_what_is_absent() -> None:
    summer = make_notice().model_copy(update={"due_at": dt.datetime(2027, 7, 2, 15, 0, tzinfo=dt.UTC)})
    assert "Due: Friday 2 July 2027, 17:00 (Europe/Brussels)" in render_text(summer)  # CEST, UTC+2

    decision = make_notice(kind="decision").model_copy(
        update={"task_id": None, "task_title": None, "due_at": None, "how_to_act": None, "body_lines": []}
    )
    text = render_text(decision)
    assert "Case: grant/2027-014" in text and decision.subject in text
    assert "Task:" not in text and "Due:" not in text and "How to act" not in text


def test_message_id_is_deterministic_and_per_recipient() -> None:
    assert message_id_for("evt-1", "alice") == message_id_for("evt-1", "alice")
    assert message_id_for("evt-1", "alice") != message_id_for("evt-1", "bob")
    assert message_id_for("ab", "c") != message_id_for("a", "bc")
    local, _, domain = message_id_for("evt-1", "alice").strip("<>").partition("@")
    assert len(local) == 32 and domain == "govern"


def test_notice_refuses_what_would_break_a_mail_header() -> None:
    with pytest.raises(ValueError, match="single line"):
        Notice.model_validate(make_notice().model_dump() | {"subject": "x\r\nBcc: everyone@example.org"})
    with pytest.raises(ValueError, match="unknown time zone"):
        Notice.model_validate(make_notice().model_dump() | {"recipient_time_zone": "Europe/Atlantis"})
    with pytest.raises(ValueError, match="recipient_email"):
        Notice.model_validate(make_notice().model_dump() | {"recipient_email": "a,b@example.org"})
    with pytest.raises(ValueError, match="due_at must carry a time zone"):
        Notice.model_validate(make_notice().model_dump() | {"due_at": dt.datetime(2027, 3, 12, 17, 30)})


# --- retries never send twice, outages never lose a message -----------------------------------------------


async def test_second_delivery_of_the_same_notice_sends_nothing(
    tmp_path: Path, mailbox: Mailbox, smtp_port: int
) -> None:
    delivery = MailDelivery(f"smtp://127.0.0.1:{smtp_port}", tmp_path / "mail", MAIL_FROM)
    notice = make_notice()

    first = await delivery.deliver(notice)
    again = await delivery.deliver(notice)
    # A fresh worker process (same mail directory) also recognises it.
    elsewhere = await MailDelivery(f"smtp://127.0.0.1:{smtp_port}", tmp_path / "mail", MAIL_FROM).deliver(notice)

    assert (first.duplicate, again.duplicate, elsewhere.duplicate) == (False, True, True)
    assert len(mailbox.envelopes) == 1
    assert [p.name for p in (tmp_path / "mail" / ".sent").iterdir()] == [notice.message_id.strip("<>")]


async def test_smtp_outage_raises_and_a_retry_after_recovery_delivers_exactly_once(tmp_path: Path) -> None:
    port = free_port()
    delivery = MailDelivery(f"smtp://127.0.0.1:{port}", tmp_path / "mail", MAIL_FROM, timeout=5)
    before, during = make_notice(event_id="evt-1"), make_notice(event_id="evt-2")

    # Nobody listens on the port yet.
    with pytest.raises(MailNotSent, match=r"smtp://127\.0\.0\.1:\d+"):
        await delivery.deliver(before)

    first_mailbox = Mailbox()
    controller = start_server(first_mailbox, port)
    await delivery.deliver(before)
    controller.stop()

    # The server went away after accepting one message; the next one fails and leaves no ledger marker.
    with pytest.raises(MailNotSent):
        await delivery.deliver(during)
    assert not (tmp_path / "mail" / ".sent" / during.message_id.strip("<>")).exists()

    second_mailbox = Mailbox()
    controller = start_server(second_mailbox, port)
    try:
        retries = [await delivery.deliver(during) for _ in range(3)]
        await delivery.deliver(before)
    finally:
        controller.stop()

    assert [r.duplicate for r in retries] == [False, True, True]
    assert [m["Message-ID"] for m in first_mailbox.messages] == [before.message_id]
    assert [m["Message-ID"] for m in second_mailbox.messages] == [during.message_id]


async def test_a_permanent_rejection_is_undeliverable_at_once(tmp_path: Path, mailbox: Mailbox, smtp_port: int) -> None:
    delivery = MailDelivery(f"smtp://127.0.0.1:{smtp_port}", tmp_path / "mail", MAIL_FROM)
    mailbox.refuse_recipients = True
    with pytest.raises(UndeliverableNotice, match="permanently rejected .* 550 5.1.1 Mailbox unavailable"):
        await delivery.deliver(make_notice())
    assert mailbox.envelopes == []


async def test_refused_recipient_raises_and_is_retried(tmp_path: Path, mailbox: Mailbox, smtp_port: int) -> None:
    delivery = MailDelivery(f"smtp://127.0.0.1:{smtp_port}", tmp_path / "mail", MAIL_FROM)
    notice = make_notice()
    mailbox.refuse_recipients = True
    mailbox.refusal = "450 4.2.1 Mailbox busy, try again later"

    with pytest.raises(MailNotSent, match="Mailbox busy"):
        await delivery.deliver(notice)

    mailbox.refuse_recipients = False
    assert (await delivery.deliver(notice)).duplicate is False
    assert (await delivery.deliver(notice)).duplicate is True
    assert len(mailbox.envelopes) == 1


# --- SMTP URL: credentials, TLS, and refusals of a bad URL -------------------------------------------------


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
async def test_credentials_in_the_url_log_in_and_the_password_never_shows(tmp_path: Path) -> None:
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(
        server: SMTPServer, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cr/t:pass", handled=False)  # False: reply 535

    mailbox, port = Mailbox(), free_port()
    controller = start_server(mailbox, port, authenticator=authenticator, auth_required=True, auth_require_tls=False)
    try:
        url = f"smtp://secretariat%40partnership.example:s3cr%2Ft%3Apass@127.0.0.1:{port}"
        delivery = MailDelivery(url, tmp_path / "mail", MAIL_FROM)
        await delivery.deliver(make_notice())

        wrong = MailDelivery(url.replace("s3cr%2Ft", "wrong"), tmp_path / "other", MAIL_FROM)
        with pytest.raises(MailNotSent) as refused:
            await wrong.deliver(make_notice())
    finally:
        controller.stop()

    assert logins[0] == (b"secretariat@partnership.example", b"s3cr/t:pass")
    assert len(mailbox.envelopes) == 1
    for shown in (repr(delivery), repr(parse_smtp_url(url)), str(refused.value)):
        assert "s3cr" not in shown and "wrong" not in shown
    assert "secretariat@partnership.example@127.0.0.1" in repr(delivery)


async def test_smtps_implicit_tls(tmp_path: Path, tls_contexts: tuple[ssl.SSLContext, ssl.SSLContext]) -> None:
    server_tls, client_tls = tls_contexts
    mailbox, port = Mailbox(), free_port()
    controller = start_server(mailbox, port, ssl_context=server_tls)
    try:
        delivery = MailDelivery(f"smtps://127.0.0.1:{port}", tmp_path / "mail", MAIL_FROM, tls_context=client_tls)
        await delivery.deliver(make_notice())
    finally:
        controller.stop()
    assert len(mailbox.envelopes) == 1


async def test_starttls_required(tmp_path: Path, tls_contexts: tuple[ssl.SSLContext, ssl.SSLContext]) -> None:
    server_tls, client_tls = tls_contexts
    mailbox, port = Mailbox(), free_port()
    controller = start_server(mailbox, port, tls_context=server_tls, require_starttls=True)
    try:
        plain = MailDelivery(f"smtp://127.0.0.1:{port}?starttls=false", tmp_path / "plain", MAIL_FROM)
        with pytest.raises(MailNotSent):
            await plain.deliver(make_notice())
        url = f"smtp://127.0.0.1:{port}?starttls=true"
        delivery = MailDelivery(url, tmp_path / "mail", MAIL_FROM, tls_context=client_tls)
        await delivery.deliver(make_notice())
    finally:
        controller.stop()
    assert len(mailbox.envelopes) == 1


def test_url_defaults() -> None:
    assert parse_smtp_url("smtp://relay.example").port == 25
    assert parse_smtp_url("smtp://relay.example?starttls=true").port == 587
    assert parse_smtp_url("smtp://relay.example?starttls=true").start_tls is True
    secure = parse_smtp_url("smtps://mail.example")
    assert (secure.port, secure.use_tls, secure.start_tls) == (465, True, False)
    assert parse_smtp_url("smtp://relay.example:2525").start_tls is None  # aiosmtplib upgrades when offered
    assert MailDelivery("", Path("var/mail"), MAIL_FROM).transport == "file"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://mail.example", "scheme must be smtp or smtps"),
        ("mail.example:25", "scheme must be smtp or smtps"),
        ("smtp://", "names no host"),
        ("smtp://user:hunter2@mail.example:99999", "port must be a number"),
        ("smtp://user:hunter2@mail.example:abc", "port must be a number"),
        ("smtp://mail.example?starttls=maybe", "starttls must be true or false"),
        ("smtp://mail.example?tls=true", "only option is starttls"),
        ("smtps://mail.example?starttls=true", "cannot also ask for starttls"),
        ("smtp://user@mail.example", "both a user name and a password"),
        ("smtp://mail.example/inbox", "path"),
    ],
)
def test_bad_url_is_refused_in_one_sentence_naming_the_setting(url: str, reason: str) -> None:
    with pytest.raises(ValueError) as refused:
        MailDelivery(url, Path("var/mail"), MAIL_FROM)
    message = str(refused.value)
    assert message.startswith("GOVERN_SMTP_URL ") and reason in message
    assert message.endswith(".") and message.count(". ") == 0 and "\n" not in message
    assert "hunter2" not in message


# --- file mode: the embedded default --------------------------------------------------------------------


async def test_file_mode_writes_one_readable_eml_per_message(tmp_path: Path) -> None:
    delivery = MailDelivery(None, tmp_path / "mail", MAIL_FROM)
    notice = make_notice("programme-officer-hcmc", "Asia/Ho_Chi_Minh", name="Nguyễn Thị Lan")

    first = await delivery.deliver(notice)
    again = await delivery.deliver(notice)

    folder = tmp_path / "mail" / "programme-officer-hcmc"
    assert [p.name for p in folder.iterdir()] == [Path(first.path or "").name]  # no temp files left behind
    assert (first.transport, first.duplicate, again.duplicate, again.path) == (
        "file",
        False,
        True,
        first.path,
    )
    message = parse(Path(first.path or "").read_bytes())
    assert message["Message-ID"] == notice.message_id
    assert message["To"] == "Nguyễn Thị Lan <programme-officer-hcmc@partnership.example>"
    assert message["X-Govern-Kind"] == "reminder"
    body = body_of(message)
    assert "Due: Saturday 13 March 2027, 00:30 (Asia/Ho_Chi_Minh)" in body
    assert notice.how_to_act is not None and notice.how_to_act in body


async def test_a_mail_links_to_its_task_and_spells_out_every_line_and_what_silence_means(tmp_path: Path) -> None:
    delivery = MailDelivery(None, tmp_path / "mail", MAIL_FROM, public_url="https://govern.partnership.example/")
    lines = [
        "govern act grant/2027-021/board/1 no-objection --as board-member-2",
        'govern act grant/2027-021/board/1 object --as board-member-2 --comment "..."',
    ]
    notice = make_notice("board-member-2").model_copy(
        update={
            "case_id": "grant/2027-021/board/1",
            "task_id": "no-objection/board-member-2",
            "how_to_act": None,
            "how_to_act_lines": lines,
            "document_lines": ["govern act policy/charter/review/1 submit-revision --as x --field document=PATH"],
            "link_path": task_path("grant/2027-021/board/1", "no-objection/board-member-2"),
            "silence": "silence is assent.",
        }
    )
    body = body_of(parse(Path((await delivery.deliver(notice)).path or "").read_bytes()))
    assert (
        "Open: https://govern.partnership.example/cases/grant/2027-021/board/1/tasks/no-objection/board-member-2\n"
        in body
    )
    assert "If you do not respond: silence is assent.\n" in body
    assert f"{HOW_TO_ACT_HEADING}\n    {lines[0]}\n    {lines[1]}\n" in body
    assert f"{DOCUMENT_HEADING}\n    govern act policy/charter/review/1 submit-revision" in body
    # Without a public address (a delivery configured without one) there is no link, and nothing else changes.
    assert "Open:" not in render_text(notice) and lines[1] in render_text(notice)


def test_a_notice_decided_before_the_catalogue_still_reads_and_renders() -> None:
    """Notices are activity inputs: one scheduled by a running case before this change must still deliver."""
    old = {key: value for key, value in make_notice().model_dump(mode="json").items()}
    for newer in ("how_to_act_lines", "document_lines", "link_path", "silence"):
        old.pop(newer)
    notice = Notice.model_validate(old)
    text = render_text(notice, "https://govern.partnership.example")
    assert f"How to act:\n    {HOW_TO_ACT.format(person='programme-officer-brussels')}\n" in text
    assert "Open:" not in text and "If you do not respond" not in text


def test_task_and_case_paths_keep_the_slashes_of_their_ids() -> None:
    assert case_path("grant/2027-014/board/1") == "/cases/grant/2027-014/board/1"
    assert task_path("grant/2027-014", "review-programme-officer-hanoi") == (
        "/cases/grant/2027-014/tasks/review-programme-officer-hanoi"
    )
    assert task_path("plan/2028-2032", "comment/member representative") == (
        "/cases/plan/2028-2032/tasks/comment/member%20representative"
    )


async def test_file_mode_keeps_odd_person_ids_inside_the_mail_directory(tmp_path: Path) -> None:
    delivery = MailDelivery(None, tmp_path / "mail", MAIL_FROM)
    receipt = await delivery.deliver(make_notice("../../etc", address="someone@partnership.example"))
    assert receipt.path is not None
    path = Path(receipt.path).resolve()
    assert path.is_relative_to((tmp_path / "mail").resolve()) and path.parent.parent == (tmp_path / "mail")


# --- the Temporal activity -------------------------------------------------------------------------------


async def test_send_notice_activity_delivers_and_logs_identifiers_only(tmp_path: Path) -> None:
    scheduled = dt.datetime(2027, 3, 11, 8, 0, tzinfo=dt.UTC)
    environment = ActivityEnvironment()
    environment.info = dataclasses.replace(environment.info, scheduled_time=scheduled, attempt=2)
    activities = NotifyActivities(MailDelivery(None, tmp_path / "mail", MAIL_FROM))
    notice = make_notice()

    with capture_logs() as logs:
        receipt = await environment.run(activities.send_notice, notice)
        again = await environment.run(activities.send_notice, notice)

    assert isinstance(receipt, DeliveryReceipt)
    assert (receipt.transport, receipt.duplicate, again.duplicate) == ("file", False, True)
    message = parse(Path(receipt.path or "").read_bytes())
    assert message["Date"].datetime == scheduled  # the same on every retry, in workflow time
    assert [entry["event"] for entry in logs] == ["notice_delivered", "notice_already_delivered"]
    assert logs[0] | {"log_level": "info"} == {
        "event": "notice_delivered",
        "log_level": "info",
        "message_id": notice.message_id,
        "recipient_id": "programme-officer-brussels",
        "kind": "reminder",
        "case_id": "grant/2027-014",
        "attempt": 2,
        "transport": "file",
    }
    assert "still open" not in repr(logs)


async def test_send_notice_gives_up_after_the_configured_hours_of_failed_attempts(tmp_path: Path) -> None:
    first = dt.datetime(2027, 3, 11, 8, 0, tzinfo=dt.UTC)
    activities = NotifyActivities(
        MailDelivery(f"smtp://127.0.0.1:{free_port()}", tmp_path / "mail", MAIL_FROM), dt.timedelta(hours=72)
    )
    environment = ActivityEnvironment()
    environment.info = dataclasses.replace(
        environment.info, scheduled_time=first, current_attempt_scheduled_time=first + dt.timedelta(hours=71)
    )
    with pytest.raises(MailNotSent):  # still within the 72 hours: Temporal retries it
        await environment.run(activities.send_notice, make_notice())
    environment.info = dataclasses.replace(
        environment.info, current_attempt_scheduled_time=first + dt.timedelta(hours=72, minutes=3)
    )
    with pytest.raises(ApplicationError) as failure:
        await environment.run(activities.send_notice, make_notice())
    assert failure.value.non_retryable and failure.value.type == "UndeliverableNotice"
    assert "could not be delivered for 72 hours (GOVERN_NOTICE_GIVE_UP_HOURS)" in failure.value.message


async def test_send_notice_fails_without_retry_when_no_retry_can_help(tmp_path: Path) -> None:
    activities = NotifyActivities(MailDelivery(None, tmp_path / "mail", MAIL_FROM))
    # model_construct skips validation, standing in for a notice from an older, laxer version of the domain.
    broken = Notice.model_construct(**(make_notice().model_dump() | {"recipient_email": "a,b@example.org"}))
    with pytest.raises(ApplicationError) as failure:
        await ActivityEnvironment().run(activities.send_notice, broken)
    assert failure.value.non_retryable and failure.value.type == "UndeliverableNotice"


def test_notice_and_receipt_survive_temporal_payload_conversion() -> None:
    converter = pydantic_data_converter.payload_converter
    notice = make_notice()
    receipt = DeliveryReceipt(message_id=notice.message_id, transport="smtp")
    payloads = converter.to_payloads([notice, receipt])
    assert converter.from_payloads(payloads, [Notice, DeliveryReceipt]) == [notice, receipt]


def test_mail_goes_out_within_minutes_of_an_outage_ending() -> None:
    """Retries back off to at most a few minutes, so a reminder arrives soon after SMTP returns."""
    from workflows.case_runtime import NOTICE_RETRY

    assert NOTICE_RETRY.maximum_interval is not None
    assert NOTICE_RETRY.maximum_interval <= dt.timedelta(minutes=5)
    assert NOTICE_RETRY.maximum_attempts == 0  # never given up by Temporal: the activity decides when to give up


@pytest.mark.parametrize(
    ("name", "address"),
    [
        ("Claire Dubois", None),
        ("Nguyễn Thị Lan", "lan@partnership.example"),
        ('Dubois, Claire "CD"', None),
    ],
)
def test_a_composed_message_is_the_bytes_setting_each_header_as_text_gives(
    tmp_path: Path, name: str, address: str | None
) -> None:
    """Headers that repeat are parsed once and reused; the message must be the one the plain assignment of every
    header builds, the first time and when its headers come from what was parsed before."""
    delivery = MailDelivery(smtp_url=None, mail_dir=tmp_path, mail_from=MAIL_FROM)
    notice = make_notice(name=name, address=address)
    sent_at = dt.datetime(2027, 3, 10, 8, 0, tzinfo=dt.UTC)

    plain = EmailMessage()
    plain["From"] = MAIL_FROM
    plain["To"] = email.headerregistry.Address(display_name=notice.recipient_name, addr_spec=notice.recipient_email)
    plain["Subject"] = notice.subject
    plain["Date"] = email.utils.format_datetime(sent_at)
    plain["Message-ID"] = notice.message_id
    plain["X-Govern-Case"] = notice.case_id
    plain["X-Govern-Task"] = notice.task_id
    plain["X-Govern-Kind"] = notice.kind
    plain["Auto-Submitted"] = "auto-generated"
    text = render_text(notice, None)
    plain.set_content(text, cte="7bit" if text.isascii() else "8bit")

    first = delivery.compose(notice, sent_at).as_bytes()
    again = delivery.compose(notice, sent_at).as_bytes()
    assert first == again == plain.as_bytes()
