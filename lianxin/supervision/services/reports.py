"""Writes of the reporting channel (举报): a report's submission, the reporter's access with
their receipt, reading a case, the messages between reporter and inspectors, the inspectors'
notes, and the case's steps (assess, investigate, conclude).

A report is sealed with its own key at once; the key is wrapped for every inspector free of
conflict who holds a keypair (services.keys), and for the reporter with a key derived from the
receipt. The server keeps neither the receipt nor any inspector's passphrase, so it can read
nothing by itself. No time beyond the day, no address, no device is stored; the submission is
audited the next day in a batch (services.escalation.reports_audit_received), and the
reporter's own messages are not audited at all. See docs/supervision/reporting.md."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core import clock
from lianxin.core.errors import InvalidInput, NotFound, RateLimited
from lianxin.core.models import Unit
from lianxin.core.ratelimit import count_hit, hits, local_counter
from lianxin.core.text import clean_text, visible
from lianxin.core.transitions import commit, lock, require_state, transition

from .. import reporting as rp
from ..errors import Code
from ..models.reports import (
    Report,
    ReportFile,
    ReportKeyWrap,
    ReportMessage,
    ReportRead,
    ReportStatus,
)
from .keys import check_handler, eligible_keys, report_key_for

REPORT_MAX_ACCUSED_CHARS = 200
REPORT_MAX_CONTENT_CHARS = 20000
REPORT_MAX_MESSAGE_CHARS = 5000

# The states in which a case still takes messages and notes (Report.is_open).
OPEN_STATES = [
    s for s in ReportStatus if s not in (ReportStatus.CONCLUDED, ReportStatus.NOT_ACCEPTED)
]
# commit()'s state field for acts on a case that move no state (a message, a note, an
# escalation): no state is saved, and the audit event names none.
NO_STATE = ""


@dataclass
class ReporterAccess:
    """A report opened with its receipt, and its key, for this request only."""

    report: Report
    key: bytes


def today() -> date:
    """The day, the only time the channel stores."""
    return timezone.localdate(clock.now())


# --- submission -------------------------------------------------------------------------------
def _accused_unit(value: Any, accused: str) -> Unit | None:
    """The unit the reporter chose (by id or code), else the non-root unit whose name the
    accused text names (the longest, so 东湖社区 wins over 东湖). The district root itself is
    never the accused unit: everyone works under it."""
    unit: Unit | None
    if isinstance(value, Unit):
        unit = value
    elif value not in (None, ""):
        value = str(value).strip()
        lookup = Q(code=value) | (Q(pk=int(value)) if value.isdigit() else Q(pk__in=[]))
        unit = Unit.objects.filter(lookup, is_active=True).first()
        if unit is None:
            raise InvalidInput(
                _("Choose the unit from the list."),
                code=Code.ACCUSED_UNIT_UNKNOWN,
                fields={"accused_unit": [_("Unknown unit.")]},
            )
    else:
        named = [
            u
            for u in Unit.objects.filter(is_active=True, parent__isnull=False)
            if u.name and u.name in accused
        ]
        unit = max(named, key=lambda u: len(u.name), default=None)
    return unit if unit is not None and unit.parent_id is not None else None


def _read_upload(upload: Any, max_bytes: int) -> bytes | None:
    """The file's bytes, or None when it is over the limit (the upload handler may already
    have dropped the data of an oversized file and flagged it)."""
    if getattr(upload, "too_big", False) or (getattr(upload, "size", 0) or 0) > max_bytes:
        return None
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(max_bytes + 1)
    return None if len(data) > max_bytes else bytes(data)


def _check_evidence(
    files: Iterable[Any] | None, errors: dict[str, list[str]]
) -> list[tuple[str, str, bytes]]:
    """(name, kind, bytes) of each evidence file, after every check; problems go to errors."""
    max_bytes = int(settings.REPORT_MAX_FILE_BYTES)
    max_count = int(settings.REPORT_MAX_FILES)
    uploads = list(files or ())
    if len(uploads) > max_count:
        errors.setdefault(Code.TOO_MANY_FILES, []).append(
            _("At most %(count)d files can be attached.") % {"count": max_count}
        )
        return []
    checked = []
    for upload in uploads:
        name = str(getattr(upload, "name", "") or "file")[:200]
        data = _read_upload(upload, max_bytes)
        if data is None:
            errors.setdefault(Code.FILE_TOO_LARGE, []).append(
                _("%(name)s is larger than %(mb)s MB.")
                % {"name": name, "mb": round(max_bytes / 1048576, 1)}
            )
            continue
        kind = rp.sniff_file_type(data) if data else None
        if kind is None:
            errors.setdefault(Code.FILE_TYPE, []).append(
                _(
                    "%(name)s is not an accepted file. Attach pictures (JPEG, PNG, GIF, WebP), PDF "
                    "or office documents."
                )
                % {"name": name}
            )
            continue
        checked.append((name, kind, data))
    return checked


def _parse_day(value: Any, errors: dict[str, list[str]]) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip())
        except ValueError:
            errors.setdefault(Code.OCCURRED_ON, []).append(_("Give the date as YYYY-MM-DD."))
            return None
    if value > today():
        errors.setdefault(Code.OCCURRED_ON, []).append(_("The date cannot be in the future."))
        return None
    return value


# Which stored error goes to which form field, and the code of the first one found.
_REPORT_ERROR_FIELDS = {
    Code.ACCUSED_REQUIRED: "accused",
    Code.ACCUSED_TOO_LONG: "accused",
    Code.CONTENT_REQUIRED: "content",
    Code.CONTENT_TOO_LONG: "content",
    Code.OCCURRED_ON: "occurred_on",
    Code.TOO_MANY_FILES: "files",
    Code.FILE_TOO_LARGE: "files",
    Code.FILE_TYPE: "files",
}


def evidence_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "reports"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _write_evidence(path: Path, data: bytes, day: date) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    # The file's times say the day, not the hour (the inode's change time still says when:
    # see the threat model).
    midnight = datetime.combine(day, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    os.utime(path, (midnight.timestamp(), midnight.timestamp()))


def report_submit(
    *,
    accused: Any,
    content: Any,
    occurred_on: Any = None,
    accused_unit: Any = None,
    files: Iterable[Any] = (),
) -> tuple[Report, str]:
    """Accept a report; returns it and its receipt (shown to the reporter once, kept nowhere).
    Every check runs before anything is written; files are written inside the transaction and
    removed again if it fails, so an error leaves no row and no file behind."""
    accused, content = visible(accused), visible(content)
    errors: dict[str, list[str]] = {}
    if not accused:
        errors[Code.ACCUSED_REQUIRED] = [_("Say who or which unit you are reporting.")]
    elif len(accused) > REPORT_MAX_ACCUSED_CHARS:
        errors[Code.ACCUSED_TOO_LONG] = [
            _("At most %(n)d characters.") % {"n": REPORT_MAX_ACCUSED_CHARS}
        ]
    if not content:
        errors[Code.CONTENT_REQUIRED] = [_("Describe what happened.")]
    elif len(content) > REPORT_MAX_CONTENT_CHARS:
        errors[Code.CONTENT_TOO_LONG] = [
            _("At most %(n)d characters.") % {"n": REPORT_MAX_CONTENT_CHARS}
        ]
    day = _parse_day(occurred_on, errors)
    evidence = _check_evidence(files, errors)
    if errors:
        fields: dict[str, list[str]] = {}
        for code, messages in errors.items():
            fields.setdefault(_REPORT_ERROR_FIELDS[Code(code)], []).extend(messages)
        raise InvalidInput(next(iter(errors.values()))[0], code=next(iter(errors)), fields=fields)
    unit = _accused_unit(accused_unit, accused)

    received = today()
    clocks, ack_due, feedback_due = rp.report_deadlines(received)
    key, receipt = rp.new_report_key(), rp.new_receipt()
    reporter_salt = rp.new_salt()
    ops, mem = rp.kdf_limits("receipt")
    accused_salt = rp.new_salt()
    report = Report(
        received_on=received,
        clocks=clocks,
        ack_due=ack_due,
        feedback_due=feedback_due,
        receipt_hash=rp.receipt_hash(receipt),
        receipt_bucket=rp.receipt_bucket(receipt),
        reporter_wrap=rp.seal(rp.derive_key(receipt, reporter_salt, ops, mem), key),
        reporter_salt=reporter_salt,
        reporter_opslimit=ops,
        reporter_memlimit=mem,
        ciphertext=rp.seal_json(
            key,
            {
                "accused": accused,
                "content": content,
                "occurred_on": day.isoformat() if day else None,
            },
        ),
        accused_unit=unit,
        accused_salt=accused_salt,
        accused_hashes=rp.accused_name_hashes(accused_salt, accused),
    )
    readers = eligible_keys(report)
    if not readers:
        raise rp.ChannelUnavailable()
    written: list[Path] = []
    try:
        with transaction.atomic():
            report.save(force_insert=True)
            ReportKeyWrap.objects.bulk_create(
                [
                    ReportKeyWrap(
                        report=report,
                        inspector_key=k,
                        wrapped_key=rp.wrap_for_inspector(key, k.public_key),
                    )
                    for k in readers
                ]
            )
            folder = evidence_dir() if evidence else Path()
            for name, kind, data in evidence:
                stored = secrets.token_hex(16)
                path = folder / stored
                written.append(path)
                _write_evidence(path, rp.seal(key, data), received)
                ReportFile.objects.create(
                    report=report,
                    stored_name=stored,
                    meta=rp.seal_json(key, {"name": name, "kind": kind}),
                )
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return report, receipt


# --- the reporter's side ----------------------------------------------------------------------
def report_open_by_receipt(*, receipt: Any, ident: str) -> ReporterAccess:
    """The report a receipt opens, with its key. Wrong receipts are counted per address (kept
    as a keyed tag) and overall, and lock the channel's look-ups for a while when too many;
    an unknown and a malformed receipt get the same answer after about the same work."""
    per_address, overall, window = rp.failure_limits()
    # Per address in this process's memory only; overall in the database, in whole (UTC) days,
    # so the stored counter says no more than "today".
    address_key, global_key = f"report-receipt-fail:{ident}", "report-receipt-fail:all"
    if local_counter.hits(address_key) >= per_address or hits(global_key) >= overall:
        raise RateLimited()
    digits = rp.normalise_receipt(receipt)
    if digits is not None:
        for report in Report.objects.filter(receipt_bucket__in=rp.receipt_buckets(digits)):
            if rp.receipt_matches(report.receipt_hash, digits):
                wrapping = rp.derive_key(
                    digits,
                    bytes(report.reporter_salt),
                    report.reporter_opslimit,
                    report.reporter_memlimit,
                )
                return ReporterAccess(report=report, key=rp.unseal(wrapping, report.reporter_wrap))
    rp.burn_receipt_check()
    local_counter.hit(address_key, window)
    count_hit(global_key, 86400, aligned=True)
    raise NotFound(_("No report matches this receipt."))


def _messages_of(report: Report, key: bytes, *, notes: bool = False) -> list[dict[str, Any]]:
    """The exchange with the reporter, or (`notes`) the inspectors' notes of the case."""
    messages = report.messages.all()
    messages = (
        messages.filter(side=ReportMessage.Side.NOTE)
        if notes
        else messages.exclude(side=ReportMessage.Side.NOTE)
    )
    return [
        {"side": m.side, "day": m.sent_on, "text": rp.unseal(key, m.ciphertext).decode()}
        for m in messages
    ]


