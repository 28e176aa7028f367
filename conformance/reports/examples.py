"""How many examples each clause ran, and what a time budget (``check-codec --budget``) cut: for every format."""

from __future__ import annotations

from typing import Any

from udcodec.reports.model import RunRecord


def example_rows(record: RunRecord) -> list[tuple[str, dict[str, str]]]:
    """``(clause, {adapter: "ran/planned" or "ran/planned (cut)"})`` of a codec run's clauses that draw examples."""
    if not record.codec:
        return []
    rows: dict[str, dict[str, str]] = {}
    for result in record.results:
        count = result.examples
        if count:
            rows.setdefault(result.clause, {})[result.adapter] = describe(count)
    return sorted(rows.items())


def describe(count: dict[str, Any]) -> str:
    text = f"{count.get('ran', 0)}/{count.get('planned', 0)}"
    return f"{text} (cut)" if count.get("cut") else text


def budget_line(record: RunRecord) -> str:
    """``budget 60 s, 102 ms a call: 14 clauses lowered`` of a ``--budget`` run, else ``""``."""
    budget = (record.codec or {}).get("budget")
    if not isinstance(budget, dict):
        return ""
    call = budget.get("call_seconds")
    cost = f"{float(call) * 1000:.3g} ms a codec call" if call is not None else "call cost not measured"
    cut = {r.clause for r in record.results if isinstance(r.examples, dict) and r.examples.get("cut")}
    return (f"time budget {float(budget.get('seconds') or 0):g} s, {cost}: "
            f"{len(cut)} clause(s) ran fewer examples than the profile's")


def render_examples_text(record: RunRecord) -> str:
    """The terminal's lines: the budget, and the clauses whose examples it cut."""
    line = budget_line(record)
    if not line:
        return ""
    cut = [(clause, cells) for clause, cells in example_rows(record) if any(v.endswith("(cut)") for v in cells.values())]
    lines = [line] + [f"  {clause}: " + ", ".join(f"{a} {v}" for a, v in sorted(cells.items())) for clause, cells in cut]
    return "\n".join(lines)
