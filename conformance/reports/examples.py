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
    """``ran/planned``, and what the budget did to them: ``(cut)``, ``(smaller layouts)``, or both."""
    said = [word for word, key in (("cut", "cut"), ("smaller layouts", "smaller")) if count.get(key)]
    text = f"{count.get('ran', 0)}/{count.get('planned', 0)}"
    return f"{text} ({', '.join(said)})" if said else text


def _budgeted(count: Any) -> bool:
    return isinstance(count, dict) and bool(count.get("cut") or count.get("smaller"))


def budget_line(record: RunRecord) -> str:
    """``budget 60 s, 102 ms a call: 14 clauses lowered`` of a ``--budget`` run, else ``""``."""
    budget = (record.codec or {}).get("budget")
    if not isinstance(budget, dict):
        return ""
    call = budget.get("call_seconds")
    cost = f"{float(call) * 1000:.3g} ms a codec call" if call is not None else "call cost not measured"
    cut = {r.clause for r in record.results if _budgeted(r.examples)}
    return (f"time budget {float(budget.get('seconds') or 0):g} s, {cost}: "
            f"{len(cut)} clause(s) ran fewer or smaller examples than the profile's")


def render_examples_text(record: RunRecord) -> str:
    """The terminal's lines: the budget, and the clauses whose examples it cut."""
    line = budget_line(record)
    if not line:
        return ""
    budgeted = {r.clause for r in record.results if _budgeted(r.examples)}
    cut = [(clause, cells) for clause, cells in example_rows(record) if clause in budgeted]
    lines = [line] + [f"  {clause}: " + ", ".join(f"{a} {v}" for a, v in sorted(cells.items())) for clause, cells in cut]
    return "\n".join(lines)
