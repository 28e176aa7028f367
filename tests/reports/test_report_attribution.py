"""A failure's attribution (retried with a builtin codec) in every report format, and layout 1.4 read as 1.5."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from udcodec.engine.pairs import merge
from udcodec.outcomes import ALSO_BUILTIN, USER_CODEC_ONLY, CheckResult, Outcome
from udcodec.reports import (
    RunRecord,
    read_json,
    render_failures,
    render_html,
    render_junit,
    render_markdown,
    validate_report,
    write_json,
)
from udcodec.reports.upgrade import upgrade


def _attributed(record: RunRecord, attribution: str) -> RunRecord:
    out = copy.deepcopy(record)
    failing = next(r for r in out.results if r.outcome is Outcome.FAIL)
    failing.attribution = attribution
    return out


@pytest.mark.parametrize("attribution", [ALSO_BUILTIN, USER_CODEC_ONLY])
def test_every_format_states_the_attribution(record: RunRecord, attribution: str, tmp_path: Path) -> None:
    attributed = _attributed(record, attribution)
    assert f"with a builtin codec: {attribution}" in render_failures(attributed)
    assert f"With a builtin codec: **{attribution}**" in render_markdown(attributed)
    assert f"With a builtin codec: <strong>{attribution}</strong>" in render_html(attributed)
    junit = ET.fromstring(render_junit(attributed))
    assert any(f"With a builtin codec: {attribution}" in (f.text or "") for f in junit.iter("failure"))
    read = read_json(write_json(attributed, tmp_path / "r.json"))
    assert [r.attribution for r in read.results] == [r.attribution for r in attributed.results]
    for text in (render_failures(record), render_markdown(record), render_html(record)):
        assert "builtin codec" not in text  # nothing retried, nothing said


def test_the_schema_takes_only_the_two_attributions(record: RunRecord) -> None:
    data = _attributed(record, ALSO_BUILTIN).to_json()
    validate_report(data)
    failing = next(r for r in data["results"] if r["attribution"])
    failing["attribution"] = "somewhere else"
    with pytest.raises(Exception, match="attribution"):
        validate_report(data)
    del failing["attribution"]
    with pytest.raises(Exception, match="attribution"):
        validate_report(data)


def test_a_1_4_report_reads_with_no_attribution(record: RunRecord, tmp_path: Path) -> None:
    current = record.to_json()
    old = copy.deepcopy(current)
    old["schema_version"] = "1.4"
    for result in old["results"]:
        assert result.pop("attribution") is None
    assert upgrade(old) == current and old["schema_version"] == "1.4"
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    assert all(r.attribution is None for r in read_json(path).results)


def test_merging_pairs_keeps_the_attribution_of_the_worst() -> None:
    def res(outcome: Outcome, attribution: str | None) -> CheckResult:
        return CheckResult("INTEROP-CHUNK-DECODE", "port", outcome, attribution=attribution)

    assert merge("C", "port", [("a", res(Outcome.FAIL, USER_CODEC_ONLY)),
                               ("b", res(Outcome.FAIL, ALSO_BUILTIN))]).attribution == ALSO_BUILTIN
    assert merge("C", "port", [("a", res(Outcome.PASS, None)),
                               ("b", res(Outcome.FAIL, USER_CODEC_ONLY))]).attribution == USER_CODEC_ONLY
    assert merge("C", "port", [("a", res(Outcome.PASS, None))]).attribution is None
