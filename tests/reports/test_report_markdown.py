"""Markdown summary: header, counts table, matrix rows, failure sections."""

from __future__ import annotations

from pathlib import Path

from udcodec.outcomes import CheckResult, Outcome
from udcodec.reports import RunRecord, render_markdown, render_matrix, write_markdown
from udcodec.reports.markdown import fenced


def _row(text: str, first_cell: str) -> list[str]:
    line = next(ln for ln in text.splitlines() if ln.startswith(f"| {first_cell} |"))
    return [c.strip() for c in line.strip("|").split(" | ")]


def test_header(record: RunRecord) -> None:
    text = render_markdown(record)
    first = text.splitlines()[0]
    assert first.startswith("## udcodec conformance:") and "4 unexpected" in first
    assert "Spec **1.2.0** (`3f2a9c0d1e4b`)" in text
    assert "harness **0.1.0**" in text and "profile `ci`" in text and "exit status 1" in text


def test_counts_table(record: RunRecord) -> None:
    text = render_markdown(record)
    assert _row(text, "`reference`")[2:] == ["6", "0", "0", "0", "0", "0", "0", "0", "0", "0", "3"]  # 3 clauses left
    assert _row(text, "`blosc2`")[2:] == ["1"] * 8 + ["0", "1", "0"]  # every outcome but resource
    assert _row(text, "Adapter")[2:] == ["✅ pass", "❌ fail", "⚠️ xfail", "❗ xpass", "⏭ skip", "⚪ n/a", "💥 crash",
                                          "⏱ hang", "🚧 resource", "🛑 error", "— not run"]
    assert "not loaded" in _row(text, "`port`")[1] and _row(text, "`port`")[-1] == "0"  # an adapter that did not load runs none


def test_the_terminal_counts_the_clauses_an_adapter_has_no_result_of(record: RunRecord) -> None:
    totals = render_matrix(record, width=200).splitlines()
    assert next(line for line in totals if line.startswith("reference ")).endswith("6 results: 6 pass; 3 not run")
    assert "not run" not in next(line for line in totals if line.startswith("blosc2 "))


def test_matrix_rows(record: RunRecord) -> None:
    text = render_markdown(record)
    assert "| Clause | Level | reference | blosc2 | port |" in text
    expected = {
        "REG-ID-001": ("MUST", "✅", "✅"),
        "REG-ID-002": ("MUST", "✅", "❌"),
        "CB-SIZE-001": ("MUST", "✅", "⚠️"),
        "CB-META-001": ("SHOULD", "✅", "❗"),
        "PERSIST-001": ("MUST", "✅", "⏭"),
        "THREAD-001": ("MUST", "✅", "💥"),
        "SLOW-001": ("MAY", "—", "⏱"),
        "SPEC-BAD-001": ("SHOULD NOT", "—", "🛑"),
        "REG-OLD-001": ("MUST", "—", "⚪"),
    }
    for clause, (level, ref, b2) in expected.items():
        assert _row(text, f"`{clause}`") == [f"`{clause}`", level, ref, b2, "—"]


def test_failure_sections(record: RunRecord) -> None:
    text = render_markdown(record)
    failures = text.split("### Failures (4)")[1].split("### Expected failures")[0]
    for clause, symbol in [
        ("REG-ID-002", "❌ fail"),
        ("THREAD-001", "💥 crash"),
        ("SLOW-001", "⏱ hang"),
        ("SPEC-BAD-001", "🛑 error"),
    ]:
        assert f"#### `{clause}` · `blosc2` — {symbol}" in failures
    assert "CB-SIZE-001" not in failures and "CB-META-001" not in failures
    assert "adapter failed to load" in failures and "ModuleNotFoundError" in failures
    # the reproduction contains ``` so the fence must be longer
    assert "````python\nimport blosc2\n" in failures
    assert '"raw": "0001fe"' in failures and "Signal: `SIGSEGV`" in failures
    expected = text.split("### Expected failures (2)")[1].split("### Stale")[0]
    assert "| `CB-SIZE-001` | `blosc2` | ⚠️ xfail | blosc2#1234: size ignored |" in expected
    assert "❗ xpass | blosc2#999: meta dropped |" in expected
    stale = text.split("### Stale expectations (2)")[1]
    assert "| `blosc2` | `GONE-001` | unknown clause | old clause |" in stale


