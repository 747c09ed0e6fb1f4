from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context, number) -> str:
    """The current page's query string with `page` set to `number`: paging keeps every filter
    the list was opened with."""
    query = context["request"].GET.copy()
    query["page"] = number
    return "?" + query.urlencode()
