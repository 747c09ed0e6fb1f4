from typing import Any

from django import template

from lianxin.core import access
from lianxin.core.audit import action_label as _action_label

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context: dict[str, Any], number: int | str) -> str:
    """The current page's query string with `page` set to `number`: paging keeps every filter
    the list was opened with."""
    query = context["request"].GET.copy()
    query["page"] = number
    return "?" + str(query.urlencode())


@register.simple_tag(takes_context=True)
def may(context: dict[str, Any], perm: str, obj: object = None) -> bool:
    """`{% may "app.perm" obj as allowed %}`: core.access.may for the signed-in person (no
    pass for superusers, unlike `perms` and rules' has_perm tag)."""
    # Error pages render without a request (the 500 page must not need one): nobody may then.
    user = getattr(context.get("request"), "user", None) or context.get("user")
    return user is not None and access.may(user, perm, obj)


@register.filter
def action_label(action: str) -> str:
    """An audit action in words, as its app named it (core.audit.action_label)."""
    return _action_label(action)
