"""Terminal matrix: alignment, width, truncation, colour, failures listing."""

from __future__ import annotations

import re

from udcodec.outcomes import CheckResult, Outcome
from udcodec.reports import RunRecord, render_failures, render_matrix
from udcodec.reports.model import AdapterRun, ClauseInfo
from udcodec.reports.terminal import truncate

ANSI = re.compile(r"\x1b\[[0-9;]*m")
OUTCOMES = list(Outcome)


def _big_record() -> RunRecord:
    adapters = ["reference", "blosc2-3.x", "a-very-long-adapter-name"]
    clauses = [
        ClauseInfo(
            f"FAMILY-{'LONG-NAME-' * (2 * (i % 4))}{i:03d}",
            f"clause {i}",
            ("MUST", "SHOULD", "MAY", "SHOULD NOT")[i % 4],
            "host",
            "fam",
        )
        for i in range(60)
    ]
    results = [
        CheckResult(
            c.id,
            a,
            OUTCOMES[(i + j) % len(OUTCOMES)],
            level=c.level,
            expected_reason="r"
            if OUTCOMES[(i + j) % len(OUTCOMES)] in (Outcome.XFAIL, Outcome.XPASS)
            else None,
        )
        for i, c in enumerate(clauses)
        for j, a in enumerate(adapters)
    ]
    return RunRecord(
        spec_version="1",
        spec_sha256="0" * 64,
        clauses=clauses,
        results=results,
        adapters=[AdapterRun(spec=a, name=a) for a in adapters],
    )


def test_60_clauses_3_adapters_fit_in_100_columns() -> None:
    record = _big_record()
    text = render_matrix(record, width=100)
    lines = text.splitlines()
    assert all(len(line) <= 100 for line in lines), max(map(len, lines))
    header, rows = lines[0], lines[2:62]
    assert len(rows) == 60
    # every adapter column starts at the same offset in header and rows
    starts = [header.index(name) for name in ("reference", "blosc2-3.x", "a-very…-name")]
    for row, clause in zip(rows, record.clauses, strict=True):
        for start in starts:
            assert row[start - 2 : start] == "  " and row[start] != " "
        assert row.split()[0] in (clause.id, truncate(clause.id, header.index("LEVEL") - 2))
    # long ids are truncated but keep their distinguishing tail
    long_row = rows[3]
    assert "…" in long_row and long_row.split()[0].endswith("003")
    # one total line per adapter, with counts
    totals = [ln for ln in lines[63:] if not ln.startswith(" ")]
    assert [t.split()[0] for t in totals] == ["reference", "blosc2-3.x", "a-very-long-adapter-name"]
    assert all("60 results:" in t for t in totals)
    assert "6 hang, 6 resource, 6 error" in lines[-1]  # 60 clauses over 10 outcomes


def test_narrow_and_wide_widths_and_words(record: RunRecord) -> None:
    wide = render_matrix(record, width=200)
    row = next(ln for ln in wide.splitlines() if ln.startswith("REG-ID-002"))
    assert row.split() == ["REG-ID-002", "MUST", "PASS", "FAIL", "-"]
    for clause, word in [
        ("CB-SIZE-001", "xfail"),
        ("CB-META-001", "XPASS"),
        ("PERSIST-001", "skip"),
        ("THREAD-001", "CRASH"),
        ("SLOW-001", "HANG"),
        ("SPEC-BAD-001", "ERROR"),
        ("REG-OLD-001", "n/a"),
    ]:
        line = next(ln for ln in wide.splitlines() if ln.startswith(clause))
        assert word in line.split()
    assert "port" in wide.splitlines()[-1] and "failed to load" in wide.splitlines()[-1]
    narrow = render_matrix(record, width=40).splitlines()
    # the id column shrinks to its minimum (10) before anything else gives way
    assert narrow[2].startswith("REG-ID-001  MUST") and "CB-SI…-001" in narrow[4]
    assert all(len(ln) <= 40 for ln in narrow[-3:])


def test_colour_does_not_change_layout(record: RunRecord) -> None:
    plain = render_matrix(record, width=100)
    coloured = render_matrix(record, width=100, color=True)
    assert "\x1b[" in coloured and "\x1b[" not in plain
    stripped = [ln.rstrip() for ln in ANSI.sub("", coloured).splitlines()]
    assert stripped == plain.splitlines()


def test_truncate() -> None:
    assert truncate("SHORT", 10) == "SHORT"
    assert truncate("REGISTRY-ID-RANGE-001", 11) == "REGIS…E-001"
    assert len(truncate("X" * 50, 7)) == 7


def test_render_failures(record: RunRecord, strict_record: RunRecord) -> None:
    text = render_failures(record)
    assert "FAIL REG-ID-002 [blosc2] (MUST, host)" in text
    assert "    register_codec accepted id 159" in text
    assert "  reproduction:\n    import blosc2" in text
    assert '"raw": "0001fe"' in text
    assert "CRASH THREAD-001" in text and "signal: SIGSEGV" in text and "Segmentation" in text
    assert "HANG SLOW-001" in text and "ERROR SPEC-BAD-001" in text
    assert "adapter 'myport:X' failed to load" in text
    assert "CB-SIZE-001" not in text and "CB-META-001" not in text and "REG-ID-001" not in text
    assert "XPASS CB-META-001" in render_failures(strict_record)
    assert "\x1b[" in render_failures(record, color=True)
    clean = RunRecord(
        spec_version="1", spec_sha256="0" * 64, results=[CheckResult("A-1", "ref", Outcome.PASS)]
    )
    assert render_failures(clean) == ""


def test_a_conduct_note_holding_a_newline_stays_one_line() -> None:
    """A leftover process's command line may hold a newline: its CONDUCT line had been split in two."""
    from udcodec.outcomes import CONDUCT
    from udcodec.reports.terminal import render_conduct

    result = CheckResult("CODEC-ROUNDTRIP", "reference", Outcome.PASS, level="MUST",
                         extra={CONDUCT: ["left 1 process running: python -c 'x\ny'"]})
    record = RunRecord(spec_version="1", spec_sha256="0", results=[result])
    (line,) = render_conduct(record).splitlines()
    assert line == "CONDUCT left 1 process running: python -c 'x\\ny': CODEC-ROUNDTRIP [reference]"
