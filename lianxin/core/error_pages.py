"""The site's own error pages (400, 403, 404, 500, a refused form): the layout, the language
and a way back, instead of Django's bare English pages. API paths keep their JSON answers
(core.middleware.ApiErrorMiddleware answers those before these views are reached)."""

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

TEMPLATE = "core/error.html"


def _page(
    request: HttpRequest | None, status: int, title: str, message: str, reason: str = ""
) -> HttpResponse:
    context = {"status": status, "title": title, "message": message, "reason": reason}
    return HttpResponse(render_to_string(TEMPLATE, context, request=request), status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # The request itself is suspect (a forged host, a broken header): the page is drawn
    # without it, like the 500 page.
    return _page(
        None,
        400,
        _("Bad request"),
        _("The request could not be understood. Check the address and try again."),
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception) if exception is not None and exception.args else ""
    return _page(
        request, 403, _("Not allowed"), _("You are not allowed to open this page."), reason
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        404,
        _("Page not found"),
        _("There is no page at this address. The link may be wrong or out of date."),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    # Drawn without the request: its context (the user, their roles) needs the database,
    # which may be what failed.
    return _page(
        None,
        500,
        _("Something went wrong"),
        _("The server met an error and has recorded it. Please try again in a moment."),
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    # Django's reason is for developers (and in English); the person needs what to do.
    return _page(
        request,
        403,
        _("The form has expired"),
        _(
            "The page was open too long, or your browser refused its cookie. Go back, "
            "reload the page and send the form again."
        ),
    )
