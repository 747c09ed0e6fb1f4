"""Counting what an article did for a citizen on the portal before filing."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from lianxin.core import clock

from ..models import ArticleUse


def article_use_record(*, article_id: int, answered: bool) -> None:
    """One citizen's answer to "did this answer your question?": a day's counter goes up.
    Not audited: it is an anonymous tally, like a page view, and an audit event per click
    would fill the log with nothing anyone is accountable for."""
    field = "answered" if answered else "continued"
    day = timezone.localdate(clock.now())
    with transaction.atomic():
        updated = ArticleUse.objects.filter(article_id=article_id, day=day).update(
            **{field: F(field) + 1}
        )
        if updated:
            return
        try:
            with transaction.atomic():
                ArticleUse.objects.create(article_id=article_id, day=day, **{field: 1})
        except IntegrityError:  # another citizen's click created the day's row first
            ArticleUse.objects.filter(article_id=article_id, day=day).update(
                **{field: F(field) + 1}
            )
