"""The API schema's list of error codes, built from the registries themselves: core's error
classes and the codes its handlers answer with, then each app's `errors.Code` with its
`DESCRIPTIONS`. A drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS), so the schema
can never list a code that no longer exists nor miss a new one.

Project-level, not in core: core imports no app (docs/architecture.md)."""

from importlib import import_module
from typing import Any

from django.apps import apps
from django.utils import translation

from lianxin.core import errors as core_errors
from lianxin.core import uploads

# Answered by core's exception handler and middleware rather than raised as a LianxinError.
CORE_CODES = {
    "parse_error": "The body is not well-formed (JSON too deep, not an object, bad encoding).",
    "not_authenticated": "No credentials were given.",
    "authentication_failed": "The token is unknown, revoked or expired.",
    "too_large": "The request body is larger than the limit.",
    "unavailable": "The database is briefly unavailable; nothing was saved.",
    "two_factor_required": "The session's sign-in still needs the authenticator app's code.",
}


def error_codes() -> dict[str, dict[str, str]]:
    """{"core": {code: description}, "<app>": {...}, ...} for every registry there is."""
    with translation.override("en"):  # the schema's language
        core = {
            cls.code: str(cls.default_message)
            for cls in vars(core_errors).values()
            if isinstance(cls, type)
            and issubclass(cls, core_errors.LianxinError)
            and cls is not core_errors.LianxinError
        }
    out = {"core": {**core, **CORE_CODES, **{str(c): d for c, d in uploads.DESCRIPTIONS.items()}}}
    for config in apps.get_app_configs():
        if not config.name.startswith("lianxin.") or config.label == "core":
            continue
        try:
            registry = import_module(f"{config.name}.errors")
        except ModuleNotFoundError:
            continue
        described = getattr(registry, "DESCRIPTIONS", {})
        out[config.label] = {str(code): described.get(code, "") for code in registry.Code}
    return out


def document_error_codes(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    error = result.get("components", {}).get("schemas", {}).get("Error")
    if error is None:
        return result
    lines = [error["properties"]["code"].get("description", ""), ""]
    for app, codes in error_codes().items():
        lines += [f"**{app}**", ""]
        lines += [f"- `{code}`: {text}" if text else f"- `{code}`" for code, text in codes.items()]
        lines.append("")
    error["properties"]["code"]["description"] = "\n".join(lines).rstrip()
    return result
