"""Who may do what in outreach. The only place outreach permissions are decided.

The unit leader (or administrator) over a household's village registers and pairs it; the
cadre currently paired with it visits it; both see its personal data in full. A supervisor
over the unit sees the registry and the visits with names and phones masked (PIPL: they
check the work, they do not contact the people)."""

import rules

from lianxin.core.access import has_role
from lianxin.core.models import Role, Unit

from .models import ContactPoint


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


# --- contact points and reception days (联系点、接访日) -------------------------------------
# The leader and the staff of the leader's unit (and the leaders and administrators above it,
# whose roles reach it) keep the schedule, see the bookings in full and record receptions. A
# supervisor over the unit sees the bookings masked. A hotline operator (dispatcher) books a
# slot for a caller, anonymously if the caller gives no name.


def _contact_point(obj):
    """The contact point of a booking, slot, reception day or matter (or the point itself)."""
    while obj is not None and not isinstance(obj, ContactPoint):
        obj = next(
            (getattr(obj, n) for n in ("slot", "reception", "contact_point") if hasattr(obj, n)),
            None,
        )
    return obj


@rules.predicate
def is_reception_staff(user, obj=None):
    point = _contact_point(obj)
    if point is None or not user.is_authenticated:
        return False
    if point.leader_id == user.pk:
        return True
    return has_role(user, Role.HANDLER, Role.LEADER, Role.ADMIN, over=point.unit)


@rules.predicate
def is_reception_overseer(user, obj=None):
    point = _contact_point(obj)
    return point is not None and has_role(user, Role.SUPERVISOR, over=point.unit)


@rules.predicate
def is_hotline_operator(user, obj=None):
    return has_role(user, Role.DISPATCHER)


@rules.predicate
def may_set_up_contact_point(user, obj=None):
    unit = obj if isinstance(obj, Unit) else getattr(obj, "unit", None)
    return unit is not None and has_role(user, Role.LEADER, Role.ADMIN, over=unit)


rules.add_perm("outreach.set_up_contact_point", may_set_up_contact_point)
rules.add_perm("outreach.manage_receptions", is_reception_staff)
rules.add_perm("outreach.view_bookings", is_reception_staff | is_reception_overseer)
rules.add_perm("outreach.see_booking_personal_data", is_reception_staff)
rules.add_perm("outreach.book_for_caller", is_hotline_operator | is_reception_staff)
