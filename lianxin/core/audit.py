"""Appending to the hash-chained audit log, and proving it unbroken."""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from . import clock
from .models import AuditChainHead, AuditEvent

GENESIS = "0" * 64

# What each recorded action is called in words, for the people who read the log (the admin's
# audit pages, an appeal's timeline). The apps that record actions name them, from their
# AppConfig.ready(): audit_action_labels({"dispatch": _("Dispatched"), ...}). The records
# administrators keep (core.services.record_save/record_delete: "<app>.<model>_create") are
# named from their model. An action named neither way shows its code.
ACTION_LABELS: dict[str, str] = {}

_RECORD_ACTIONS = {
    "create": _("%(model)s created"),
    "change": _("%(model)s changed"),
    "delete": _("%(model)s deleted"),
}


def audit_action_labels(labels: dict[str, Any]) -> None:
    ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    label, _underscore, verb = action.rpartition("_")
    if "." in label and verb in _RECORD_ACTIONS:
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            return action
        return _RECORD_ACTIONS[verb] % {"model": model._meta.verbose_name}
    return action


def _canonical(event: AuditEvent) -> bytes:
    body = {
        "created_at": event.created_at.astimezone(UTC).isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "reason": event.reason,
        "data": event.data,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(event.prev_hash.encode() + _canonical(event)).hexdigest()


def audit_record(
    *,
    actor: Any = None,
    actor_label: str = "",
    action: str,
    obj: Any,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
    object_type: str | None = None,
) -> AuditEvent:
    """Append one event. Call it inside the service's transaction, as late as possible: the
    chain head stays locked until that transaction commits."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the service's transaction")
    head_table = connection.ops.quote_name(AuditChainHead._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        # Plain SQL on this path: every audited write in the system passes here, and the
        # ORM's query building cost more than the statements themselves.
        cursor.execute(f"SELECT last_hash FROM {head_table} WHERE id = 1{lock}")  # noqa: S608
        row = cursor.fetchone()
        if row is None:  # the very first event of a new database
            AuditChainHead.objects.get_or_create(id=1, defaults={"last_hash": GENESIS})
            cursor.execute(f"SELECT last_hash FROM {head_table} WHERE id = 1{lock}")  # noqa: S608
            row = cursor.fetchone()
        if actor is not None and not getattr(actor, "is_authenticated", False):
            actor_label = actor_label or getattr(actor, "get_username", lambda: "")()
            actor = None
        event = AuditEvent(
            created_at=clock.now(),
            actor=actor,
            actor_label=actor_label or (actor.get_username() if actor else ""),
            action=action,
            object_type=object_type or obj._meta.label_lower,
            object_id=str(obj.pk),
            from_state=from_state,
            to_state=to_state,
            reason=reason,
            # Round-trip through JSON so the hash is computed over exactly what is stored.
            data=json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder)),
            prev_hash=row[0],
        )
        event.hash = event_hash(event)
        event.pk = _insert(cursor, connection, event)
        event._state.adding = False
        cursor.execute(
            f"UPDATE {head_table} SET last_hash = %s WHERE id = 1",  # noqa: S608
            [event.hash],
        )
    return event


_COLUMNS = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]


def _insert(cursor: Any, connection: Any, event: AuditEvent) -> int:
    """INSERT one event with the fields' own conversions; returns its id."""
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in _COLUMNS)
    marks = ", ".join(["%s"] * len(_COLUMNS))
    sql = f"INSERT INTO {qn(AuditEvent._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    values = [f.get_db_prep_save(getattr(event, f.attname), connection) for f in _COLUMNS]
    if connection.features.can_return_columns_from_insert:
        cursor.execute(f"{sql} RETURNING {qn('id')}", values)
        return int(cursor.fetchone()[0])
    cursor.execute(sql, values)
    return int(cursor.lastrowid)


@dataclass
class Break:
    event_id: int | None
    reason: str


def audit_breaks(batch: int = 5000) -> Iterator[Break]:
    """Walk the chain in order; yield where it is broken (altered, removed or inserted rows)."""
    prev = GENESIS
    last_id = 0
    while True:
        rows = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            break
        for event in rows:
            if event.prev_hash != prev:
                yield Break(event.pk, "prev_hash does not match the event before it")
            elif event_hash(event) != event.hash:
                yield Break(event.pk, "content does not match its hash")
            prev = event.hash
            last_id = event.pk
    head = AuditChainHead.objects.filter(id=1).first()
    if head and head.last_hash != prev:
        yield Break(None, "the newest events were removed (chain head does not match)")
