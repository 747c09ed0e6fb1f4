"""API tokens that expire (API_TOKEN_TTL_HOURS after issue) and can be revoked by their holder
(DELETE /api/v1/auth/token/) or an administrator (deleting it in the admin)."""

from datetime import timedelta
from typing import Any

from django.conf import settings
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
from .errors import RateLimited
from .parsers import JSONParser
from .signin import signin_locked

TOKEN_RESPONSE = inline_serializer("Token", {"token": serializers.CharField(),
                                             "expires": serializers.DateTimeField()})


class TokenView(APIView):
    permission_classes = [AllowAny]
    api_errors = {"POST": (429,)}  # too many failed sign-ins (core.signin)
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_permissions(self) -> list[Any]:
        return [IsAuthenticated()] if self.request.method == "DELETE" else [AllowAny()]

    @extend_schema(request=AuthTokenSerializer, responses={200: TOKEN_RESPONSE},
                   summary="Get an API token (username and password)")
    def post(self, request: Request) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        if signin_locked(str(data.get("username", "")), request):
            raise RateLimited()
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
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
