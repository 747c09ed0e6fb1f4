"""Writes to the records administrators keep (units, people, roles, the calendar, and the other
apps' catalogues), wherever they are made: each change is saved and written to the audit
chain in one transaction, so a grant of a role is on record like any other act."""

from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from .audit import audit_record
from .models import Role, RoleAssignment, Unit

M = TypeVar("M", bound=models.Model)

# Fields whose values never go into the audit log (only that they changed).
SECRET_FIELDS = {"password"}


def _label(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def _values(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in fields:
        try:
            field = obj._meta.get_field(name)
        except FieldDoesNotExist:  # a form's own field (password1): see SECRET_FIELDS
            continue
        if name in SECRET_FIELDS:
            out[name] = "(changed)"
        elif field.many_to_many:
            out[name] = sorted(str(v) for v in getattr(obj, name).all()) if obj.pk else []
        else:
            value = getattr(obj, getattr(field, "attname", name), None)
            out[name] = value if isinstance(value, int | bool | float | type(None)) else str(value)
    return out


def record_save(*, obj: M, actor: Any, changed: Iterable[str] = (), created: bool = False) -> M:
    """Save `obj` and record what changed (`changed`: the field names, e.g. a form's
    changed_data)."""
    with transaction.atomic():
        obj.save()
        audit_record(
            actor=actor,
            action=f"{_label(obj)}_{'create' if created else 'change'}",
            obj=obj,
            data=_values(obj, changed),
        )
    return obj


def record_delete(*, obj: models.Model, actor: Any) -> None:
    with transaction.atomic():
        audit_record(actor=actor, action=f"{_label(obj)}_delete", obj=obj, reason=str(obj))
        obj.delete()


def password_changed(*, user: Any, actor: Any) -> None:
    """Record that `user`'s password was set (by the admin's password form, which saves it
    itself); never the password."""
    audit_record(
        actor=actor, action=f"{_label(user)}_change", obj=user, data={"password": "(changed)"}
    )


def role_grant(*, user: Any, role: Role | str, unit: Unit, actor: Any) -> RoleAssignment:
    assignment = RoleAssignment(user=user, role=role, unit=unit)
    return record_save(obj=assignment, actor=actor, changed=["user", "role", "unit"], created=True)


def role_revoke(*, assignment: RoleAssignment, actor: Any) -> None:
    record_delete(obj=assignment, actor=actor)


# --- The second factor (core.two_factor): what is recorded is that a device was set up,
# confirmed or reset, and by whom; never its key.


def two_factor_enrol(*, user: Any) -> TOTPDevice:
    """The device `user` is setting up: the one already begun, else a new one with a fresh
    random key (django-otp's default: 20 bytes from the system's generator)."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("-pk")
            .first()
        )
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
            audit_record(
                actor=user, action="two_factor_enrol", obj=user, data={"device": device.pk}
            )
    return device


def two_factor_confirm(*, device: TOTPDevice, actor: Any) -> None:
    """The person typed a right code from the device being set up: from now on it is the one
    their sign-ins ask for (any other device of theirs, begun or old, is removed)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(
            actor=actor, action="two_factor_confirm", obj=device.user, data={"device": device.pk}
        )


def two_factor_reset(*, user: Any, actor: Any, reason: str = "") -> int:
    """A lost or replaced phone: remove `user`'s devices and revoke their API tokens (obtained
    with the old device). Their open sessions stop being verified at once (the device is gone),
    and their next sign-in sets up a new device. Returns the number of devices removed."""
    with transaction.atomic():
        devices, _ = TOTPDevice.objects.filter(user=user).delete()
        tokens, _ = Token.objects.filter(user=user).delete()
        audit_record(
            actor=actor,
            action="two_factor_reset",
            obj=user,
            reason=reason,
            data={"devices": devices, "tokens_revoked": tokens},
        )
    return int(devices)
