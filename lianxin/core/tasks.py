"""Delivery of queued notifications, sealing of the audit log, purge of rate counters."""

import logging
import time
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .audit import audit_seal
from .models import Notification
from .queue import enqueue, in_turns
from .ratelimit import purge_expired
from .sms import get_sms_backend

log = logging.getLogger("lianxin.notify")
MAX_ATTEMPTS = 5
# A failed attempt is tried again after this long, times the attempts so far.
RETRY_AFTER = timedelta(minutes=2)
INLINE_SECONDS = 2.0
# Notifications taken up between two pauses (queue.in_turns): each delivery writes twice.
NOTIFY_CHUNK = 10


def _claim(notification_id: int) -> Notification | None:
    """Take a pending notification for one delivery attempt. The claim is a lease (claimed_until)
    so that a second worker leaves it alone while the first talks to the gateway, and a worker
    that died mid-send does not keep it forever; the row is locked only for this short write."""
    now = timezone.now()
    with transaction.atomic():
        n = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if n is None or n.status != Notification.Status.PENDING:
            return None
        if n.claimed_until and n.claimed_until > now:
            return None
        n.attempts += 1
        n.claimed_until = now + timedelta(seconds=2 * settings.EMAIL_TIMEOUT + 30)
        n.save(update_fields=["attempts", "claimed_until"])
    return n


@shared_task
def deliver_notification(notification_id: int) -> str:
    # The network call happens outside any transaction: a slow mail server or SMS gateway must
    # not hold a database lock (on SQLite, the whole database's write lock).
    n = _claim(notification_id)
    if n is None:
        return "skipped"
    try:
        if n.channel == Notification.Channel.EMAIL:
            send_mail(n.subject, n.body, settings.DEFAULT_FROM_EMAIL, [n.address])
        elif n.channel == Notification.Channel.SMS:
            get_sms_backend().send(n.address, f"{n.subject} {n.body}")
    except Exception:  # noqa: BLE001 - any gateway failure is retried later, never lost
        log.exception("notification %s failed", n.pk)
        status = (
            Notification.Status.FAILED
            if n.attempts >= MAX_ATTEMPTS
            else Notification.Status.PENDING
        )
        # The lease becomes the wait before the next attempt: the sweeper leaves it alone.
        Notification.objects.filter(pk=n.pk).update(
            status=status,
            claimed_until=timezone.now() + RETRY_AFTER * n.attempts
            if status == "pending"
            else None,
            **_forgotten(n, done=status != "pending"),
        )
        return "failed"
    Notification.objects.filter(pk=n.pk).update(
        status=Notification.Status.SENT,
        sent_at=timezone.now(),
        claimed_until=None,
        **_forgotten(n, done=True),
    )
    return "sent"


def _forgotten(n: Notification, *, done: bool) -> dict[str, Any]:
    """A one-time secret's message, once it is delivered (or never will be): its text and
    address erased."""
    return {"body": "", "address": ""} if done and n.forget_after_send else {}


@shared_task
def retry_pending_notifications() -> int:
    """The notifications not yet sent and not held by an attempt (or a failed one's wait):
    queued to a worker, or, without a broker (this runs in `run_schedule` then), delivered
    here, for at most INLINE_SECONDS a pass so the other sweepers are not held up by a slow
    gateway. Returns how many were taken up."""
    now = timezone.now()
    ids = list(
        Notification.objects.filter(status=Notification.Status.PENDING)
        .exclude(claimed_until__gt=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    stop, taken = time.monotonic() + INLINE_SECONDS, 0
    for chunk in in_turns(ids, NOTIFY_CHUNK):
        for pk in chunk:
            taken += 1
            if not enqueue(deliver_notification, pk):
                deliver_notification(pk)
                if time.monotonic() > stop:
                    return taken
    return taken


@shared_task
def purge_rate_counters() -> int:
    """Expired attempt counters (core.ratelimit) are of no use: drop them."""
    return purge_expired()


@shared_task
def purge_signin_codes() -> int:
    """SMS sign-in codes used or expired (core.citizens) are not kept."""
    from .citizens import purge_signin_codes as purge

    return purge()


@shared_task
def seal_audit_log() -> int:
    """Chain the audit events written since the last run (core.audit.audit_seal)."""
    return audit_seal()
