"""JUnit XML: well-formed, valid against a JUnit XSD (``junit.xsd``), counts, outcome mapping."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from udcodec.reports import RunRecord, render_junit, write_junit

SUITE_CHILDREN = {"properties", "testcase", "system-out", "system-err"}
CASE_CHILDREN = {"failure", "error", "skipped", "system-out", "system-err"}


def _parse(record: RunRecord, tmp_path: Path, strict: bool | None = None) -> ET.Element:
    path = write_junit(record, tmp_path / "junit" / "report.xml", strict=strict)
    return ET.parse(path).getroot()


def _case(root: ET.Element, adapter: str, clause: str) -> ET.Element:
    case = root.find(f"testsuite[@name='{adapter}']/testcase[@name='{clause}']")
    assert case is not None, (adapter, clause)
    return case


def test_shape_matches_common_junit_xsd(record: RunRecord, tmp_path: Path) -> None:
    root = _parse(record, tmp_path)
    assert root.tag == "testsuites"
    for attr in ("tests", "failures", "errors", "skipped", "time"):
        assert attr in root.attrib
    assert {child.tag for child in root} == {"testsuite"}
    for suite in root:
        for attr in ("name", "tests", "failures", "errors", "skipped", "time", "timestamp"):
            assert attr in suite.attrib, attr
        assert {child.tag for child in suite} <= SUITE_CHILDREN
        tags = [child.tag for child in suite]
        assert tags[0] == "properties"  # properties first, system-* last (Ant XSD order)
        assert tags == sorted(
            tags, key=["properties", "testcase", "system-out", "system-err"].index
        )
        for case in suite.iter("testcase"):
            assert set(case.attrib) == {"classname", "name", "time"}
            float(case.attrib["time"])
            assert {c.tag for c in case} <= CASE_CHILDREN
            assert sum(c.tag in {"failure", "error", "skipped"} for c in case) <= 1


def test_one_suite_per_adapter_and_counts(record: RunRecord, tmp_path: Path) -> None:
    root = _parse(record, tmp_path)
    assert [s.get("name") for s in root] == ["reference", "blosc2", "port"]
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in root:
        cases = suite.findall("testcase")
        actual = {
            "tests": len(cases),
            "failures": sum(c.find("failure") is not None for c in cases),
            "errors": sum(c.find("error") is not None for c in cases),
            "skipped": sum(c.find("skipped") is not None for c in cases),
        }
        for name, value in actual.items():
            assert suite.get(name) == str(value), (suite.get("name"), name)
            totals[name] += value
        assert float(suite.get("time", "")) == sum(float(c.get("time", "")) for c in cases)
    for name, value in totals.items():
        assert root.get(name) == str(value)
    blosc2 = root.find("testsuite[@name='blosc2']")
    assert blosc2 is not None
    assert (
        blosc2.get("tests"),
        blosc2.get("failures"),
        blosc2.get("errors"),
        blosc2.get("skipped"),
    ) == ("9", "1", "3", "3")


def test_properties(record: RunRecord, tmp_path: Path) -> None:
    root = _parse(record, tmp_path)
    props = {
        p.get("name"): p.get("value")
        for p in root.findall("testsuite[@name='blosc2']/properties/property")
    }
    assert props["harness_version"] == "0.1.0"
    assert props["spec_sha256"] == record.spec_sha256
    assert props["spec_version"] == "1.2.0"
    assert props["implementation"] == "python-blosc2"
    assert props["implementation_version"] == "3.0.0"


def test_outcome_mapping(record: RunRecord, tmp_path: Path) -> None:
    root = _parse(record, tmp_path)
    ok = _case(root, "blosc2", "REG-ID-001")
    assert ok.get("classname") == "udcodec.blosc2" and len(ok) == 0

    failure = _case(root, "blosc2", "REG-ID-002").find("failure")
    assert failure is not None
    assert failure.get("message") == "register_codec accepted id 159 | oops"
    body = failure.text or ""
    assert "Counterexample" in body and '"raw": "0001fe"' in body and "deadbeef" in body
    assert "Reproduction:\nimport blosc2" in body

    crash = _case(root, "blosc2", "THREAD-001").find("error")
    assert crash is not None and crash.get("type") == "crash"
    assert "SIGSEGV" in (crash.get("message") or "")
    assert "Segmentation fault" in (crash.text or "")
    assert "\\x00" in (crash.text or "") and "\\x1b" in (crash.text or "")  # escaped, not raw

    hang = _case(root, "blosc2", "SLOW-001").find("error")
    assert hang is not None and hang.get("type") == "hang" and "still decoding" in (hang.text or "")
    err = _case(root, "blosc2", "SPEC-BAD-001").find("error")
    assert err is not None and err.get("type") == "error"
    assert err.get("message") == "KeyError: 'typesize'"  # first line only in the attribute

    skip = _case(root, "blosc2", "PERSIST-001").find("skipped")
    assert skip is not None and "persistence" in (skip.get("message") or "") and skip.get("type") == "skip"
    na = _case(root, "blosc2", "REG-OLD-001").find("skipped")
    assert na is not None and na.get("type") == "n/a"
    assert na.get("message") == "n/a: clause applies to python-blosc2 <3 only"
    xfail = _case(root, "blosc2", "CB-SIZE-001").find("skipped")
    assert xfail is not None and xfail.get("type") == "xfail"
    assert xfail.get("message") == "blosc2#1234: size ignored"

    xpass = _case(root, "blosc2", "CB-META-001")
    assert xpass.find("failure") is None and xpass.find("skipped") is None
    out = xpass.find("system-out")
    assert out is not None and "XPASS" in (out.text or "") and "blosc2#999" in (out.text or "")


def test_xpass_strict_is_failure(
    record: RunRecord, strict_record: RunRecord, tmp_path: Path
) -> None:
    for root in (_parse(record, tmp_path, strict=True), _parse(strict_record, tmp_path)):
        failure = _case(root, "blosc2", "CB-META-001").find("failure")
        assert failure is not None and failure.get("type") == "xpass"
        assert "XPASS(strict)" in (failure.get("message") or "")
        assert root.find("testsuite[@name='blosc2']").get("failures") == "2"  # type: ignore[union-attr]


def test_load_error_adapter_gets_an_error_case(record: RunRecord, tmp_path: Path) -> None:
    root = _parse(record, tmp_path)
    suite = root.find("testsuite[@name='port']")
    assert suite is not None and suite.get("errors") == "1" and suite.get("tests") == "1"
    error = _case(root, "port", "adapter-load").find("error")
    assert error is not None and "ModuleNotFoundError" in (error.get("message") or "")
    assert "myport:X" in (suite.findtext("system-err") or "")


def test_render_is_well_formed_with_xml_declaration(record: RunRecord) -> None:
    text = render_junit(record)
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    ET.fromstring(text.encode("utf-8"))


JUNIT_XSD = Path(__file__).with_name("junit.xsd")


def _schema() -> Any:
    xmlschema = pytest.importorskip("xmlschema")
    return xmlschema.XMLSchema(str(JUNIT_XSD))


@pytest.mark.parametrize("strict", [False, True])
def test_validates_against_the_junit_xsd(record: RunRecord, tmp_path: Path, strict: bool) -> None:
    schema = _schema()
    path = write_junit(record, tmp_path / "report.xml", strict=strict)
    schema.validate(str(path))


def test_the_xsd_rejects_what_ci_servers_reject(record: RunRecord) -> None:
    """The schema has teeth: a case with two outcomes, or a suite without ``tests``, is invalid."""
    schema = _schema()
    root = ET.fromstring(render_junit(record).encode("utf-8"))
    assert schema.is_valid(ET.tostring(root, encoding="unicode"))
    case = root.find("testsuite[@name='blosc2']/testcase[@name='REG-ID-002']")
    assert case is not None
    ET.SubElement(case, "skipped")  # failure + skipped
    assert not schema.is_valid(ET.tostring(root, encoding="unicode"))
    root = ET.fromstring(render_junit(record).encode("utf-8"))
    del root[0].attrib["tests"]
    assert not schema.is_valid(ET.tostring(root, encoding="unicode"))


def test_one_testcase_per_clause_and_adapter_failures_carry_the_counterexample(
    record: RunRecord, tmp_path: Path
) -> None:
    root = _parse(record, tmp_path)
    cases = [(c.get("classname"), c.get("name")) for c in root.iter("testcase")]
    expected = [
        (f"udcodec.{r.adapter}", r.clause)
        for key in record.adapter_keys()
        for r in record.results_for(key)
    ] + [("udcodec.port", "adapter-load")]
    assert cases == expected and len(set(cases)) == len(cases)
    body = _case(root, "blosc2", "REG-ID-002").findtext("failure") or ""
    assert body.index("Counterexample:") < body.index('"codec": 244')


def test_load_error_is_said_once_in_system_err(record: RunRecord, tmp_path: Path) -> None:
    error = "adapter 'myport:X' could not be loaded: importing 'myport' failed"
    record.adapters[2].load_error = error
    text = _parse(record, tmp_path).findtext("testsuite[@name='port']/system-err") or ""
    assert text == error
    assert text.count("could not be loaded") == 1
