"""Compact fixed-width terminal rendering: the clause × adapter matrix and the failures."""

from __future__ import annotations

import json
import shutil
import textwrap
from collections.abc import Sequence

from udcodec.outcomes import EXPLAINED_BY, CheckResult, Outcome
from udcodec.reports.bounds import TERMINAL_MAX, printable
from udcodec.reports.causes import group_by_cause
from udcodec.reports.model import OUTCOME_ORDER, RunRecord, jsonable

WORDS: dict[Outcome, str] = {
    Outcome.PASS: "PASS",
    Outcome.FAIL: "FAIL",
    Outcome.XFAIL: "xfail",
    Outcome.XPASS: "XPASS",
    Outcome.SKIP: "skip",
    Outcome.NOT_APPLICABLE: "n/a",
    Outcome.CRASH: "CRASH",
    Outcome.HANG: "HANG",
    Outcome.RESOURCE: "LIMIT",
    Outcome.ERROR: "ERROR",
}
NOT_RUN = "-"
COLORS: dict[Outcome, str] = {
    Outcome.PASS: "32",
    Outcome.FAIL: "1;31",
    Outcome.XFAIL: "33",
    Outcome.XPASS: "1;35",
    Outcome.SKIP: "36",
    Outcome.NOT_APPLICABLE: "34",
    Outcome.CRASH: "1;41;97",
    Outcome.HANG: "1;31",
    Outcome.RESOURCE: "1;31",
    Outcome.ERROR: "1;31",
}
GAP = "  "
ADAPTER_MAX = 12
ID_MIN = 10
DEFAULT_WIDTH = 100


