"""The pytest plugin, driven end to end in pytest subprocesses (the plugin forks per check)."""

from __future__ import annotations

import json
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from udcodec.contract import default_spec_dir, load_contract
from udcodec.reports import validate_report
from udcodec_cli import ADAPTERS_MODULE

SPEC = str(default_spec_dir())
ADAPTER = "udcodec_plugin_adapters:Accepts256"
SEGFAULTS = '''

class Segfaults(ReferenceAdapter):
    """register_codec dereferences NULL."""

    adapter_name = "segfaults"

    def register_codec(self, codec_name, id, encoder=None, decoder=None, version=1):
        import ctypes

        ctypes.string_at(0)
'''
ADAPTER_MODULE = ADAPTERS_MODULE + SEGFAULTS  # Accepts256 and Segfaults

EXPECTATIONS = """\
adapter: accepts256
expectations:
  - clause: REG-ID-OUT-OF-RANGE
    reason: id 256 is accepted silently
    reproduction: register_codec("c", 256, enc, dec)
"""
XPASS_ENTRY = """\
  - clause: REG-RETURNS-NONE
    reason: claimed to return the codec
    reproduction: x
"""
UNKNOWN_ENTRY = """\
  - clause: REG-NO-SUCH-CLAUSE
    reason: names nothing
    reproduction: x
"""


@pytest.fixture(autouse=True)
def fast_subprocesses(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Let pytest subprocesses cache bytecode outside the source tree (imports dominate)."""
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    monkeypatch.setenv(
        "PYTHONPYCACHEPREFIX", str(tmp_path_factory.getbasetemp().parent / "udcodec-pycache")
    )


@pytest.fixture
def adapter_dir(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test adapter module in pytester's directory, importable by its subprocesses."""
    pytester.makepyfile(udcodec_plugin_adapters=ADAPTER_MODULE)
    monkeypatch.setenv("PYTHONPATH", str(pytester.path))
    return pytester.path


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        SPEC, "-p", "no:cacheprovider", "--assert=plain", "--udcodec-profile", "dev", *args
    )


def _report(path: Path) -> dict:  # type: ignore[type-arg]
    data = json.loads(path.read_text(encoding="utf-8"))
    validate_report(data)
    return data  # type: ignore[no-any-return]


def _outcomes(data: dict) -> dict[tuple[str, str], str]:  # type: ignore[type-arg]
    return {(r["clause"], r["adapter"]): r["outcome"] for r in data["results"]}


