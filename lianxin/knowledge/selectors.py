from django.db.models import Q
from django.utils import timezone

from .models import Article, ArticleStatus


def search_articles(query: str, *, limit: int = 5) -> list[Article]:
    """Published, currently valid articles matching `query`, best first. The one search the
    operator console and the public portal use."""
    today = timezone.localdate()
    words = query.split()
    if not words:
        return []
    matches = Article.objects.filter(status=ArticleStatus.PUBLISHED, valid_from__lte=today).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    )
    for word in words:
        matches = matches.filter(Q(question__icontains=word) | Q(answer__icontains=word))
    return list(matches.select_related("unit")[:limit])
