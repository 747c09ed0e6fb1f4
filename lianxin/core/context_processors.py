from typing import Any

from django.http import HttpRequest

from .access import roles_of


def roles(request: HttpRequest) -> dict[str, Any]:
    held = {role for role, _ in roles_of(getattr(request, "user", None))}
    return {"my_roles": held, "is_official": bool(held - {"citizen"})}