def report_status(*, access: ReporterAccess) -> dict[str, Any]:
    """What the reporter sees: the status, the clocks and the messages, decrypted with the key
    their receipt unlocked."""
    report = access.report
    return {
        "status": report.status,
        "status_display": str(ReportStatus(report.status).label),
        "received_on": report.received_on,
        "ack_due": report.ack_due,
        "feedback_due": report.feedback_due,
        "messages": _messages_of(report, access.key),
    }


# --- the inspectors' side ---------------------------------------------------------------------
def _log_read(report: Report, actor: Any, what: str) -> None:
    ReportRead.objects.create(report=report, user=actor, at=clock.now(), what=what)


def report_read(*, report: Report, actor: Any, private_key: bytes | None) -> dict[str, Any]:
    """A case opened by an inspector: its content, messages and files' names. Logged."""
    key = report_key_for(report=report, actor=actor, private_key=private_key)
    with transaction.atomic():
        _log_read(report, actor, "case")
    content = rp.unseal_json(key, report.ciphertext)
    files = [{"id": f.id, **rp.unseal_json(key, f.meta)} for f in report.files.all()]
    return {
        **content,
        "messages": _messages_of(report, key),
        "files": files,
        "notes": _messages_of(report, key, notes=True),
    }


def report_file_read(
    *, report_file: ReportFile, actor: Any, private_key: bytes | None
) -> tuple[str, str, bytes]:
    """(name, kind, bytes) of an evidence file. Logged."""
    report = report_file.report
    key = report_key_for(report=report, actor=actor, private_key=private_key)
    meta = rp.unseal_json(key, report_file.meta)
    data = rp.unseal(key, (evidence_dir() / report_file.stored_name).read_bytes())
    with transaction.atomic():
        _log_read(report, actor, "file")
    return meta["name"], meta["kind"], data


