"""``udcodec matrix``: several JSON reports merged into one clause × implementation/version table."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from udcodec import cli
from udcodec.outcomes import Outcome
from udcodec.reports import RunRecord, write_json
from udcodec.reports.matrix import render_matrix_markdown
from udcodec.reports.model import SCHEMA_VERSION


def _row(text: str, first_cell: str) -> list[str]:
    line = next(ln for ln in text.splitlines() if ln.startswith(f"| {first_cell} |"))
    return [c.strip() for c in line.strip("|").split(" | ")]


def _newer_blosc2(original: RunRecord) -> RunRecord:
    """The same run against python-blosc2 4.14.1, where REG-ID-002 is fixed."""
    record = copy.deepcopy(original)
    record.adapters[1].version = "4.14.1"
    record.adapters = record.adapters[:2]
    for result in record.results:
        if (result.clause, result.adapter) == ("REG-ID-002", "blosc2"):
            result.outcome, result.counterexample, result.reproduction = Outcome.PASS, None, None
    return record


def _records(record: RunRecord) -> list[tuple[str, RunRecord]]:
    record.clauses[1].versions = ">=3"  # REG-ID-002 applies to python-blosc2 3 and later
    newer = _newer_blosc2(record)
    return [("reports/blosc2-3.json", record), ("reports/blosc2-4.json", newer)]


def test_one_column_per_implementation_and_version(record: RunRecord) -> None:
    text = render_matrix_markdown(_records(record))
    header = _row(text, "Clause")
    assert header == [
        "Clause", "Level", "Applies to",
        "udcodec-reference 0.1.0", "python-blosc2 3.0.0", "port", "python-blosc2 4.14.1",
    ]  # fmt: skip
    assert _row(text, "`REG-ID-002`") == [
        "`REG-ID-002`",
        "MUST",
        "python-blosc2 &gt;=3",  # as an entity: GitHub renders HTML in Markdown
        "✅",
        "❌",
        "—",
        "✅",
    ]
    assert _row(text, "`CB-SIZE-001`")[3:] == ["✅", "⚠️", "—", "⚠️"]
    assert _row(text, "`SLOW-001`")[3:] == ["—", "⏱", "—", "⏱"]
    impl = _row(text, "python-blosc2 4.14.1")
    assert impl[1] == "`blosc2`" and impl[2].startswith("2 pass, 1 xfail, 1 xpass")
    assert impl[-2:] == ["`reports/blosc2-4.json`", "1"]
    port = next(ln for ln in text.splitlines() if ln.startswith("| port "))
    assert "🛑 not loaded: importing 'myport' failed" in port


def test_every_divergence_is_listed_with_its_reason(record: RunRecord) -> None:
    text = render_matrix_markdown(_records(record))
    section = text.split("## Divergences (")[1]
    rows = [ln for ln in section.splitlines() if ln.startswith("| `")]
    both = "python-blosc2 3.0.0, python-blosc2 4.14.1"
    assert f"| `CB-SIZE-001` | MUST | {both} | ⚠️ xfail | blosc2#1234: size ignored |" in rows
    assert f"| `THREAD-001` | MUST | {both} | 💥 crash | check process died |" in rows
    assert (
        "| `REG-ID-002` | MUST | python-blosc2 3.0.0 | ❌ fail | register_codec accepted id 159 \\| oops |"
        in rows
    )
    assert (
        f"| `PERSIST-001` | MUST | {both} | ⏭ skip | adapter lacks capability 'persistence' |"
        in rows
    )
    assert f"| `REG-OLD-001` | MUST | {both} | ⚪ n/a | clause applies to python-blosc2 &lt;3 only |" in rows
    # one row per (clause, outcome, reason): 7 blosc2 divergences shared, REG-ID-002 on 3.0.0 only
    assert len(rows) == 8 and section.startswith("8)")


def test_reports_made_against_different_specs_are_flagged(record: RunRecord) -> None:
    other = _newer_blosc2(record)
    other.spec_sha256 = "f" * 64
    text = render_matrix_markdown([("a.json", record), ("b.json", other)])
    assert "the reports were made against different specs" in text


def test_command_writes_the_table_and_reports_problems(
    record: RunRecord, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    passing = _newer_blosc2(record)
    passing.results = [r for r in passing.results if r.outcome in (Outcome.PASS, Outcome.XFAIL)]
    passing.adapters = passing.adapters[:2]
    passing.exit_status = 0
    good = write_json(passing, tmp_path / "good.json")
    out = tmp_path / "out" / "matrix.md"
    assert cli.main(["matrix", str(good), "-o", str(out)]) == 0
    assert out.read_text("utf-8").startswith("# udcodec conformance matrix")
    assert f"written to {out}" in capsys.readouterr().out

    failing = write_json(record, tmp_path / "failing.json")
    assert cli.main(["matrix", str(good), str(failing), "-o", str(out)]) == 1  # its run failed

    (tmp_path / "junk.json").write_text('{"schema_version": "0.9"}', encoding="utf-8")
    code = cli.main(["matrix", str(good), str(tmp_path / "absent.json"), str(tmp_path / "junk.json"),
                     "-o", str(out)])  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'absent.json'}: cannot be read" in err
    assert f"junk.json: not a udcodec {SCHEMA_VERSION} JSON report: $.schema_version" in err
    text = out.read_text("utf-8")  # still written, with the problems in it
    assert "absent.json: cannot be read" in text and "python-blosc2 4.14.1" in text


@pytest.mark.parametrize("content", ["{}", "[1]", '{"schema_version": "1.2"}', "not json", '{"a": 1}'])
def test_no_usable_report_writes_nothing_and_exits_2(
    content: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "x.json").write_text(content, encoding="utf-8")
    out = tmp_path / "matrix.md"
    assert cli.main(["matrix", str(tmp_path / "x.json"), str(tmp_path / "absent.json"), "-o", str(out)]) == 2
    captured = capsys.readouterr()
    assert not out.exists() and captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"udcodec matrix: {tmp_path / 'x.json'}: not a udcodec")
    assert lines[1].startswith(f"udcodec matrix: {tmp_path / 'absent.json'}: cannot be read")
