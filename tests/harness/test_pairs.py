"""Pairwise (interoperability) clauses: peers, merging per-peer results, and what the reports carry."""

from __future__ import annotations

from pathlib import Path

import pytest
from udcodec.engine.pairs import SEVERITY, merge, peer_specs
from udcodec.outcomes import CheckResult, Outcome
from udcodec_cli import ACCEPTS256, NAMED_LIKE_THE_REFERENCE, Udcodec, read_report


def test_peers_are_the_other_adapters_plus_the_reference() -> None:
    run = [("blosc2", "blosc2"), ("my.port:Adapter", "myport")]
    assert peer_specs("blosc2", "blosc2", run) == ["my.port:Adapter", "reference"]
    assert peer_specs("reference", "reference", [("reference", "reference")]) == []
    assert peer_specs("blosc2", "blosc2", [("blosc2", "blosc2"), ("reference", "reference")]) == ["reference"]
    assert peer_specs("reference", "reference", [("reference", "reference"), ("blosc2", "blosc2")]) == ["blosc2"]


def _result(outcome: Outcome, message: str = "", **extra: object) -> CheckResult:
    return CheckResult(clause="C-X", adapter="a", outcome=outcome, message=message, duration=1.5, extra=dict(extra))


def test_merge_keeps_the_worst_outcome_and_every_peer() -> None:
    merged = merge("C-X", "a", [("p", _result(Outcome.PASS, byte_identity={"f": {"identical": 1, "total": 1}})),
                                ("q", _result(Outcome.FAIL, "differs", byte_identity={"f": {"identical": 0, "total": 1}}))])
    assert merged.outcome is Outcome.FAIL
    assert merged.message == "with peer q: fail: differs"
    assert merged.duration == 3.0
    assert [p["peer"] for p in merged.extra["pairs"]] == ["p", "q"]
    assert merged.extra["byte_identity"] == {"p": {"f": {"identical": 1, "total": 1}},
                                             "q": {"f": {"identical": 0, "total": 1}}}
    assert merge("C-X", "a", [("p", _result(Outcome.SKIP)), ("q", _result(Outcome.PASS))]).outcome is Outcome.PASS
    assert merge("C-X", "a", [("p", _result(Outcome.CRASH)), ("q", _result(Outcome.FAIL))]).outcome is Outcome.CRASH
    na = merge("C-X", "a", [("p", _result(Outcome.NOT_APPLICABLE, "no sparse frames"))])
    assert na.outcome is Outcome.NOT_APPLICABLE and na.message == "with peer p: n/a: no sparse frames"


def test_a_pairwise_failure_is_explained_only_when_every_failing_pair_is() -> None:
    """Each pair's explanation had been nested under its peer's name, which the report schema refuses: the JSON
    report of a port whose decoder outputs were the wrong size was not written at all."""
    why = {"check": "callbacks.decoder_sizes", "why": "the decoder's output holds 8 bytes, but its block had 4"}
    explained = merge("C-X", "a", [("p", _result(Outcome.FAIL, "x", explained_by=why)),
                                   ("q", _result(Outcome.FAIL, "y", explained_by=why)), ("r", _result(Outcome.PASS))])
    assert explained.extra["explained_by"] == why
    kept = merge("C-X", "a", [("p", _result(Outcome.FAIL, "x", explained_by=why)), ("q", _result(Outcome.FAIL, "y"))])
    assert "explained_by" not in kept.extra


def test_a_clause_is_not_applicable_only_when_it_applies_to_no_peer() -> None:
    na, skip, passed = (_result(Outcome.NOT_APPLICABLE, "no usable chunk"), _result(Outcome.SKIP, "no sparse"),
                        _result(Outcome.PASS))
    assert merge("C-X", "a", [("p", na), ("q", na)]).outcome is Outcome.NOT_APPLICABLE
    assert merge("C-X", "a", [("p", na), ("q", passed)]).outcome is Outcome.PASS
    assert merge("C-X", "a", [("p", na), ("q", skip)]).outcome is Outcome.SKIP
    assert merge("C-X", "a", [("p", na), ("q", _result(Outcome.FAIL))]).outcome is Outcome.FAIL
    assert set(SEVERITY) == set(Outcome) and len(SEVERITY) == len(Outcome)


@pytest.mark.slow
def test_a_lone_reference_has_no_peer(udcodec_cli: Udcodec, tmp_path: Path) -> None:
    proc = udcodec_cli("run", "--adapter", "reference", "--only", "INTEROP-CHUNK-BYTES", "--report-json", "r.json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (result,) = read_report(tmp_path / "r.json")["results"]
    assert result["outcome"] == "n/a" and "needs a peer" in result["message"]


@pytest.mark.slow
def test_a_lone_port_is_checked_against_the_reference(udcodec_cli: Udcodec, tmp_path: Path) -> None:
    proc = udcodec_cli("run", "--adapter", ACCEPTS256, "--only", "INTEROP-CHUNK-*", "--report-json", "r.json",
                       "--report-markdown", "r.md")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = {r["clause"]: r for r in read_report(tmp_path / "r.json")["results"]}
    assert set(results) == {"INTEROP-CHUNK-DECODE", "INTEROP-CHUNK-BYTES"}
    for result in results.values():
        assert result["outcome"] == "pass", result["message"]
        assert [p["peer"] for p in result["extra"]["pairs"]] == ["reference"]
    rates = results["INTEROP-CHUNK-BYTES"]["extra"]["byte_identity"]["reference"]
    assert rates["shuffle"]["total"] > 0 and all(r["identical"] == r["total"] for r in rates.values())
    assert "Byte identity per configuration family" in (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "accepts256 = reference:" in proc.stdout and "byte-identical" in proc.stdout


@pytest.mark.slow
def test_two_adapters_of_one_name_are_reported_apart(udcodec_cli: Udcodec, tmp_path: Path) -> None:
    """A port's adapter keeping the reference's name had its results merged into the reference's column, its
    failures certified as the reference's."""
    proc = udcodec_cli("run", "--adapter", "reference", "--adapter", NAMED_LIKE_THE_REFERENCE, "--only",
                       "REG-ID-OUT-OF-RANGE", "--report-json", "r.json", "--certificate", "cert.json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert (f"udcodec: adapter {NAMED_LIKE_THE_REFERENCE} names itself 'reference', as reference does: it is "
            f"reported as '{NAMED_LIKE_THE_REFERENCE}'") in proc.stderr
    outcomes = {r["adapter"]: r["outcome"] for r in read_report(tmp_path / "r.json")["results"]}
    assert outcomes == {"reference": "pass", NAMED_LIKE_THE_REFERENCE: "fail"}
    assert sorted(p.name for p in tmp_path.glob("cert-*.json")) == ["cert-reference.json",
                                                                  "cert-udcodec_test_adapters_NamedLikeTheReference.json"]
