"""Queue notifications (email, SMS, in-app). They are sent only after the transaction commits."""

from collections.abc import Iterable
from typing import Any

from . import clock
from .models import Notification
from .queue import enqueue
from .rows import insert_rows, on_commit


def notification_send(
    *,
    channel: str,
    subject: str,
    body: str,
    recipient: Any = None,
    address: str = "",
    link: str = "",
    forget_after_send: bool = False,
) -> Notification | None:
    notification = _notification(
        channel=channel,
        subject=subject,
        body=body,
        recipient=recipient,
        address=address,
        link=link,
        forget_after_send=forget_after_send,
    )
    if notification is None:
        return None
    notification.save(force_insert=True)
    _deliver_after_commit([notification])
    return notification


def _notification(**fields: Any) -> Notification | None:
    """The message of notification_send's arguments, not yet saved; None when its channel has
    nowhere to send it."""
    channel, recipient = fields["channel"], fields.get("recipient")
    address = fields.pop("address", "") or (
        recipient.email if recipient and channel == Notification.Channel.EMAIL else ""
    )
    if channel in (Notification.Channel.EMAIL, Notification.Channel.SMS) and not address:
        return None
    status = Notification.Status.PENDING
    if channel == Notification.Channel.INAPP:
        status = Notification.Status.SENT
    elif clock.replaying():  # replaying history (demo, import): record, never send
        status = Notification.Status.NOT_SENT
    fields["subject"] = fields["subject"][:200]
    return Notification(**fields, address=address, status=status)


def _deliver_after_commit(notifications: Iterable[Notification]) -> None:
    pending = [n for n in notifications if n.status == Notification.Status.PENDING]
    if pending:
        from .tasks import deliver_notification

        # Their ids read after commit: rows held (core.rows.writes_held) get them when written.
        on_commit(lambda: [enqueue(deliver_notification, n.pk) for n in pending])


def notify_people(users: Iterable[Any], *, subject: str, body: str, link: str = "") -> None:
    """In-app and email to each official in `users`, in one INSERT (core.rows.insert_rows):
    the routing sweeper notifies a unit's handlers for every appeal it dispatches."""
    built = [
        _notification(channel=channel, recipient=user, subject=subject, body=body, link=link)
        for user in users
        for channel in (Notification.Channel.INAPP, Notification.Channel.EMAIL)
    ]
    notifications = [n for n in built if n is not None]
    insert_rows(notifications)
    _deliver_after_commit(notifications)


def notifications_forget_addresses(addresses: Iterable[str]) -> int:
    """Erase these phone numbers and email addresses from the messages kept (a citizen's
    account deleted, PIPL): the record that a message went stays, not to whom."""
    wanted = {a for a in addresses if a}
    if not wanted:
        return 0
    return Notification.objects.filter(address__in=wanted).update(address="")
