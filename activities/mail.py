"""Delivering a notice: by SMTP when `GOVERN_SMTP_URL` is set, otherwise as `.eml` files a person can open.

Temporal retries a failed activity, so delivery must be safe to repeat:
- Every notice carries a deterministic Message-ID (see `domain.notice.message_id_for`), and that id names the
  file, or the marker in the sent ledger, that records a delivery. A repeat finds it and does nothing.
- In SMTP mode the marker is written only after the server accepted the message. A failure before that raises,
  and Temporal's retry delivers later, so no reminder is lost. A crash between the server's acceptance and the
  marker can still repeat a message: SMTP offers at-least-once delivery, never exactly-once, and a repeat with
  the same Message-ID is the lesser harm than a lost reminder.
The ledger lives in the mail directory, so workers that share a task queue should share that directory.
"""

import asyncio
import email.policy
import hashlib
import os
import re
import ssl
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.errors import HeaderParseError
from email.headerregistry import Address, BaseHeader
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Literal, NoReturn, cast
from urllib.parse import parse_qsl, unquote, urlsplit

import aiosmtplib
from pydantic import BaseModel, ConfigDict

from domain.notice import Notice, render_text

SENT_LEDGER = ".sent"
_DEFAULT_PORTS = {("smtp", False): 25, ("smtp", True): 587, ("smtps", False): 465}
_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
_SAFE_NAME = re.compile(r"[A-Za-z0-9._@+-]")
_URL_SHAPE = "smtp://[user:password@]host[:port][?starttls=true] or smtps://[user:password@]host[:port]"


class DeliveryReceipt(BaseModel):
    """What happened to one notice; `duplicate` means an earlier attempt had already delivered it."""

    model_config = ConfigDict(frozen=True)

    message_id: str
    transport: Literal["smtp", "file"]
    path: str | None = None
    duplicate: bool = False


class UndeliverableNotice(ValueError):
    """The notice can never be delivered (an address the parser rejects, a permanent 5xx rejection, or it has
    failed for longer than GOVERN_NOTICE_GIVE_UP_HOURS); retrying is futile."""


class MailNotSent(RuntimeError):
    """The SMTP server could not be reached or did not accept the message; a later retry may succeed."""


@dataclass(frozen=True)
class SmtpTarget:
    """A parsed `GOVERN_SMTP_URL`. The password is kept out of `repr` so it cannot reach a log by accident."""

    hostname: str
    port: int
    use_tls: bool
    start_tls: bool | None
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def describe(self) -> str:
        """The URL without the password, for log lines and error messages."""
        scheme = "smtps" if self.use_tls else "smtp"
        user = f"{self.username}@" if self.username else ""
        host = f"[{self.hostname}]" if ":" in self.hostname else self.hostname
        query = "" if self.start_tls is None else f"?starttls={str(self.start_tls).lower()}"
        return f"{scheme}://{user}{host}:{self.port}{query}"


def _bad_url(reason: str) -> ValueError:
    # The URL itself is never echoed: it may carry a password.
    return ValueError(f"GOVERN_SMTP_URL is not a valid SMTP URL ({reason}); expected {_URL_SHAPE}.")


