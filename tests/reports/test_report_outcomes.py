"""One outcome vocabulary: every outcome has its pytest outcome, its words and symbols, its place in the
JSON schema; reports of layout 1.1 (``n/a`` written as ``skip`` + ``extra.not_applicable``) read as ``n/a``."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from udcodec import cli
from udcodec.outcomes import PYTEST_OUTCOMES, CheckResult, Outcome
from udcodec.reports import RunRecord, load_schema, read_json, validate_report, write_json
from udcodec.reports.certificate import clause_status
from udcodec.reports.json_report import load_named_schema
from udcodec.reports.markdown import SYMBOLS
from udcodec.reports.model import OUTCOME_ORDER
from udcodec.reports.terminal import COLORS, WORDS
from udcodec.reports.upgrade import upgrade


def test_every_outcome_maps_to_a_pytest_outcome() -> None:
    assert {o: o.pytest_outcome for o in Outcome} == {
        Outcome.PASS: "passed", Outcome.FAIL: "failed", Outcome.XFAIL: "skipped", Outcome.XPASS: "passed",
        Outcome.SKIP: "skipped", Outcome.NOT_APPLICABLE: "skipped", Outcome.CRASH: "failed",
        Outcome.HANG: "failed", Outcome.RESOURCE: "failed", Outcome.ERROR: "failed",
    }  # fmt: skip


def test_an_outcome_without_a_pytest_mapping_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(PYTEST_OUTCOMES, Outcome.NOT_APPLICABLE)
    with pytest.raises(KeyError):
        _ = Outcome.NOT_APPLICABLE.pytest_outcome


@pytest.mark.parametrize("outcome", list(Outcome), ids=lambda o: o.value)
def test_every_outcome_has_words_symbols_and_schema_entries(outcome: Outcome) -> None:
    assert WORDS[outcome] and COLORS[outcome] and SYMBOLS[outcome]
    defs = load_schema()["$defs"]
    assert outcome.value in defs["outcome"]["enum"]
    assert outcome.value in defs["counts"]["required"] and outcome.value in defs["counts"]["properties"]
    assert outcome in OUTCOME_ORDER
    certificate = load_named_schema("certificate.schema.json")["properties"]
    assert clause_status(CheckResult("C-X", "a", outcome)) in (
        certificate["clauses"]["additionalProperties"]["properties"]["status"]["enum"])
    assert outcome.value in certificate["counts"]["required"]


def test_outcomes_are_told_apart_in_every_format() -> None:
    assert len(set(WORDS.values())) == len(set(SYMBOLS.values())) == len(Outcome)
    assert WORDS[Outcome.NOT_APPLICABLE] == "n/a" and SYMBOLS[Outcome.NOT_APPLICABLE] != SYMBOLS[Outcome.SKIP]
    assert len(OUTCOME_ORDER) == len(Outcome)


# -- reports of layout 1.1 ----------------------------------------------------------------------

NA = ("REG-OLD-001", "blosc2")  # the n/a result of the shared record


def _as_layout_1_1(current: dict[str, Any]) -> dict[str, Any]:
    """What the 1.1 harness wrote for the same run: n/a as a flagged skip, no n/a or resource counts."""
    old = copy.deepcopy(current)
    old["schema_version"] = "1.1"
    for result in old["results"]:
        if result["outcome"] == "n/a":
            result["outcome"] = "skip"
            result["extra"]["not_applicable"] = True
    for counts in [*old["summary"]["by_adapter"].values(), old["summary"]["total"]]:
        counts["skip"] += counts.pop("n/a")
        assert counts.pop("resource") == 0
    return old


def test_a_1_1_report_is_read_as_the_current_layout(record: RunRecord, tmp_path: Path) -> None:
    current = record.to_json()
    old = _as_layout_1_1(current)
    assert upgrade(old) == current and old["schema_version"] == "1.1"  # a copy; the input is left alone
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    read = read_json(path)
    assert read.matrix()[NA].outcome is Outcome.NOT_APPLICABLE and read.matrix()[NA].extra == {}
    assert read.summary() == record.summary()


def test_only_a_flagged_1_1_skip_becomes_n_a(record: RunRecord) -> None:
    old = _as_layout_1_1(record.to_json())
    by_key = {(r["clause"], r["adapter"]): r for r in upgrade(old)["results"]}
    assert by_key[("PERSIST-001", "blosc2")]["outcome"] == "skip"  # a missing capability stays a skip
    assert upgrade(old)["summary"]["by_adapter"]["blosc2"]["skip"] == 1
    unknown = dict(old, schema_version="1.0")
    assert upgrade(unknown) is unknown  # no known way up: left for validation to refuse
    with pytest.raises(ValueError, match="schema_version"):
        RunRecord.from_json(old)  # the record itself reads the current layout only


def test_udcodec_matrix_merges_a_1_1_report_as_n_a(record: RunRecord, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    old = tmp_path / "blosc2-3.json"
    old.write_text(json.dumps(_as_layout_1_1(record.to_json())), encoding="utf-8")
    newer = copy.deepcopy(record)
    newer.adapters[1].version = "4.14.1"
    new = write_json(newer, tmp_path / "blosc2-4.json")
    out = tmp_path / "matrix.md"
    assert cli.main(["matrix", str(old), str(new), "-o", str(out)]) == 1  # both runs failed, as recorded
    assert "not a udcodec" not in capsys.readouterr().err
    text = out.read_text("utf-8")
    row = next(ln for ln in text.splitlines() if ln.startswith("| `REG-OLD-001` |"))
    assert row.split(" | ")[3:] == ["—", "⚪", "—", "⚪ |"]
    both = "python-blosc2 3.0.0, python-blosc2 4.14.1"
    assert f"| `REG-OLD-001` | MUST | {both} | ⚪ n/a | clause applies to python-blosc2 &lt;3 only |" in text


# -- resource (layout 1.3) ----------------------------------------------------------------------


def _with_resource(record: RunRecord) -> RunRecord:
    out = copy.deepcopy(record)
    out.results.append(CheckResult("THREAD-001", "port", Outcome.RESOURCE, level="MUST", stderr_tail="MemoryError",
                                   message="the check ran out of memory under the 4 GiB limit"))
    return out


def test_resource_is_an_error_in_junit_and_fails_the_run(record: RunRecord) -> None:
    from udcodec.reports import render_junit
    from udcodec.reports.model import is_unexpected

    root = ET.fromstring(render_junit(_with_resource(record)))
    case = next(c for c in root.iter("testcase") if (c.get("name"), c.get("classname")) == ("THREAD-001", "udcodec.port"))
    error = case.find("error")
    assert error is not None and error.get("type") == "resource" and case.find("failure") is None
    assert "4 GiB limit" in (error.get("message") or "")
    assert is_unexpected(Outcome.RESOURCE) and Outcome.RESOURCE.pytest_outcome == "failed"


def test_resource_is_counted_and_round_trips(record: RunRecord, tmp_path: Path) -> None:
    with_resource = _with_resource(record)
    assert with_resource.summary()["port"]["resource"] == 1
    read = read_json(write_json(with_resource, tmp_path / "r.json"))
    assert read.matrix()[("THREAD-001", "port")].outcome is Outcome.RESOURCE
    assert clause_status(CheckResult("C-X", "a", Outcome.RESOURCE)) == "resource"


def test_a_1_2_report_gains_resource_counts(record: RunRecord, tmp_path: Path) -> None:
    current = record.to_json()
    old = copy.deepcopy(current)
    old["schema_version"] = "1.2"
    for counts in [*old["summary"]["by_adapter"].values(), old["summary"]["total"]]:
        assert counts.pop("resource") == 0
    with pytest.raises(Exception, match="resource"):
        validate_report(dict(old, schema_version="1.3"))  # the counts lack resource: not a 1.3 report
    assert upgrade(old) == current and "resource" not in old["summary"]["total"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    assert read_json(path).summary() == record.summary()
