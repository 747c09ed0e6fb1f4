"""Who may do what in outreach. The only place outreach permissions are decided.

The unit leader (or administrator) over a household's village registers and pairs it; the
cadre currently paired with it visits it; both see its personal data in full. A supervisor
over the unit sees the registry and the visits with names and phones masked (PIPL: they
check the work, they do not contact the people)."""

import rules

from lianxin.core.access import has_role
from lianxin.core.models import Role, Unit


def _unit(obj):
    if obj is None or isinstance(obj, Unit):
        return obj
    household = getattr(obj, "household", obj)
    return getattr(household, "unit", None)


def _household(obj):
    return getattr(obj, "household", obj)


@rules.predicate
def is_outreach_manager(user, obj=None):
    return has_role(user, Role.LEADER, Role.ADMIN, over=_unit(obj))


@rules.predicate
def is_outreach_overseer(user, obj=None):
    return has_role(user, Role.SUPERVISOR, over=_unit(obj))


@rules.predicate
def is_current_cadre(user, obj=None):
    """The cadre currently paired with the household (or holding this pairing, still open)."""
    if obj is None or not user.is_authenticated:
        return False
    if hasattr(obj, "cadre_id") and hasattr(obj, "ends_on"):
        return obj.cadre_id == user.pk and obj.ends_on is None
    return _household(obj).pairings.filter(cadre=user, ends_on__isnull=True).exists()


rules.add_perm("outreach.manage_households", is_outreach_manager)
rules.add_perm(
    "outreach.view_household", is_current_cadre | is_outreach_manager | is_outreach_overseer
)
rules.add_perm("outreach.see_personal_data", is_current_cadre | is_outreach_manager)
rules.add_perm("outreach.record_visit", is_current_cadre)
rules.add_perm("outreach.appeal_need", is_current_cadre)
