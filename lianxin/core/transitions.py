"""The one way to change the state of a record: lock it, check it, change it, audit it.

Every app's services move their records (appeals, reports, filings, campaigns, alarms, …)
through `transition`, or, when the change is more than a move between states, through its
parts `lock` and `commit` inside their own `transaction.atomic()`. So a new app gets the rules
right by using it: the row is locked before it is read (two clerks cannot both win), a stale
form is refused (`version`), the actor's permission and the record's state are checked on the
locked row, and the change and its audit event are written in the same transaction.

Why one primitive: the same five steps were written twenty times, and the copies drifted
(some forgot the version, some audited before saving, one checked the state before locking).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import Any, TypeVar
from uuid import UUID

from django.db import models, transaction
from django.db.models import signals
from django.utils.translation import gettext_lazy as _

from lianxin.core import clock
from lianxin.core.access import may
from lianxin.core.audit import audit_record
from lianxin.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied
from lianxin.core.rows import holding, update_row

M = TypeVar("M", bound=models.Model)


def lock(
    model: type[M],
    target: M | int | str | UUID,
    *,
    version: int | None = None,
    related: Iterable[str] = (),
    queryset: models.QuerySet[M] | None = None,
    missing: str | None = None,
    missing_code: str = "not_found",
) -> M:
    """The row of `target` (an instance or a primary key), locked until the transaction ends.

    `version`: the version the actor's form was built from; a row changed since is a Conflict.
    `related`: foreign keys read along (they are not locked: `of=("self",)`).
    `queryset`: a narrower set to look in (e.g. what the actor may see); outside it is NotFound.
    """
    pk = target.pk if isinstance(target, models.Model) else target
    rows = queryset if queryset is not None else model._default_manager.all()
    related = tuple(related)
    if related:
        rows = rows.select_related(*related)
    locked = rows.select_for_update(of=("self",)).filter(pk=pk).first()
    if locked is None:
        raise NotFound(missing or _("Not found."), code=missing_code)
    if version is not None and getattr(locked, "version", None) != version:
        raise Conflict()
    return locked


def lock_many(model: type[M], pks: Iterable[Any]) -> dict[Any, M]:
    """The rows of `pks` that exist, by primary key, locked until the transaction ends, in one
    query and in the order of their keys (as merging locks two: no deadlock between them). For
    a sweeper that changes several records in one transaction."""
    rows = model._default_manager.select_for_update(of=("self",)).filter(pk__in=list(pks))
    return {row.pk: row for row in rows.order_by("pk")}


def require_state(
    obj: models.Model,
    allowed: Collection[str],
    *,
    message: str | None = None,
    code: str = "invalid_transition",
    field: str = "status",
) -> None:
    """InvalidTransition unless `obj.<field>` is one of `allowed`. `message` may use
    %(status)s, the state's display name."""
    state = getattr(obj, field)
    if state in allowed:
        return
    display = getattr(obj, f"get_{field}_display", lambda: state)()
    text = message if message is not None else _("This is not possible while it is %(status)s.")
    raise InvalidTransition(text % {"status": display}, code=code)


def require_permission(
    actor: Any,
    perm: str,
    obj: models.Model,
    *,
    message: str | None = None,
    code: str = "permission_denied",
) -> None:
    """PermissionDenied unless the rules (`core.access.may`) let `actor` do `perm` on `obj`."""
    if actor is None or not may(actor, perm, obj):
        raise PermissionDenied(message, code=code)


def commit(
    obj: M,
    *,
    action: str,
    actor: Any,
    fields: Iterable[str] = (),
    from_state: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
    actor_label: str = "",
    state_field: str = "status",
    version_field: str | None = "version",
) -> M:
    """Save the changed `fields` (plus the state, the edit counter `version_field` and
    `updated_at` where the model has them) and write the audit event, inside the caller's
    transaction. `version_field=None` for a model whose `version` means something else.
    Within core.rows.writes_held, the save and the event are written with what is held."""
    if not (transaction.get_connection().in_atomic_block or holding()):
        raise RuntimeError("commit() must run inside transaction.atomic() with the row locked")
    names = {f.name for f in obj._meta.concrete_fields}
    update = list(dict.fromkeys(fields))
    for name in (state_field, version_field, "updated_at"):
        if name and name in names and name not in update:
            update.append(name)
    if version_field and version_field in names:
        setattr(obj, version_field, (getattr(obj, version_field) or 0) + 1)
    if "updated_at" in names:
        obj.updated_at = clock.now()  # type: ignore[attr-defined]
    if _plain_update(type(obj)):
        # Every transition in the system saves here: the ORM's UPDATE compiler cost more than
        # the statement (core.rows).
        update_row(obj, update)
    elif holding():
        # save() would write now, outside the transaction the held writes wait for.
        raise RuntimeError(f"{type(obj).__name__} is saved through save(): not within writes_held")
    else:
        obj.save(update_fields=update)
    to_state = getattr(obj, state_field, "") if state_field in names else ""
    audit_record(
        actor=actor,
        actor_label=actor_label,
        action=action,
        obj=obj,
        from_state=from_state,
        to_state=to_state or "",
        reason=reason,
        data=data,
    )
    return obj


def _plain_update(model: type[models.Model]) -> bool:
    """Whether saving the model is only its UPDATE: it has no save() of its own (Unit keeps
    its subtree's paths there) and no receiver listens to its saves."""
    return (
        model.save is models.Model.save
        and not signals.pre_save.has_listeners(model)
        and not signals.post_save.has_listeners(model)
    )


def transition(
    model: type[M],
    target: M | int | str | UUID,
    *,
    action: str,
    actor: Any,
    to: str | None = None,
    allowed: Collection[str] | None = None,
    perm: str | None = None,
    version: int | None = None,
    related: Iterable[str] = (),
    change: Callable[[M], Iterable[str] | None] | None = None,
    reason: str = "",
    data: dict[str, Any] | Callable[[M], dict[str, Any]] | None = None,
    actor_label: str = "",
    refused: str | None = None,
    refused_code: str = "invalid_transition",
    missing: str | None = None,
    missing_code: str = "not_found",
    state_field: str = "status",
    version_field: str | None = "version",
) -> M:
    """Move one record from one of the `allowed` states to `to`, as `actor`, in one transaction.

    Steps, in this order, on the locked row: version, permission (`perm` through the rules),
    state (`allowed`; `refused` is the message, with %(status)s), then `change(obj)` — which may
    set more fields and returns their names, or raises to refuse — then the move and its audit
    event. `data` may be a function of the changed row (to audit what `change` decided)."""
    with transaction.atomic():
        obj = lock(
            model,
            target,
            version=version,
            related=related,
            missing=missing,
            missing_code=missing_code,
        )
        if perm is not None:
            require_permission(actor, perm, obj)
        if allowed is not None:
            require_state(obj, allowed, message=refused, code=refused_code, field=state_field)
        before = getattr(obj, state_field, "")
        fields = list(change(obj) or ()) if change is not None else []
        if to is not None:
            setattr(obj, state_field, to)
        return commit(
            obj,
            action=action,
            actor=actor,
            fields=fields,
            from_state=before,
            reason=reason,
            data=data(obj) if callable(data) else data,
            actor_label=actor_label,
            state_field=state_field,
            version_field=version_field,
        )