def test_inert_without_an_adapter(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(SPEC, "-p", "no:cacheprovider", "--assert=plain")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert "udcodec conformance" not in result.stdout.str()


@pytest.mark.slow
def test_reference_passes_the_registration_family(pytester: pytest.Pytester) -> None:
    reg = [c.id for c in load_contract() if c.id.startswith("REG-")]
    report = pytester.path / "out" / "report.json"
    result = _run(
        pytester,
        "--udcodec-adapter",
        "reference",
        "--udcodec-only",
        "REG-*",
        "--udcodec-report-json",
        str(report),
        "-v",
    )
    result.assert_outcomes(passed=len(reg))
    assert result.ret == 0
    out = result.stdout.str()
    for clause in reg:
        result.stdout.fnmatch_lines([f"*registration.yaml::{clause}[[]reference[]] PASSED*"])
    result.stdout.fnmatch_lines(
        [
            "*udcodec conformance*",
            "CLAUSE*LEVEL*reference*",
            f"reference*{len(reg)} results: {len(reg)} pass*",
        ]
    )
    assert "THREAD-" not in out
    data = _report(report)
    assert set(_outcomes(data)) == {(c, "reference") for c in reg}
    assert set(_outcomes(data).values()) == {"pass"}
    assert data["profile"] == "dev" and data["exit_status"] == 0


@pytest.mark.slow
def test_skip_filter_and_pyargs(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(
        "--pyargs",
        "udcodec.spec",
        "-p",
        "no:cacheprovider",
        "--assert=plain",
        "--udcodec-profile",
        "dev",
        "--udcodec-adapter",
        "reference",
        "--udcodec-only",
        "THREAD-*",
        "--udcodec-skip",
        "*-UPDATE",
        "--udcodec-skip",
        "THREAD-ONE-THREAD",
        "--udcodec-skip",
        "THREAD-DEFAULTS*",
        "--udcodec-skip",
        "THREAD-OPEN",
        "--udcodec-skip",
        "THREAD-SWITCH",
        "--udcodec-skip",
        "THREAD-OPEN-*",
        "--udcodec-skip",
        "THREAD-CHUNK-DOOR",
        "--udcodec-skip",
        "THREAD-OUTSIDE*",
        "--udcodec-skip",
        "THREAD-REGISTER-AFTER-OPEN",
    )
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["THREAD-CPARAMS-CREATE*PASS", "THREAD-DPARAMS-CREATE*PASS"])
    assert "UPDATE" not in result.stdout.str()


@pytest.mark.slow
def test_expected_failure_is_xfail(pytester: pytest.Pytester, adapter_dir: Path) -> None:
    exp = adapter_dir / "exp.yaml"
    exp.write_text(EXPECTATIONS)
    args = (
        "--udcodec-adapter",
        ADAPTER,
        "--udcodec-only",
        "REG-ID-OUT-OF-RANGE",
        "--udcodec-only",
        "REG-RETURNS-NONE",
    )

    report = adapter_dir / "r.json"
    result = _run(
        pytester,
        *args,
        "--udcodec-expectations",
        f"{ADAPTER}={exp}",
        "--udcodec-report-json",
        str(report),
    )
    result.assert_outcomes(passed=1, xfailed=1)
    assert result.ret == 0
    result.stdout.fnmatch_lines(["REG-ID-OUT-OF-RANGE*xfail", "REG-RETURNS-NONE*PASS"])
    data = _report(report)
    xfail = next(r for r in data["results"] if r["clause"] == "REG-ID-OUT-OF-RANGE")
    assert xfail["outcome"] == "xfail" and xfail["expected_reason"] == "id 256 is accepted silently"
    assert data["stale_expectations"] == []


@pytest.mark.slow
def test_expectation_for_a_passing_clause_is_xpass_and_strict_fails(
    pytester: pytest.Pytester, adapter_dir: Path
) -> None:
    exp = adapter_dir / "exp.yaml"
    exp.write_text(EXPECTATIONS + XPASS_ENTRY + UNKNOWN_ENTRY)
    args = (
        "--udcodec-adapter",
        ADAPTER,
        "--udcodec-expectations",
        f"{ADAPTER}={exp}",
        "--udcodec-only",
        "REG-ID-OUT-OF-RANGE",
        "--udcodec-only",
        "REG-RETURNS-NONE",
    )
    stale = [  # in a fixed order: adapter, clause
        {
            "adapter": "accepts256",
            "clause": "REG-NO-SUCH-CLAUSE",
            "reason": "names nothing",
            "why_stale": "unknown clause",
        },
        {
            "adapter": "accepts256",
            "clause": "REG-RETURNS-NONE",
            "reason": "claimed to return the codec",
            "why_stale": "passed",
        },
    ]

    report = adapter_dir / "lenient.json"
    lenient = _run(pytester, *args, "--udcodec-report-json", str(report))
    lenient.assert_outcomes(xfailed=1, xpassed=1)
    assert lenient.ret == 0
    lenient.stdout.fnmatch_lines(["REG-RETURNS-NONE*XPASS"])
    data = _report(report)
    assert _outcomes(data)[("REG-RETURNS-NONE", "accepts256")] == "xpass"
    assert data["exit_status"] == 0
    assert data["stale_expectations"] == stale

    report = adapter_dir / "strict.json"
    markdown = adapter_dir / "strict.md"
    strict = _run(
        pytester,
        *args,
        "--udcodec-strict",
        "--udcodec-report-json",
        str(report),
        "--udcodec-report-markdown",
        str(markdown),
    )
    strict.assert_outcomes(xfailed=1, failed=1)
    assert strict.ret == pytest.ExitCode.TESTS_FAILED
    strict.stdout.fnmatch_lines(["FAILED*REG-RETURNS-NONE[[]accepts256[]]*"])
    for entry in stale:
        strict.stdout.fnmatch_lines([f"*stale expectation {entry['clause']}*{entry['why_stale']}*"])
    data = _report(report)
    assert data["strict"] is True and data["exit_status"] == 1
    assert data["stale_expectations"] == stale
    md = markdown.read_text(encoding="utf-8")
    assert (
        "Stale expectations (2)" in md
        and "`REG-RETURNS-NONE`" in md
        and "`REG-NO-SUCH-CLAUSE`" in md
    )


@pytest.mark.slow
def test_strict_fails_on_a_stale_expectation_alone(
    pytester: pytest.Pytester, adapter_dir: Path
) -> None:
    """Every clause as expected (one xfail), but the file names an unknown clause."""
    exp = adapter_dir / "exp.yaml"
    exp.write_text(EXPECTATIONS + UNKNOWN_ENTRY)
    report = adapter_dir / "r.json"
    strict = _run(
        pytester,
        "--udcodec-adapter",
        ADAPTER,
        "--udcodec-expectations",
        f"{ADAPTER}={exp}",
        "--udcodec-only",
        "REG-ID-OUT-OF-RANGE",
        "--udcodec-strict",
        "--udcodec-report-json",
        str(report),
    )
    strict.assert_outcomes(xfailed=1)
    assert strict.ret == pytest.ExitCode.TESTS_FAILED
    strict.stdout.fnmatch_lines(["*stale expectation REG-NO-SUCH-CLAUSE*unknown clause*"])
    data = _report(report)
    assert data["exit_status"] == 1
    assert [s["why_stale"] for s in data["stale_expectations"]] == ["unknown clause"]


@pytest.mark.slow
def test_malformed_expectations_file_is_an_error_item(pytester: pytest.Pytester) -> None:
    bad = pytester.path / "bad.yaml"
    bad.write_text(
        "adapter: reference\nexpectations:\n  - clause: REG-ID-RANGE\n    reproduction: x\n"
    )
    report = pytester.path / "r.json"
    result = _run(
        pytester,
        "--udcodec-adapter",
        "reference",
        "--udcodec-expectations",
        f"reference={bad}",
        "--udcodec-only",
        "THREAD-*",
        "--udcodec-report-json",
        str(report),
    )
    threads = sum(1 for c in load_contract() if c.id.startswith("THREAD-"))
    result.assert_outcomes(passed=threads, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [f"*EXPECTATIONS-FILE[[]reference[]]*malformed expectations file*{bad}:3*"]
    )
    data = _report(report)
    outcomes = _outcomes(data)
    assert outcomes.pop(("EXPECTATIONS-FILE", "reference")) == "error"
    assert set(outcomes.values()) == {"pass"} and len(outcomes) == threads
    assert data["exit_status"] == 1


@pytest.mark.slow
def test_unimportable_adapter_errors_once_while_the_others_run(pytester: pytest.Pytester) -> None:
    report = pytester.path / "r.json"
    junit = pytester.path / "r.xml"
    result = _run(
        pytester,
        "--udcodec-adapter",
        "reference",
        "--udcodec-adapter",
        "no_such_module:X",
        "--udcodec-only",
        "THREAD-*-CREATE",
        "--udcodec-report-json",
        str(report),
        "--udcodec-report-junit",
        str(junit),
    )
    result.assert_outcomes(passed=2, failed=1)  # one ADAPTER-LOAD item, its clauses not run
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["*ERROR*no_such_module:X*failed to load*", "*importing 'no_such_module' failed*"]
    )
    assert result.stdout.str().count("ERROR: ADAPTER-LOAD[no_such_module:X]: adapter 'no_such_module:X' could not be "
                                      "loaded: importing 'no_such_module' failed") == 1
    assert "(2 selected clause(s) not run)" in result.stdout.str()
    data = _report(report)
    assert _outcomes(data) == {
        ("THREAD-CPARAMS-CREATE", "reference"): "pass",
        ("THREAD-DPARAMS-CREATE", "reference"): "pass",
        ("ADAPTER-LOAD", "no_such_module:X"): "error",
    }
    broken = next(a for a in data["adapters"] if a["spec"] == "no_such_module:X")
    assert "ModuleNotFoundError" in broken["load_error"]

    root = ET.parse(junit).getroot()
    assert (root.tag, root.get("tests"), root.get("errors")) == ("testsuites", "3", "1")
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    assert set(suites) == {"reference", "no_such_module:X"}
    names = {"reference": ["THREAD-CPARAMS-CREATE", "THREAD-DPARAMS-CREATE"], "no_such_module:X": ["ADAPTER-LOAD"]}
    for name, bad in (("reference", False), ("no_such_module:X", True)):
        cases = suites[name].findall("testcase")
        assert sorted(c.get("name") for c in cases) == names[name]  # type: ignore[type-var]
        for case in cases:
            error = case.find("error")
            assert (error is not None) == bad
            assert case.find("failure") is None
            if error is not None:
                assert "No module named 'no_such_module'" in (error.text or "")


