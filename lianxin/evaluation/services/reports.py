"""Duty-and-integrity reports (述职述廉): a cadre's yearly report, citizens' ratings of it and
the moderation of their comments."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from lianxin.core import clock
from lianxin.core.access import OFFICIAL_ROLES, units_where
from lianxin.core.audit import audit_record
from lianxin.core.calendar import LOCAL
from lianxin.core.errors import Conflict, InvalidInput, PermissionDenied, RateLimited
from lianxin.core.keys import mac, macs
from lianxin.core.models import Unit
from lianxin.core.ratelimit import address_tag, within_rate
from lianxin.core.text import clean_text
from lianxin.core.transitions import commit, lock, require_state, transition

from ..errors import Code
from ..models import CommentStatus, DutyReport, ReportRating, ReportStatus
from .common import require, year_value

MAX_REPORT_TEXT = 20000
MAX_RATING_COMMENT = 1000


def _report_year(value: Any) -> int:
    year = year_value(value)
    if year > clock.now().astimezone(LOCAL).year:
        raise InvalidInput(
            _("A report is written for a year that has begun."),
            code=Code.INVALID_YEAR,
            fields={"year": [_("Not a valid year.")]},
        )
    return year


def duty_report_create(*, author, unit: Unit, year, title: str, text: str) -> DutyReport:
    """A cadre's draft report for a unit in which the cadre holds an official role."""
    require(author, "evaluation.write_duty_report")
    if unit not in units_where(author, *OFFICIAL_ROLES):
        raise PermissionDenied(
            _("You can only report for a unit in which you hold a post."), code=Code.NOT_YOUR_UNIT
        )
    year = _report_year(year)
    title = clean_text(title, field="title", label=_("Title"), max_length=200)
    text = clean_text(text, field="text", label=_("Text"), max_length=MAX_REPORT_TEXT)
    with transaction.atomic():
        if DutyReport.objects.filter(author=author, unit=unit, year=year).exists():
            raise Conflict(
                _("You already have a report for %(year)d in this unit.") % {"year": year},
                code=Code.REPORT_EXISTS,
            )
        try:
            with transaction.atomic():
                report = DutyReport.objects.create(
                    author=author, unit=unit, year=year, title=title, text=text
                )
        except IntegrityError as exc:
            raise Conflict(
                _("You already have a report for %(year)d in this unit.") % {"year": year},
                code=Code.REPORT_EXISTS,
            ) from exc
        audit_record(
            actor=author,
            action="duty_report_create",
            obj=report,
            to_state=report.status,
            data={"unit": unit.pk, "year": year},
        )
    return report


def duty_report_update(*, report: DutyReport, actor, title: str, text: str) -> DutyReport:
    require(actor, "evaluation.edit_duty_report", report)
    title = clean_text(title, field="title", label=_("Title"), max_length=200)
    text = clean_text(text, field="text", label=_("Text"), max_length=MAX_REPORT_TEXT)
    with transaction.atomic():
        report = lock(DutyReport, report, missing=_("Report not found."))
        require_state(
            report,
            [ReportStatus.DRAFT],
            message=_("A published report cannot be changed."),
            code=Code.REPORT_PUBLISHED,
        )
        report.title, report.text = title, text
        # state_field="": an edit, not a move; its audit event names no state.
        return commit(
            report,
            action="duty_report_update",
            actor=actor,
            fields=["title", "text"],
            state_field="",
        )


def duty_report_publish(*, report: DutyReport, actor) -> DutyReport:
    require(actor, "evaluation.edit_duty_report", report)

    def change(report: DutyReport) -> list[str]:
        report.published_at = clock.now()
        return ["published_at"]

    return transition(
        DutyReport,
        report,
        action="duty_report_publish",
        actor=actor,
        allowed=[ReportStatus.DRAFT],
        to=ReportStatus.PUBLISHED,
        change=change,
        refused=_("This report is already published."),
        refused_code=Code.REPORT_PUBLISHED,
        missing=_("Report not found."),
    )


def _anon_key(report: DutyReport, address: str) -> str:
    """The key a new anonymous rating is stored under: a keyed hash of the report and the
    address, under the "duty-rating" key (core.keys), so the address is not stored."""
    return mac("duty-rating", _anon_message(report, address)).hex()


