"""Markdown summary of a run, sized for a CI job summary (e.g. ``$GITHUB_STEP_SUMMARY``)."""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

from udcodec.outcomes import CheckResult, Outcome
from udcodec.reports.atomic import append_text, write_atomic
from udcodec.reports.bounds import printable
from udcodec.reports.causes import group_by_cause
from udcodec.reports.examples import budget_line, example_rows
from udcodec.reports.identity import render_identity_markdown
from udcodec.reports.model import OUTCOME_ORDER, RunRecord, jsonable

SYMBOLS: dict[Outcome, str] = {
    Outcome.PASS: "✅",
    Outcome.FAIL: "❌",
    Outcome.XFAIL: "⚠️",
    Outcome.XPASS: "❗",
    Outcome.SKIP: "⏭",
    Outcome.NOT_APPLICABLE: "⚪",
    Outcome.CRASH: "💥",
    Outcome.HANG: "⏱",
    Outcome.RESOURCE: "🚧",
    Outcome.ERROR: "🛑",
}
NOT_RUN = "—"


def cell(text: object) -> str:
    """``text`` made safe for one Markdown table cell, or any Markdown line: one line, pipes escaped, and ``&``,
    ``<``, ``>`` as entities (GitHub renders HTML in Markdown: a name holding ``<!--`` hid the rest of a
    job summary)."""
    return html.escape(re.sub(r"\s*\n\s*", " ", str(text)).strip(), quote=False).replace("|", "\\|")


def code_span(text: str) -> str:
    """An inline code span that survives backticks in ``text``."""
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _code_cell(text: str) -> str:
    """A code span inside a table cell (GFM needs ``\\|`` even inside code spans; it shows entities there as
    they are, and renders no HTML)."""
    return re.sub(r"\s*\n\s*", " ", code_span(text)).replace("|", "\\|").strip()


