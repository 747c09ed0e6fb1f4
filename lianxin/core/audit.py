"""Appending to the audit log, sealing it into a hash chain, and proving the chain unbroken.

Writers do not wait for each other: `audit_record` inserts the event with a keyed hash of its
own content and takes no shared lock. One sealer at a time (`audit_seal`: the schedule, and
`audit_verify` before it checks) takes the committed events not sealed yet in the order of
their ids, gives each its place (`seq`) and links it to the one before (`prev_hash`, `hash`,
which covers the event's id), and signs the new chain head. Why not chain at write time: the
head every writer had to lock serialised all the system's writes on one row."""

import hashlib
import hmac
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import clock, keys
from .models import AuditChainHead, AuditEvent
from .rows import holding, insert_row

log = logging.getLogger("lianxin.audit")

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


# The one key of the log (keys.py, purpose "audit-log") signs two kinds of message; the prefix
# keeps an event's content hash from ever passing for a head's signature.
_KEY = "audit-log"


def content_hash(event: AuditEvent, *, key: bytes | None = None) -> str:
    """The keyed hash of the event's content, written with it: whoever can write to the
    database but does not hold the key cannot alter or invent an event that passes."""
    return keys.mac(_KEY, b"event:" + _canonical(event), key=key).hex()


def _content_matches(event: AuditEvent) -> bool:
    return any(
        hmac.compare_digest(event.content_hash, content_hash(event, key=k)) for k in keys.keys(_KEY)
    )


def link_hash(prev_hash: str, event_id: int, content: str) -> str:
    """A sealed event's hash: it covers the one before, its id (the order pages show) and its
    content hash."""
    return hashlib.sha256(f"{prev_hash}:{event_id}:{content}".encode()).hexdigest()


def event_hash(event: AuditEvent) -> str:
    """What the sealed event's `hash` must be. Events chained before the sealer existed (no
    content hash) keep their own rule: sha256(prev_hash + canonical JSON)."""
    if not event.content_hash:
        return hashlib.sha256(event.prev_hash.encode() + _canonical(event)).hexdigest()
    return link_hash(event.prev_hash, event.pk, event.content_hash)


def head_signature(seq: int, last_hash: str, *, key: bytes | None = None) -> str:
    return keys.mac(_KEY, f"head:{seq}:{last_hash}", key=key).hex()


def _head_signed(head: AuditChainHead) -> bool:
    return any(
        hmac.compare_digest(head.mac, head_signature(head.seq, head.last_hash, key=k))
        for k in keys.keys(_KEY)
    )


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
    """Append one event, inside the service's transaction (it is part of the change). It locks
    nothing: the sealer chains it once it is committed. Within `core.rows.writes_held` it
    is written with what is held, and has no id until then."""
    connection = transaction.get_connection()
    if not (connection.in_atomic_block or holding()):
        raise RuntimeError("audit_record must run inside the service's transaction")
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
        hash=None,
    )
    event.content_hash = content_hash(event)
    # Plain SQL on this path (core.rows): every audited write in the system passes here.
    insert_row(event)
    return event


class ChainBroken(Exception):
    """The signed head does not match: the sealer does not build on a chain it cannot trust."""


def audit_seal(*, batch: int = 1000) -> int:
    """Seal every committed event not sealed yet into the chain, in the order of their ids;
    returns how many. Sealers queue on the head row (only they lock it), so each event gets one
    place. Per object the order is the order of the writes: a transition locks its object, so
    the next event on it gets its id only after the previous one committed."""
    sealed = 0
    while True:
        done = _seal_batch(batch)
        sealed += done
        if done < batch:
            return sealed


def _seal_batch(batch: int) -> int:
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(id=1).first()
        if head is None:  # a new database: the head starts the chain
            AuditChainHead.objects.get_or_create(id=1, defaults={"last_hash": GENESIS})
            head = AuditChainHead.objects.select_for_update().get(id=1)
        elif head.seq and not _head_signed(head):
            raise ChainBroken("the chain head's signature does not match")
        rows = list(
            AuditEvent.objects.filter(seq__isnull=True)
            .order_by("id")
            .values_list("id", "content_hash")[:batch]
        )
        if not rows:
            return 0
        seq, prev = head.seq, head.last_hash
        links = []
        for event_id, content in rows:
            seq += 1
            link = link_hash(prev, event_id, content)
            links.append((seq, prev, link, event_id))
            prev = link
        table = AuditEvent._meta.db_table
        connection = transaction.get_connection()
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {connection.ops.quote_name(table)} "  # noqa: S608
                "SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s AND seq IS NULL",
                links,
            )
        head.seq, head.last_hash = seq, prev
        head.mac = head_signature(seq, prev)
        head.sealed_at = timezone.now()
        head.save(update_fields=["seq", "last_hash", "mac", "sealed_at"])
    return len(rows)


@dataclass
class Break:
    event_id: int | None
    reason: str


def audit_breaks(*, seal: bool = True, batch: int = 5000) -> Iterator[Break]:
    """Seal what is committed (unless `seal` is False), then walk the chain in order and yield
    where it is broken: altered, removed, inserted or reordered events, a head that does not
    match or is not signed, and events left unsealed longer than AUDIT_UNSEALED_MAX_AGE."""
    if seal:
        try:
            audit_seal()
        except ChainBroken:
            log.exception("audit log: not sealed, the chain is broken")  # named below
    prev = GENESIS
    last_seq = 0
    while True:
        rows = list(AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq")[:batch])
        if not rows:
            break
        for event in rows:
            if event.prev_hash != prev:
                yield Break(event.pk, "prev_hash does not match the event before it")
            elif event.content_hash and not _content_matches(event):
                yield Break(event.pk, "content does not match its hash")
            elif event_hash(event) != event.hash:
                what = "id (the event was moved)" if event.content_hash else "content"
                yield Break(event.pk, f"{what} does not match its hash")
            prev = event.hash or ""
            last_seq = event.seq or last_seq
    head = AuditChainHead.objects.filter(id=1).first()
    if head is None:
        if last_seq:
            yield Break(None, "the chain head is missing")
    elif head.last_hash != prev or head.seq != last_seq:
        yield Break(None, "the newest events were removed (chain head does not match)")
    elif head.seq and not _head_signed(head):
        yield Break(None, "the chain head's signature does not match")
    too_old = timezone.now() - settings.AUDIT_UNSEALED_MAX_AGE
    stale = AuditEvent.objects.filter(seq__isnull=True, created_at__lt=too_old).order_by("id")
    for event_id in stale.values_list("id", flat=True)[:batch]:
        yield Break(event_id, "not sealed into the chain in time")