# --- messages and notes -----------------------------------------------------------------------
def _message_text(value: Any) -> str:
    """A message, reason or result: core's text cleaner, with the channel's own codes."""
    if not visible(value):
        raise InvalidInput(
            _("Write a message."),
            code=Code.MESSAGE_REQUIRED,
            fields={"text": [_("This field is required.")]},
        )
    return clean_text(
        value,
        field="text",
        label=_("Message"),
        max_length=REPORT_MAX_MESSAGE_CHARS,
        code=Code.MESSAGE_TOO_LONG,
    )


def _add_message(report: Report, key: bytes, side: str, text: str) -> ReportMessage:
    """Inside the caller's transaction, with the report row locked: dated by the day, ordered
    by a sequence number, never by a time."""
    last = report.messages.order_by("-seq").values_list("seq", flat=True).first() or 0
    return ReportMessage.objects.create(
        report=report,
        side=side,
        sent_on=today(),
        seq=last + 1,
        ciphertext=rp.seal(key, text.encode()),
    )


def _lock_open(report: Report) -> Report:
    """The case locked, inside the caller's transaction; closed cases take nothing more."""
    case = lock(Report, report)
    require_state(case, OPEN_STATES, message=_("This case is closed."), code=Code.REPORT_CLOSED)
    return case


