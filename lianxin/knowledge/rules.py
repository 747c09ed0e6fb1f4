"""Who may do what in the knowledge base. The only place its permissions are decided.

The responsible unit's staff (handlers, leaders, administrators over it) write and edit its
articles; its leaders (and administrators) review and publish them — never a version they
wrote themselves (the services check that). Anyone reads published articles."""

import rules

from lianxin.core.access import has_role
from lianxin.core.models import Role, Unit


def _unit(obj):
    if obj is None or isinstance(obj, Unit):
        return obj
    article = getattr(obj, "article", obj)
    return getattr(article, "unit", None)


@rules.predicate
def is_unit_staff(user, obj=None):
    return has_role(user, Role.HANDLER, Role.LEADER, Role.ADMIN, over=_unit(obj))


@rules.predicate
def is_unit_reviewer(user, obj=None):
    return has_role(user, Role.LEADER, Role.ADMIN, over=_unit(obj))


rules.add_perm("knowledge.edit_article", is_unit_staff)
rules.add_perm("knowledge.review_article", is_unit_reviewer)
rules.add_perm("knowledge.view_drafts", is_unit_staff)
