"""JSON report: schema validity, rejection of broken reports, round trip."""

from __future__ import annotations

import copy
import dataclasses
import json
import math
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest
from udcodec.outcomes import CheckResult, Outcome
from udcodec.reports import (
    ReportValidationError,
    RunRecord,
    load_schema,
    read_json,
    validate_report,
    write_json,
)
from udcodec.reports.model import LEVELS, SCHEMA_VERSION, STALE_REASONS, jsonable


def _written(record: RunRecord, tmp_path: Path) -> dict[str, Any]:
    path = write_json(record, tmp_path / "out" / "report.json")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_schema_ships_as_package_data_and_is_valid_2020_12() -> None:
    text = (resources.files("udcodec") / "schemas" / "report.schema.json").read_text("utf-8")
    schema = json.loads(text)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert load_schema() == schema


def test_schema_is_in_sync_with_the_model() -> None:
    schema = load_schema()
    defs = schema["$defs"]
    assert set(defs["outcome"]["enum"]) == {o.value for o in Outcome}
    assert tuple(defs["level"]["enum"]) == LEVELS
    assert tuple(defs["stale"]["properties"]["why_stale"]["enum"]) == STALE_REASONS
    assert schema["properties"]["schema_version"]["const"] == SCHEMA_VERSION
    fields = {f.name for f in dataclasses.fields(CheckResult)}
    assert set(defs["result"]["properties"]) == fields
    assert set(defs["result"]["required"]) == fields
    assert set(schema["required"]) == set(schema["properties"])


def test_written_report_validates(record: RunRecord, tmp_path: Path) -> None:
    data = _written(record, tmp_path)
    validate_report(data)
    jsonschema.validate(data, load_schema(), cls=jsonschema.Draft202012Validator)
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["spec"] == {"version": "1.2.0", "sha256": record.spec_sha256}
    assert data["harness"] == {"version": "0.1.0"}
    assert data["started"] == "2024-05-01T12:00:00Z"
    assert data["finished"] == "2024-05-01T12:00:42.500000Z"
    assert data["duration"] == pytest.approx(42.5)
    assert data["exit_status"] == 1
    assert len(data["results"]) == len(record.results)


def test_per_result_fields(record: RunRecord, tmp_path: Path) -> None:
    data = _written(record, tmp_path)
    by_key = {(r["clause"], r["adapter"]): r for r in data["results"]}
    fail = by_key[("REG-ID-002", "blosc2")]
    assert fail["outcome"] == "fail"
    assert fail["level"] == "MUST" and fail["subject"] == "host"
    assert fail["nodeid"] == "udcodec::REG-ID-002[blosc2]"
    assert fail["counterexample"]["raw"] == "0001fe"  # bytes -> hex
    assert fail["counterexample"]["input"] == "00ff10a5"
    assert fail["counterexample"]["params"]["filters"] == ["shuffle", "delta"]
    assert fail["counterexample"]["chunks"][0]["sizes"] == [16, 8]
    assert "register_codec" in fail["reproduction"]
    crash = by_key[("THREAD-001", "blosc2")]
    assert crash["signal"] == "SIGSEGV"
    assert "\x00" in crash["stderr_tail"]  # JSON carries it escaped, unchanged
    assert by_key[("CB-SIZE-001", "blosc2")]["expected_reason"].startswith("blosc2#1234")
    assert by_key[("CB-META-001", "blosc2")]["outcome"] == "xpass"


def test_summary_and_stale(record: RunRecord, tmp_path: Path) -> None:
    data = _written(record, tmp_path)
    summary = data["summary"]
    assert summary["by_adapter"]["reference"]["pass"] == 6
    assert summary["by_adapter"]["port"] == {o.value: 0 for o in Outcome}
    assert summary["by_adapter"]["blosc2"] == {o.value: int(o is not Outcome.RESOURCE) for o in Outcome}
    assert summary["total"]["pass"] == 7
    assert summary["unexpected"] == 4  # fail, crash, hang, error
    assert [s["why_stale"] for s in data["stale_expectations"]] == ["passed", "unknown clause"]
    port = next(a for a in data["adapters"] if a["name"] == "port")
    assert port["spec"] == "myport:X" and port["load_error"] and port["implementation"] is None


