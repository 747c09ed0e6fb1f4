"""The API schema's error responses, documented in one place.

Every error the API returns has the same JSON shape (core.api.exception_handler, and the
middleware's 413 and 503): {"code": ..., "detail": ..., "fields": {...}}. Which statuses an
operation can return follows from what the view is made of, so this AutoSchema adds them
from the view itself instead of a decorator on every view:

- 400 when the operation takes a body or parameters (or its view says so);
- 401 when the view authenticates (a wrong or expired token is refused even where anonymous
  callers are allowed);
- 403 when it writes as a signed-in user (roles, a session's CSRF token) or checks roles;
- 404 when its path names an object;
- 413 when it takes a body (core.middleware.BodySizeMiddleware);
- 429 when it is throttled;
- 503 always: the database may be briefly unavailable (core.middleware.database_unavailable).

A view adds the statuses only its services know about (a 404 for an appeal found by a tracking
number in the body, a 409 for a stale version) with `api_errors`: a tuple of statuses, or a
dict of them by method.
"""

from typing import Any, Literal

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticated


class ErrorSerializer(serializers.Serializer[Any]):
    # Every code there is, by app, is appended to this text by lianxin/api_schema.py.
    code = serializers.CharField(help_text="Stable machine-readable code, one of these:")
    detail = serializers.CharField(help_text="A message for people, in the caller's language.")
    fields = serializers.DictField(  # type: ignore[assignment]  # DRF moves declared fields off the class
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Invalid input only: the messages for each field.",
    )

    class Meta:
        ref_name = "Error"


ERROR_DESCRIPTIONS = {
    400: "Invalid input (`invalid`, `parse_error`, or a rule of the service).",
    401: "No credentials, or an invalid or expired token.",
    403: "Your roles do not allow this (or a session without its CSRF token).",
    404: "Not found (or not visible to you).",
    409: "The object is not in a state that allows this (`invalid_transition`), or someone "
    "changed it since the version you sent (`conflict`).",
    413: "The request body is too large (`too_large`).",
    429: "Too many requests or attempts (`rate_limited`); wait and try again.",
    503: "The service is briefly unavailable and nothing was saved (`unavailable`); "
    "try again after Retry-After seconds.",
}
BODY_METHODS = ("POST", "PUT", "PATCH")


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(
        self, direction: Literal["request", "response"] = "response"
    ) -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for status in sorted(self.error_statuses()):
            if str(status) not in responses:
                responses[str(status)] = self._get_response_for_code(  # type: ignore[no-untyped-call]
                    OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[status]),
                    str(status),
                    direction=direction,
                )
        return dict(sorted(responses.items()))

    def error_statuses(self) -> set[int]:
        view, method = self.view, self.method.upper()
        statuses = {503}
        has_body = method in BODY_METHODS and self.get_request_serializer() is not None
        has_params = any(p.get("in") in ("query", "header") for p in self._get_parameters())
        if has_body or has_params:
            statuses.add(400)
        if has_body:
            statuses.add(413)
        authenticators = view.get_authenticators()
        permissions = view.get_permissions()
        if authenticators or not all(isinstance(p, AllowAny) for p in permissions):
            statuses.add(401)
        # A role check refuses with 403; so does a session's missing CSRF token on a write.
        if any(type(p) not in (AllowAny, IsAuthenticated) for p in permissions) or (
            method not in SAFE_METHODS
            and not all(isinstance(p, AllowAny) for p in permissions)
            and any(isinstance(a, SessionAuthentication) for a in authenticators)
        ):
            statuses.add(403)
        if view.get_throttles():
            statuses.add(429)
        if "{" in self.path:
            statuses.add(404)
        extra = getattr(view, "api_errors", ())
        if isinstance(extra, dict):
            extra = extra.get(method, ())
        statuses.update(extra)
        return statuses
