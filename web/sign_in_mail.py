"""The e-mail that carries a sign-in link. It goes the way every notice goes (`activities.mail.MailDelivery`):
by SMTP when GOVERN_SMTP_URL is set, else as an `.eml` under `<data dir>/mail/<person>/`."""

from datetime import datetime

from activities.mail import MailDelivery
from domain.notice import Notice, format_local, message_id_for
from domain.organisation import Person
from web.sign_in_links import LINK_LIFETIME

SIGN_IN_CASE = "sign-in"


def sign_in_notice(person: Person, link: str, token_digest: str, now: datetime) -> Notice:
    expires = format_local(now + LINK_LIFETIME, person.time_zone)
    return Notice(
        message_id=message_id_for(f"sign-in-{token_digest}", person.id),
        case_id=SIGN_IN_CASE,
        kind="information",
        recipient_id=person.id,
        recipient_name=person.name,
        recipient_email=person.email,
        recipient_time_zone=person.time_zone,
        subject="Your govern sign-in link",
        body_lines=[
            "You asked to sign in to govern. Open this link in the same browser:",
            "",
            f"    {link}",
            "",
            f"It works once, until {expires}.",
            "If you did not ask for it, ignore this message: nobody can use it from another browser.",
        ],
        issued_at=now,
    )


async def send_sign_in_link(delivery: MailDelivery, notice: Notice) -> None:
    await delivery.deliver(notice, sent_at=notice.issued_at)
