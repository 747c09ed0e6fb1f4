"""民主评议 helpers: voting codes (make, read, hash), the statistics of a tally, the printable
code slips, and `appraisal_scores` for the indicator system. Writes live in services.py."""

from __future__ import annotations

import base64
import io
import math
import re
import secrets

from django.conf import settings
from django.db.models import Sum
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from lianxin.core import clock
from lianxin.core.errors import InvalidInput, InvalidTransition

from .models.appraisal import (
    RATING_VALUES,
    AppraisalCampaign,
    AppraisalInvitation,
    AppraisalTally,
)

TOKEN_BYTES = 16  # 128 random bits
TOKEN_LENGTH = 26  # base32 without padding
_KEY_SALT = "lianxin.evaluation.appraisal.token"
# Base32 has no 0, 1 or 8; people reading a printed slip type them for O, I and B.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})
_TOKEN_RE = re.compile(r"^[A-Z2-7]{26}$")
# A code inside a message body, grouped as printed (XXXX-XXXX-…-XX) or plain (in the link).
TOKEN_IN_TEXT_RE = re.compile(
    r"(?<![A-Za-z0-9-])(?:[A-Z2-7]{4}(?:-[A-Z2-7]{4}){5}-[A-Z2-7]{2}|[A-Z2-7]{26})(?![A-Za-z0-9])")


# --- voting codes -----------------------------------------------------------------------------
def token_new() -> str:
    return base64.b32encode(secrets.token_bytes(TOKEN_BYTES)).decode().rstrip("=")


def token_normalize(raw: str | None) -> str | None:
    """The canonical code from what a person typed (spaces, dashes, lower case, look-alikes),
    or None when it cannot be a code."""
    if not raw:
        return None
    text = re.sub(r"[^0-9A-Za-z]", "", str(raw)[:200]).upper().translate(_LOOKALIKES)
    return text if _TOKEN_RE.match(text) else None


def token_display(token: str) -> str:
    return "-".join(token[i:i + 4] for i in range(0, len(token), 4))


def token_hash(token: str, *, secret: str | None = None) -> str:
    """Keyed hash of a canonical code: without SECRET_KEY a database copy cannot even test a
    guessed code against the stored hashes."""
    return salted_hmac(_KEY_SALT, token, secret=secret, algorithm="sha256").hexdigest()


def _token_hashes(token: str) -> list[str]:
    """The hash under the current key and each fallback key (keys may rotate mid-campaign)."""
    secrets_ = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [token_hash(token, secret=s) for s in secrets_]


def invitation_check(raw: str | None, *, lock: bool = False) -> AppraisalInvitation:
    """The invitation of a code that may vote now, with its campaign; otherwise the error to
    show. With `lock`, the campaign row and then the invitation row are locked (votes in one
    campaign run one after another; see services.appraisal_vote)."""
    token = token_normalize(raw)
    if token is None:
        raise InvalidInput(_("This is not a valid appraisal code. A code has 26 letters and "
                             "digits; please check it and enter it again."), code="token_invalid",
                           fields={"token": _("Not a valid code.")})
    found = (AppraisalInvitation.objects.filter(token_hash__in=_token_hashes(token))
             .values_list("pk", "campaign_id").first())
    if found is None:
        raise InvalidInput(_("This appraisal code was not found. Please check it and enter it "
                             "again."), code="token_unknown", fields={"token": _("Unknown code.")})
    campaigns = AppraisalCampaign.objects.all()
    invitations = AppraisalInvitation.objects.select_related("campaign")
    if lock:
        campaigns, invitations = campaigns.select_for_update(), invitations.select_for_update()
    campaign = campaigns.get(pk=found[1])
    invitation = invitations.get(pk=found[0])
    invitation.campaign = campaign
    if invitation.used:
        raise InvalidTransition(_("This appraisal code has already been used to vote. Each code "
                                  "can vote only once."), code="token_used")
    now = clock.now()
    if campaign.status == AppraisalCampaign.Status.DRAFT or (
            campaign.status == AppraisalCampaign.Status.OPEN and now < campaign.opens_at):
        raise InvalidTransition(
            _("Voting in “%(name)s” has not started yet. It opens at %(time)s.")
            % {"name": campaign.name, "time": local_time(campaign.opens_at)},
            code="campaign_not_open")
    if not campaign.accepts_votes_at(now):
        raise InvalidTransition(
            _("Voting in “%(name)s” closed at %(time)s. Votes are no longer accepted.")
            % {"name": campaign.name, "time": local_time(campaign.closes_at)},
            code="campaign_closed")
    return invitation


def local_time(moment) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# --- statistics -------------------------------------------------------------------------------
def rating_summary(histogram: dict[int, int]) -> dict:
    """Count, mean, sample standard deviation and a 95 % interval for the mean of ratings given
    as {star value: count}; `shown` says whether there are enough ratings to show them
    (settings.APPRAISAL_MIN_RESPONSES).

    The interval is Wilson's score interval applied to the mean rescaled to 0–1, p = (mean −
    1) / 4, then mapped back to 1–5. Ratings on [0, 1] with mean p have a variance of at most
    p(1 − p) (the Bhatia–Davis inequality), the variance Wilson's interval assumes, so it is a
    conservative interval for the mean: it stays inside the scale, and it keeps a sensible
    width for small samples and when every rating agrees, where Student's t gave intervals far
    outside 1–5 (n = 2) or of zero width (all ratings equal)."""
    n = sum(histogram.get(v, 0) for v in RATING_VALUES)
    minimum = max(int(getattr(settings, "APPRAISAL_MIN_RESPONSES", 1)), 1)
    out = {"n": n, "histogram": {v: histogram.get(v, 0) for v in RATING_VALUES},
           "mean": None, "sd": None, "ci_low": None, "ci_high": None, "score": None,
           "shown": n >= minimum}
    if n == 0:
        return out
    mean = sum(v * histogram.get(v, 0) for v in RATING_VALUES) / n
    out["mean"] = mean
    out["score"] = rating_to_score(mean)
    if n >= 2:
        ss = sum(histogram.get(v, 0) * (v - mean) ** 2 for v in RATING_VALUES)
        out["sd"] = math.sqrt(ss / (n - 1))
    out["ci_low"], out["ci_high"] = wilson_interval(mean, n)
    return out


