"""``n/a``: a clause that does not apply comes out as its own outcome, through a real ``udcodec run``.

Three ways a clause does not apply: its check raises ``NotApplicable``, its ``versions`` range leaves
out the python-blosc2 release under test, or it is pairwise and the run has no peer. Each is ``n/a``
(never ``skip``) in every report, holds for a certificate, and never fails the run.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from udcodec.contract import load_contract
from udcodec.engine.isolation import ChildStatus, Isolated
from udcodec.engine.runner import CHILD_OUTCOMES, Verdict, outcome_of
from udcodec.expectations.baseline import Acceptance, plan_update
from udcodec.expectations.list_failing import failing_lines
from udcodec.expectations.model import Expectation, Expectations
from udcodec.outcomes import CheckResult, Outcome
from udcodec.reports.certificate import load_certificate
from udcodec.reports.model import AdapterRun, RunRecord
from udcodec_cli import BLOSC2_27, Udcodec, read_report

NA_SPEC = """\
family: na
title: Clauses that do not apply
clauses:
  - id: NA-CHECK
    title: a codec check run without a codec under test
    level: MUST
    subject: host
    source: "id (int) – Codec id, must be between 160 and 255 (both included)."
    checks:
      - check: codec.registers

  - id: NA-PAIRWISE
    title: byte identity needs a peer
    level: SHOULD
    subject: host
    pairwise: true
    source: "derived: two implementations write the same chunk bytes."
    checks:
      - check: interop.chunk_bytes
        params: {id: 236}

  - id: NA-VERSIONS
    title: nthreads > 1 is rejected, on python-blosc2 3 and later
    level: MUST
    subject: host
    versions: ">=3"
    source: "Cannot use multi-threading when using an user defined codec."
    checks:
      - check: threads.rejected_at_creation
        params: {id: 180, which: cparams, nthreads: [2], exceptions: [ValueError]}
