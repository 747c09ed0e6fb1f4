"""The one error hierarchy: stable codes, translatable messages, an HTTP status for the API."""

from typing import Any

from django.utils.translation import gettext_lazy as _


class LianxinError(Exception):
    code = "error"
    status = 400
    default_message = _("The request could not be carried out.")

    def __init__(
        self, message: Any = None, *, code: str | None = None, fields: dict[str, Any] | None = None
    ) -> None:
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.fields = fields or {}
        super().__init__(str(self.message))


class InvalidInput(LianxinError):
    code = "invalid"
    status = 400
    default_message = _("Some of the information given is not valid.")


class NotFound(LianxinError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class PermissionDenied(LianxinError):
    code = "permission_denied"
    status = 403
    default_message = _("You are not allowed to do this.")


class InvalidTransition(LianxinError):
    code = "invalid_transition"
    status = 409
    default_message = _("This action is not possible in the appeal's current state.")


class Conflict(LianxinError):
    code = "conflict"
    status = 409
    default_message = _("Someone else changed this appeal a moment ago. Reload and try again.")


class RateLimited(LianxinError):
    code = "rate_limited"
    status = 429
    default_message = _("Too many attempts. Please wait a while and try again.")
