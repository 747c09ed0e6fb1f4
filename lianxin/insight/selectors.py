"""Reads of the insight app over appeals."""

from django.db.models import F

from lianxin.appeals.models import Appeal


def dispatcher_corrections(labels: set[str]) -> list[tuple[str, str]]:
    """(text, label) of appeals whose dispatcher chose another category than the router
    suggested: the label is the chosen category's group, kept only where it is one of the
    router's `labels` (a class with a handful of examples cannot be cross-validated)."""
    rows = (
        Appeal.objects.filter(suggested_category__isnull=False, category__isnull=False)
        .exclude(category=F("suggested_category"))
        .values_list("title", "content", "category__name", "category__parent__name")
    )
    out = []
    for title, content, name, group in rows.iterator():
        label = group or name
        if label in labels:
            out.append((f"{title}\n{content}", label))
    return out
