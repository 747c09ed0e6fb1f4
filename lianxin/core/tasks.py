"""Delivery of queued notifications."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import Notification
from .sms import get_sms_backend

log = logging.getLogger("lianxin.notify")
MAX_ATTEMPTS = 5


@shared_task
def deliver_notification(notification_id: int) -> str:
    with transaction.atomic():
        n = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if n is None or n.status != Notification.Status.PENDING:
            return "skipped"
        n.attempts += 1
        try:
            if n.channel == Notification.Channel.EMAIL:
                send_mail(n.subject, n.body, settings.DEFAULT_FROM_EMAIL, [n.address])
            elif n.channel == Notification.Channel.SMS:
                get_sms_backend().send(n.address, f"{n.subject} {n.body}")
        except Exception:  # noqa: BLE001 - any gateway failure is retried later, never lost
            log.exception("notification %s failed", n.pk)
            if n.attempts >= MAX_ATTEMPTS:
                n.status = Notification.Status.FAILED
            n.save(update_fields=["attempts", "status"])
            return "failed"
        n.status = Notification.Status.SENT
        n.sent_at = timezone.now()
        n.save(update_fields=["attempts", "status", "sent_at"])
        return "sent"


@shared_task
def retry_pending_notifications() -> int:
    ids = list(
        Notification.objects.filter(status=Notification.Status.PENDING).values_list("pk", flat=True)[:500]
    )
    for pk in ids:
        deliver_notification.delay(pk)
    return len(ids)