def report_message_add(
    *,
    text: Any,
    access: ReporterAccess | None = None,
    report: Report | None = None,
    actor: Any = None,
    private_key: bytes | None = None,
) -> ReportMessage:
    """A message from the reporter (with `access` from their receipt) or from an inspector
    (`report`, `actor` and their unlocked `private_key`). Closed cases take no more messages.
    An inspector's message acknowledges the report, and once it is accepted gives feedback."""
    text = _message_text(text)
    if access is not None:
        report, key, side = access.report, access.key, ReportMessage.Side.REPORTER
    else:
        if report is None:
            raise TypeError("report_message_add needs the reporter's access or the report")
        key = report_key_for(report=report, actor=actor, private_key=private_key)
        side = ReportMessage.Side.INSPECTOR
    with transaction.atomic():
        report = _lock_open(report)
        message = _add_message(report, key, side, text)
        if side == ReportMessage.Side.INSPECTOR:
            day = today()
            report.acknowledged_on = report.acknowledged_on or day
            if report.status in (ReportStatus.ASSESSED, ReportStatus.INVESTIGATING):
                report.feedback_on = report.feedback_on or day
            commit(
                report,
                action="report_message",
                actor=actor,
                fields=["acknowledged_on", "feedback_on"],
                state_field=NO_STATE,
            )
        # The reporter's own messages are not audited: the chain's clock would date them.
    return message