def test_round_trip(record: RunRecord, tmp_path: Path) -> None:
    path = write_json(record, tmp_path / "report.json")
    again = read_json(path)
    assert again.to_json() == record.to_json()
    assert again.started == record.started and again.strict is False
    assert isinstance(again.results[0].outcome, Outcome)


def test_strict_counts_xpass_as_unexpected(strict_record: RunRecord, tmp_path: Path) -> None:
    data = _written(strict_record, tmp_path)
    assert data["strict"] is True
    assert data["summary"]["unexpected"] == 5


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d["results"][0].__setitem__("outcome", "passed"), "$.results[0].outcome"),
        (lambda d: d["results"][1].pop("outcome"), "$.results[1]"),
        (lambda d: d.pop("spec"), "$"),
        (lambda d: d["results"][0].__setitem__("level", "must"), "$.results[0].level"),
        (lambda d: d["results"][0].__setitem__("colour", "red"), "$.results[0]"),
        (lambda d: d.__setitem__("schema_version", "0.9"), "$.schema_version"),
        (lambda d: d["spec"].__setitem__("sha256", "abc"), "$.spec.sha256"),
        (lambda d: d.__setitem__("started", "yesterday"), "$.started"),
        (
            lambda d: d["stale_expectations"][0].__setitem__("why_stale", "old"),
            "$.stale_expectations[0].why_stale",
        ),
        (lambda d: d["adapters"][0].pop("load_error"), "$.adapters[0]"),
        (lambda d: d["summary"]["total"].pop("hang"), "$.summary.total"),
    ],
)
def test_schema_rejects_broken_reports(record: RunRecord, mutate: Any, where: str) -> None:
    data = record.to_json()
    broken = copy.deepcopy(data)
    mutate(broken)
    with pytest.raises(ReportValidationError) as info:
        validate_report(broken)
    assert any(path == where for path, _ in info.value.errors), info.value.errors
    assert where in str(info.value)
    validate_report(data)  # the original is still fine


def test_xfail_requires_expected_reason(record: RunRecord) -> None:
    data = record.to_json()
    index = next(i for i, r in enumerate(data["results"]) if r["outcome"] == "xfail")
    data["results"][index]["expected_reason"] = None
    with pytest.raises(ReportValidationError, match=r"results\[\d+\]\.expected_reason"):
        validate_report(data)


def test_write_json_refuses_invalid_record(record: RunRecord, tmp_path: Path) -> None:
    record.spec_sha256 = "not-a-sha"
    target = tmp_path / "report.json"
    with pytest.raises(ReportValidationError, match="sha256"):
        write_json(record, target)
    assert not target.exists()
    write_json(record, target, validate=False)
    assert target.exists()


def test_from_json_rejects_other_schema_version(record: RunRecord) -> None:
    data = record.to_json()
    data["schema_version"] = "2.0"
    with pytest.raises(ValueError, match="schema_version"):
        RunRecord.from_json(data)


def test_jsonable_converts_exotic_values() -> None:
    value = {
        1: b"\xab",
        "arr": np.arange(3, dtype=np.uint8),
        "scalar": np.int64(7),
        "t": (1, {2}),
        "nan": math.nan,
        "outcome": Outcome.FAIL,
        "obj": object,
    }
    out = jsonable(value)
    json.dumps(out, allow_nan=False)
    assert out["1"] == "ab" and out["arr"] == [0, 1, 2] and out["scalar"] == 7
    assert out["t"] == [1, [2]] and out["nan"] == "nan" and out["outcome"] == "fail"
    assert isinstance(out["obj"], str)


def test_exit_status_and_duration_defaults(record: RunRecord) -> None:
    assert record.exit_status == 1
    assert record.duration == pytest.approx(42.5)
    clean = RunRecord(
        spec_version="1",
        spec_sha256="0" * 64,
        results=[CheckResult("A-1", "ref", Outcome.XPASS, expected_reason="r")],
    )
    assert clean.exit_status == 0
    strict = RunRecord(
        spec_version="1",
        spec_sha256="0" * 64,
        strict=True,
        results=[CheckResult("A-1", "ref", Outcome.XPASS, expected_reason="r")],
    )
    assert strict.exit_status == 1
    validate_report(clean.to_json())
