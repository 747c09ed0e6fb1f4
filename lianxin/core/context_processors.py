from typing import Any

from django.http import HttpRequest

from .access import roles_of
from .models import CitizenAccount
from .two_factor import two_factor_pending


def roles(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is not None and hasattr(user, "is_verified") and two_factor_pending(user):
        # Between the password and the code: no work links (the middleware refuses them).
        return {"my_roles": set(), "is_official": False, "two_factor_pending": True}
    held = {role for role, _ in roles_of(user)}
    official = bool(held - {"citizen"})

    def citizen() -> bool:
        """A citizen signed in by SMS code, who has no name to show (core.citizens keeps
        none); asked only where a page shows it."""
        return bool(
            user is not None
            and user.is_authenticated
            and not official
            and CitizenAccount.objects.filter(user=user).exists()
        )

    return {"my_roles": held, "is_official": official, "is_citizen": citizen}
