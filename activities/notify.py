"""The `send_notice` activity: the one door through which a workflow tells a person something.

Workflows decide the `Notice`; this activity only delivers it, so a retry (Temporal's default policy retries
forever, with backoff) can repeat it safely: `MailDelivery` recognises a message it already delivered by its
Message-ID. Logs carry identifiers (and, on failure, the server's reply), never the body: the body may hold
case details that belong in the audit store, not in log aggregation.
"""

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.mail import DeliveryReceipt, MailDelivery, MailNotSent, UndeliverableNotice
from domain.notice import Notice

_log = structlog.get_logger("govern.notify")


class NotifyActivities:
    """Holds the configured `MailDelivery`; the worker registers `NotifyActivities(delivery).send_notice`."""

    def __init__(self, delivery: MailDelivery) -> None:
        self._delivery = delivery

    @activity.defn(name="send_notice")
    async def send_notice(self, notice: Notice) -> DeliveryReceipt:
        """Deliver one notice; a notice that no retry can deliver fails without retrying."""
        info = activity.info()
        log = _log.bind(
            message_id=notice.message_id,
            recipient_id=notice.recipient_id,
            kind=notice.kind,
            case_id=notice.case_id,
            attempt=info.attempt,
        )
        try:
            # The first scheduling instant is workflow time (simulated under time-skipping) and the same on
            # every retry, so the Date header, and with it the whole message, stays the same between attempts.
            receipt = await self._delivery.deliver(notice, sent_at=notice.issued_at or info.scheduled_time)
        except UndeliverableNotice as error:
            log.error("notice_undeliverable", error=str(error))
            raise ApplicationError(str(error), type="UndeliverableNotice", non_retryable=True) from error
        except MailNotSent as error:
            log.warning("notice_not_sent_will_retry", error=str(error))
            raise
        log.info(
            "notice_already_delivered" if receipt.duplicate else "notice_delivered",
            transport=receipt.transport,
        )
        return receipt
