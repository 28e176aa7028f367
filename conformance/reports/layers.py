"""Attribution: which layer shows a divergence, python-blosc2's wrapper or c-blosc2 beneath it.

When results of python-blosc2 (any versions) and of c-blosc2 through its C API (the ``cblosc2``
adapter) sit side by side, every clause that fails on either gets one label:

* ``python-blosc2 wrapper``: python-blosc2 fails it; c-blosc2 passes it, or the clause concerns the
  Python API only (``n/a`` on the C API);
* ``both``: python-blosc2 and c-blosc2 fail it;
* ``c-blosc2``: c-blosc2 fails it and every python-blosc2 version passes (the wrapper adds what the
  library lacks).

Failing means ``fail``, ``xfail`` (an expected failure), ``crash``, ``hang`` or ``resource``. A clause
whose outcome on one side is missing, ``skip`` or ``error`` is ``undetermined``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from udcodec.outcomes import CheckResult, Outcome
from udcodec.reports.markdown import cell, code_span
from udcodec.reports.model import ClauseInfo

PYTHON_BLOSC2 = "python-blosc2"
C_BLOSC2 = "c-blosc2"
WRAPPER, BOTH, LIBRARY, UNDETERMINED = "python-blosc2 wrapper", "both", "c-blosc2", "undetermined"
FAILING = frozenset({Outcome.FAIL, Outcome.XFAIL, Outcome.CRASH, Outcome.HANG, Outcome.RESOURCE})
PASSING = frozenset({Outcome.PASS, Outcome.XPASS})


@dataclass(frozen=True)
class Side:
    """One implementation column: its implementation name, its label, and how to read its result for a clause."""

    implementation: str
    label: str
    result: Callable[[str], CheckResult | None]


@dataclass(frozen=True)
class Attribution:
    clause: ClauseInfo
    python: str  # e.g. "fail on 2.7.1, 4.14.1; pass on 3.12.2"
    c: str  # c-blosc2's outcome
    label: str


def _outcome(side: Side, clause: str) -> Outcome | None:
    result = side.result(clause)
    return Outcome(result.outcome) if result is not None else None


def _label(python: list[Outcome | None], c: Outcome | None) -> str | None:
    py_fail = any(o in FAILING for o in python)
    py_pass = bool(python) and all(o in PASSING for o in python)
    if py_fail and c in FAILING:
        return BOTH
    if py_fail and (c in PASSING or c is Outcome.NOT_APPLICABLE):
        return WRAPPER
    if py_pass and c in FAILING:
        return LIBRARY
    if py_fail or c in FAILING:
        return UNDETERMINED
    return None


def attribute(clauses: Sequence[ClauseInfo], sides: Sequence[Side]) -> list[Attribution]:
    """One row per clause that fails on python-blosc2 or on c-blosc2; none without both implementations."""
    python = [s for s in sides if s.implementation == PYTHON_BLOSC2]
    c_sides = [s for s in sides if s.implementation == C_BLOSC2]
    if not python or not c_sides:
        return []
    c_side = c_sides[0]
    rows = []
    for info in clauses:
        outcomes = [_outcome(s, info.id) for s in python]
        c = _outcome(c_side, info.id)
        label = _label(outcomes, c)
        if label is None:
            continue
        by_outcome: dict[str, list[str]] = {}
        for side, outcome in zip(python, outcomes, strict=True):
            by_outcome.setdefault(outcome.value if outcome else "not run", []).append(side.label.removeprefix(f"{PYTHON_BLOSC2} "))
        summary = "; ".join(f"{o} on {', '.join(labels)}" for o, labels in by_outcome.items())
        rows.append(Attribution(info, summary, c.value if c else "not run", label))
    return rows


def render_markdown(rows: Sequence[Attribution]) -> list[str]:
    """The Markdown section (empty without rows)."""
    if not rows:
        return []
    lines = [f"## Layer attribution ({len(rows)})", "",
             "Which layer shows each divergence: the python-blosc2 wrapper, c-blosc2 through its C API, or both.", "",
             "| Clause | Level | python-blosc2 | c-blosc2 | Shown by |", "|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {cell(code_span(row.clause.id))} | {row.clause.level} | {cell(row.python)} | "
                     f"{cell(row.c)} | {cell(row.label)} |")
    return [*lines, ""]

