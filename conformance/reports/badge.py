"""A small flat SVG badge for a certificate level: ``udcodec | full`` (green), ``core`` (yellow), ``none`` (red)."""

from __future__ import annotations

import os
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from udcodec.reports.atomic import write_atomic

LABEL = "udcodec"
#: Badge colour per certificate level (``certificate.LEVEL_ORDER``).
LEVEL_COLOURS: dict[str, str] = {"full": "#3c9a3c", "core": "#c9a400", "none": "#c8372d"}
_CHAR_WIDTH = 7  # px per character of 11 px Verdana, rounded up: badges need no exact text metrics
_PAD = 6


def _width(text: str) -> int:
    return len(text) * _CHAR_WIDTH + 2 * _PAD


def render_badge(level: str, label: str = LABEL) -> str:
    """The SVG of ``label | level``; raises ``ValueError`` for a level that is not a certificate level."""
    if level not in LEVEL_COLOURS:
        raise ValueError(f"no badge for level {level!r}; levels are {', '.join(LEVEL_COLOURS)}")
    left, right = _width(label), _width(level)
    total = left + right
    title = escape(f"{label}: {level}")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" '
        f"aria-label={quoteattr(f'{label}: {level}')}>",
        f"<title>{title}</title>",
        f'<rect width="{left}" height="20" fill="#555"/>',
        f'<rect x="{left}" width="{right}" height="20" fill="{LEVEL_COLOURS[level]}"/>',
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">',
        f'<text x="{left / 2:g}" y="14">{escape(label)}</text>',
        f'<text x="{left + right / 2:g}" y="14">{escape(level)}</text>',
        "</g></svg>",
    ]
    return "".join(parts) + "\n"


def write_badge(level: str, path: str | os.PathLike[str]) -> Path:
    """Write :func:`render_badge` to ``path`` atomically (parents created); return the path."""
    return write_atomic(path, render_badge(level))
