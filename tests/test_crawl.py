"""The crawl: each demo role follows every link it is shown, breadth-first from where it lands
after login, in Chromium and in Chinese. A link is shown only to those who may follow it, so
every link must open: no server error, no dead link, no page that refuses the role (403 or a
detour to the login page), no script error, nothing loaded from outside the server, and no
English word left on a Chinese page. Downloads are fetched, not opened, and must answer 200.

GET only: no form is sent. Pages that differ only by an id are one kind of page, visited a few
times, not hundreds. One demo load serves all roles; the time each role took is printed."""

import re
import time
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from django.contrib.auth import get_user_model

from lianxin.appeals.models import Appeal, Category
from lianxin.core.models import Unit
from lianxin.demo import DEMO_PASSWORD
from lianxin.open311.models import ServiceAttribute
from tests.browser import DESKTOP, LATIN_WORD, PHONE, login, open_page, untranslated_words

pytestmark = pytest.mark.browser

# (username or None for an anonymous citizen, screen): field staff and citizens on a phone.
ROLES = [
    (None, PHONE),
    ("citizen", PHONE),
    ("dispatcher", DESKTOP),
    ("operator", DESKTOP),
    ("handler-vet", PHONE),
    ("leader-vet", DESKTOP),
    ("handler-dongcheng", PHONE),
    ("cadre", PHONE),
    ("supervisor", DESKTOP),
    ("inspector", DESKTOP),
    ("orgdept", DESKTOP),
    ("admin", DESKTOP),
]
PAGES_PER_ROLE = 120
VISITS_PER_KIND = 2
# Never followed: they change the session rather than show a page.
SKIP = re.compile(r"/logout/|/i18n/setlang/")
# Fetched, not opened: files the browser would save.
DOWNLOAD = re.compile(
    r"\.(xlsx|pdf|csv|json|ya?ml|zip|png|jpg)$|/export|/download|/files/|"
    r"/slips|/api/schema/"
)
# Swagger UI is a developer's tool in English that no catalogue of ours can translate.
NOT_OURS = re.compile(r"^/api/docs/")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def kind_of(url: str) -> str:
    """A URL's path with its ids taken out: one kind of page (its filters, sort orders and
    pages are the same page again)."""
    return re.sub(r"\d+", "{n}", UUID.sub("{uuid}", urlsplit(url).path))


def data_words() -> set[str]:
    """Latin words that are data, not interface: usernames, codes, what citizens wrote."""
    words = {
        *get_user_model().objects.values_list("username", flat=True),
        *Unit.objects.values_list("code", flat=True),
        *Category.objects.values_list("code", flat=True),
        *ServiceAttribute.objects.values_list("code", flat=True),
    }
    for title, content in Appeal.objects.values_list("title", "content"):
        words |= set(LATIN_WORD.findall(f"{title} {content}"))
    return {part for word in words for part in re.split(r"[-_.]", word)} | words


def record_words(page) -> set[str]:
    """Words of machine records an admin page shows as they are stored: a password hash's
    summary (random salt) and an audit event's frozen, hash-chained data."""
    words = set()
    for selector in (".field-password", ".field-data .readonly"):
        for text in page.locator(selector).all_inner_texts():
            words |= set(LATIN_WORD.findall(text))
    return words


def links_on(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    out = []
    for href in hrefs:
        url = urldefrag(href).url
        if url.startswith(origin) and not SKIP.search(url):
            out.append(url)
    return out


def crawl(chromium, live_server, username, viewport, allowed_words) -> tuple[list[str], str]:
    """Problems met by one role, and how far it got."""
    origin = live_server.url
    if username is None:
        page = open_page(chromium, live_server, viewport=viewport)
        page.goto(f"{origin}/")
    else:
        page = login(chromium, live_server, username, DEMO_PASSWORD, viewport=viewport)
    start = page.url
    queue = deque([(start, "(landing)")])
    seen = {start}
    kinds: dict[str, int] = {}
    problems: list[str] = []
    opened = 0
    while queue and opened < PAGES_PER_ROLE:
        url, referrer = queue.popleft()
        kind = kind_of(url)
        if kinds.get(kind, 0) >= VISITS_PER_KIND:
            continue
        kinds[kind] = kinds.get(kind, 0) + 1
        path = url[len(origin) :]
        where = f"{path} (linked from {referrer[len(origin) :] or referrer})"
        if DOWNLOAD.search(urlsplit(url).path):
            response = page.request.get(url)
            if response.status != 200:
                problems.append(f"download answers {response.status}: {where}")
            continue
        opened += 1
        try:
            response = page.goto(url)
        except Exception as exc:  # a file the browser saves instead of showing
            if "Download is starting" not in str(exc):
                problems.append(f"cannot open: {where}: {exc}")
                continue
            response = page.request.get(url)
            if response.status != 200:
                problems.append(f"download answers {response.status}: {where}")
            continue
        status = response.status if response else 0
        if status >= 400 or status == 0:
            what = {403: "refuses this role (403)", 404: "dead link (404)"}.get(
                status, f"answers {status}"
            )
            problems.append(f"{what}: {where}")
            continue
        if urlsplit(page.url).path == "/login/" and urlsplit(url).path != "/login/":
            problems.append(f"sends this role to the login page: {where}")
            continue
        if "html" not in (response.headers.get("content-type") or ""):
            continue
        if not NOT_OURS.search(path) and page.evaluate("document.documentElement.lang").startswith(
            "zh"
        ):
            words = untranslated_words(
                page.inner_text("body"), allowed=allowed_words | record_words(page)
            )
            if words:
                problems.append(f"English words {words}: {where}")
        for link in links_on(page, origin):
            if link not in seen:
                seen.add(link)
                queue.append((link, url))
    problems += [f"{p} (crawling from {start[len(origin) :]})" for p in page.trouble.problems()]
    page.context.close()
    left = len({kind_of(url) for url, _ in queue} - {k for k, n in kinds.items() if n})
    return problems, f"{opened} pages" + (f" ({left} kinds of page left)" if left else "")


def test_every_role_can_follow_every_link_it_is_shown(chromium, live_server, demo):
    allowed = data_words()
    report, timings = {}, []
    for username, viewport in ROLES:
        started = time.monotonic()
        problems, reach = crawl(chromium, live_server, username, viewport, allowed)
        timings.append(f"{username or 'anonymous'}: {reach}, {time.monotonic() - started:.1f} s")
        if problems:
            report[username or "anonymous"] = problems
    print("\ncrawl: " + "; ".join(timings))
    assert report == {}, "\n".join(
        f"[{role}] {problem}" for role, problems in report.items() for problem in problems
    )
