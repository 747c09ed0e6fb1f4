from typing import Any

from django.http import HttpRequest

from .access import roles_of
from .two_factor import two_factor_pending


def roles(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is not None and hasattr(user, "is_verified") and two_factor_pending(user):
        # Between the password and the code: no work links (the middleware refuses them).
        return {"my_roles": set(), "is_official": False, "two_factor_pending": True}
    held = {role for role, _ in roles_of(user)}
    return {"my_roles": held, "is_official": bool(held - {"citizen"})}
