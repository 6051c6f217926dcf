"""A notice: one message to one person, decided by the domain.

The decider settles who is told what and when; the mail activity only carries the notice. Keeping the wording
here (`render_text`) means the same text appears in a simulation, a test and a real inbox, and that a workflow
replay decides exactly the same message. Nothing in this module performs I/O beyond reading the time-zone
database through `zoneinfo`, which is deterministic for a given tzdata.
"""

import hashlib
import re
from datetime import UTC, datetime
from email.headerregistry import Address
from typing import Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain.clock_text import format_wall_clock

NoticeKind = Literal[
    "task_opened",
    "reminder",
    "escalation",
    "deadline_extended",
    "task_reassigned",
    "decision",
    "information",
]

MESSAGE_ID_DOMAIN = "govern"

# A Message-ID is also the idempotency key on disk, so it is kept to one unambiguous, header-safe shape.
_MESSAGE_ID = re.compile(r"<[^<>@\s]+@[^<>@\s]+>")


def case_path(case_id: str) -> str:
    """The web page of a case, e.g. `/cases/grant/2027-014/board/1`. Mail links and the web routes both use it,
    so they cannot disagree. Case ids keep their slashes; anything else unsafe in a URL path is escaped."""
    return f"/cases/{quote(case_id, safe='/')}"


def task_path(case_id: str, task_id: str) -> str:
    """The web page of one step of a case and its form, e.g. `/cases/grant/2027-014/tasks/screening`. Task ids
    may hold a slash too (`vote/board-chair`); no case id holds a `tasks` part, so the split is unambiguous."""
    return f"{case_path(case_id)}/tasks/{quote(task_id, safe='/')}"


def message_id_for(event_id: str, recipient_id: str) -> str:
    """The RFC 5322 Message-ID of the notice that `event_id` causes for `recipient_id`.

    Derived, never random, so a retried activity or a replayed workflow produces the same id, and the mail
    ledger can recognise a message it already sent. A NUL separates the parts so that ("ab", "c") and
    ("a", "bc") cannot collide.
    """
    digest = hashlib.sha256(f"{event_id}\x00{recipient_id}".encode()).hexdigest()
    return f"<{digest[:32]}@{MESSAGE_ID_DOMAIN}>"


class Notice(BaseModel):
    """One message to one person. Frozen, because a retry must send what was first decided."""

    model_config = ConfigDict(frozen=True)

    message_id: str = Field(description="Deterministic RFC 5322 Message-ID, see `message_id_for`.")
    case_id: str = Field(description="The governance case, e.g. 'grant/2027-014'.")
    task_id: str | None = Field(default=None, description="The task within the case, e.g. 'screen'.")
    kind: NoticeKind
    recipient_id: str = Field(description="Person id from the organisation file.")
    recipient_name: str
    recipient_email: str
    recipient_time_zone: str = Field(description="IANA zone, e.g. 'Asia/Ho_Chi_Minh'.")
    subject: str
    due_at: datetime | None = Field(default=None, description="UTC instant recorded when the task opened.")
    task_title: str | None = None
    how_to_act: str | None = Field(
        default=None, description="Notices decided before the action catalogue: the one command line they carried."
    )
    how_to_act_lines: list[str] = Field(
        default_factory=list,
        description="Every `govern act` line open to the recipient on this step, each of which runs as written.",
    )
    document_lines: list[str] = Field(
        default_factory=list,
        description="Lines that need a document: they run once PATH is replaced by the file's path.",
    )
    link_path: str | None = Field(
        default=None, description="The page to open (see `task_path`); the mail adds GOVERN_PUBLIC_URL in front."
    )
    silence: str | None = Field(default=None, description="Board notices: what not responding means.")
    body_lines: list[str] = Field(default_factory=list)
    issued_at: datetime | None = Field(
        default=None, description="When the event that causes it occurred (case time); the message's Date."
    )
    fallback_for: str | None = Field(
        default=None,
        description="Set on the message that tells someone else that this Message-ID could not be delivered.",
    )

    @field_validator("message_id")
    @classmethod
    def _message_id_shape(cls, value: str) -> str:
        if not _MESSAGE_ID.fullmatch(value):
            raise ValueError(f"message_id must look like <id@domain>, got {value!r}")
        return value

    @field_validator("recipient_email")
    @classmethod
    def _email_shape(cls, value: str) -> str:
        # Checked with the same parser the mail activity uses, so a valid notice is a sendable one.
        try:
            address = Address(addr_spec=value)
        except (ValueError, IndexError):
            address = None
        if address is None or not address.username or not address.domain or "\n" in value or "\r" in value:
            raise ValueError(f"recipient_email must be a bare address like name@example.org, got {value!r}")
        return value

    @field_validator("case_id", "task_id", "recipient_id", "recipient_name", "subject", "task_title", "link_path")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        # These end up in mail headers; a line break there would let a value forge extra headers.
        if value is not None and ("\n" in value or "\r" in value):
            raise ValueError("must be a single line")
        return value

    @field_validator("recipient_time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}, use an IANA name such as 'Europe/Brussels'") from None
        return value

    @field_validator("due_at", "issued_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("due_at must carry a time zone (UTC)")
        return value.astimezone(UTC)


def format_local(instant: datetime, time_zone: str) -> str:
    """'Friday 12 March 2027, 17:00 (Europe/Brussels)': the instant as the recipient reads it on their clock."""
    return format_wall_clock(instant.astimezone(ZoneInfo(time_zone)), time_zone)


def render_text(notice: Notice, public_url: str | None = None) -> str:
    """The plain-text body: what this is about, the case, the task, the local due date, the page to open (when
    the installation's public address is known), what silence means, and how to act."""
    lines = [f"Dear {notice.recipient_name},", ""]
    lines.extend(notice.body_lines or [notice.subject])
    lines.append("")
    lines.append(f"Case: {notice.case_id}")
    if notice.task_title and notice.task_id:
        lines.append(f"Task: {notice.task_title} ({notice.task_id})")
    elif notice.task_title or notice.task_id:
        lines.append(f"Task: {notice.task_title or notice.task_id}")
    if notice.due_at is not None:
        lines.append(f"Due: {format_local(notice.due_at, notice.recipient_time_zone)}")
    if public_url and notice.link_path:
        lines.append(f"Open: {public_url.rstrip('/')}{notice.link_path}")
    if notice.silence:
        lines.extend(["", f"If you do not respond: {notice.silence}"])
    if notice.how_to_act_lines:
        lines.extend(["", HOW_TO_ACT_HEADING])
        lines.extend(f"    {line}" for line in notice.how_to_act_lines)
    elif notice.how_to_act:
        lines.extend(["", "How to act:", f"    {notice.how_to_act}"])
    if notice.document_lines:
        lines.extend(["", DOCUMENT_HEADING])
        lines.extend(f"    {line}" for line in notice.document_lines)
    lines.extend(["", "-- ", f"Sent by govern. Reference: {notice.message_id}"])
    return "\n".join(lines) + "\n"


#: The headings above the command lines in a mail body; tests and readers find the lines under them.
HOW_TO_ACT_HEADING = 'How to act (each line runs as written; put your own words in place of "..."):'
DOCUMENT_HEADING = "With a document (put the path of your file in place of PATH):"