@pytest.mark.slow
def test_crash_report_holds_the_crash_traceback(
    pytester: pytest.Pytester, adapter_dir: Path
) -> None:
    report = adapter_dir / "r.json"
    result = _run(
        pytester,
        "--udcodec-adapter",
        "udcodec_plugin_adapters:Segfaults",
        "--udcodec-only",
        "REG-RETURNS-NONE",
        "--udcodec-report-json",
        str(report),
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["REG-RETURNS-NONE*CRASH*"])
    crash = _report(report)["results"][0]
    assert (crash["outcome"], crash["signal"]) == ("crash", "SIGSEGV")
    assert "Fatal Python error: Segmentation fault" in (crash["stderr_tail"] or "")
    assert "register_codec" in crash["stderr_tail"]


@pytest.mark.slow
def test_xdist_gives_the_same_outcomes_as_serial(
    pytester: pytest.Pytester, adapter_dir: Path
) -> None:
    pytest.importorskip("xdist")
    exp = adapter_dir / "exp.yaml"
    exp.write_text(EXPECTATIONS)
    args = (
        "--udcodec-adapter",
        "reference",
        "--udcodec-adapter",
        ADAPTER,
        "--udcodec-expectations",
        f"{ADAPTER}={exp}",
        "--udcodec-only",
        "REG-ID-OUT-OF-RANGE",
        "--udcodec-only",
        "REG-RETURNS-NONE",
        "--udcodec-only",
        "THREAD-*-CREATE",
    )
    serial_json, dist_json = adapter_dir / "serial.json", adapter_dir / "dist.json"
    serial = _run(pytester, *args, "--udcodec-report-json", str(serial_json))
    dist = _run(pytester, *args, "-n", "2", "-p", "xdist", "--udcodec-report-json", str(dist_json))
    serial.assert_outcomes(passed=7, xfailed=1)
    dist.assert_outcomes(passed=7, xfailed=1)
    assert "2 workers" in dist.stdout.str()
    a, b = _report(serial_json), _report(dist_json)
    assert _outcomes(a) == _outcomes(b)
    assert len(_outcomes(a)) == 8
    assert a["exit_status"] == b["exit_status"] == 0
    dist.stdout.fnmatch_lines(["*udcodec conformance*", "REG-ID-OUT-OF-RANGE*PASS*xfail*"])


