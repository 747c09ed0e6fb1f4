"""民主评议 helpers: voting codes (make, read, hash), the statistics of a tally, the printable
code slips, and `appraisal_scores` for the indicator system. Writes live in services/."""

from __future__ import annotations

import io
import math
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from lianxin.core import clock
from lianxin.core.errors import InvalidInput, InvalidTransition
from lianxin.core.keys import mac, macs
from lianxin.core.models import Unit
from lianxin.core.transitions import lock as lock_row

from .errors import Code
from .models.appraisal import (
    RATING_VALUES,
    AppraisalCampaign,
    AppraisalInvitation,
    AppraisalTally,
)
from .pdf import MONO_FONT, cjk_font

# A code is 25 characters from an alphabet without look-alikes: no 0/O, 1/I/L (nor U, as in
# Crockford's base32), so nothing on a printed slip can be misread. 30^25 is about 2^122.
TOKEN_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # noqa: S105 (not a secret)
TOKEN_LENGTH = 25
_KEY_SALT = "lianxin.evaluation.appraisal.token"  # of the hashes made before core.keys
_TOKEN_RE = re.compile(rf"^[{TOKEN_ALPHABET}]{{{TOKEN_LENGTH}}}$")
# Codes issued before (26 base32 characters, 128 bits) stay valid. Base32 has no 0, 1 or 8;
# people reading such a slip type them for O, I and B.
_OLD_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})
_OLD_TOKEN_RE = re.compile(r"^[A-Z2-7]{26}$")
_NEW = f"[{TOKEN_ALPHABET}]"
# A code inside a message body, grouped as printed (XXXXX-XXXXX-…) or plain (in the link).
TOKEN_IN_TEXT_RE = re.compile(
    r"(?<![A-Za-z0-9-])(?:"
    rf"{_NEW}{{5}}(?:-{_NEW}{{5}}){{4}}|{_NEW}{{25}}"
    r"|[A-Z2-7]{4}(?:-[A-Z2-7]{4}){5}-[A-Z2-7]{2}|[A-Z2-7]{26})(?![A-Za-z0-9])"
)


# --- voting codes -----------------------------------------------------------------------------
def token_new() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def token_normalize(raw: str | None) -> str | None:
    """The canonical code from what a person typed (spaces, dashes, lower case; look-alikes in
    old codes), or None when it cannot be a code."""
    if not raw:
        return None
    text = re.sub(r"[^0-9A-Za-z]", "", str(raw)[:200]).upper()
    if _TOKEN_RE.match(text):
        return text
    text = text.translate(_OLD_LOOKALIKES)
    return text if _OLD_TOKEN_RE.match(text) else None


def token_display(token: str) -> str:
    """Groups of five (new codes) or four (old ones), as printed."""
    size = 5 if len(token) == TOKEN_LENGTH else 4
    return "-".join(token[i : i + size] for i in range(0, len(token), size))


def token_hash(token: str) -> str:
    """Keyed hash of a canonical code, under the "appraisal-code" key (core.keys): without that
    key a database copy cannot even test a guessed code against the stored hashes."""
    return mac("appraisal-code", token).hex()


def token_hashes(token: str) -> list[str]:
    """Every hash a code may be stored under: the current and former "appraisal-code" keys
    (keys may rotate mid-campaign), then the hash used before core.keys existed, Django's
    salted HMAC under SECRET_KEY and its fallbacks. Codes issued before the upgrade keep
    voting and are still blanked when their campaign closes; no new code is hashed that way."""
    legacy = [
        salted_hmac(_KEY_SALT, token, secret=s, algorithm="sha256").hexdigest()
        for s in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    ]
    return [m.hex() for m in macs("appraisal-code", token)] + legacy


