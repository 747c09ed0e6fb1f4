"""API authentication: tokens that expire API_TOKEN_TTL_HOURS after issue. (A module of its
own: DRF imports authentication classes while its views module is still loading.)"""

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

if TYPE_CHECKING:
    from rest_framework.authtoken.models import Token


def token_expired(token: "Token") -> bool:
    expired: bool = token.created <= timezone.now() - timedelta(hours=settings.API_TOKEN_TTL_HOURS)
    return expired


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, "Token"]:
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise exceptions.AuthenticationFailed(_("The token has expired; ask for a new one."))
        return user, token
