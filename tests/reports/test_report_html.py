"""The HTML report (``udcodec.reports.html``): one self-contained file, the grid, the drill-down, escaping."""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from udcodec import cli
from udcodec.contract import load_contract
from udcodec.engine.run import pytest_args
from udcodec.engine.session import write_reports
from udcodec.outcomes import CheckResult, Outcome
from udcodec.reports import RunRecord, read_json, render_markdown, validate_report, write_json
from udcodec.reports.html import COLOURS, outcome_class, render_html, text, write_html
from udcodec.reports.markdown import SYMBOLS
from udcodec.reports.matrix import render_matrix_html, write_matrix

INJECTION = "</script><script>alert(1)</script>"


class Page(HTMLParser):
    """The elements of a page, with their attributes and the text inside each detail section."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.details: dict[str, str] = {}
        self._section: str | None = None
        self._depth = 0
        self.feed(source)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        self.tags.append((tag, attributes))
        if self._section is not None and tag == "section":
            self._depth += 1
        elif tag == "section" and "detail" in attributes.get("class", ""):
            self._section, self._depth = attributes["id"], 1
            self.details[self._section] = ""

    def handle_endtag(self, tag: str) -> None:
        if self._section is not None and tag == "section":
            self._depth -= 1
            if not self._depth:
                self._section = None

    def handle_data(self, data: str) -> None:
        if self._section is not None:
            self.details[self._section] += data

    def all(self, tag: str, **match: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in match.items())]

    def cell(self, clause: str, column: str) -> dict[str, str]:
        (found,) = self.all("button", **{"data-clause": clause, "data-column": column})
        return found

    def detail(self, clause: str, column: str) -> str:
        return self.details[self.cell(clause, column)["data-detail"]]


def test_one_self_contained_file(record: RunRecord, tmp_path: Path) -> None:
    source = write_html(record, tmp_path / "sub" / "r.html").read_text("utf-8")
    page = Page(source)
    assert source.startswith("<!DOCTYPE html>")
    assert len(page.all("style")) == 1 and len(page.all("script")) == 1
    assert not [a for _, a in page.tags if "src" in a or "href" in a]  # nothing loaded from anywhere
    assert not re.search(r"https?://|@import|url\(", source)
    assert "<h1>udcodec conformance: <span class=\"status-bad\">4 unexpected</span></h1>" in source


def test_the_grid_has_every_clause_and_adapter(record: RunRecord) -> None:
    page = Page(render_html(record))
    buttons = page.all("button", type="button")
    cells = {(b["data-clause"], b["data-column"]) for b in buttons if "data-clause" in b}
    assert cells == set(record.matrix())
    not_run = [a for a in page.all("td") if a.get("class") == "not-run"]
    assert len(cells) + len(not_run) == len(record.clause_ids()) * len(record.adapter_keys())
    header = [a for a in page.all("th", scope="col")]
    assert len(header) == len(record.adapter_keys())


def test_every_outcome_has_its_own_colour_and_symbol(every_outcome_record: RunRecord) -> None:
    record = every_outcome_record
    assert set(COLOURS) == set(Outcome)
    assert len(set(COLOURS.values())) == len(Outcome)
    assert len({outcome_class(o) for o in Outcome}) == len(Outcome)
    source = render_html(record)
    page = Page(source)
    for result in record.results:
        outcome = Outcome(result.outcome)
        assert page.cell(result.clause, result.adapter)["class"] == outcome_class(outcome)
    for outcome in Outcome:
        assert f".{outcome_class(outcome)}{{background:{COLOURS[outcome]};" in source
        assert f"{SYMBOLS[outcome]} {outcome.value} (1)" in source or outcome is Outcome.PASS
    passed = sum(Outcome(r.outcome) is Outcome.PASS for r in record.results)
    assert passed == 6 and f"{SYMBOLS[Outcome.PASS]} pass ({passed})" in source


def test_a_cell_drills_down_to_everything_the_result_holds(record: RunRecord) -> None:
    page = Page(render_html(record))
    fail = page.detail("REG-ID-002", "blosc2")
    assert "register_codec accepted id 159 | oops" in fail
    assert '"raw": "0001fe"' in fail and '"filters": [' in fail  # the counterexample as JSON
    assert "blosc2.register_codec('mycodec', 244, encoder, decoder)" in fail
    assert "copy to clipboard" in fail  # the reproduction's button
    crash = page.detail("THREAD-001", "blosc2")
    assert "Signal: SIGSEGV" in crash and "Fatal Python error: Segmentation fault" in crash
    assert "\\x1b[31mcurrent thread\\x1b[0m\\x00 0x7f" in crash  # control characters shown, not sent
    assert "Expected to fail: blosc2#1234: size ignored" in page.detail("CB-SIZE-001", "blosc2")
    assert "still decoding..." in page.detail("SLOW-001", "blosc2")
    assert "MUST · host · 0.25 s" in page.detail("REG-ID-001", "reference")
    assert "copy to clipboard" not in page.detail("REG-ID-001", "reference")


def test_markup_in_any_text_renders_inert(record: RunRecord, tmp_path: Path) -> None:
    hostile = f"{INJECTION} \udc80 \x00 <img src=x onerror=alert(2)> & \"'"
    record.results[7].message = hostile
    record.results[7].reproduction = hostile
    record.adapters[1].platform = hostile
    record.stale_expectations[0].reason = hostile
    record.command.append(hostile)
    source = write_html(record, tmp_path / "r.html").read_text("utf-8")  # surrogates do not stop the write
    page = Page(source)
    assert len(page.all("script")) == 1 and not page.all("img")
    assert "<script>alert" not in source and "\x00" not in source
    shown = "</script><script>alert(1)</script> \\udc80 \\x00 <img src=x onerror=alert(2)> & \"'"
    assert page.detail("REG-ID-002", "blosc2").count(shown) == 2
    assert text(hostile) == ("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; \\udc80 \\x00 "
                             "&lt;img src=x onerror=alert(2)&gt; &amp; &quot;&#x27;")


def test_a_check_codec_run_names_its_codec(record: RunRecord) -> None:
    assert "Codec under test" not in render_html(record)
    record.codec = {"name": "zc<b>", "id": 200, "encoder": "m:enc", "decoder": "m:dec", "version": 1}
    source = render_html(record)
    assert ("Codec under test: <strong>zc&lt;b&gt;</strong> (id 200) · encoder <code>m:enc</code> · "
            "decoder <code>m:dec</code> · version <code>1</code>") in source


def test_a_check_filter_run_names_its_filter_and_domain(record: RunRecord) -> None:
    record.codec = {"name": "f_160", "id": 160, "encoder": "m:fwd", "decoder": "m:bwd", "version": 1,
                    "kind": "filter", "domain": "int32.yaml"}
    source = render_html(record)
    assert ("Filter under test: <strong>f_160</strong> (id 160) · forward <code>m:fwd</code> · "
            "backward <code>m:bwd</code> · domain <code>int32.yaml</code>") in source
    assert "Codec under test" not in source


THROUGHPUT = [
    {"host": "reference", "codec": "zc", "compress_mbs": 50.0, "decompress_mbs": 200.0, "ratio": 2.5, "error": None},
    {"host": "blosc2", "codec": "ZSTD (builtin)", "compress_mbs": 100.0, "decompress_mbs": 400.0, "ratio": 3.0,
     "error": None},
    {"host": "port", "codec": "zc", "compress_mbs": 0.0, "decompress_mbs": 0.0, "ratio": 0.0,
     "error": f"RuntimeError: {INJECTION}"},
]


def test_bench_throughput_is_a_bar_chart_in_html_and_a_table_in_markdown(record: RunRecord, tmp_path: Path) -> None:
    assert "Throughput" not in render_html(record) and "### Throughput" not in render_markdown(record)
    record.codec = {"name": "zc", "id": 200, "encoder": "m:enc", "decoder": "m:dec", "plugin": False, "metas": [0],
                    "version": 1, "throughput": THROUGHPUT}
    source = render_html(record)
    bars = re.findall(r'aria-label="([0-9.]+) MB/s"><span class="mbs" style="width:([0-9.]+)%"', source)
    assert bars == [("50.0", "12.5"), ("200.0", "50.0"), ("100.0", "25.0"), ("400.0", "100.0"), ("0.0", "0.0"),
                    ("0.0", "0.0")]  # scaled to the fastest figure
    assert INJECTION not in source and "not measured: RuntimeError: &lt;/script&gt;" in source
    markdown = render_markdown(record)
    assert "| blosc2 | ZSTD (builtin) | 100.0 | 400.0 | 3.00 |" in markdown
    validate_report(record.to_json())  # the layout holds the figures
    assert read_json(write_json(record, tmp_path / "r.json")).codec == record.codec


def _with_identity(record: RunRecord) -> RunRecord:
    record.results.append(CheckResult("ID-CHUNKS", "port", Outcome.PASS, extra={"byte_identity": {
        "reference": {"shuffle": {"identical": 15, "total": 15}, "runs": {"identical": 1, "total": 4}}}}))
    return record


def test_byte_identity_rates_are_bars(record: RunRecord) -> None:
    assert "Byte identity" not in render_html(record)
    source = render_html(_with_identity(record))
    assert '<td>shuffle</td><td>15/15</td><td><span class="bar" role="img" aria-label="100%">' \
           '<span style="width:100.0%"></span></span> 100%</td>' in source
    assert '<td>runs</td><td>1/4</td><td><span class="bar" role="img" aria-label="25%">' \
           '<span style="width:25.0%"></span></span> 25%</td>' in source
    assert "<td>port = reference</td>" in source


def test_stale_expectations_and_load_errors_are_listed(record: RunRecord) -> None:
    source = render_html(record)
    assert "Stale expectations (2)" in source and "<code>GONE-001</code>" in source
    assert "not loaded: importing &#x27;myport&#x27; failed: ModuleNotFoundError" in source


def test_the_run_option_writes_it(record: RunRecord, tmp_path: Path) -> None:
    options = SimpleNamespace(udcodec_report_json=None, udcodec_report_junit=None,
                              udcodec_report_markdown=None, udcodec_report_html=str(tmp_path / "o" / "r.html"))
    assert write_reports(record, options).paths == [tmp_path / "o" / "r.html"]
    assert (tmp_path / "o" / "r.html").read_text("utf-8") == render_html(record)


def test_run_and_check_codec_pass_the_option_to_the_plugin() -> None:
    parser = cli._parser()
    for command in (["run", "--adapter", "reference"], ["check-codec", "--encoder", "m:e", "--decoder", "m:d"]):
        args = parser.parse_args([*command, "--report-html", "r.html"])
        args.argv = command
        out = pytest_args(args, ["reference"], load_contract())
        assert out[out.index("--udcodec-report-html") + 1] == "r.html"


def _merged(record: RunRecord) -> list[tuple[str, RunRecord]]:
    newer = copy.deepcopy(record)
    newer.adapters = newer.adapters[1:2]
    newer.adapters[0].version = "4.14.1"
    newer.results = [r for r in newer.results if r.adapter == "blosc2"]
    fixed = newer.results[1]  # REG-ID-002
    fixed.outcome, fixed.counterexample, fixed.reproduction = Outcome.PASS, None, None
    return [("reports/blosc2-3.json", record), ("reports/blosc2-4.json", _with_identity(newer))]


def test_the_matrix_page_has_a_column_per_version(record: RunRecord) -> None:
    records = _merged(record)
    page = Page(render_matrix_html(records, ["reports/gone.json: cannot be read"]))
    header = [a for a in page.all("th", scope="col")]
    assert len(header) == 4
    labels = {b["data-column"] for b in page.all("button") if "data-column" in b}
    assert labels == {"udcodec-reference 0.1.0", "python-blosc2 3.0.0", "python-blosc2 4.14.1"}
    assert page.cell("REG-ID-002", "python-blosc2 3.0.0")["class"] == "o-fail"
    assert page.cell("REG-ID-002", "python-blosc2 4.14.1")["class"] == "o-pass"
    assert "register_codec accepted id 159" in page.detail("REG-ID-002", "python-blosc2 3.0.0")
    source = render_matrix_html(records, ["reports/gone.json: cannot be read"])
    assert "<h2>Versions</h2>" in source and "<code>reports/blosc2-4.json</code>" in source
    assert '<p class="warn">reports/gone.json: cannot be read</p>' in source
    assert "Byte identity per configuration family" in source


def test_udcodec_matrix_html(record: RunRecord, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = []
    for name, each in _merged(record):
        paths.append(str(write_json(each, tmp_path / Path(name).name)))
    out = tmp_path / "m" / "matrix.html"
    assert cli.main(["matrix", *paths, "--html", str(out)]) == 1  # the first run failed
    printed = capsys.readouterr().out
    assert printed == f"udcodec: HTML matrix of 2 report(s) written to {out}\n"  # no Markdown on stdout
    assert "python-blosc2 4.14.1" in out.read_text("utf-8")
    assert write_matrix(paths, tmp_path / "m.md", out) == 1
    assert (tmp_path / "m.md").read_text("utf-8").startswith("# udcodec conformance matrix")


def test_the_command_is_shown_as_a_shell_would_read_it(record: RunRecord) -> None:
    """Its arguments had been joined with spaces: a path with a space or a newline read as several."""
    shown = copy.deepcopy(record)
    shown.command = ["udcodec", "run", "--report-json", "my reports/a\nb.json"]
    assert "Command: <code>udcodec run --report-json &#x27;my reports/a\nb.json&#x27;</code>" in render_html(shown)
