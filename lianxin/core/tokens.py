"""API tokens that expire (API_TOKEN_TTL_HOURS after issue) and can be revoked by their holder
(DELETE /api/v1/auth/token/) or an administrator (deleting it in the admin). Someone whose role
needs the second factor (core.two_factor) gives the code of their authenticator app too (`otp`),
as on the sign-in page."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .authentication import token_expired
from .errors import InvalidInput, PermissionDenied, RateLimited
from .parsers import JSONParser
from .signin import signin_locked
from .two_factor import check_code, code_wait, confirmed_device, locked_message, two_factor_required

TOKEN_RESPONSE = inline_serializer(
    "Token", {"token": serializers.CharField(), "expires": serializers.DateTimeField()}
)


class TokenRequestSerializer(AuthTokenSerializer):
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        trim_whitespace=True,
        help_text="The six-digit code of the authenticator app: required for roles that need "
        "the second factor (LIANXIN_TWO_FACTOR_ROLES).",
    )


def _second_factor(user: Any, code: str) -> None:
    """Refuse the token unless `code` is the right one, for someone who needs the second factor."""
    if not two_factor_required(user):
        return
    device = confirmed_device(user)
    if device is None:
        raise PermissionDenied(
            _(
                "Your role requires a second factor: sign in on the website once to set up your "
                "authenticator app, then ask for a token again."
            ),
            code="otp_not_set_up",
        )
    if not code:
        raise InvalidInput(
            _("Your role requires the six-digit code of your authenticator app (field otp)."),
            code="otp_required",
        )
    wait = code_wait(user)
    if wait:
        raise RateLimited(locked_message(wait))
    if not check_code(device, code):
        wait = code_wait(user)
        if wait:
            raise RateLimited(locked_message(wait))
        raise InvalidInput(
            _(
                "The code of the authenticator app is not right (or was already "
                "used); enter the one it shows now."
            ),
            code="otp_invalid",
        )


class TokenView(APIView):
    permission_classes = [AllowAny]
    api_errors = {"POST": (429,)}  # too many failed sign-ins (core.signin)
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_permissions(self) -> list[Any]:
        return [IsAuthenticated()] if self.request.method == "DELETE" else [AllowAny()]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TOKEN_RESPONSE},
        summary="Get an API token (username and password, and the authenticator "
        "app's code where the role needs it)",
    )
    def post(self, request: Request) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        if signin_locked(str(data.get("username", "")), request):
            raise RateLimited()
        serializer = TokenRequestSerializer(data=data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        _second_factor(user, serializer.validated_data.get("otp", ""))
        token, _created = Token.objects.get_or_create(user=user)
        if token_expired(token):
            token.delete()
            token = Token.objects.create(user=user)
        expires = token.created + timedelta(hours=settings.API_TOKEN_TTL_HOURS)
        return Response({"token": token.key, "expires": expires})

    @extend_schema(request=None, responses={204: None}, summary="Revoke your API token")
    def delete(self, request: Request) -> Response:
        Token.objects.filter(user=request.user.pk).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
