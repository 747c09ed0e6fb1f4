"""The one font of the evaluation PDFs (code slips, rankings): WenQuanYi Micro Hei, shipped in
fonts/ (Apache-2.0, see its COPYRIGHT) and embedded as a subset in every PDF.

reportlab's built-in CJK fonts (STSong-Light) are not embedded: the reader must have the
font, and the glyphs it lacks (the middle dot "·") print as boxes. Government intranets
cannot fetch a font, so it ships with the code."""

from __future__ import annotations

from functools import cache
from pathlib import Path

FONT_FILE = Path(__file__).resolve().parent / "fonts" / "wqy-microhei.ttc"
CJK_FONT = "WenQuanYiMicroHei"
MONO_FONT = "WenQuanYiMicroHeiMono"  # the same file's fixed-width face, for codes


@cache
def cjk_font() -> str:
    """Registers both faces with reportlab once per process and returns the proportional
    one's name."""
    # lazy: reportlab is large and only the PDFs need it
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(CJK_FONT, str(FONT_FILE), subfontIndex=0))
    pdfmetrics.registerFont(TTFont(MONO_FONT, str(FONT_FILE), subfontIndex=1))
    return CJK_FONT
