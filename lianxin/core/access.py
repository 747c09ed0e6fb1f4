"""Who holds which role where. Every permission check in the project starts here."""

from collections.abc import Iterable, Sequence
from typing import Any

import rules
from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet

from .models import Role, RoleAssignment, Unit


def roles_of(user: Any) -> list[tuple[str, Unit]]:
    """(role, unit) pairs of a user, fetched once per user object."""
    if user is None or not user.is_authenticated:
        return []
    cached = getattr(user, "_lianxin_roles", None)
    if cached is None:
        cached = [
            (r.role, r.unit)
            for r in RoleAssignment.objects.filter(user=user).select_related("unit")
        ]
        user._lianxin_roles = cached
    return cached


def has_role(user: Any, *roles: str, over: Unit | None = None) -> bool:
    """True if the user holds one of `roles` in a unit whose subtree contains `over`
    (anywhere, if `over` is None)."""
    return any(
        role in roles and (over is None or unit.contains(over)) for role, unit in roles_of(user)
    )


def units_where(user: Any, *roles: str) -> list[Unit]:
    return [unit for role, unit in roles_of(user) if role in roles]


def subtree_q(units: list[Unit], field: str) -> Q:
    """A filter for objects whose `field` (a unit) lies in any of the units' subtrees."""
    q = Q(pk__in=[])
    for unit in units:
        q |= Q(**{f"{field}__path__startswith": unit.path})
    return q


def users_with_role(role: str, unit: Unit) -> QuerySet[Any]:
    """People holding `role` in the unit or one of its ancestors (who therefore reach it)."""
    ancestors = [int(pk) for pk in unit.path.split(".") if pk]
    return (
        get_user_model()
        .objects.filter(roles__role=role, roles__unit_id__in=ancestors, is_active=True)
        .distinct()
    )


def first_role_holders(roles: Sequence[str], unit: Unit) -> list[Any]:
    """users_with_role of the first of `roles` that someone holds (a unit without handlers
    has its leaders told), in one query."""
    return first_role_holders_by_unit(roles, [unit])[unit.pk]


def first_role_holders_by_unit(roles: Sequence[str], units: Iterable[Unit]) -> dict[int, list[Any]]:
    """first_role_holders for each of `units`, by unit id, in one query: routing asks it once
    for the units of the appeals it dispatches together."""
    ancestors = {unit.pk: {int(pk) for pk in unit.path.split(".") if pk} for unit in units}
    holders = list(
        get_user_model()
        .objects.filter(
            roles__role__in=roles,
            roles__unit_id__in=set().union(*ancestors.values()),
            is_active=True,
        )
        .annotate(held_role=F("roles__role"), held_at=F("roles__unit_id"))
    )
    found = {}
    for unit_pk, reach in ancestors.items():
        held: dict[str, dict[int, Any]] = {role: {} for role in roles}
        for user in holders:
            if user.held_at in reach:
                held[user.held_role].setdefault(user.pk, user)
        found[unit_pk] = next((list(users.values()) for users in held.values() if users), [])
    return found


OFFICIAL_ROLES = [r for r in Role.values if r != Role.CITIZEN]


class SystemActor:
    """The system itself acting (imports, scheduled jobs): allowed everything, audited as
    "system". Never built from a request."""

    is_authenticated = False
    pk = None

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return True

    def get_username(self) -> str:
        return "system"


SYSTEM = SystemActor()


def may(user: Any, perm: str, obj: object = None) -> bool:
    """Whether `user` may `perm` (a rule in some app's rules.py) on `obj`. The one permission
    check: unlike `user.has_perm`, a superuser gets no pass. Superusers administer (Django
    admin); what a person may do in the work itself follows only from their roles."""
    if user is SYSTEM:  # imports and scheduled jobs act for the system itself
        return True
    allowed: bool = rules.has_perm(perm, user, obj)  # type: ignore[no-untyped-call]  # django-rules is untyped
    return allowed
