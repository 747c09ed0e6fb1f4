"""Queue notifications (email, SMS, in-app). They are sent only after the transaction commits."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from . import clock
from .models import Notification
from .queue import enqueue


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
    if channel == Notification.Channel.EMAIL and not (address or getattr(recipient, "email", "")):
        return None
    if channel == Notification.Channel.SMS and not address:
        return None
    status = Notification.Status.PENDING
    if channel == Notification.Channel.INAPP:
        status = Notification.Status.SENT
    elif clock.replaying():  # replaying history (demo, import): record, never send
        status = Notification.Status.NOT_SENT
    notification = Notification.objects.create(
        channel=channel,
        recipient=recipient,
        address=address or (recipient.email if recipient and channel == "email" else ""),
        subject=subject[:200],
        body=body,
        link=link,
        status=status,
        forget_after_send=forget_after_send,
    )
    if status == Notification.Status.PENDING:
        from .tasks import deliver_notification

        transaction.on_commit(lambda: enqueue(deliver_notification, notification.pk))
    return notification


def notify_people(users: Iterable[Any], *, subject: str, body: str, link: str = "") -> None:
    """In-app and email to each official in `users`."""
    for user in users:
        notification_send(channel="inapp", recipient=user, subject=subject, body=body, link=link)
        notification_send(channel="email", recipient=user, subject=subject, body=body, link=link)


def notifications_forget_addresses(addresses: Iterable[str]) -> int:
    """Erase these phone numbers and email addresses from the messages kept (a citizen's
    account deleted, PIPL): the record that a message went stays, not to whom."""
    wanted = {a for a in addresses if a}
    if not wanted:
        return 0
    return Notification.objects.filter(address__in=wanted).update(address="")
