"""Bounds on what a report repeats of a check's output: long messages and stderr tails are cut in the
middle (head and tail kept), and text for the terminal and Markdown is made printable."""

from __future__ import annotations

import dataclasses
import re

from udcodec.outcomes import MESSAGE_MAX, CheckResult, clip

__all__ = ["MESSAGE_MAX", "TERMINAL_MAX", "bounded", "clip", "printable"]

#: Most characters of one message or stderr tail the terminal shows.
TERMINAL_MAX = 4 * 1024
#: Control characters and lone surrogates: shown as ``\xNN`` / ``\udcNN`` escapes (tab, newline kept).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` with control characters (tab, newline aside) and lone surrogates escaped."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _clip_optional(text: str | None, limit: int) -> str | None:
    return None if text is None else clip(text, limit)


def bounded(result: CheckResult, limit: int = MESSAGE_MAX) -> CheckResult:
    """A copy of ``result`` with its message, stderr tail, reproduction and reason clipped to ``limit``."""
    return dataclasses.replace(
        result,
        message=clip(result.message, limit),
        stderr_tail=_clip_optional(result.stderr_tail, limit),
        reproduction=_clip_optional(result.reproduction, limit),
        expected_reason=_clip_optional(result.expected_reason, limit),
    )
