"""Draws the site's icon into static/: favicon.svg, favicon.png (32 px) and favicon.ico
(16 and 32 px). Two linked white rings on the site's red (连心: hearts joined). Pure Python, so
the icon can be redrawn on any machine; the files it writes are committed."""

import math
import struct
import zlib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

RED = (0xB7, 0x1C, 0x1C)
WHITE = (0xFF, 0xFF, 0xFF)
# In a 32-unit square: corner radius, ring centres, radius and stroke width.
CORNER = 6
RINGS = [(12.0, 16.0), (20.0, 16.0)]
RADIUS = 7.0
STROKE = 2.6

SVG = f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="{CORNER}" fill="#b71c1c"/>
<g fill="none" stroke="#fff" stroke-width="{STROKE}">
<circle cx="{RINGS[0][0]:g}" cy="{RINGS[0][1]:g}" r="{RADIUS:g}"/>
<circle cx="{RINGS[1][0]:g}" cy="{RINGS[1][1]:g}" r="{RADIUS:g}"/>
</g>
</svg>
"""


def _coverage(x: float, y: float) -> tuple[bool, bool]:
    """(inside the rounded square, on a ring) at a point of the 32-unit square."""
    cx, cy = min(max(x, CORNER), 32 - CORNER), min(max(y, CORNER), 32 - CORNER)
    inside = math.hypot(x - cx, y - cy) <= CORNER
    ring = any(abs(math.hypot(x - rx, y - ry) - RADIUS) <= STROKE / 2 for rx, ry in RINGS)
    return inside, ring


def pixels(size: int, samples: int = 4) -> list[list[tuple[int, int, int, int]]]:
    """RGBA rows, each pixel averaged over samples × samples points (smooth edges)."""
    rows = []
    scale = 32 / size
    for py in range(size):
        row = []
        for px in range(size):
            alpha = white = 0
            for sy in range(samples):
                for sx in range(samples):
                    inside, ring = _coverage(
                        (px + (sx + 0.5) / samples) * scale, (py + (sy + 0.5) / samples) * scale
                    )
                    alpha += inside
                    white += inside and ring
            n = samples * samples
            mix = white / alpha if alpha else 0
            r, g, b = (round(c + (w - c) * mix) for c, w in zip(RED, WHITE, strict=True))
            row.append((r, g, b, round(255 * alpha / n)))
        rows.append(row)
    return rows


def png(size: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\0" + bytes(v for p in row for v in p) for row in pixels(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def ico(sizes: tuple[int, ...] = (16, 32)) -> bytes:
    """An ICO holding one PNG per size (understood by every browser since IE 11)."""
    images = [png(s) for s in sizes]
    out = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    for size, image in zip(sizes, images, strict=True):
        out += struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(image), offset)
        offset += len(image)
    return out + b"".join(images)


class Command(BaseCommand):
    help = "Draw the site's icon into static/ (favicon.svg, favicon.png, favicon.ico)."

    def handle(self, *args: Any, **options: Any) -> None:
        static = Path(settings.BASE_DIR) / "static"
        (static / "favicon.svg").write_text(SVG, encoding="utf-8")
        (static / "favicon.png").write_bytes(png(32))
        (static / "favicon.ico").write_bytes(ico())
        self.stdout.write(f"icon written to {static}")