def truncate(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns, keeping head and tail (ids end in their number)."""
    if len(text) <= width:
        return text
    if width <= 1:
        return text[:width]
    tail = (width - 1) // 2
    head = width - 1 - tail
    return text[:head] + "…" + (text[-tail:] if tail else "")


def _paint(text: str, code: str | None, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color and code else text


def _terminal_width() -> int:
    return shutil.get_terminal_size(fallback=(DEFAULT_WIDTH, 24)).columns


def _totals_line(
    name: str, counts: dict[str, int], name_width: int, width: int, color: bool
) -> str:
    """``name  N results: a pass, b fail, ...``, wrapped (aligned) to stay within ``width``."""
    total = sum(counts.values())
    prefix = f"{name.ljust(name_width)}{GAP}{total} {'result' if total == 1 else 'results'}"
    parts = [(f"{counts[o.value]} {o.value}", COLORS[o]) for o in OUTCOME_ORDER if counts[o.value]]
    if not parts:
        return prefix
    lines, current, indent = [], prefix + ":", " " * (name_width + len(GAP))
    visible = len(current)
    for i, (text, code) in enumerate(parts):
        piece = text + ("," if i < len(parts) - 1 else "")
        sep = " "
        if visible + 1 + len(piece) > width and visible > len(indent):
            lines.append(current)
            current, visible, sep = indent, len(indent), ""
        current += sep + _paint(text, code, color) + piece[len(text) :]
        visible += len(sep) + len(piece)
    lines.append(current)
    return "\n".join(lines)


def render_matrix(record: RunRecord, width: int | None = None, color: bool = False) -> str:
    """The clause × adapter matrix, then one total line per adapter.

    Columns: clause id (middle-truncated to fit ``width``), level, one outcome word per adapter.
    ``width`` defaults to the terminal width; ``color`` adds ANSI colours (alignment unaffected).
    """
    width = width or _terminal_width()
    keys = record.adapter_keys()
    clause_ids = record.clause_ids()
    levels = {c: record.clause_level(c) for c in clause_ids}
    level_w = max([len("LEVEL"), *(len(v) for v in levels.values())])
    adapter_w = [max(len(WORDS[Outcome.CRASH]), min(len(k), ADAPTER_MAX)) for k in keys]
    fixed = len(GAP) + level_w + sum(len(GAP) + w for w in adapter_w)
    longest_id = max([len("CLAUSE"), *(len(c) for c in clause_ids)])
    id_w = min(longest_id, max(ID_MIN, width - fixed))

    def row(first: str, level: str, cells: list[tuple[str, str | None]]) -> str:
        out = truncate(first, id_w).ljust(id_w) + GAP + level.ljust(level_w)
        for (text, code), w in zip(cells, adapter_w, strict=True):
            out += GAP + _paint(truncate(text, w).ljust(w), code, color)
        return out.rstrip() if not color else out

    header = row("CLAUSE", "LEVEL", [(k, None) for k in keys])
    lines = [_paint(header, "1", color), "-" * min(width, id_w + fixed)]
    matrix = record.matrix()
    for clause in clause_ids:
        cells: list[tuple[str, str | None]] = []
        for key in keys:
            result = matrix.get((clause, key))
            if result is None:
                cells.append((NOT_RUN, "2"))
            else:
                outcome = Outcome(result.outcome)
                cells.append((WORDS[outcome], COLORS[outcome]))
        lines.append(row(clause, levels[clause], cells))
    lines.append("-" * min(width, id_w + fixed))
    summary = record.summary()
    name_w = min(max([0, *(len(k) for k in keys)]), 24)
    adapters = {a.key: a for a in record.adapters}
    for key in keys:
        line = _totals_line(truncate(key, name_w), summary[key], name_w, width, color)
        missing = record.not_run(key)
        if missing:
            line += ("; " if any(summary[key].values()) else ": ") + _paint(f"{missing} not run", "2", color)
        adapter = adapters.get(key)
        if adapter is not None and adapter.load_error:
            line += "  " + _paint("(failed to load)", COLORS[Outcome.ERROR], color)
        lines.append(line)
    if record.interrupted:
        lines.append(_paint(f"INTERRUPTED after {len(record.results)} result(s): the run is incomplete",
                            COLORS[Outcome.ERROR], color))
    return "\n".join(lines) + "\n"


def _indent(text: str, prefix: str = "    ") -> str:
    return textwrap.indent(text.rstrip(), prefix, lambda _line: True)


def _failure(result: CheckResult, color: bool) -> list[str]:
    outcome = Outcome(result.outcome)
    word = _paint(WORDS[outcome], COLORS[outcome], color)
    lines = [f"{word} {result.clause} [{result.adapter}] ({result.level}, {result.subject})"]
    if result.message:
        lines.append(_indent(printable(result.message)))
    if result.attribution:
        lines.append(f"  with a builtin codec: {result.attribution}")
    if result.expected_reason:
        lines.append(f"  expected to fail: {printable(result.expected_reason)}")
    if result.signal:
        lines.append(f"  signal: {result.signal}")
    if result.counterexample is not None:
        dumped = json.dumps(jsonable(result.counterexample), indent=2, ensure_ascii=False)
        lines += ["  counterexample:", _indent(dumped)]
    if result.reproduction:
        lines += ["  reproduction:", _indent(printable(result.reproduction))]
    if result.stderr_tail:
        lines += ["  stderr (tail):", _indent(printable(result.stderr_tail))]
    if result.nodeid:
        lines.append(f"  nodeid: {result.nodeid}")
    return lines


def render_codec(record: RunRecord) -> str:
    """``codec NAME (id N, encoder MODULE:FN, decoder MODULE:FN[, domain D])`` for a check-codec run (``filter NAME
    (id N, forward ..., backward ...[, domain D])`` for check-filter), else ``""``."""
    codec = record.codec
    if not codec:
        return ""
    domain = [f"domain {codec['domain']}"] if codec.get("domain") else []
    if codec.get("kind") == "filter":
        parts = [f"id {codec.get('id')}", f"forward {codec.get('encoder')}", f"backward {codec.get('decoder')}", *domain]
        return f"filter {codec.get('name')} ({', '.join(parts)})"
    if codec.get("plugin"):
        parts = [f"id {codec.get('id')}", "dynamic plugin", *domain]
    else:
        parts = [f"id {codec.get('id')}", f"encoder {codec.get('encoder')}", f"decoder {codec.get('decoder')}", *domain]
    return f"codec {codec.get('name')} ({', '.join(parts)})"


def _groups(results: list[CheckResult], color: bool, settled: Sequence[CheckResult] = ()) -> list[list[str]]:
    blocks = []
    for group in group_by_cause(results):
        block = _failure(group.first, color)
        if group.others:
            block.append("  " + group.others_line())
        members = {(r.clause, r.adapter) for r in group.results}
        kept = [r for r in settled if (r.extra[EXPLAINED_BY].get("clause"), r.adapter) in members]
        if kept:
            block.append(f"  its defect keeps {len(kept)} more from being judged (skip; their failing input shows it): "
                         + ", ".join(f"{r.clause} [{r.adapter}]" for r in kept))
        blocks.append(block)
    return blocks


def _settled(record: RunRecord) -> list[CheckResult]:
    """The results not judged because another clause fails of the defect their input shows."""
    return [r for r in record.results if r.outcome is Outcome.SKIP and isinstance(r.extra.get(EXPLAINED_BY), dict)
            and "clause" in r.extra[EXPLAINED_BY]]


def render_failures(record: RunRecord, color: bool = False) -> str:
    """Every unexpected outcome (and adapter load error) with message and reproduction, then SHOULD failures.

    Failures sharing a root cause (:mod:`udcodec.reports.causes`) are shown once, naming the others.
    Returns an empty string when there is nothing to show. Messages are clipped to
    :data:`~udcodec.reports.bounds.TERMINAL_MAX` characters and control characters escaped.
    """
    record = record.bounded(TERMINAL_MAX)
    blocks: list[list[str]] = []
    for adapter in record.adapters:
        if adapter.load_error:
            word = _paint("ERROR", COLORS[Outcome.ERROR], color)
            blocks.append(
                [f"{word} adapter {adapter.spec!r} failed to load", _indent(printable(adapter.load_error))]
            )
    settled = _settled(record)
    blocks += _groups(record.unexpected(), color, settled)
    advisory = record.advisory()
    if advisory:
        blocks.append([f"SHOULD clauses failed ({len(advisory)}; not required):"])
        blocks += _groups(advisory, color, settled)
    return "".join("\n".join(block) + "\n\n" for block in blocks).rstrip("\n") + (
        "\n" if blocks else ""
    )


def render_conduct(record: RunRecord) -> str:
    """``CONDUCT what it did: CLAUSE [adapter], ...``: what an implementation did beside its verdict (processes it
    left running, output it flooded), whatever the outcome."""
    return "\n".join(printable(f"CONDUCT {note}: " + ", ".join(f"{r.clause} [{r.adapter}]" for r in results)
                               ).replace("\n", "\\n") for note, results in record.conduct())


def render_workarounds(record: RunRecord) -> str:
    """The known defects the checks got past to test something else: each workaround, where, defect and how."""
    lines: list[str] = []
    for used, results in record.workarounds():
        where = ", ".join(f"{r.clause} [{r.adapter}]" for r in results)
        lines += [f"WORKAROUND {used['name']}: {where}", _indent(f"defect: {used['defect']}"),
                  _indent(f"how: {used['how']}")]
    return printable("\n".join(lines))
