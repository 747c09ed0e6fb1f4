from django import template

from lianxin.core import access

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context, number) -> str:
    """The current page's query string with `page` set to `number`: paging keeps every filter
    the list was opened with."""
    query = context["request"].GET.copy()
    query["page"] = number
    return "?" + query.urlencode()


@register.simple_tag(takes_context=True)
def may(context, perm: str, obj=None) -> bool:
    """`{% may "app.perm" obj as allowed %}`: core.access.may for the signed-in person (no
    pass for superusers, unlike `perms` and rules' has_perm tag). A page drawn without a
    request (the 400 and 500 pages: the request or the database may be what failed) knows no
    one, so it offers nothing a permission guards."""
    request = context.get("request")
    if request is None:
        return False
    return access.may(request.user, perm, obj)
