"""The public side of the knowledge base: an article's page, the suggestions the filing page
offers while the citizen types, and the citizen's answer "did this answer your question?"."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from lianxin.core.params import as_id

from .selectors import published_article, search_articles
from .services import article_use_record

SUGGESTIONS = 3
# Each browser session counts once per article and answer: a tally of people, not of clicks.
SESSION_KEY = "knowledge_counted"


def article_page(request: HttpRequest, pk: int) -> HttpResponse:
    article = published_article(pk)
    if article is None:
        raise Http404
    return render(request, "knowledge/article.html", {"article": article})


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """The articles matching what the citizen typed (the filing page asks as they type); an
    HTML fragment."""
    query = (request.GET.get("q") or "")[:300]
    articles = search_articles(query, limit=SUGGESTIONS) if len(query.strip()) >= 2 else []
    return render(
        request, "knowledge/_suggestions.html", {"articles": articles, "query": query.strip()}
    )


def _count(request: HttpRequest, pk: int, *, answered: bool) -> bool:
    """Count the answer once per session; False when the article is not one search shows."""
    if published_article(pk) is None:
        return False
    counted = set(request.session.get(SESSION_KEY, []))
    key = f"{pk}:{int(answered)}"
    if key not in counted:
        article_use_record(article_id=pk, answered=answered)
        request.session[SESSION_KEY] = sorted(counted | {key})[-200:]
    return True


@require_POST
def answered(request: HttpRequest, pk: int) -> HttpResponse:
    """这解答了我的问题: counted, and the citizen is thanked instead of filing."""
    article_id = as_id(pk)
    if article_id is None or not _count(request, article_id, answered=True):
        raise Http404
    return render(request, "knowledge/answered.html", {"article": published_article(article_id)})


@require_POST
def continued(request: HttpRequest, pk: int) -> HttpResponse:
    """没有解答，继续提交: counted; the filing page stays as it is (204)."""
    article_id = as_id(pk)
    if article_id is None or not _count(request, article_id, answered=False):
        raise Http404
    return HttpResponse(status=204)