def invitation_check(raw: str | None, *, lock: bool = False) -> AppraisalInvitation:
    """The invitation of a code that may vote now, with its campaign; otherwise the error to
    show. With `lock`, the campaign row and then the invitation row are locked (votes in one
    campaign run one after another; see services.appraisal_votes.appraisal_vote)."""
    token = token_normalize(raw)
    if token is None:
        raise InvalidInput(
            _(
                "This is not a valid appraisal code. A code has 25 letters and "
                "digits; please check it and enter it again."
            ),
            code=Code.TOKEN_INVALID,
            fields={"token": _("Not a valid code.")},
        )
    found = (
        AppraisalInvitation.objects.filter(token_hash__in=token_hashes(token))
        .values_list("pk", "campaign_id")
        .first()
    )
    if found is None:
        raise InvalidInput(
            _("This appraisal code was not found. Please check it and enter it again."),
            code=Code.TOKEN_UNKNOWN,
            fields={"token": _("Unknown code.")},
        )
    if lock:  # the campaign first, as every writer of a campaign's rows locks it
        campaign = lock_row(AppraisalCampaign, found[1])
        invitation = lock_row(AppraisalInvitation, found[0])
    else:
        campaign = AppraisalCampaign.objects.get(pk=found[1])
        invitation = AppraisalInvitation.objects.get(pk=found[0])
    invitation.campaign = campaign
    if invitation.used:
        raise InvalidTransition(
            _("This appraisal code has already been used to vote. Each code can vote only once."),
            code=Code.TOKEN_USED,
        )
    now = clock.now()
    if campaign.status == AppraisalCampaign.Status.DRAFT or (
        campaign.status == AppraisalCampaign.Status.OPEN and now < campaign.opens_at
    ):
        raise InvalidTransition(
            _("Voting in “%(name)s” has not started yet. It opens at %(time)s.")
            % {"name": campaign.name, "time": local_time(campaign.opens_at)},
            code=Code.CAMPAIGN_NOT_OPEN,
        )
    if not campaign.accepts_votes_at(now):
        raise InvalidTransition(
            _("Voting in “%(name)s” closed at %(time)s. Votes are no longer accepted.")
            % {"name": campaign.name, "time": local_time(campaign.closes_at)},
            code=Code.CAMPAIGN_CLOSED,
        )
    return invitation


