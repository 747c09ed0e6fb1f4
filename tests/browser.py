"""One way to drive the pages in headless Chromium: a page that watches itself for trouble.

Every journey and the crawl use `open_page` / `login`. The page they return records what a
person would hit without noticing in a test: script errors, console errors, server errors (5xx),
and any request that leaves the server (a CDN, a font host) — an intranet has no internet.
`assert_clean(page)` fails the test on any of them. Phone width for citizens and field staff,
desktop width for office roles."""

import os
import re
import shutil
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def launch_chromium():
    """Yields a launched Chromium (the `chromium` fixture in conftest wraps this)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI (Debian package `chromium`)")
        pytest.skip("Chromium is not installed (apt-get install chromium) - browser tests not run")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls a test makes
    # between page steps are ordinary blocking calls, which Django would otherwise refuse.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@dataclass
class Trouble:
    """What went wrong on a page that a person would see or suffer."""

    origin: str
    script_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    # Pages a test drives into an expected error (a 403 it checks) say so here.
    expected_statuses: set[int] = field(default_factory=set)

    def watch(self, page) -> None:
        page.on("pageerror", lambda exc: self.script_errors.append(f"{page.url}: {exc}"))
        page.on("console", self._console)
        page.on("request", self._request)
        page.on("response", self._response)

    def _console(self, msg) -> None:
        if msg.type == "error" and "status of 4" not in msg.text:  # 4xx are checked by status
            self.console_errors.append(msg.text)

    def _request(self, request) -> None:
        url = urlsplit(request.url)
        if (
            url.scheme in ("http", "https", "ws", "wss")
            and f"{url.scheme}://{url.netloc}" != self.origin
        ):
            self.external_requests.append(request.url)

    def _response(self, response) -> None:
        if response.status >= 500 and response.status not in self.expected_statuses:
            self.server_errors.append(f"{response.status} {response.url}")

    def problems(self) -> list[str]:
        return (
            self.script_errors
            + self.console_errors
            + self.server_errors
            + [f"external request: {u}" for u in self.external_requests]
        )


def open_page(browser, live_server, *, viewport=PHONE, locale="zh-CN"):
    """A new browser context (no cookies) and page; `page.trouble` collects what went wrong."""
    context = browser.new_context(locale=locale, viewport=viewport)
    page = context.new_page()
    page.trouble = Trouble(origin=live_server.url)
    page.trouble.watch(page)
    page.set_default_timeout(15_000)
    return page


def login(browser, live_server, username, password=None, *, viewport=DESKTOP, locale="zh-CN"):
    """Signs in through the login page as a person would. The test fixtures' password is
    "pw-<username>"; the demo district's is given explicitly."""
    page = open_page(browser, live_server, viewport=viewport, locale=locale)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password or "pw-" + username)
    # Wait for the page the login leads to, not the login page still on screen.
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "/login/" not in page.url, f"{username} could not sign in"
    return page


def assert_clean(page) -> None:
    problems = page.trouble.problems()
    assert problems == [], "\n".join(problems)


def fits_width(page) -> bool:
    """Nothing on the page is wider than the screen (no sideways scrolling on a phone)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


# Latin words that belong on a Chinese page: names of standards, formats and products.
LATIN_ALLOWED = {
    "API",
    "Open311",
    "GeoReport",
    "PDF",
    "JPEG",
    "PNG",
    "WebP",
    "EXIF",  # what a photo carries (where it was taken), named as phones and cameras name it
    "GPS",
    "XLSX",
    "Excel",
    "CSV",
    "JSON",
    "OpenAPI",
    "ECharts",
    "Lianxin",
    "TOTP",
    "SMS",
    "URL",
    "ID",
    "IP",
    "HTTP",
    "HTTPS",
    "PIPL",
    "English",
    "km",
    "Ctrl",
    "Alt",
    "Mac",  # the key and the computer, as printed on them
}
LATIN_WORD = re.compile(r"(?<![\w@./:-])[A-Za-z][A-Za-z_]{2,}(?![\w@./:-])")


def untranslated_words(text: str, *, allowed=frozenset()) -> list[str]:
    """Latin words in the visible text of a Chinese page, other than the allowed names."""
    return sorted(
        {w for w in LATIN_WORD.findall(text) if w not in LATIN_ALLOWED and w not in allowed}
    )