def parse_smtp_url(url: str) -> SmtpTarget:
    """Parse `smtp://` or `smtps://` (implicit TLS), with optional credentials and `?starttls=true|false`.

    Without `starttls`, aiosmtplib upgrades when the server offers STARTTLS; `true` requires it, `false`
    forbids it (e.g. a local relay with a certificate nobody can verify). The port defaults to 465 for
    `smtps`, 587 with `starttls=true`, and 25 otherwise.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps"):
        raise _bad_url(f"the scheme must be smtp or smtps, not {scheme or 'missing'!r}")
    if not parts.hostname:
        raise _bad_url("it names no host")
    try:
        explicit_port = parts.port
    except ValueError:
        raise _bad_url("the port must be a number between 1 and 65535") from None
    if parts.path not in ("", "/") or parts.fragment:
        raise _bad_url("it must not have a path or a fragment")
    start_tls: bool | None = None
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key.lower() != "starttls":
            raise _bad_url(f"the only option is starttls, not {key!r}")
        if value.lower() not in _BOOLEANS:
            raise _bad_url("starttls must be true or false")
        start_tls = _BOOLEANS[value.lower()]
    if scheme == "smtps" and start_tls:
        raise _bad_url("smtps already uses TLS from the first byte, so it cannot also ask for starttls")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if (username is None) != (password is None):
        raise _bad_url("credentials need both a user name and a password")
    port = explicit_port or _DEFAULT_PORTS[(scheme, bool(start_tls))]
    if not 0 < port < 65536:
        raise _bad_url("the port must be a number between 1 and 65535")
    return SmtpTarget(
        hostname=parts.hostname,
        port=port,
        use_tls=scheme == "smtps",
        start_tls=False if scheme == "smtps" else start_tls,
        username=username,
        password=password,
    )


def safe_file_name(text: str) -> str:
    """A file name derived from `text` alone: readable when `text` is already safe, unique when it is not.

    Used for Message-IDs and person ids, which become file and folder names. Anything that could climb out of
    the mail directory, hide the file, or collide after rewriting gets a short hash of the original appended.
    """
    safe = "".join(char if _SAFE_NAME.fullmatch(char) else "_" for char in text)
    if safe.startswith("."):
        safe = "_" + safe[1:]
    if safe != text or not safe or len(safe) > 150:
        safe = f"{safe[:150]}-{hashlib.sha256(text.encode()).hexdigest()[:16]}"
    return safe


def _message_file_stem(message_id: str) -> str:
    return safe_file_name(message_id.strip().removeprefix("<").removesuffix(">"))


# Parsing a header is most of composing a message, and the sender, the recipients, the cases and the kinds
# repeat from one notice to the next: each is parsed once, as `message[name] = value` would parse it, and the
# (immutable) header object is set instead, which the message then takes as it is. What cannot be parsed
# raises as it would there, and is not remembered.
@lru_cache(maxsize=4096)
def _parsed_header(name: str, value: str) -> BaseHeader:
    return cast(BaseHeader, email.policy.default.header_factory(name, value))


@lru_cache(maxsize=4096)
def _recipient_header(display_name: str, addr_spec: str) -> BaseHeader:
    address = Address(display_name=display_name, addr_spec=addr_spec)
    return cast(BaseHeader, email.policy.default.header_factory("To", address))


def _fsync_directory(directory: Path) -> None:
    # A rename is durable only once its directory is flushed; some platforms cannot open a directory.
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


class MailDelivery:
    """Sends notices by SMTP, or files them under `<mail_dir>/<person>/` when no SMTP URL is configured.

    The URL is parsed once here, so a bad `GOVERN_SMTP_URL` stops the worker at start-up instead of failing
    every reminder later. `tls_context` lets a deployment (or a test) trust a private certificate authority.
    `public_url` (GOVERN_PUBLIC_URL) goes in front of each notice's page, so the mail links to its task; it is
    the delivery's, not the notice's, so a notice decided in a workflow does not depend on where it is read.
    """

    def __init__(
        self,
        smtp_url: str | None,
        mail_dir: Path,
        mail_from: str,
        *,
        timeout: float = 30.0,
        tls_context: ssl.SSLContext | None = None,
        public_url: str | None = None,
    ) -> None:
        self._smtp = parse_smtp_url(smtp_url) if smtp_url and smtp_url.strip() else None
        self._mail_dir = Path(mail_dir)
        sender = parseaddr(mail_from)[1]
        if "@" not in sender or "\n" in mail_from or "\r" in mail_from:
            raise ValueError(f"GOVERN_MAIL_FROM must be an address like govern@example.org, not {mail_from!r}.")
        self._mail_from = mail_from
        self._sender = sender
        self._timeout = timeout
        self._tls_context = tls_context
        self._public_url = public_url.rstrip("/") if public_url else None

    @property
    def transport(self) -> Literal["smtp", "file"]:
        return "file" if self._smtp is None else "smtp"

    @property
    def mail_dir(self) -> Path:
        return self._mail_dir

    def __repr__(self) -> str:
        where = self._smtp.describe() if self._smtp else str(self._mail_dir)
        return f"MailDelivery({self.transport} {where})"

    def compose(self, notice: Notice, sent_at: datetime) -> EmailMessage:
        """The message as it is sent or filed; the same notice and instant always give the same bytes."""
        text = render_text(notice, self._public_url)
        message = EmailMessage()
        try:
            message["From"] = _parsed_header("From", self._mail_from)
            message["To"] = _recipient_header(notice.recipient_name, notice.recipient_email)
            message["Subject"] = notice.subject
            message["Date"] = format_datetime(sent_at.astimezone(UTC))
            message["Message-ID"] = notice.message_id
            message["X-Govern-Case"] = _parsed_header("X-Govern-Case", notice.case_id)
            if notice.task_id is not None:
                message["X-Govern-Task"] = notice.task_id
            message["X-Govern-Kind"] = _parsed_header("X-Govern-Kind", notice.kind)
            # RFC 3834: tells vacation responders not to answer a machine.
            message["Auto-Submitted"] = _parsed_header("Auto-Submitted", "auto-generated")
        except (ValueError, IndexError, HeaderParseError) as error:
            raise UndeliverableNotice(f"Notice {notice.message_id} cannot become an e-mail: {error}") from error
        # 7bit keeps the text readable and the `govern act` line copyable. Non-ASCII text (a name like Nguyễn)
        # stays raw UTF-8 in a file a person opens, and becomes quoted-printable on the wire, where a relay
        # without 8BITMIME could otherwise mangle it.
        if text.isascii() and max(len(line) for line in text.splitlines()) <= 998:
            encoding = "7bit"
        else:
            encoding = "8bit" if self._smtp is None else "quoted-printable"
        message.set_content(text, cte=encoding)
        return message

    async def deliver(self, notice: Notice, *, sent_at: datetime | None = None) -> DeliveryReceipt:
        """Deliver `notice` once, however often it is called.

        `sent_at` becomes the Date header; the activity passes the instant Temporal first scheduled it, so a
        retry produces the identical message. Raises `MailNotSent` when SMTP fails (retry later) and
        `UndeliverableNotice` when no retry can help.
        """
        message = self.compose(notice, sent_at or datetime.now(UTC))
        if self._smtp is None:
            return await asyncio.to_thread(self._write_file, notice, message)
        return await self._send(self._smtp, notice, message)

    def _write_file(self, notice: Notice, message: EmailMessage) -> DeliveryReceipt:
        folder = self._mail_dir / safe_file_name(notice.recipient_id)
        path = folder / f"{_message_file_stem(notice.message_id)}.eml"
        if path.exists():
            return DeliveryReceipt(message_id=notice.message_id, transport="file", path=str(path), duplicate=True)
        folder.mkdir(parents=True, exist_ok=True)
        # Written beside the target and renamed, so nobody reads half a message; the dot hides it from *.eml.
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(message.as_bytes())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _fsync_directory(folder)
        return DeliveryReceipt(message_id=notice.message_id, transport="file", path=str(path))

    def _ledger_marker(self, notice: Notice) -> Path:
        return self._mail_dir / SENT_LEDGER / _message_file_stem(notice.message_id)

    def _mark_sent(self, marker: Path) -> None:
        marker.parent.mkdir(parents=True, exist_ok=True)
        with open(marker, "ab") as handle:
            os.fsync(handle.fileno())
        _fsync_directory(marker.parent)

    def _refused(
        self, target: SmtpTarget, notice: Notice, codes: list[int], reply: str, cause: BaseException | None
    ) -> NoReturn:
        """A 5xx reply about this recipient or this message is the server's final word (an unknown mailbox, a
        content rejection): no retry will change it, so the notice is undeliverable at once. Anything else may
        pass on a later attempt."""
        if codes and all(code >= 500 for code in codes):
            raise UndeliverableNotice(
                f"The SMTP server {target.describe()} permanently rejected {notice.message_id} for "
                f"{notice.recipient_email}: {reply}"
            ) from cause
        raise MailNotSent(f"The SMTP server {target.describe()} refused {notice.message_id}: {reply}") from cause

    async def _send(self, target: SmtpTarget, notice: Notice, message: EmailMessage) -> DeliveryReceipt:
        marker = self._ledger_marker(notice)
        if await asyncio.to_thread(marker.exists):
            return DeliveryReceipt(message_id=notice.message_id, transport="smtp", duplicate=True)
        try:
            refused, _ = await aiosmtplib.send(
                message,
                sender=self._sender,
                recipients=[notice.recipient_email],
                hostname=target.hostname,
                port=target.port,
                username=target.username,
                password=target.password,
                use_tls=target.use_tls,
                start_tls=target.start_tls,
                timeout=self._timeout,
                tls_context=self._tls_context,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [recipient.code for recipient in error.recipients]
            reply = "; ".join(f"{recipient.code} {recipient.message}" for recipient in error.recipients)
            self._refused(target, notice, codes, reply, error)
        except aiosmtplib.SMTPDataError as error:
            # The server refused this message's content: a 5xx here is about the notice, not the installation.
            self._refused(target, notice, [error.code], f"{error.code} {error.message}", error)
        except (aiosmtplib.SMTPException, OSError) as error:
            # Authentication, STARTTLS or sender refusals are the installation's to fix, for every message alike:
            # those are retried (up to GOVERN_NOTICE_GIVE_UP_HOURS) rather than given up one notice at a time.
            raise MailNotSent(
                f"The SMTP server {target.describe()} did not accept {notice.message_id}: {error}"
            ) from error
        if refused:
            reply = "; ".join(f"{response.code} {response.message}" for response in refused.values())
            self._refused(target, notice, [response.code for response in refused.values()], reply, None)
        await asyncio.to_thread(self._mark_sent, marker)
        return DeliveryReceipt(message_id=notice.message_id, transport="smtp")