def test_strict_moves_xpass_to_failures(strict_record: RunRecord) -> None:
    text = render_markdown(strict_record)
    assert "### Failures (5)" in text and "### Expected failures (1)" in text
    assert "#### `CB-META-001` · `blosc2` — ❗ xpass" in text


def test_all_pass_and_pipes(tmp_path: Path) -> None:
    record = RunRecord(
        spec_version="1", spec_sha256="0" * 64, results=[CheckResult("A|1", "ref", Outcome.PASS)]
    )
    text = render_markdown(record)
    assert "✅ all outcomes as expected" in text.splitlines()[0]
    assert "### Failures" not in text and "### Stale" not in text
    assert "| `A\\|1` | MUST | ✅ |" in text  # GFM needs the escape even inside code spans
    path = write_markdown(record, tmp_path / "summary.md")
    write_markdown(record, path, append=True)
    assert path.read_text(encoding="utf-8") == text * 2


def test_fenced_outgrows_backticks() -> None:
    assert fenced("a ```` b", "text").startswith("`````text\n")
    assert fenced("plain") == "```\nplain\n```"


def test_expected_failures_link_upstream_and_show_expiry(record: RunRecord) -> None:
    xfail = next(r for r in record.results if r.outcome == Outcome.XFAIL)
    xfail.extra = {
        "upstream": "https://github.com/Blosc/python-blosc2/issues/1234",
        "expires": "2027-01-31",
    }
    section = render_markdown(record).split("### Expected failures")[1]
    row = _row(section, "`CB-SIZE-001`")
    assert row[3] == (
        "blosc2#1234: size ignored · [upstream](https://github.com/Blosc/python-blosc2/issues/1234)"
        " · expires 2027-01-31"
    )


def test_html_in_names_and_messages_is_shown_as_text(record: RunRecord) -> None:
    """GitHub renders HTML in Markdown: an implementation named ``<!--`` had hidden the rest of a job summary."""
    import dataclasses

    adapters = [dataclasses.replace(record.adapters[0], implementation="impl<!--<script>x</script>&amp;"),
                *record.adapters[1:]]
    results = [dataclasses.replace(record.results[0], expected_reason="held <b>back</b>"), *record.results[1:]]
    text = render_markdown(dataclasses.replace(record, adapters=adapters, results=results))
    assert "impl&lt;!--&lt;script&gt;x&lt;/script&gt;&amp;amp;" in text
    assert "<!--" not in text and "<script>" not in text and "<b>" not in text


def test_the_headline_says_why_a_run_without_unexpected_outcomes_fails(strict_record: RunRecord) -> None:
    from dataclasses import replace

    from udcodec.reports.model import StaleExpectation

    passing = replace(strict_record, results=[r for r in strict_record.results if r.outcome == "pass"], adapters=[],
                      stale_expectations=[])
    stale = replace(passing, stale_expectations=[StaleExpectation("blosc2", "REG-X", "upstream bug", "passed")],
                    exit_status=1)
    assert render_markdown(stale).startswith("## udcodec conformance: ❌ 1 stale expectation (strict)\n")
    unwritten = replace(passing, exit_status=1)
    assert render_markdown(unwritten).startswith("## udcodec conformance: ❌ a report of this run could not be written\n")
    assert render_markdown(replace(passing, exit_status=0)).startswith("## udcodec conformance: ✅ all outcomes as expected")


def test_a_command_reproduction_is_fenced_as_shell_and_a_snippet_as_python(record: RunRecord) -> None:
    from dataclasses import replace

    failing = [r for r in record.results if r.outcome == "fail"]
    command = replace(failing[0], reproduction="udcodec run --adapter blosc2 --only REG-ID-002")
    snippet = replace(failing[0], clause="X-1", message="another cause", reproduction="import blosc2\nblosc2.register_codec('c', 1, f, f)")
    text = render_markdown(replace(record, results=[command, snippet]))
    assert "```sh\nudcodec run --adapter blosc2 --only REG-ID-002\n```" in text
    assert "```python\nimport blosc2\n" in text


def test_each_skip_is_listed_with_its_reason(record: RunRecord) -> None:
    text = render_markdown(record)
    skipped = [r for r in record.results if r.outcome == "skip"]
    assert skipped and f"### Skipped: not shown to hold ({len(skipped)})" in text
    for r in skipped:
        assert f"| `{r.clause}` | `{r.adapter}` | {r.message.splitlines()[0]} |" in text
