"""SMS backends. The default logs instead of sending; production plugs in its gateway's class."""

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from .masking import mask_phone

log = logging.getLogger("lianxin.sms")


class LoggingSmsBackend:
    """No gateway configured: log that a message would go out, with the number masked and the
    text only when SMS_LOG_TEXT is set (a developer's machine): texts carry one-time codes."""

    def send(self, phone: str, text: str) -> None:
        if settings.SMS_LOG_TEXT:
            log.info("SMS to %s: %s", mask_phone(phone), text)
        else:
            log.info("SMS to %s (%d characters, text not logged)", mask_phone(phone), len(text))


# What MemorySmsBackend "sent": (number, text) pairs, like Django's locmem mail outbox. For
# tests and demonstrations in one process only; never a production backend.
outbox: list[tuple[str, str]] = []


class MemorySmsBackend:
    """Keeps the messages in `outbox` (this process's memory) instead of sending them."""

    def send(self, phone: str, text: str) -> None:
        outbox.append((phone, text))


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


def get_sms_backend() -> SmsBackend:
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    return backend