@pytest.mark.slow
def test_spec_option_selects_another_contract(pytester: pytest.Pytester) -> None:
    spec = pytester.mkdir("myspec")
    (spec / "one.yaml").write_text(
        textwrap.dedent("""\
        family: one
        title: One clause
        clauses:
          - id: MY-RETURNS-NONE
            title: returns None
            level: MUST
            subject: host
            source: "Return type: None"
            checks:
              - check: registration.returns_none
                params: {id: 230}
        """)
    )
    result = pytester.runpytest_subprocess(
        str(spec),
        "-p",
        "no:cacheprovider",
        "--assert=plain",
        "--udcodec-spec",
        str(spec),
        "--udcodec-adapter",
        "reference",
        "--udcodec-profile",
        "dev",
        "-v",
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*one.yaml::MY-RETURNS-NONE[[]reference[]] PASSED*"])


def test_malformed_spec_is_a_usage_error(pytester: pytest.Pytester) -> None:
    spec = pytester.mkdir("badspec")
    (spec / "one.yaml").write_text("family: one\ntitle: x\nclauses:\n  - id: bad\n")
    result = pytester.runpytest_subprocess(
        str(spec),
        "-p",
        "no:cacheprovider",
        "--assert=plain",
        "--udcodec-spec",
        str(spec),
        "--udcodec-adapter",
        "reference",
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*udcodec: malformed spec: {spec / 'one.yaml'}:4: clauses*"])


SETUP_FAILS = '''
import os

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if "REG-ID-RANGE" in item.nodeid:
        if hasattr(item.config, "workerinput"):
            os._exit(3)  # the pytest-xdist worker running the item dies
        raise RuntimeError("a user's fixture failed")
'''


@pytest.mark.parametrize("workers", [(), ("-n", "2", "-p", "xdist")], ids=["serial", "xdist"])
def test_a_clause_item_that_fails_outside_its_check_is_a_harness_error_in_the_reports(
    pytester: pytest.Pytester, adapter_dir: Path, workers: tuple[str, ...]
) -> None:
    """Nothing lost: an item whose setup fails, or whose pytest-xdist worker dies, leaves no check result; the
    reports name it as an error instead of leaving it out and calling the run complete."""
    if workers:
        pytest.importorskip("xdist")
    pytester.makepyfile(udcodec_setup_fails=SETUP_FAILS)
    report = adapter_dir / "r.json"
    result = _run(pytester, "-p", "udcodec_setup_fails", *workers, "--udcodec-adapter", "reference",
                  "--udcodec-only", "REG-ID-RANGE", "--udcodec-only", "REG-RETURNS-NONE",
                  "--udcodec-report-json", str(report))
    assert result.ret == 1
    data = _report(report)
    assert _outcomes(data) == {("REG-ID-RANGE", "reference"): "error", ("REG-RETURNS-NONE", "reference"): "pass"}
    lost = next(r for r in data["results"] if r["clause"] == "REG-ID-RANGE")
    assert lost["message"].startswith("no result: the item's ")
    assert ("crashed" if workers else "a user's fixture failed") in lost["message"] + (lost["stderr_tail"] or "")
    assert data["exit_status"] == 1