def fenced(text: str, lang: str = "") -> str:
    """A fenced code block longer than any backtick run inside ``text``."""
    longest = max((len(m) for m in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text.rstrip()}\n{fence}"


def _header(record: RunRecord) -> list[str]:
    unexpected = len(record.unexpected())
    status = f"❌ {unexpected} unexpected" if unexpected else "✅ all outcomes as expected"
    otherwise = record.failed_otherwise()
    if otherwise:
        status = ("🛑 " if "load" in otherwise else "❌ ") + otherwise
    if record.interrupted:
        status = f"⛔ interrupted after {len(record.results)} result(s); the run is incomplete"
    strict = " · strict" if record.strict else ""
    codec = record.codec
    is_filter = codec is not None and codec.get("kind") == "filter"
    command = "check-filter" if is_filter else "check-codec"
    title = f"udcodec {command} {code_span(str(codec.get('name')))}" if codec else "udcodec conformance"
    lines = [f"## {title}: {status}", ""]
    domain = f" · domain {code_span(str(codec['domain']))}" if codec and codec.get("domain") else ""
    if codec is not None and is_filter:
        lines += [f"Filter {code_span(str(codec.get('name')))} · id {codec.get('id')} · forward "
                  f"{code_span(str(codec.get('encoder')))} · backward {code_span(str(codec.get('decoder')))}{domain}", ""]
    elif codec:
        lines += [f"Codec {code_span(str(codec.get('name')))} · id {codec.get('id')} · "
                  + ("dynamic plugin" if codec.get("plugin") else
                     f"encoder {code_span(str(codec.get('encoder')))} · decoder {code_span(str(codec.get('decoder')))}")
                  + f" · version {codec.get('version')}{domain}", ""]
    reason = record.exit_reason()
    if reason:
        lines += [reason.removeprefix("udcodec: "), ""]
    return [
        *lines,
        f"Spec **{record.spec_version}** ({code_span(record.spec_sha_short)}) · "
        f"harness **{record.harness_version}** · profile {code_span(record.profile)}{strict} · "
        f"{float(record.duration or 0.0):.1f} s · exit status {record.exit_status}",
        "",
    ]


def _counts_table(record: RunRecord) -> list[str]:
    adapters = {a.key: a for a in record.adapters}
    head = ["Adapter", "Implementation"] + [f"{SYMBOLS[o]} {o.value}" for o in OUTCOME_ORDER] + [f"{NOT_RUN} not run"]
    lines = [
        "### Summary",
        "",
        "| " + " | ".join(head) + " |",
        "|---|---|" + "--:|" * (len(OUTCOME_ORDER) + 1),
    ]
    summary = record.summary()
    for key in record.adapter_keys():
        adapter = adapters.get(key)
        if adapter is None:
            impl = ""
        elif adapter.load_error:
            impl = f"🛑 not loaded: {adapter.load_error}"
        else:
            impl = " ".join(x for x in (adapter.implementation, adapter.version) if x)
        counts = [str(summary[key][o.value]) for o in OUTCOME_ORDER] + [str(record.not_run(key))]
        lines.append("| " + " | ".join([_code_cell(key), cell(impl), *counts]) + " |")
    lines.append("")
    return lines


def _matrix(record: RunRecord) -> list[str]:
    keys = record.adapter_keys()
    matrix = record.matrix()
    lines = [
        "### Clause matrix",
        "",
        "| Clause | Level | " + " | ".join(cell(k) for k in keys) + " |",
        "|---|---|" + ":-:|" * len(keys),
    ]
    for clause in record.clause_ids():
        cells = []
        for key in keys:
            result = matrix.get((clause, key))
            cells.append(SYMBOLS[Outcome(result.outcome)] if result else NOT_RUN)
        lines.append(
            f"| {_code_cell(clause)} | {cell(record.clause_level(clause))} | "
            + " | ".join(cells)
            + " |"
        )
    legend = " · ".join(f"{SYMBOLS[o]} {o.value}" for o in OUTCOME_ORDER)
    lines += ["", f"<sub>{legend} · {NOT_RUN} not run</sub>", ""]
    return lines


def _failure(result: CheckResult) -> list[str]:
    outcome = Outcome(result.outcome)
    lines = [
        f"#### {code_span(result.clause)} · {code_span(result.adapter)} — "
        f"{SYMBOLS[outcome]} {outcome.value} ({result.level}, {result.subject})",
        "",
    ]
    if result.message:
        lines += [fenced(result.message, "text"), ""]
    if result.attribution:
        lines += [f"With a builtin codec: **{result.attribution}**", ""]
    if result.expected_reason:
        lines += [f"Expected to fail: {cell(result.expected_reason)}", ""]
    if result.signal:
        lines += [f"Signal: {code_span(result.signal)}", ""]
    if result.counterexample is not None:
        dumped = json.dumps(jsonable(result.counterexample), indent=2, ensure_ascii=False)
        lines += ["Counterexample:", "", fenced(dumped, "json"), ""]
    if result.reproduction:
        shell = result.reproduction.lstrip().startswith(("udcodec ", "pytest "))  # a command, not a Python snippet
        lines += ["Reproduction:", "", fenced(result.reproduction, "sh" if shell else "python"), ""]
    if result.stderr_tail:
        lines += ["stderr (tail):", "", fenced(result.stderr_tail, "text"), ""]
    if result.nodeid:
        lines += [f"<sub>{cell(result.nodeid)}</sub>", ""]
    return lines


def _grouped(results: list[CheckResult]) -> list[str]:
    lines: list[str] = []
    for group in group_by_cause(results):
        lines += _failure(group.first)
        if group.others:
            lines += [cell(group.others_line()), ""]
    return lines


def _failures(record: RunRecord) -> list[str]:
    unexpected = record.unexpected()
    advisory = record.advisory()
    load_failures = [a for a in record.adapters if a.load_error]
    lines: list[str] = []
    if unexpected or load_failures:
        lines += [f"### Failures ({len(unexpected)})", ""]
    for adapter in load_failures:
        lines += [
            f"#### {code_span(adapter.spec)} — 🛑 adapter failed to load",
            "",
            fenced(adapter.load_error or "", "text"),
            "",
        ]
    lines += _grouped(unexpected)
    if advisory:
        lines += [f"### SHOULD clauses failed ({len(advisory)}; not required)", "", *_grouped(advisory)]
    return lines


def _expected(record: RunRecord) -> list[str]:
    expected = record.expected_failures()
    if not expected:
        return []
    lines = [
        f"### Expected failures ({len(expected)})",
        "",
        "| Clause | Adapter | Outcome | Reason |",
        "|---|---|---|---|",
    ]
    for r in expected:
        outcome = Outcome(r.outcome)
        lines.append(
            f"| {_code_cell(r.clause)} | {_code_cell(r.adapter)} | "
            f"{SYMBOLS[outcome]} {outcome.value} | {cell(r.expected_reason or '')}{_entry_notes(r)} |"
        )
    lines.append("")
    return lines


def _skipped(record: RunRecord) -> list[str]:
    """Every ``skip`` with its reason: a clause not shown to hold (a missing capability, or not judged)."""
    skipped = [r for r in record.results if Outcome(r.outcome) == Outcome.SKIP]
    if not skipped:
        return []
    lines = [f"### Skipped: not shown to hold ({len(skipped)})", "", "| Clause | Adapter | Why |", "|---|---|---|"]
    for r in skipped:
        lines.append(f"| {_code_cell(r.clause)} | {_code_cell(r.adapter)} | {cell((r.message or '').split(chr(10))[0])} |")
    lines.append("")
    return lines


def _entry_notes(result: CheckResult) -> str:
    """`` · [upstream](URL) · expires DATE`` from the expectation entry, when it gives them."""
    notes = []
    upstream = result.extra.get("upstream")
    if isinstance(upstream, str) and upstream:
        notes.append(f"[upstream]({upstream.replace('(', '%28').replace(')', '%29')})")
    if result.extra.get("expires"):
        notes.append(f"expires {result.extra['expires']}")
    return "".join(f" · {cell(note)}" for note in notes)


def _stale(record: RunRecord) -> list[str]:
    if not record.stale_expectations:
        return []
    lines = [
        f"### Stale expectations ({len(record.stale_expectations)})",
        "",
        "| Adapter | Clause | Why stale | Reason given |",
        "|---|---|---|---|",
    ]
    for s in record.stale_expectations:
        lines.append(
            f"| {_code_cell(s.adapter)} | {_code_cell(s.clause)} | {cell(s.why_stale)} | "
            f"{cell(s.reason)} |"
        )
    lines.append("")
    return lines


def _throughput(record: RunRecord) -> list[str]:
    """``check-codec --bench`` figures: the codec beside builtin codecs on each host."""
    figures = [f for f in (record.codec or {}).get("throughput") or [] if isinstance(f, dict)]
    if not figures:
        return []
    lines = ["### Throughput", "", "MB/s of uncompressed data, best of 3.", "",
             "| Host | Codec | Compress MB/s | Decompress MB/s | Ratio |", "|---|---|--:|--:|--:|"]
    for f in figures:
        if f.get("error"):
            lines.append(f"| {cell(str(f.get('host')))} | {cell(str(f.get('codec')))} | | | "
                         f"not measured: {cell(str(f['error']))} |")
        else:
            lines.append(f"| {cell(str(f.get('host')))} | {cell(str(f.get('codec')))} | "
                         f"{float(f.get('compress_mbs') or 0):.1f} | {float(f.get('decompress_mbs') or 0):.1f} | "
                         f"{float(f.get('ratio') or 0):.2f} |")
    return [*lines, ""]


def _examples(record: RunRecord) -> list[str]:
    """Per clause of a codec run: examples ran of planned, and whether the time budget cut them."""
    rows = example_rows(record)
    if not rows:
        return []
    adapters = sorted({a for _, cells in rows for a in cells})
    lines = ["### Examples", ""]
    line = budget_line(record)
    lines += [f"{line[0].upper()}{line[1:]}.", ""] if line else []
    lines += ["Examples each clause ran of those planned (explicit ones first, then drawn); *(cut)*: fewer than the "
              "profile draws, to fit the time budget; *(smaller layouts)*: host round trips of one chunk of a few "
              "blocks, one content kind each.", "",
              "| Clause | " + " | ".join(cell(a) for a in adapters) + " |", "|---|" + "--:|" * len(adapters)]
    for clause, cells in rows:
        lines.append(f"| {cell(clause)} | " + " | ".join(cell(cells.get(a, "")) for a in adapters) + " |")
    return [*lines, ""]


def _workarounds(record: RunRecord) -> list[str]:
    used = record.workarounds()
    if not used:
        return []
    lines = [f"### Workarounds ({len(used)})", "",
             "Known defects the checks got past to test something else; the clauses they test passed or "
             "failed on their own.", "", "| Workaround | Where | Defect | How |", "|---|---|---|---|"]
    for w, results in used:
        where = ", ".join(f"{r.clause} [{r.adapter}]" for r in results)
        lines.append(f"| {_code_cell(w['name'])} | {cell(where)} | {cell(w['defect'])} | {cell(w['how'])} |")
    lines.append("")
    return lines


def _conduct(record: RunRecord) -> list[str]:
    notes = record.conduct()
    if not notes:
        return []
    lines = [f"### Conduct ({len(notes)})", "", "What implementations did beside their verdicts: processes left "
             "running, output flooded. The harness cleaned up after them; whatever the outcome, a user should know.",
             "", "| What it did | Where |", "|---|---|"]
    lines += [f"| {cell(note)} | {cell(', '.join(f'{r.clause} [{r.adapter}]' for r in results))} |"
              for note, results in notes]
    return [*lines, ""]


def render_markdown(record: RunRecord) -> str:
    """The whole summary: header, counts, clause × adapter matrix, byte identity, failures, xfails, workarounds, stale.

    Messages are clipped (:meth:`RunRecord.bounded`) and control characters escaped.
    """
    record = record.bounded()
    lines = (
        _header(record)
        + _counts_table(record)
        + _matrix(record)
        + render_identity_markdown(record)
        + _throughput(record)
        + _examples(record)
        + _failures(record)
        + _expected(record)
        + _skipped(record)
        + _conduct(record)
        + _workarounds(record)
        + _stale(record)
    )
    return printable("\n".join(lines).rstrip() + "\n")


def write_markdown(
    record: RunRecord, path: str | os.PathLike[str], *, append: bool = False
) -> Path:
    """Write :func:`render_markdown` to ``path`` atomically (parents created); return the path.

    ``append=True`` adds to an existing file, as ``$GITHUB_STEP_SUMMARY`` expects.
    """
    text = render_markdown(record)
    return append_text(path, text) if append else write_atomic(path, text)