def _anon_keys(report: DutyReport, address: str) -> list[str]:
    """Every key a rating from this address may have been stored under: the current and former
    "duty-rating" keys (rotation), and the key used before core.keys existed. Ratings stored
    before the upgrade were keyed with SECRET_KEY, and each
    published report stays open to rating: without that last one an address that rated before
    the upgrade could rate the same report again. That key only recognises old ratings; no new
    value is made with it."""
    message = _anon_message(report, address)
    legacy = settings.SECRET_KEY.encode()
    return [
        m.hex() for m in [*macs("duty-rating", message), mac("duty-rating", message, key=legacy)]
    ]


def _anon_message(report: DutyReport, address: str) -> str:
    # The text hashed is the one used before core.keys, so that old ratings still match.
    return f"duty-rating:{report.pk}:{address}"


def _anon_rate_ok(address: str) -> bool:
    """At most DUTY_RATING_ANON_RATE anonymous ratings per address ("10/hour"; "off"). The
    counter is named by a keyed tag of the address: a plain hash of an IPv4 address is undone
    by trying all 2^32 of them."""
    return within_rate(f"duty-rating-anon:{address_tag(address)}", settings.DUTY_RATING_ANON_RATE)


def duty_report_rate(
    *, report: DutyReport, actor=None, stars, comment: str = "", client_address: str = ""
) -> ReportRating:
    """A citizen's rating (1–5) and optional comment, held for moderation. One per citizen
    account; without an account, one per network address and report, and a few per hour."""
    actor = actor if actor is not None else AnonymousUser()
    require(actor, "evaluation.rate_duty_report", report)
    try:
        stars = int(stars)
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise InvalidInput(
            _("Rate from 1 to 5 stars."),
            code=Code.INVALID_RATING,
            fields={"stars": [_("Rate from 1 to 5 stars.")]},
        )
    comment = clean_text(
        comment, field="comment", label=_("Comment"), max_length=MAX_RATING_COMMENT, required=False
    )
    anonymous = not actor.is_authenticated
    if anonymous and not client_address:
        raise PermissionDenied(_("Log in to rate this report."))
    already = Conflict(_("You have already rated this report."), code=Code.ALREADY_RATED)
    with transaction.atomic():
        report = lock(DutyReport, report, missing=_("Report not found."))
        require_state(
            report,
            [ReportStatus.PUBLISHED],
            message=_("Only a published report can be rated."),
            code=Code.REPORT_NOT_PUBLISHED,
        )
        anon_key = _anon_key(report, client_address) if anonymous else ""
        mine = Q(anon_key__in=_anon_keys(report, client_address)) if anonymous else Q(user=actor)
        if report.ratings.filter(mine).exists():
            raise already
        if anonymous and not _anon_rate_ok(client_address):
            raise RateLimited()
        try:
            with transaction.atomic():
                rating = ReportRating.objects.create(
                    report=report,
                    user=None if anonymous else actor,
                    anon_key=anon_key,
                    stars=stars,
                    comment=comment,
                    comment_status=CommentStatus.PENDING if comment else CommentStatus.NONE,
                )
        except IntegrityError as exc:
            raise already from exc
        audit_record(
            actor=None if anonymous else actor,
            actor_label=_("anonymous citizen") if anonymous else "",
            action="duty_report_rate",
            obj=rating,
            to_state=rating.comment_status,
            data={"report": report.pk, "stars": stars},
        )
    return rating


def report_comment_moderate(*, rating: ReportRating, actor, approve: bool) -> ReportRating:
    require(actor, "evaluation.moderate_report_comment", rating)

    def change(rating: ReportRating) -> list[str]:
        rating.moderated_by, rating.moderated_at = actor, clock.now()
        return ["moderated_by", "moderated_at"]

    return transition(
        ReportRating,
        rating,
        action="report_comment_moderate",
        actor=actor,
        state_field="comment_status",
        allowed=[CommentStatus.PENDING],
        to=CommentStatus.APPROVED if approve else CommentStatus.REJECTED,
        change=change,
        refused=_("This comment has already been moderated."),
        refused_code=Code.COMMENT_MODERATED,
        missing=_("Comment not found."),
    )
