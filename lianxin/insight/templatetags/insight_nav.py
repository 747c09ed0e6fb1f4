"""The 社情民意 pages' sub-navigation: a link to each page the reader may open (insight/rules.py),
nothing when there is no other page to go to."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy

from lianxin.core.access import may

register = template.Library()

PAGES = [
    ("insight.view_dashboard", "insight:dashboard", gettext_lazy("Dashboard")),
    ("insight.view_hot_issues", "insight:hot", gettext_lazy("Hot issues")),
    ("insight.view_alarms", "insight:alarms", gettext_lazy("Early warning")),
    ("insight.view_duplicates", "insight:duplicates", gettext_lazy("Duplicates")),
]


@register.inclusion_tag("insight/_nav.html", takes_context=True)
def insight_nav(context):
    user = context["request"].user
    links = [(reverse(name), label) for perm, name, label in PAGES if may(user, perm)]
    return {"links": links if len(links) > 1 else []}
