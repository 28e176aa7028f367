"""``udcodec matrix``: merge JSON reports into one clause × implementation/version Markdown table.

Each adapter of each report is one column, labelled by implementation and version (the same
implementation and version seen twice keeps its first report). Below the table, every divergence,
meaning every cell that is not a plain pass, is listed with its reason: the expectation's reason
for ``xfail``/``xpass``, the first line of the message otherwise. Columns with the same outcome and
reason for a clause share one line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from udcodec.outcomes import CheckResult, Outcome
from udcodec.reports.atomic import write_atomic
from udcodec.reports.bounds import printable
from udcodec.reports.html import attribution_section, render_grid_page, text
from udcodec.reports.identity import identity_rows
from udcodec.reports.json_report import ReportValidationError, read_json
from udcodec.reports.layers import Side, attribute, render_markdown
from udcodec.reports.markdown import NOT_RUN, SYMBOLS, cell, code_span
from udcodec.reports.model import OUTCOME_ORDER, SCHEMA_VERSION, AdapterRun, ClauseInfo, RunRecord
from udcodec.versions import VERSIONED_IMPLEMENTATION


@dataclass
class Column:
    label: str
    adapter: AdapterRun
    record: RunRecord
    source: str  # the report file

    def result(self, clause: str) -> CheckResult | None:
        return self.record.matrix().get((clause, self.adapter.key))


def column_label(adapter: AdapterRun) -> str:
    return " ".join(x for x in (adapter.implementation or adapter.key, adapter.version) if x)


def load_reports(paths: Sequence[str | Path]) -> tuple[list[tuple[str, RunRecord]], list[str]]:
    """Read every report; return the readable ones and one problem line per unreadable or interrupted one
    (an interrupted run's results are merged, and named as partial)."""
    records, problems = [], []
    for path in paths:
        try:
            # bounded: a report from elsewhere, or written by hand, may hold messages of any size
            records.append((str(path), record := read_json(path).bounded()))
            if record.interrupted:
                problems.append(f"{path}: the run was interrupted; its results are partial")
        except OSError as exc:
            problems.append(f"{path}: cannot be read: {exc.strerror or exc}")
        except ReportValidationError as exc:
            version = [e for e in exc.errors if e[0] == "$.schema_version"]  # the likeliest cause
            where, problem = (version or exc.errors)[0]
            problems.append(f"{path}: not a udcodec {SCHEMA_VERSION} JSON report: {where}: {problem}")
        except (ValueError, KeyError) as exc:  # JSONDecodeError is a ValueError
            problems.append(f"{path}: not a udcodec JSON report: {exc}")
    return records, problems


def columns_of(records: list[tuple[str, RunRecord]]) -> list[Column]:
    columns: list[Column] = []
    seen: set[str] = set()
    for source, record in records:
        for adapter in record.adapters:
            label = column_label(adapter)
            if label not in seen:
                seen.add(label)
                columns.append(Column(label, adapter, record, source))
    return columns


def _clauses(records: list[tuple[str, RunRecord]]) -> list[ClauseInfo]:
    clauses: dict[str, ClauseInfo] = {}
    for _, record in records:
        for info in record.clauses:
            clauses.setdefault(info.id, info)
        for result in record.results:
            clauses.setdefault(result.clause, ClauseInfo(result.clause, "", result.level, result.subject, ""))
    return list(clauses.values())


def _reason(result: CheckResult) -> str:
    if result.expected_reason:
        reason = result.expected_reason
        versions = result.extra.get("versions")
        return f"{reason} (expected for {versions})" if versions else reason
    message = result.message.strip()
    return message.splitlines()[0] if message else "(no message)"


def _header(records: list[tuple[str, RunRecord]], columns: list[Column], problems: list[str]) -> list[str]:
    specs = sorted({(r.spec_version, r.spec_sha256) for _, r in records})
    spec_text = ", ".join(f"**{v}** ({code_span(s[:12])})" for v, s in specs) or "none"
    lines = ["# udcodec conformance matrix", "", f"Spec {spec_text} · {len(columns)} implementations", ""]
    if len(specs) > 1:
        lines += ["> **Warning:** the reports were made against different specs; cells are not comparable.", ""]
    lines += ["| Implementation | Adapter | Outcomes | Python | Platform | Profile | Report | Exit status |",
              "|---|---|---|---|---|---|---|--:|"]
    for col in columns:
        a = col.adapter
        load = f" 🛑 not loaded: {a.load_error}" if a.load_error else ""
        counts = col.record.summary().get(a.key, {})
        outcomes = ", ".join(f"{n} {o}" for o, n in counts.items() if n)
        lines.append(f"| {cell(col.label + load)} | {cell(code_span(a.spec))} | {cell(outcomes)} | "
                     f"{cell(a.python or '')} | {cell(a.platform or '')} | {cell(col.record.profile)} | "
                     f"{cell(code_span(col.source))} | {col.record.exit_status} |")
    lines.append("")
    for problem in problems:
        lines += [f"> 🛑 {cell(problem)}", ""]
    return lines


def _table(clauses: list[ClauseInfo], columns: list[Column]) -> list[str]:
    lines = ["## Clause matrix", "",
             "| Clause | Level | Applies to | " + " | ".join(cell(c.label) for c in columns) + " |",
             "|---|---|---|" + ":-:|" * len(columns)]
    for info in clauses:
        cells = []
        for col in columns:
            result = col.result(info.id)
            cells.append(SYMBOLS[Outcome(result.outcome)] if result else NOT_RUN)
        applies = info.versions and f"{VERSIONED_IMPLEMENTATION} {info.versions}" or "all"
        lines.append(f"| {cell(code_span(info.id))} | {info.level} | {cell(applies)} | " + " | ".join(cells) + " |")
    legend = " · ".join(f"{SYMBOLS[o]} {o.value}" for o in OUTCOME_ORDER)
    return lines + ["", f"<sub>{legend} · {NOT_RUN} not run</sub>", ""]


def divergences(clauses: list[ClauseInfo], columns: list[Column]) -> list[tuple[ClauseInfo, str, str, list[str]]]:
    """``(clause, outcome, reason, column labels)`` for every cell that is not a pass, grouped."""
    out = []
    for info in clauses:
        groups: dict[tuple[str, str], list[str]] = {}
        for col in columns:
            result = col.result(info.id)
            if result is not None and Outcome(result.outcome) is not Outcome.PASS:
                groups.setdefault((Outcome(result.outcome).value, _reason(result)), []).append(col.label)
        out += [(info, outcome, reason, labels) for (outcome, reason), labels in groups.items()]
    return out


def _sides(columns: list[Column]) -> list[Side]:
    return [Side(c.adapter.implementation or "", c.label, c.result) for c in columns]


def render_matrix_markdown(records: list[tuple[str, RunRecord]], problems: Sequence[str] = ()) -> str:
    columns = columns_of(records)
    clauses = _clauses(records)
    found = divergences(clauses, columns)
    lines = _header(records, columns, list(problems)) + _table(clauses, columns)
    lines += [f"## Divergences ({len(found)})", ""]
    if found:
        lines += ["| Clause | Level | Implementations | Outcome | Reason |", "|---|---|---|---|---|"]
    for info, outcome, reason, labels in found:
        symbol = SYMBOLS[Outcome(outcome)]
        lines.append(f"| {cell(code_span(info.id))} | {info.level} | {cell(', '.join(labels))} | "
                     f"{symbol} {outcome} | {cell(reason)} |")
    if not found:
        lines.append("None: every implementation passes every clause it ran.")
    attribution = render_markdown(attribute(clauses, _sides(columns)))
    if attribution:
        lines += ["", *attribution]
    return "\n".join(lines).rstrip() + "\n"


def render_matrix_html(records: list[tuple[str, RunRecord]], problems: Sequence[str] = ()) -> str:
    """The merged reports as one HTML page: the version table, the grid with its drill-down, byte identity."""
    columns = columns_of(records)
    specs = sorted({(r.spec_version, r.spec_sha256) for _, r in records})
    spec_text = ", ".join(f"<strong>{text(v)}</strong> (<code>{text(s[:12])}</code>)" for v, s in specs) or "none"
    header = (f'<h1>udcodec conformance matrix</h1><p class="meta">Spec {spec_text} · '
              f"{len(columns)} implementations from {len(records)} report(s)</p>")
    if len(specs) > 1:
        header += '<p class="warn">The reports were made against different specs; cells are not comparable.</p>'
    header += "".join(f'<p class="warn">{text(problem)}</p>' for problem in problems)
    identity = []
    seen: set[int] = set()
    for col in columns:  # records whose adapters all loaded under other labels add no rows
        if id(col.record) not in seen:
            seen.add(id(col.record))
            identity += identity_rows(col.record)
    clauses = _clauses(records)
    return render_grid_page("udcodec conformance matrix", header, clauses, columns, identity, versions=True,
                            after=attribution_section(attribute(clauses, _sides(columns))))


def write_matrix(paths: Sequence[str | Path], out: str | Path | None, html: str | Path | None = None) -> int:
    """Merge ``paths`` into ``out`` (Markdown) and ``html``, each written atomically; Markdown goes to stdout
    when neither is given. 1 if a report is unreadable, its run failed or was interrupted, or an output
    cannot be written. With no usable report at all, nothing is written: each problem is one line on stderr,
    and 2."""
    records, problems = load_reports(paths)
    if not records:
        for problem in problems:
            print(f"udcodec matrix: {problem}", file=sys.stderr)
        return 2
    markdown = printable(render_matrix_markdown(records, problems))
    if out is None and html is None:
        print(markdown, end="")
    outputs = [(out, markdown, "matrix")]
    if html is not None:
        outputs.append((html, render_matrix_html(records, problems), "HTML matrix"))
    for path, content, what in outputs:
        if path is None:
            continue
        target = Path(path)
        try:
            write_atomic(target, content)
            print(f"udcodec: {what} of {len(records)} report(s) written to {target}")
        except OSError as exc:
            problems = [*problems, f"could not write {target}: {exc.strerror or exc}"]
    for problem in problems:
        print(f"udcodec matrix: {problem}", file=sys.stderr)
    return 1 if problems or any(r.exit_status for _, r in records) else 0


def add_parser(sub: Any) -> argparse.ArgumentParser:
    matrix = sub.add_parser(
        "matrix", help="merge JSON reports into one clause x implementation Markdown table",
        description="Merge udcodec JSON reports into one Markdown table. Every file must validate as a report: "
                    "one that does not is named on stderr and in the table. Exit 0 if every run passed, 1 if a "
                    "run failed or some file is unusable, 2 (nothing written) if no file is a usable report.")
    matrix.add_argument("reports", nargs="+", metavar="JSON")
    matrix.add_argument("-o", "--output", metavar="PATH", help="Markdown file (default: stdout, unless --html)")
    matrix.add_argument("--html", metavar="OUT", help="also (or only) write a self-contained HTML page")
    matrix.set_defaults(handler=lambda args: write_matrix(args.reports, args.output, args.html))
    return matrix
