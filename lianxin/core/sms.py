"""SMS backends. The default logs instead of sending; production plugs in its gateway's class."""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from .masking import mask_phone

log = logging.getLogger("lianxin.sms")


class LoggingSmsBackend:
    def send(self, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", mask_phone(phone), text)


def get_sms_backend():
    return import_string(settings.SMS_BACKEND)()