"""


@pytest.fixture
def na_spec(tmp_path: Path) -> Path:
    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "VERSION").write_text("1.0.0\n", encoding="utf-8")
    (spec / "na.yaml").write_text(NA_SPEC, encoding="utf-8")
    return spec


def test_each_way_of_not_applying_is_n_a_in_every_report(udcodec_cli: Udcodec, tmp_path: Path,
                                                          na_spec: Path) -> None:
    common = ("--spec", str(na_spec), "--profile", "dev", "--report-json", "r.json", "--report-junit", "r.xml",
              "--report-markdown", "r.md", "--certificate", "cert.json")
    proc = udcodec_cli("run", "--adapter", "reference", *common)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = {r["clause"]: r for r in read_report(tmp_path / "r.json")["results"]}
    assert {c: r["outcome"] for c, r in results.items()} == {
        "NA-CHECK": "n/a",  # NotApplicable from the check
        "NA-PAIRWISE": "n/a",  # a lone reference has no peer
        "NA-VERSIONS": "pass",  # the range limits python-blosc2 only
    }
    assert results["NA-CHECK"]["message"] == "a codec clause needs a codec under test (udcodec check-codec)"
    assert results["NA-PAIRWISE"]["message"] == "a pairwise clause needs a peer; add a second --adapter"
    assert all("not_applicable" not in r["extra"] for r in results.values())
    assert read_report(tmp_path / "r.json")["summary"]["total"]["n/a"] == 2

    cases = {c.get("name"): c for c in ET.parse(tmp_path / "r.xml").getroot().iter("testcase")}
    skipped = cases["NA-CHECK"].find("skipped")
    assert skipped is not None and skipped.get("type") == "n/a"
    assert skipped.get("message") == "n/a: a codec clause needs a codec under test (udcodec check-codec)"
    assert "| `NA-PAIRWISE` | SHOULD | ⚪ |" in (tmp_path / "r.md").read_text(encoding="utf-8")
    row = next(ln for ln in proc.stdout.splitlines() if ln.startswith("NA-CHECK"))
    assert row.split() == ["NA-CHECK", "MUST", "n/a"]
    assert "2 skipped" in proc.stdout  # pytest's own word for n/a

    cert = load_certificate(tmp_path / "cert.json")
    assert cert["level"] == "full"
    assert {c: v["status"] for c, v in cert["clauses"].items()} == {
        "NA-CHECK": "n/a", "NA-PAIRWISE": "n/a", "NA-VERSIONS": "pass"}  # fmt: skip
    assert (cert["counts"]["n/a"], cert["counts"]["skip"]) == (2, 0)

    older = udcodec_cli("run", "--adapter", BLOSC2_27, "--only", "NA-VERSIONS", *common)
    assert older.returncode == 0, older.stdout + older.stderr
    (result,) = read_report(tmp_path / "r.json")["results"]
    assert (result["outcome"], result["message"]) == ("n/a", "clause applies to python-blosc2 >=3 only")
    assert load_certificate(tmp_path / "cert.json")["clauses"]["NA-VERSIONS"]["status"] == "n/a"


def test_a_child_status_means_one_outcome() -> None:
    assert set(CHILD_OUTCOMES) | {ChildStatus.OK} == set(ChildStatus)
    assert outcome_of(Isolated(ChildStatus.OK, value=Verdict(Outcome.NOT_APPLICABLE, "no peer"))) is (
        Outcome.NOT_APPLICABLE)
    assert outcome_of(Isolated(ChildStatus.CRASH, signal="SIGSEGV")) is Outcome.CRASH
    assert outcome_of(Isolated(ChildStatus.HANG)) is Outcome.HANG
    assert outcome_of(Isolated(ChildStatus.RAISED, error="Traceback")) is Outcome.ERROR


def _record(outcomes: dict[str, Outcome]) -> RunRecord:
    results = [CheckResult(c, "blosc2", o, message=f"{c}: {o.value}") for c, o in outcomes.items()]
    return RunRecord("1.0.0", "0" * 64, adapters=[AdapterRun("blosc2", "blosc2", "python-blosc2", "4.14.1")],
                     results=results)


def test_n_a_is_not_failing_nor_a_reason_to_drop_or_accept_an_entry() -> None:
    record = _record({"REG-ID-TYPE": Outcome.NOT_APPLICABLE, "REG-CALLABLE": Outcome.FAIL,
                      "REG-NAME-TYPE": Outcome.XFAIL})
    assert failing_lines(record) == ["REG-CALLABLE", "REG-NAME-TYPE"]
    assert record.exit_status == 1 and _record({"REG-ID-TYPE": Outcome.NOT_APPLICABLE}).exit_status == 0
    entries = (Expectation("REG-ID-TYPE", "why", "x"),)
    plan = plan_update(record, Expectations("e.yaml", "blosc2", entries), [], load_contract())
    assert not plan.drop and not plan.errors  # an entry for a clause that does not apply now is kept
    assert [e.clause for e in plan.wanted(entries)] == ["REG-ID-TYPE"]
    na_only = plan_update(_record({"REG-ID-TYPE": Outcome.NOT_APPLICABLE}), None,
                          [Acceptance("REG-ID-TYPE", reason="r")], load_contract())
    assert na_only.errors == ["--accept REG-ID-TYPE: its outcome is n/a; only a failing clause (fail, crash, "
                              "hang, resource) can be accepted"]


def test_plain_pytest_counts_n_a_as_skipped_and_says_why(pytester: pytest.Pytester, na_spec: Path) -> None:
    result = pytester.runpytest_subprocess(
        str(na_spec / "na.yaml"), "-p", "no:cacheprovider", "--assert=plain", "-rs", "--udcodec-profile", "dev",
        "--udcodec-adapter", "reference", "--udcodec-spec", str(na_spec), "--udcodec-only", "NA-PAIRWISE",
    )  # fmt: skip
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["SKIPPED *n/a: a pairwise clause needs a peer; add a second --adapter"])
