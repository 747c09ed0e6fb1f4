"""Who may do what to an appeal. The only place appeal permissions are decided."""

from functools import reduce
from operator import or_
from typing import Any

import rules
from django.db.models import Q

from lianxin.core.access import has_role, units_where
from lianxin.core.models import AuditEvent, Notification, Role, Unit

from .models import Appeal, Track


def add_perm(name: str, predicate: Any) -> None:
    rules.add_perm(name, predicate)  # type: ignore[no-untyped-call]  # django-rules has no hints


@rules.predicate
def is_dispatcher(user: Any, appeal: Appeal | None = None) -> bool:
    return has_role(user, Role.DISPATCHER, Role.ADMIN, over=getattr(appeal, "unit", None))


@rules.predicate
def is_operator(user: Any, appeal: Appeal | None = None) -> bool:
    """A hotline operator (坐席) takes callers' additions to their appeals, whichever unit."""
    return has_role(user, Role.OPERATOR)


@rules.predicate
def is_unit_handler(user: Any, appeal: Appeal | None = None) -> bool:
    unit = getattr(appeal, "unit", None)
    return unit is not None and has_role(user, Role.HANDLER, Role.LEADER, over=unit)


@rules.predicate
def is_co_handler(user: Any, appeal: Appeal | None = None) -> bool:
    if appeal is None:
        return False
    mine = units_where(user, Role.HANDLER, Role.LEADER)
    return bool(mine) and any(u.contains(c) for u in mine for c in appeal.co_units.all())


@rules.predicate
def is_unit_leader(user: Any, appeal: Appeal | None = None) -> bool:
    unit = getattr(appeal, "unit", None)
    return unit is not None and has_role(user, Role.LEADER, Role.ADMIN, over=unit)


@rules.predicate
def is_xinfang(user: Any, appeal: Appeal | None = None) -> bool:
    return getattr(appeal, "track", None) == Track.XINFANG


@rules.predicate
def is_supervisor(user: Any, appeal: Appeal | None = None) -> bool:
    return has_role(user, Role.SUPERVISOR, over=getattr(appeal, "unit", None))


@rules.predicate
def is_assessor(user: Any, appeal: Appeal | None = None) -> bool:
    """The organisation department reads appeals to check the assessment figures (read only)."""
    return has_role(user, Role.ORGDEPT, over=getattr(appeal, "unit", None))


@rules.predicate
def was_with_my_unit(user: Any, appeal: Appeal | None = None) -> bool:
    """The appeal was once dispatched or transferred to (or handled in) the user's unit."""
    mine = units_where(user, Role.HANDLER, Role.LEADER)
    if appeal is None or not mine:
        return False
    ids = Unit.objects.filter(reduce(or_, [Q(path__startswith=u.path) for u in mine]))
    return AuditEvent.objects.filter(
        object_type="appeals.appeal",
        object_id=str(appeal.pk),
        data__unit_id__in=list(ids.values_list("pk", flat=True)),
    ).exists()


@rules.predicate
def was_notified(user: Any, appeal: Appeal | None = None) -> bool:
    return (
        appeal is not None
        and getattr(user, "is_authenticated", False)
        and Notification.objects.filter(
            recipient=user, link=f"/appeals/{appeal.tracking_number}/"
        ).exists()
    )


add_perm(
    "appeals.view_appeal",
    is_dispatcher | is_unit_handler | is_supervisor | is_co_handler | is_assessor,
)
# Names and phone numbers: only those who must call the citizen back.
add_perm("appeals.view_contact", is_dispatcher | is_unit_handler)
add_perm("appeals.dispatch_appeal", is_dispatcher)
add_perm("appeals.handle_appeal", is_unit_handler)
add_perm("appeals.co_handle_appeal", is_dispatcher | is_unit_handler)
# 《信访工作条例》 art. 35: a letters-and-visits case is extended "with the approval of the
# head of the organ or unit" handling it; a hotline appeal's clock is the hotline's to extend.
add_perm("appeals.decide_extension", is_dispatcher | is_supervisor | (is_unit_leader & is_xinfang))
add_perm("appeals.follow_up_appeal", is_dispatcher)
# A citizen's new information on an open appeal, taken on the phone (补充).
add_perm("appeals.supplement_appeal", is_dispatcher | is_operator)
# A reply held for its low quality score: the leaders of the appeal's unit (and admins) decide.
add_perm("appeals.review_reply", is_unit_leader)
add_perm("appeals.supervise_appeal", is_supervisor)
# Whoever had an appeal in hand, or was told of it, may learn where it went (not what it says)
# once it has moved out of their sight: a link they hold never ends in a bare "not found".
add_perm("appeals.view_whereabouts", was_with_my_unit | was_notified)
add_perm("appeals.view_supervision_board", is_supervisor | is_dispatcher)
