"""API throttles whose rates are settings, counted by core.ratelimit."""

from typing import Any

from django.conf import settings
from rest_framework import throttling
from rest_framework.request import Request

from lianxin.core.ratelimit import address_tag, client_address, count_hit, parse_rate


class SettingRateThrottle(throttling.BaseThrottle):
    """Per-address throttle whose rate is a setting; `off` disables it (load tests). Counted
    by core.ratelimit (atomic, fixed window), not DRF's read-then-write cache history."""

    scope = ""
    setting = ""
    window: int | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        parsed = parse_rate(getattr(settings, self.setting))  # every such setting is defined
        if parsed is None:
            return True
        limit, self.window = parsed
        name = f"throttle:{self.scope}:{address_tag(client_address(request))}"
        return count_hit(name, self.window) <= limit

    def wait(self) -> int | None:
        return self.window


class PublicSubmitThrottle(SettingRateThrottle):
    """The public intake of appeals."""

    scope = "public_submit"
    setting = "PUBLIC_SUBMIT_RATE"


class TrackThrottle(SettingRateThrottle):
    """Citizens tracking, rating and withdrawing their appeals with a query code."""

    scope = "track"
    setting = "TRACK_RATE"
