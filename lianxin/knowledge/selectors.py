"""Reads of the knowledge base: the one search the operator console and the public portal use,
and what each person may see of drafts, reviews, expiring articles and good replies."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet, Subquery, Sum
from django.utils import timezone

from lianxin.appeals.models import Appeal, FollowUp, Satisfaction, Status
from lianxin.core import clock
from lianxin.core.access import subtree_q, units_where
from lianxin.core.models import Role

from .models import Article, ArticleVersion, VersionStatus
from .services.index import candidates
from .tokens import coverage, finder, query_runs, query_tokens

# How many of the index's best matches are weighed here (the index ranks by bm25/ts_rank; the
# final order and the cut below are ours, the same on both databases).
CANDIDATES = 30
# A match must cover at least this share of the query's characters (tokens.coverage): an
# article that shares one bigram of a long question with the query is noise, not an answer.
MIN_COVERAGE = 0.5
# How much a match in each part counts: the question above the policy basis above the answer
# (an operator wants the article whose question is the caller's).
WEIGHTS = (("question", 1.0), ("policy_basis", 0.7), ("answer", 0.5))
SNIPPET = 80


def _snippet(answer: str, matched: list[str]) -> str:
    """A piece of the answer around its first matched token, for the result list."""
    lowered = answer.lower()
    positions = [p for p in (lowered.find(t) for t in matched) if p >= 0]
    start = max(min(positions) - 20, 0) if positions else 0
    piece = answer[start : start + SNIPPET]
    return ("…" if start else "") + piece + ("…" if start + SNIPPET < len(answer) else "")


def search_articles(query: str, *, limit: int = 5) -> list[Article]:
    """Published, currently valid articles matching `query`, best first; [] when nothing
    matches well enough. The one search the operator console and the public portal use.

    Each article comes with its `unit` loaded and three attributes of the match: `score` (0–1:
    the share of the query covered, a match in the question weighing most), `matched` (the
    query's tokens found) and `snippet` (plain text from the answer around the first match)."""
    runs = query_runs((query or "")[:300])
    tokens = query_tokens((query or "")[:300])
    if not tokens or limit <= 0:
        return []
    today = timezone.localdate(clock.now())
    ids = candidates(tokens, day=today, limit=max(CANDIDATES, limit * 4))
    if not ids:
        return []
    order = {pk: i for i, pk in enumerate(ids)}
    found = []
    for article in Article.objects.valid_on(today).filter(pk__in=ids).select_related("unit"):
        parts = {name: finder(getattr(article, name)) for name, _w in WEIGHTS}
        found_in = {t for t in tokens if any(has(t) for has in parts.values())}
        overall = coverage(runs, found_in.__contains__)
        if overall < MIN_COVERAGE:
            continue
        best = max(weight * coverage(runs, parts[name]) for name, weight in WEIGHTS)
        article.score = round(0.9 * best + 0.1 * overall, 3)
        article.matched = [t for t in tokens if t in found_in]
        article.snippet = _snippet(article.answer, article.matched)
        found.append(article)
    found.sort(key=lambda a: (-a.score, order[a.pk]))
    return found[:limit]


def published_article(pk: int) -> Article | None:
    """A published article in force, for its public page."""
    today = timezone.localdate(clock.now())
    return Article.objects.valid_on(today).select_related("unit").filter(pk=pk).first()


def staff_units(user: Any) -> list:
    return units_where(user, Role.HANDLER, Role.LEADER, Role.ADMIN)


def articles_for_staff(user: Any) -> QuerySet[Article]:
    """Every article of the units the user writes for (their subtrees), with whether an edit
    is pending and how often each answered a citizen on the portal."""
    pending = ArticleVersion.objects.filter(
        article=OuterRef("pk"), status__in=[VersionStatus.DRAFT, VersionStatus.IN_REVIEW]
    )
    return (
        Article.objects.filter(subtree_q(staff_units(user), "unit"))
        .select_related("unit")
        .annotate(
            pending_status=Subquery(pending.values("status")[:1]),
            answered=Sum("uses__answered"),
            continued=Sum("uses__continued"),
        )
        .order_by("-updated_at", "-pk")
    )


def articles_to_review(user: Any) -> QuerySet[Article]:
    """Articles with a version awaiting review in the units the user reviews for."""
    units = units_where(user, Role.LEADER, Role.ADMIN)
    waiting = ArticleVersion.objects.filter(article=OuterRef("pk"), status=VersionStatus.IN_REVIEW)
    return (
        Article.objects.filter(subtree_q(units, "unit"))
        .filter(Exists(waiting))
        .select_related("unit")
        .order_by("updated_at", "pk")
    )


def expiring_articles(user: Any, *, days: int | None = None) -> QuerySet[Article]:
    """Published articles of the user's units whose validity ends within
    KNOWLEDGE_EXPIRY_WARNING_DAYS (or already ended: no longer found by search)."""
    days = int(settings.KNOWLEDGE_EXPIRY_WARNING_DAYS) if days is None else days
    today = timezone.localdate(clock.now())
    return (
        Article.objects.filter(subtree_q(staff_units(user), "unit"))
        .expiring(today, days)
        .select_related("unit")
        .order_by("valid_to", "pk")
    )


def article_for_staff(user: Any, pk: int) -> Article | None:
    return articles_for_staff(user).filter(pk=pk).first()


def replies_worth_an_article(user: Any, *, limit: int = 50) -> list[Appeal]:
    """Closed appeals of the user's units whose citizen was satisfied at the latest follow-up
    and whose reply cites a policy (reply-quality basis score), not yet proposed."""
    latest = FollowUp.objects.filter(appeal=OuterRef("pk")).order_by("-created_at", "-pk")
    proposed = Article.objects.filter(source_appeal=OuterRef("tracking_number"))
    rows = (
        Appeal.objects.filter(subtree_q(staff_units(user), "unit"), status=Status.CLOSED)
        .exclude(reply="")
        .annotate(satisfaction=Subquery(latest.values("satisfaction")[:1]))
        .filter(satisfaction=Satisfaction.SATISFIED)
        .filter(~Exists(proposed))
        .select_related("unit")
        .order_by("-closed_at", "-pk")
    )
    minimum = float(settings.KNOWLEDGE_PROPOSAL_MIN_BASIS)
    found = []
    # The basis score is inside the reply-review JSON: read in Python, in pages of recent ones.
    for appeal in rows.iterator(chunk_size=200):
        try:
            basis = float((appeal.reply_review or {}).get("basis") or 0)
        except (TypeError, ValueError):
            basis = 0.0
        if basis >= minimum:
            found.append(appeal)
            if len(found) >= limit:
                break
    return found
