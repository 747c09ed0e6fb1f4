from .access import roles_of


def roles(request):
    held = {role for role, _ in roles_of(getattr(request, "user", None))}
    return {"my_roles": held, "is_official": bool(held - {"citizen"})}