def local_time(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# --- statistics -------------------------------------------------------------------------------
def rating_summary(histogram: dict[int, int]) -> dict:
    """Count, mean, sample standard deviation and a 95 % interval for the mean of ratings given
    as {star value: count}; `shown` says whether there are enough ratings to show them
    (settings.APPRAISAL_MIN_RESPONSES). The interval is Wilson's on the mean rescaled to 0–1;
    why, and what Student's t gave instead: docs/evaluation/appraisal.md, "Results"."""
    n = sum(histogram.get(v, 0) for v in RATING_VALUES)
    minimum = max(int(settings.APPRAISAL_MIN_RESPONSES), 1)
    out = {
        "n": n,
        "histogram": {v: histogram.get(v, 0) for v in RATING_VALUES},
        "mean": None,
        "sd": None,
        "ci_low": None,
        "ci_high": None,
        "score": None,
        "shown": n >= minimum,
    }
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
    return (
        voted >= max(int(settings.APPRAISAL_MIN_RESPONSES), 1)
        and issued > 0
        and voted / issued >= float(settings.APPRAISAL_MIN_RESPONSE_RATE)
    )


def rating_to_score(mean: float) -> float:
    """A mean star rating on 0–100: one star is 0, five stars are 100."""
    return (mean - 1) / 4 * 100


def appraisal_scores(year: int) -> dict[int, float]:
    """Unit id -> mean rating (all rating questions) in that year's closed or published
    campaigns that appraise units, scaled to 0–100. Units with fewer ratings than
    APPRAISAL_MIN_RESPONSES are left out; cadres' ratings are not attributed to their units."""
    done = [AppraisalCampaign.Status.CLOSED, AppraisalCampaign.Status.PUBLISHED]
    # Typed as mappings: the sums are named by a variable, which a TypedDict refuses.
    rows: Iterable[Mapping[str, Any]] = (
        AppraisalTally.objects.filter(
            campaign__year=year,
            campaign__status__in=done,
            campaign__kind=AppraisalCampaign.Kind.UNITS,
            target__unit__isnull=False,
        )
        .values("target__unit_id")
        .annotate(**{f"s{v}": Sum(f"c{v}") for v in RATING_VALUES})
    )
    scores: dict[int, float] = {}
    for row in rows:
        summary = rating_summary({v: row[f"s{v}"] or 0 for v in RATING_VALUES})
        if summary["n"] and summary["shown"]:
            scores[row["target__unit_id"]] = round(summary["score"], 2)
    return scores


def unit_appraisal_scores(units: list[Unit], year: int) -> dict[int, float | None]:
    """The indicator source "appraisal_score" (measures.py): unit id -> appraisal_scores, None
    where the unit has none."""
    scores = appraisal_scores(year)
    return {u.pk: (float(scores[u.pk]) if scores.get(u.pk) is not None else None) for u in units}


# --- printable code slips ---------------------------------------------------------------------
def token_slips_pdf(*, campaign: AppraisalCampaign, tokens: list[str], vote_url: str) -> bytes:
    """An A4 PDF of cut-out slips, ten a page: the QR code with the instructions beside it, and
    the code on one line across the slip's foot in large monospace. The QR code carries the
    code after '#', which browsers never send to the server (no access log). The CJK font is
    embedded (evaluation/pdf.py)."""
    # lazy: reportlab is large and only these PDFs need it (not every request)
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    font = cjk_font()
    mono = MONO_FONT
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1, initialFontName=font)
    pdf.setTitle(_("Appraisal codes: %(name)s") % {"name": campaign.name})
    width, height = A4
    cols, rows = 2, 5
    slip_w, slip_h = width / cols, height / rows
    margin = 5 * mm
    qr_size = 32 * mm
    closes = local_time(campaign.closes_at)
    lines = [
        _("Scan the QR code with your phone, or open"),
        vote_url,
        _("and enter the code below. One vote per code;"),
        _("your vote is anonymous. Closes %(time)s.") % {"time": closes},
    ]
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
        inner = slip_w - 2 * margin
        title = _("Democratic appraisal") + " · " + campaign.name
        pdf.setFont(font, max(_size(title, font, 10.5, inner), 8))
        pdf.drawString(x0 + margin, y0 + slip_h - 7 * mm, _clip(title, font, 10.5, inner))
        _draw_qr(pdf, f"{vote_url}#t={token}", x0 + margin - 2 * mm, y0 + 13 * mm, qr_size)
        tx = x0 + margin + qr_size
        room = x0 + slip_w - margin - tx
        for i, line in enumerate(lines):
            # Nothing may be cut or wrap, the address least of all: a line shrinks to fit.
            pdf.setFont(font, _size(line, font, 8, room))
            pdf.drawString(tx, y0 + slip_h - 15 * mm - i * 4.2 * mm, line)
        pdf.setFont(font, 8)
        pdf.drawString(x0 + margin, y0 + 11 * mm, _("Your appraisal code:"))
        shown = token_display(token)
        pdf.setFont(mono, _size(shown, mono, 15, inner))
        pdf.drawString(x0 + margin, y0 + 5 * mm, shown)
    if not tokens:
        pdf.setFont(font, 12)
        pdf.drawString(20 * mm, height - 30 * mm, _("No codes."))
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _draw_qr(pdf, text: str, x: float, y: float, size: float) -> None:
    """The QR code's dark modules as filled rectangles straight on the canvas (reportlab's
    drawing renderer would add an unembedded Helvetica to the PDF), with a 4-module quiet
    zone inside `size`."""
    from reportlab.graphics.barcode import qr  # lazy: reportlab, for PDFs only

    code = qr.QrCodeWidget(text).qr
    code.make()
    count = code.getModuleCount()
    box = size / (count + 8)
    for r, row in enumerate(code.modules):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(x + (c + 4) * box, y + size - (r + 5) * box, box, box, stroke=0, fill=1)


def _size(text: str, font: str, size: float, room: float) -> float:
    """The font size, at most `size`, at which `text` fits in `room` points on one line."""
    from reportlab.pdfbase import pdfmetrics  # lazy: reportlab, for PDFs only

    return min(size, room / max(pdfmetrics.stringWidth(text, font, 1), 1e-6))


def _clip(text: str, font: str, size: float, room: float) -> str:
    """A title too long for its line even at 8 points is cut with an ellipsis."""
    from reportlab.pdfbase import pdfmetrics  # lazy: reportlab, for PDFs only

    if _size(text, font, size, room) >= 8:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, 8) > room:
        text = text[:-1]
    return text + "…"
