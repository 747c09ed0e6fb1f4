"""The service worker that lets a cadre open the visit pages and save visits with no signal
(the phone half of offline logging; the server half is `pages.visit_sync`)."""

from __future__ import annotations

import functools
import hashlib

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

# What every outreach page loads; the worker fetches them when it installs.
SHELL_FILES = (
    "css/lianxin.css",
    "js/site.js",
    "favicon.svg",
    "favicon.png",
    "outreach/queue.js",
    "outreach/offline.js",
)


@functools.cache
def _shell_version() -> str:
    """A digest of the shell files: a release that changes one of them changes the worker's
    text, so phones install the new worker and drop the old copies."""
    digest = hashlib.sha256()
    for name in SHELL_FILES:
        path = finders.find(name)
        if isinstance(path, str):
            with open(path, "rb") as f:
                digest.update(f.read())
    return digest.hexdigest()[:12]


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The worker's own page (shown with no signal) in the language of the pages that
    register it (`?lang=`): the script's request may carry the browser's language instead."""
    lang = request.GET.get("lang", "")
    with translation.override(lang if lang in dict(settings.LANGUAGES) else None):
        return _service_worker(request)


def _service_worker(request: HttpRequest) -> HttpResponse:
    scope = reverse("outreach:mine")
    response = render(
        request,
        "outreach/sw.js",
        {
            "scope": scope,
            "static_prefix": settings.STATIC_URL,
            "shell": [static(name) for name in SHELL_FILES],
            "version": _shell_version(),
            "offline_title": _("No signal"),
            "offline_text": _(
                "There is no signal, and this page was not opened on this phone before."
            ),
            "mine": _("My households"),
            "lang": translation.get_language(),
        },
        content_type="text/javascript; charset=utf-8",
    )
    # The browser checks for a new worker on each visit; no copy in between may hide it.
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = scope
    return response
