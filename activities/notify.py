"""The `send_notice` activity: the one door through which a workflow tells a person something.

Workflows decide the `Notice`; this activity only delivers it, so a retry (Temporal's default policy retries
forever, with backoff) can repeat it safely: `MailDelivery` recognises a message it already delivered by its
Message-ID. Logs carry identifiers (and, on failure, the server's reply), never the body: the body may hold
case details that belong in the audit store, not in log aggregation.
"""

from datetime import timedelta

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.mail import DeliveryReceipt, MailDelivery, MailNotSent, UndeliverableNotice
from domain.notice import Notice

_log = structlog.get_logger("govern.notify")


#: How long a notice keeps being retried before it is declared undeliverable (GOVERN_NOTICE_GIVE_UP_HOURS).
DEFAULT_GIVE_UP = timedelta(hours=72)


class NotifyActivities:
    """Holds the configured `MailDelivery`; the worker registers `NotifyActivities(delivery).send_notice`."""

    def __init__(self, delivery: MailDelivery, give_up_after: timedelta = DEFAULT_GIVE_UP) -> None:
        self._delivery = delivery
        self._give_up_after = give_up_after

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
            # Both instants are the server's clock (simulated under time-skipping), the first fixed at scheduling.
            failing_for = info.current_attempt_scheduled_time - info.scheduled_time
            if failing_for >= self._give_up_after:
                hours = self._give_up_after.total_seconds() / 3600
                log.error("notice_undeliverable", error=str(error), failing_for_hours=round(hours, 1))
                raise ApplicationError(
                    f"Notice {notice.message_id} to {notice.recipient_id} could not be delivered for {hours:g} hours "
                    f"(GOVERN_NOTICE_GIVE_UP_HOURS); the last attempt failed: {error}",
                    type="UndeliverableNotice",
                    non_retryable=True,
                ) from error
            log.warning("notice_not_sent_will_retry", error=str(error))
            raise
        log.info(
            "notice_already_delivered" if receipt.duplicate else "notice_delivered",
            transport=receipt.transport,
        )
        return receipt
