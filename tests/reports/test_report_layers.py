"""Attribution (``udcodec.reports.layers``): python-blosc2 wrapper, c-blosc2 or both, in the matrix and the HTML report."""

from __future__ import annotations

from udcodec.outcomes import CheckResult, Outcome
from udcodec.reports.html import render_html
from udcodec.reports.layers import BOTH, LIBRARY, UNDETERMINED, WRAPPER, Side, attribute
from udcodec.reports.matrix import render_matrix_html, render_matrix_markdown
from udcodec.reports.model import AdapterRun, ClauseInfo, RunRecord

OC = Outcome
#: clause -> (python-blosc2 2.7.1, python-blosc2 4.14.1, c-blosc2), and the label expected.
CASES = {
    "A-WRAPPER": ((OC.XFAIL, OC.FAIL, OC.PASS), WRAPPER),
    "B-PYTHON-API": ((OC.PASS, OC.XFAIL, OC.NOT_APPLICABLE), WRAPPER),
    "C-BOTH": ((OC.XFAIL, OC.XFAIL, OC.CRASH), BOTH),
    "D-LIBRARY": ((OC.PASS, OC.XPASS, OC.XFAIL), LIBRARY),
    "E-UNDETERMINED": ((OC.FAIL, OC.FAIL, OC.SKIP), UNDETERMINED),
    "F-NOTHING": ((OC.PASS, OC.PASS, OC.PASS), None),
    "G-NO-PEER": ((OC.PASS, OC.PASS, OC.NOT_APPLICABLE), None),
}
ADAPTERS = [("blosc2-2", "python-blosc2", "2.7.1"), ("blosc2-4", "python-blosc2", "4.14.1"), ("cblosc2", "c-blosc2", "3.3.5")]


def _record(adapters: list[tuple[str, str, str]] = ADAPTERS) -> RunRecord:
    runs = [AdapterRun(spec, spec, impl, version) for spec, impl, version in adapters]
    results = [CheckResult(clause, spec, outcomes[i]) for clause, (outcomes, _) in CASES.items()
               for i, (spec, _, _) in enumerate(ADAPTERS) if spec in {a[0] for a in adapters}]
    clauses = [ClauseInfo(c, c.lower(), "MUST", "host", "test") for c in CASES]
    return RunRecord("1.0.0", "0" * 64, adapters=runs, results=results, clauses=clauses)


def _sides(record: RunRecord) -> list[Side]:
    return [Side(a.implementation or "", f"{a.implementation} {a.version}",
                 lambda cid, key=a.key: record.matrix().get((cid, key))) for a in record.adapters]


def test_each_label() -> None:
    record = _record()
    rows = {r.clause.id: r for r in attribute(record.clauses, _sides(record))}
    assert {cid: r.label for cid, r in rows.items()} == {c: label for c, (_, label) in CASES.items() if label}
    assert rows["A-WRAPPER"].python == "xfail on 2.7.1; fail on 4.14.1" and rows["A-WRAPPER"].c == "pass"


def test_nothing_without_both_implementations() -> None:
    record = _record(ADAPTERS[:2])
    assert attribute(record.clauses, _sides(record)) == []
    assert "Layer attribution" not in render_matrix_markdown([("r.json", record)])
    assert 'id="layer-attribution"' not in render_html(record)


def test_the_matrix_and_the_html_reports_show_it() -> None:
    record = _record()
    markdown = render_matrix_markdown([("r.json", record)])
    assert "## Layer attribution (5)" in markdown
    assert "| `D-LIBRARY` | MUST | pass on 2.7.1; xpass on 4.14.1 | xfail | c-blosc2 |" in markdown
    assert "| `B-PYTHON-API` | MUST | pass on 2.7.1; xfail on 4.14.1 | n/a | python-blosc2 wrapper |" in markdown
    for page in (render_matrix_html([("r.json", record)]), render_html(record)):
        section = page[page.index('id="layer-attribution"'):]
        assert "Layer attribution (5)" in section and "<strong>both</strong>" in section and "F-NOTHING" not in section
