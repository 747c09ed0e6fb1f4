"""API error shape: every error is {"code": ..., "detail": ...} in the caller's language."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import LianxinError


def _first_message(detail: Any) -> str:
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_message(value)
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, LianxinError):
        body: dict[str, Any] = {"code": exc.code, "detail": str(exc.message)}
        if exc.fields:
            body["fields"] = {k: [str(m) for m in v] for k, v in exc.fields.items()}
        return Response(body, status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        name, first = next(iter(fields.items()))
        detail = _first_message(first)
        response.data = {
            "code": "invalid",
            "detail": detail if name in ("non_field_errors",) else f"{name}: {detail}",
            "fields": {
                k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in fields.items()
            },
        }
        response.status_code = status.HTTP_400_BAD_REQUEST
    else:
        code = getattr(exc, "default_code", "error")
        if isinstance(exc, exceptions.Throttled):
            code = "rate_limited"
        detail = exc.detail if hasattr(exc, "detail") else str(exc)
        response.data = {"code": code, "detail": _first_message(detail)}
    return response
