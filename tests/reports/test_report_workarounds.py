"""Workarounds (``CheckContext.get_past``) in every report: JSON (layout 1.4, 1.3 upgraded), Markdown, HTML, terminal."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import pytest
from udcodec.checks.api import Workaround
from udcodec.reports import SCHEMA_VERSION, RunRecord, read_json, validate_report, write_json
from udcodec.reports.markdown import render_markdown
from udcodec.reports.terminal import render_workarounds
from udcodec.reports.upgrade import upgrade

ONE_CORE = Workaround("one-core-interpreter", "plain open refused for its threads", "the same calls on one core")


def _with_workaround(record: RunRecord) -> RunRecord:
    results = list(record.results)
    results[0] = dataclasses.replace(results[0], workarounds=[ONE_CORE.record()])
    results[1] = dataclasses.replace(results[1], workarounds=[ONE_CORE.record()])
    return dataclasses.replace(record, results=results)


def test_json_carries_workarounds_and_reads_them_back(record: RunRecord, tmp_path: Path) -> None:
    used = _with_workaround(record)
    data = used.to_json()
    validate_report(data)
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["results"][0]["workarounds"] == [ONE_CORE.record()]
    assert all(r["workarounds"] == [] for r in data["results"][2:])
    back = read_json(write_json(used, tmp_path / "r.json"))
    assert back.results[0].workarounds == [ONE_CORE.record()]


def test_a_result_without_its_workarounds_list_is_no_1_4_report(record: RunRecord) -> None:
    data = record.to_json()
    del data["results"][0]["workarounds"]
    with pytest.raises(Exception, match="workarounds"):
        validate_report(data)


def test_a_1_3_report_gains_empty_workarounds(record: RunRecord, tmp_path: Path) -> None:
    current = record.to_json()
    old = copy.deepcopy(current)
    old["schema_version"] = "1.3"
    for result in old["results"]:
        result.pop("workarounds")
    assert upgrade(old) == current
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    assert read_json(path).results[0].workarounds == []


def test_markdown_and_terminal_name_each_workaround_where_it_was_used(record: RunRecord) -> None:
    used = _with_workaround(record)
    first, second = used.results[0], used.results[1]
    markdown = render_markdown(used)
    assert "### Workarounds (1)" in markdown
    row = next(line for line in markdown.splitlines() if "`one-core-interpreter`" in line)
    assert f"{first.clause} [{first.adapter}]" in row and f"{second.clause} [{second.adapter}]" in row
    assert "plain open refused for its threads" in row and "the same calls on one core" in row
    text = render_workarounds(used)
    assert text.splitlines()[0].startswith("WORKAROUND one-core-interpreter: ")
    assert "defect: plain open refused" in text and "how: the same calls on one core" in text
    assert "Workarounds" not in render_markdown(record) and render_workarounds(record) == ""


def test_html_names_each_workaround_where_it_was_used_and_in_each_detail(record: RunRecord) -> None:
    """The HTML report had shown none: a reader of it could not tell a result got past a known defect."""
    from udcodec.reports.html import render_html

    used = _with_workaround(record)
    results = list(used.results)
    results[0] = dataclasses.replace(results[0], extra={"golden_readings": {"b2v2-x": "shuffle-meta-groups"}})
    page = render_html(dataclasses.replace(used, results=results))
    section = page[page.index('<h2 id="workarounds">Workarounds (1)</h2>'):]
    section = section[:section.index("</table>")]
    assert "<code>one-core-interpreter</code>" in section and "plain open refused for its threads" in section
    assert f"{results[1].clause} [{results[1].adapter}]" in section
    assert page.count("Workaround <code>one-core-interpreter</code>: the same calls on one core") == 2
    assert "&quot;b2v2-x&quot;: &quot;shuffle-meta-groups&quot;" in page
    assert 'id="workarounds"' not in render_html(record)
