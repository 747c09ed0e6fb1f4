"""Who may do what at the hotline. The only place hotline permissions are decided."""

from typing import Any

import rules

from lianxin.core.access import has_role
from lianxin.core.models import Role


def add_perm(name: str, predicate: Any) -> None:
    rules.add_perm(name, predicate)


@rules.predicate
def is_operator(user: Any, obj: Any = None) -> bool:
    return has_role(user, Role.OPERATOR)


@rules.predicate
def is_own_call(user: Any, call: Any = None) -> bool:
    return call is not None and getattr(user, "pk", None) == call.operator_id


@rules.predicate
def oversees_centre(user: Any, obj: Any = None) -> bool:
    """Supervisors, dispatchers and administrators read the centre's call figures."""
    return has_role(user, Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN)


# Take calls, look callers up, read the knowledge base on the console.
add_perm("hotline.take_call", is_operator)
# Record the outcome of a call: only the operator who is on it.
add_perm("hotline.handle_call", is_operator & is_own_call)
# A caller's number in full: the operator on the call, who may have to call back. Everyone
# else who reads calls (the centre's supervisors) sees it masked (PIPL).
add_perm("hotline.view_caller_phone", is_own_call)
add_perm("hotline.view_centre", oversees_centre)
