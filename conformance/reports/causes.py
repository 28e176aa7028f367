"""Grouping failures by root cause, so one mistake in a codec reads as one failure, not ten."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from udcodec.outcomes import EXPLAINED_BY, CheckResult, Outcome
from udcodec.reports.bounds import printable

#: Most characters of a message's first line a cause key keeps.
KEY_MAX = 200

#: ``ValueError: ... (at codecs.py:50 in encoder)``: the root cause as the checks' messages state it.
_RAISED = re.compile(r"\b([A-Z]\w*(?:Error|Exception|Exit|Interrupt|Warning))\b[^\n]*?\(at ([^()\s]+:\d+ in [^()\s]+)\)")
_CHECK_PREFIX = re.compile(r"^\[[\w.]+\]\s*")
#: A number standing alone (``byte 3``, ``0xff``, ``4.5``), not part of a name (``float32``, ``<i4``).
_NUMBER = re.compile(r"(?<![\w.])(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)*)(?![\w])")


def cause_key(result: CheckResult) -> str:
    """What ``result`` failed of: the exception type and where it was raised, else its message's first line.

    The first exception the message names with a location is its root cause (checks lead with it).
    A first line's standalone numbers read ``#``: one defect met at byte 3 and at byte 7 is one cause.
    """
    return message_key(result.message) or f"{result.outcome} without a message"


def message_key(message: str | None) -> str:
    """:func:`cause_key` of a failure saying ``message`` (``""`` for none)."""
    first = _CHECK_PREFIX.sub("", (message or "").strip().split("\n", 1)[0])
    raised = _RAISED.search(message or "")
    if raised:
        return f"{raised.group(1)} at {raised.group(2)}"
    first = _NUMBER.sub("#", first)
    if len(first) > KEY_MAX:  # a key is repeated on one line: a message's first line may be of any length
        first = first[:KEY_MAX] + "…"
    return printable(first)


def _defect(message: str | None) -> str:
    """A message's first line without its check's name, its standalone numbers read ``#``: an exception's words
    count (one line raising for two reasons is two defects), the sizes and offsets it met do not."""
    first = _CHECK_PREFIX.sub("", (message or "").strip().split("\n", 1)[0])
    return _NUMBER.sub("#", first)


def _same_defect(why: str, failure: str) -> bool:
    """Whether a failure saying ``failure`` is of the defect ``why`` states (both as :func:`_defect` gives them): it
    begins with it, or both say the same caller raised the same exception (the same words, at the same place),
    whatever data the failure names between them."""
    if failure.startswith(why):
        return True
    who, raised, words = why.partition(" raised ")
    return bool(raised and words) and failure.startswith(who + " raised") and words in failure


def settle_explained(results: Iterable[CheckResult], against: Iterable[CheckResult] | None = None) -> list[CheckResult]:
    """Turn each failure explained by a more basic property (``extra["explained_by"]``) into ``skip`` when the
    clause judging that property, a MUST clause, failed unexpectedly of the same defect for the same adapter (its
    message, numbers aside, starts with the explanation's ``why``): one defect fails one clause.

    The failure stays a failure when that clause passed, did not run, or failed of something else, so nothing is
    hidden. What the failure said is kept: its reproduction, and its message and counterexample in the explanation.
    ``against``: the results that may explain them (default: ``results`` themselves). Returns the results turned.
    """
    results = list(results)
    # Only an unexpected MUST failure with no explanation of its own explains another: no two failures explain each
    # other away, an expected one (xfail) or a SHOULD one never makes a MUST failure's run pass.
    failed = [r for r in (results if against is None else against)
              if r.outcome is Outcome.FAIL and r.level == "MUST" and EXPLAINED_BY not in r.extra]
    settled = []
    for result in results:
        why = result.extra.get(EXPLAINED_BY) if result.outcome is Outcome.FAIL else None
        if not isinstance(why, dict) or "clause" in why:
            continue
        key = _defect(why.get("why"))
        if not key:
            continue
        by = next((r for r in failed if r.adapter == result.adapter and r.clause != result.clause
                   and (r.message or "").startswith(f"[{why.get('check')}]") and _same_defect(key, _defect(r.message))),
                  None)
        if by is None:
            continue
        check = match.group(0).strip() + " " if (match := _CHECK_PREFIX.match(result.message or "")) else ""
        result.extra[EXPLAINED_BY] = {**why, "clause": by.clause, "message": result.message,
                                      "counterexample": result.counterexample}
        result.outcome, result.counterexample = Outcome.SKIP, None
        result.message = (f"{check}not judged: its failing input shows the defect {by.clause} fails of"
                          f" ({why.get('why')})")
        settled.append(result)
    return settled


@dataclass
class CauseGroup:
    """Failures sharing a root cause: the first is shown in full, the others named."""

    key: str
    results: list[CheckResult]

    @property
    def first(self) -> CheckResult:
        return self.results[0]

    @property
    def others(self) -> list[CheckResult]:
        return self.results[1:]

    def others_line(self) -> str:
        """``the same cause also fails 3 more: CLAUSE [adapter], ...``, or ``""`` for a group of one."""
        if not self.others:
            return ""
        names = ", ".join(f"{r.clause} [{r.adapter}]" for r in self.others)
        return f"the same cause ({self.key}) also explains {len(self.others)} more: {names}"


def group_by_cause(results: Iterable[CheckResult]) -> list[CauseGroup]:
    """``results`` grouped by :func:`cause_key`, groups and members in their first-seen order."""
    groups: dict[str, CauseGroup] = {}
    for result in results:
        key = cause_key(result)
        groups.setdefault(key, CauseGroup(key, [])).results.append(result)
    return list(groups.values())
