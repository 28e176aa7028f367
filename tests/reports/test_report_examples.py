"""Examples per clause (ran, planned, cut by a time budget) and the codec's budget in every format; layout 1.6 read as 1.7."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from udcodec.reports import (
    RunRecord,
    read_json,
    render_html,
    render_markdown,
    validate_report,
    write_json,
)
from udcodec.reports.examples import render_examples_text
from udcodec.reports.upgrade import upgrade

BUDGET = {"seconds": 60.0, "call_seconds": 0.1, "lowered": ["R1"]}


def _counted(record: RunRecord) -> RunRecord:
    out = copy.deepcopy(record)
    out.codec = {"name": "slow", "id": 200, "encoder": "m:enc", "decoder": "m:dec", "plugin": False, "metas": [0],
                 "version": 1, "budget": dict(BUDGET)}
    for i, result in enumerate(out.results):
        result.examples = {"ran": 1 + i, "planned": 25 + i, "cut": i == 0}
    return out


def test_every_format_shows_the_examples_and_the_budget(record: RunRecord, tmp_path: Path) -> None:
    counted = _counted(record)
    first = counted.results[0]
    markdown = render_markdown(counted)
    assert "### Examples" in markdown and "Time budget 60 s, 100 ms a codec call: 1 clause(s)" in markdown
    assert f"| {first.clause} |" in markdown and "1/25 (cut)" in markdown
    html = render_html(counted)
    assert 'id="examples"' in html and "1/25 (cut)" in html
    text = render_examples_text(counted)
    assert text.splitlines()[0].startswith("time budget 60 s") and f"{first.clause}: " in text
    assert "2/26" not in text  # the terminal lists only the clauses the budget cut
    data = counted.to_json()
    validate_report(data)
    read = read_json(write_json(counted, tmp_path / "r.json"))
    assert [r.examples for r in read.results] == [r.examples for r in counted.results]
    assert read.codec is not None and read.codec["budget"] == BUDGET
    for text in (render_markdown(record), render_html(record), render_examples_text(record)):
        assert "Examples" not in text and "budget" not in text  # a host run, nothing counted: nothing said


def test_the_schema_holds_the_counts(record: RunRecord) -> None:
    data = _counted(record).to_json()
    data["results"][0]["examples"] = {"ran": 1, "planned": 2}
    with pytest.raises(Exception, match="cut"):
        validate_report(data)
    data["results"][0]["examples"] = None
    validate_report(data)
    del data["results"][0]["examples"]
    with pytest.raises(Exception, match="examples"):
        validate_report(data)


def test_a_1_6_report_reads_with_no_counts(record: RunRecord, tmp_path: Path) -> None:
    current = record.to_json()
    old = copy.deepcopy(current)
    old["schema_version"] = "1.6"
    for result in old["results"]:
        assert result.pop("examples") is None
    assert upgrade(old) == current and old["schema_version"] == "1.6"
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    assert all(r.examples is None for r in read_json(path).results)


def test_the_headline_counts_the_clauses_the_lines_below_it_name(record: RunRecord) -> None:
    """It had counted the clauses the plan lowered: '0 clause(s) ran fewer examples', then two listed as cut."""
    counted = _counted(record)
    counted.codec["budget"]["lowered"] = []  # type: ignore[index]
    for result in counted.results[:2]:
        result.examples = {"ran": 5, "planned": 25, "cut": True}
    text = render_examples_text(counted)
    assert text.splitlines()[0].endswith(": 2 clause(s) ran fewer or smaller examples than the profile's")
    assert len(text.splitlines()) - 1 == len({r.clause for r in counted.results[:2]})


def test_a_lowered_count_that_ran_every_example_is_no_cut() -> None:
    """'104/104 (cut)': the plan lowered the clause, which still ran every example the profile plans; its layouts
    were smaller, which the reports say ('104/104 (smaller layouts)')."""
    from udcodec.reports.examples import describe

    assert describe({"ran": 104, "planned": 104, "cut": False, "smaller": True}) == "104/104 (smaller layouts)"
    assert describe({"ran": 50, "planned": 104, "cut": True, "smaller": True}) == "50/104 (cut, smaller layouts)"
    from udcodec.checks.api import ExampleCount

    assert ExampleCount(lowered=True, ran=104, planned=104).to_json() == {"ran": 104, "planned": 104, "cut": False,
                                                                         "smaller": True}
    assert ExampleCount(lowered=True, ran=50, planned=104).to_json()["cut"] is True  # type: ignore[index]
    assert ExampleCount(skipped=3, ran=101, planned=104).to_json()["cut"] is True  # type: ignore[index]
    assert ExampleCount(ran=90, planned=104).to_json()["cut"] is False  # type: ignore[index]  # drew fewer itself