def report_note_add(
    *, report: Report, actor: Any, private_key: bytes | None, text: Any
) -> ReportMessage:
    """An investigation step recorded by an inspector (who was heard, what was checked):
    sealed with the report's key like a message, dated by the day, for the inspectors only.
    It tells the reporter nothing, so it neither acknowledges nor gives feedback."""
    text = _message_text(text)
    key = report_key_for(report=report, actor=actor, private_key=private_key)
    with transaction.atomic():
        report = _lock_open(report)
        note = _add_message(report, key, ReportMessage.Side.NOTE, text)
        commit(report, action="report_note", actor=actor, state_field=NO_STATE)
    return note


# --- the case's steps -------------------------------------------------------------------------
def _case_move(
    *,
    report: Report,
    actor: Any,
    action: str,
    allowed: list[str],
    to: str,
    key: bytes | None = None,
    message: str = "",
    feedback: bool = False,
) -> Report:
    """Move a case, which acknowledges it (and, with `feedback`, gives feedback); `message`
    goes to the reporter in the same transaction. The handler is checked before anything is
    locked: a conflicted inspector learns nothing, not even the case's state."""
    check_handler(report, actor)

    def change(case: Report) -> list[str]:
        day = today()
        case.acknowledged_on = case.acknowledged_on or day
        if feedback:
            case.feedback_on = case.feedback_on or day
        if message and key is not None:
            _add_message(case, key, ReportMessage.Side.INSPECTOR, message)
        return ["acknowledged_on", "feedback_on"]

    return transition(
        Report,
        report,
        action=action,
        actor=actor,
        to=to,
        allowed=allowed,
        refused=_("This action is not possible in the case's current state."),
        change=change,
    )


def report_assess(
    *, report: Report, actor: Any, private_key: bytes | None, accept: bool, reason: Any = ""
) -> Report:
    """Accept the report for investigation, or not (a reason is required). The reason, if
    any, is told to the reporter as a message, which counts as feedback; it is never written
    to the audit log."""
    reason = visible(reason)
    if not accept and not reason:
        raise InvalidInput(
            _("Give the reason for not accepting the report."),
            code=Code.REASON_REQUIRED,
            fields={"reason": [_("This field is required.")]},
        )
    key = report_key_for(report=report, actor=actor, private_key=private_key) if reason else None
    if reason:
        reason = _message_text(reason)
    return _case_move(
        report=report,
        actor=actor,
        action="report_assess",
        allowed=[ReportStatus.RECEIVED],
        to=ReportStatus.ASSESSED if accept else ReportStatus.NOT_ACCEPTED,
        key=key,
        message=reason,
        feedback=bool(reason),
    )


def report_investigate(*, report: Report, actor: Any) -> Report:
    return _case_move(
        report=report,
        actor=actor,
        action="report_investigate",
        allowed=[ReportStatus.ASSESSED],
        to=ReportStatus.INVESTIGATING,
    )


def report_conclude(
    *, report: Report, actor: Any, private_key: bytes | None, result: Any
) -> Report:
    """Close the investigation; the result goes to the reporter as a message."""
    if not visible(result):
        raise InvalidInput(
            _("Write the result that will be told to the reporter."),
            code=Code.RESULT_REQUIRED,
            fields={"result": [_("This field is required.")]},
        )
    result = _message_text(result)
    key = report_key_for(report=report, actor=actor, private_key=private_key)
    return _case_move(
        report=report,
        actor=actor,
        action="report_conclude",
        allowed=[ReportStatus.INVESTIGATING],
        to=ReportStatus.CONCLUDED,
        key=key,
        message=result,
        feedback=True,
    )