def wilson_interval(mean: float, n: int, *, z: float = 1.959964) -> tuple[float, float]:
    """The 95 % Wilson score interval of a mean rating of n ratings, on the 1–5 scale."""
    lo_v, hi_v = RATING_VALUES[0], RATING_VALUES[-1]
    p = (mean - lo_v) / (hi_v - lo_v)
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low, high = max(centre - half, 0.0), min(centre + half, 1.0)
    return lo_v + (hi_v - lo_v) * low, lo_v + (hi_v - lo_v) * high


def response_enough(*, issued: int, voted: int) -> bool:
    """Whether a campaign has enough votes for its results to be shown (see settings)."""
    return (voted >= max(int(settings.APPRAISAL_MIN_RESPONSES), 1) and issued > 0
            and voted / issued >= float(settings.APPRAISAL_MIN_RESPONSE_RATE))


def rating_to_score(mean: float) -> float:
    """A mean star rating on 0–100: one star is 0, five stars are 100."""
    return (mean - 1) / 4 * 100


def appraisal_scores(year: int) -> dict[int, float]:
    """Unit id -> mean rating (all rating questions) in that year's closed or published
    campaigns that appraise units, scaled to 0–100. Units with fewer ratings than
    APPRAISAL_MIN_RESPONSES are left out; cadres' ratings are not attributed to their units."""
    done = [AppraisalCampaign.Status.CLOSED, AppraisalCampaign.Status.PUBLISHED]
    rows = (AppraisalTally.objects
            .filter(campaign__year=year, campaign__status__in=done,
                    campaign__kind=AppraisalCampaign.Kind.UNITS, target__unit__isnull=False)
            .values("target__unit_id")
            .annotate(**{f"s{v}": Sum(f"c{v}") for v in RATING_VALUES}))
    scores: dict[int, float] = {}
    for row in rows:
        summary = rating_summary({v: row[f"s{v}"] or 0 for v in RATING_VALUES})
        if summary["n"] and summary["shown"]:
            scores[row["target__unit_id"]] = round(summary["score"], 2)
    return scores


# --- printable code slips ---------------------------------------------------------------------
def token_slips_pdf(*, campaign: AppraisalCampaign, tokens: list[str], vote_url: str) -> bytes:
    """An A4 PDF of cut-out slips, ten a page: the code printed and as a QR code. The QR code
    carries the code after '#', which browsers never send to the server (no access log)."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode import qr
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font = "STSong-Light"
    pdfmetrics.registerFont(UnicodeCIDFont(font))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.setTitle(_("Appraisal codes: %(name)s") % {"name": campaign.name})
    width, height = A4
    cols, rows = 2, 5
    slip_w, slip_h = width / cols, height / rows
    qr_size = 38 * mm
    closes = local_time(campaign.closes_at)
    for index, token in enumerate(tokens):
        slot = index % (cols * rows)
        if index and slot == 0:
            pdf.showPage()
        x0 = (slot % cols) * slip_w
        y0 = height - (slot // cols + 1) * slip_h
        pdf.setDash(3, 3)
        pdf.setLineWidth(0.3)
        pdf.rect(x0, y0, slip_w, slip_h)
        pdf.setDash()
        widget = qr.QrCodeWidget(f"{vote_url}#t={token}")
        bx0, by0, bx1, by1 = widget.getBounds()
        drawing = Drawing(qr_size, qr_size,
                          transform=[qr_size / (bx1 - bx0), 0, 0, qr_size / (by1 - by0), 0, 0])
        drawing.add(widget)
        renderPDF.draw(drawing, pdf, x0 + 4 * mm, y0 + 6 * mm)
        tx = x0 + qr_size + 7 * mm
        pdf.setFont(font, 10.5)
        pdf.drawString(x0 + 5 * mm, y0 + slip_h - 8 * mm, _("Democratic appraisal") + " · "
                       + _fit(campaign.name, 30))
        pdf.setFont(font, 9)
        pdf.drawString(tx, y0 + slip_h - 16 * mm, _("Your appraisal code:"))
        pdf.setFont("Courier-Bold", 11)
        shown = token_display(token)
        pdf.drawString(tx, y0 + slip_h - 22 * mm, shown[:19])
        pdf.drawString(tx, y0 + slip_h - 27 * mm, shown[19:])
        pdf.setFont(font, 7.5)
        room = x0 + slip_w - 4 * mm - tx
        lines = [
            _("Scan the QR code with your phone, or open"),
            vote_url,
            _("and enter the code. One vote per code;"),
            _("your vote is anonymous. Closes %(time)s.") % {"time": closes},
        ]
        for i, line in enumerate(lines):
            # The address must never be cut: it shrinks to fit instead.
            size = min(7.5, room / max(pdfmetrics.stringWidth(line, font, 1), 1))
            pdf.setFont(font, size)
            pdf.drawString(tx, y0 + slip_h - 33 * mm - i * 3.6 * mm, line)
    if not tokens:
        pdf.setFont(font, 12)
        pdf.drawString(20 * mm, height - 30 * mm, _("No codes."))
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
