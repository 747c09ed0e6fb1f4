"""The participation figures the indicator system reads (evaluation/measures.py names these
functions by dotted path, so neither app imports the other). Each takes the units asked and a
year and gives, per unit id, a percentage over the unit's subtree, or None with nothing to
count."""

from datetime import date

from lianxin.core.models import Unit

from .models import Comment, Milestone
from .selectors import share_comments_answered_of, share_milestones_on_time


def _percent(share: float | None) -> float | None:
    return None if share is None else round(100.0 * share, 1)


def notice_responses(units: list[Unit], year: int) -> dict[int, float | None]:
    """Comments with a published answer / comments shown, on the notices of the unit (and the
    units below it) whose comment period closed in `year`."""
    out: dict[int, float | None] = {}
    for unit in units:
        comments = Comment.objects.filter(
            notice__unit__path__startswith=unit.path, notice__closes_at__year=year
        )
        out[unit.pk] = _percent(share_comments_answered_of(comments))
    return out


def milestones_on_time(units: list[Unit], year: int) -> dict[int, float | None]:
    """Milestones completed by their due date / milestones due, among those due in `year` (up
    to today) on the decisions of the unit and the units below it."""
    out: dict[int, float | None] = {}
    for unit in units:
        due = Milestone.objects.filter(
            decision__unit__path__startswith=unit.path,
            due_on__gte=date(year, 1, 1),
            due_on__lte=date(year, 12, 31),
        )
        out[unit.pk] = _percent(share_milestones_on_time(due))
    return out
