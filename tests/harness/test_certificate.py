"""Conformance certificates: the level reached, the schema, ``udcodec verify`` against changed specs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from udcodec import cli
from udcodec.contract import default_spec_dir, load_contract
from udcodec.outcomes import CheckResult, Outcome
from udcodec.reports.certificate import (
    CertificateError,
    build_certificate,
    certificate_paths,
    check_certificate,
    load_certificate,
    verify,
)
from udcodec.reports.json_report import load_named_schema
from udcodec.reports.model import AdapterRun, RunRecord
from udcodec_cli import Udcodec

THREADS = default_spec_dir() / "threads.yaml"  # five MUST clauses the reference passes
SHOULD_CLAUSE = """\
family: extra
title: An added clause
clauses:
  - id: EXTRA-SHOULD
    title: returns None
    level: SHOULD
    subject: host
    source: "Return type: None"
    checks:
      - check: registration.returns_none
        params: {id: 230}
"""


def _record(outcomes: dict[str, Outcome], load_error: str | None = None, **extra: Any) -> RunRecord:
    results = [CheckResult(c, "port", o, extra=dict(extra.get(c, {}))) for c, o in outcomes.items()]
    adapter = AdapterRun("myport:A", "port", "myport", "2.0", load_error=load_error)
    return RunRecord("1.0.0", "0" * 64, adapters=[adapter], results=results)


def _all(outcome: Outcome, **override: Outcome) -> dict[str, Outcome]:
    ids = [c.id for c in load_contract() if c.subject == "host"]
    return {c: override.get(c.replace("-", "_"), outcome) for c in ids}


@pytest.mark.parametrize(
    ("outcomes", "level"),
    [
        pytest.param(_all(Outcome.PASS), "full", id="all-pass"),
        pytest.param(_all(Outcome.PASS, PLUG_NAME=Outcome.XPASS), "full", id="xpass-passes"),
        pytest.param(_all(Outcome.PASS, PLUG_NAME=Outcome.XFAIL), "core", id="should-xfail"),
        pytest.param(_all(Outcome.PASS, PLUG_NAME=Outcome.FAIL), "core", id="should-fail"),
        pytest.param(_all(Outcome.PASS, REG_ID_TYPE=Outcome.XFAIL), "none", id="must-xfail"),
        pytest.param(_all(Outcome.PASS, REG_ID_TYPE=Outcome.SKIP), "none", id="must-skipped"),
        pytest.param(_all(Outcome.PASS, REG_ID_TYPE=Outcome.ERROR), "none", id="must-error"),
        pytest.param(
            {c: o for c, o in _all(Outcome.PASS).items() if c != "PLUG-NAME"},
            "core",
            id="should-not-run",
        ),
        pytest.param(
            {c: o for c, o in _all(Outcome.PASS).items() if c != "REG-ID-TYPE"},
            "none",
            id="must-not-run",
        ),
    ],
)
def test_level_reached(outcomes: dict[str, Outcome], level: str) -> None:
    cert = build_certificate(_record(outcomes), "port", load_contract())
    check_certificate(cert)
    assert cert["level"] == level
    assert cert["implementation"] == {
        "adapter": "port",
        "spec": "myport:A",
        "name": "myport",
        "version": "2.0",
        "load_error": None,
    }
    assert set(cert["clauses"]) == {c.id for c in load_contract() if c.subject == "host"}


def test_a_clause_that_does_not_apply_counts_as_holding() -> None:
    outcomes = _all(Outcome.PASS, REG_ID_TYPE=Outcome.NOT_APPLICABLE)
    cert = build_certificate(_record(outcomes), "port", load_contract())
    check_certificate(cert)
    assert cert["clauses"]["REG-ID-TYPE"]["status"] == "n/a"
    assert cert["level"] == "full" and cert["counts"]["n/a"] == 1 and cert["counts"]["skip"] == 0


def test_a_skip_with_the_old_not_applicable_flag_does_not_hold() -> None:
    """Only the outcome says a clause does not apply: an ``extra`` flag on a skip is no longer read."""
    outcomes = _all(Outcome.PASS, REG_ID_TYPE=Outcome.SKIP)
    cert = build_certificate(_record(outcomes, **{"REG-ID-TYPE": {"not_applicable": True}}), "port",
                             load_contract())
    assert cert["clauses"]["REG-ID-TYPE"]["status"] == "skip" and cert["level"] == "none"
    assert cert["counts"]["n/a"] == 0 and cert["counts"]["skip"] == 1


def test_an_adapter_that_did_not_load_reaches_nothing() -> None:
    cert = build_certificate(
        _record(_all(Outcome.PASS), load_error="boom"), "port", load_contract()
    )
    assert cert["level"] == "none" and cert["implementation"]["load_error"] == "boom"


def test_a_codec_certificate_names_the_codec_and_its_host() -> None:
    codec = {"name": "zc", "id": 200, "encoder": "m:enc", "decoder": "m:dec", "plugin": False, "metas": [0],
             "version": 1}
    ids = [c.id for c in load_contract() if c.subject == "codec"]
    record = RunRecord("1.0.0", "0" * 64, adapters=[AdapterRun("blosc2", "blosc2", "python-blosc2", "4.14.1")],
                       results=[CheckResult(c, "blosc2", Outcome.PASS, subject="codec") for c in ids], codec=codec)
    cert = build_certificate(record, "blosc2", load_contract(), subject="codec")
    check_certificate(cert)
    assert cert["codec"] == codec and cert["implementation"]["name"] == "python-blosc2" and cert["level"] == "full"
    assert "codec" not in build_certificate(_record(_all(Outcome.PASS)), "port", load_contract())
    head = verify(cert, load_contract()).lines[0]
    assert head.startswith("certificate: codec 'zc' (id 200) on python-blosc2 4.14.1, level full")


def test_schema_is_valid_and_has_teeth() -> None:
    schema = load_named_schema("certificate.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    cert = build_certificate(_record(_all(Outcome.PASS)), "port", load_contract())
    check_certificate(cert)
    for breaks in (
        lambda c: c.__setitem__("level", "gold"),
        lambda c: c["spec"].__setitem__("sha256", "abc"),
        lambda c: c.pop("date"),
        lambda c: c["clauses"]["REG-ID-TYPE"].__setitem__("status", "maybe"),
    ):
        bad = json.loads(json.dumps(cert))
        breaks(bad)
        with pytest.raises(CertificateError, match="not a valid udcodec certificate"):
            check_certificate(bad, "c.json")


def test_a_level_the_clauses_do_not_reach_is_refused() -> None:
    cert = build_certificate(
        _record(_all(Outcome.PASS, REG_ID_TYPE=Outcome.XFAIL)), "port", load_contract()
    )
    cert["level"] = "full"
    with pytest.raises(
        CertificateError, match=r"c.json: \$.level: claims 'full' but its clauses reach 'none'"
    ):
        check_certificate(cert, "c.json")


def test_paths_one_per_adapter() -> None:
    assert certificate_paths("c.json", ["reference"]) == {"reference": Path("c.json")}
    assert certificate_paths("out/c.json", ["reference", "my:port"]) == {
        "reference": Path("out/c-reference.json"),
        "my:port": Path("out/c-my_port.json"),
    }
    assert certificate_paths("{adapter}/cert.json", ["blosc2"]) == {
        "blosc2": Path("blosc2/cert.json")
    }


def test_verify_names_what_changed_and_what_the_level_rests_on(tmp_path: Path) -> None:
    spec = tmp_path / "spec"
    spec.mkdir()
    shutil.copy(THREADS, spec)
    contract = load_contract(spec)
    record = _record({c: Outcome.PASS for c in contract.ids()})
    full = build_certificate(record, "port", contract)
    assert full["level"] == "full" and verify(full, contract).holds

    (spec / "extra.yaml").write_text(SHOULD_CLAUSE, encoding="utf-8")
    grown = load_contract(spec)
    found = verify(full, grown)
    assert not found.holds
    assert "  clauses added: EXTRA-SHOULD" in found.lines
    assert any(
        "level full rests on clauses that are new or changed: EXTRA-SHOULD" in ln
        for ln in found.lines
    )
    core = dict(full, level="core")  # a SHOULD clause does not touch core
    assert verify(core, grown).holds


# -- the commands -------------------------------------------------------------------------------


def _issue(udcodec_cli: Udcodec, tmp_path: Path) -> tuple[Path, Path]:
    spec = tmp_path / "spec"
    spec.mkdir()
    shutil.copy(THREADS, spec)
    (spec / "VERSION").write_text("1.0.0\n", encoding="utf-8")
    proc = udcodec_cli(
        "run",
        "--adapter",
        "reference",
        "--spec",
        str(spec),
        "--profile",
        "dev",
        "--certificate",
        "cert.json",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return spec, tmp_path / "cert.json"


@pytest.mark.slow
def test_a_certificate_verifies_until_its_clauses_change(
    udcodec_cli: Udcodec, tmp_path: Path
) -> None:
    spec, cert = _issue(udcodec_cli, tmp_path)
    data = load_certificate(cert)
    assert data["level"] == "full" and data["implementation"]["name"] == "udcodec.reference"
    assert data["counts"]["pass"] == len(load_contract(spec)) and data["profile"] == "dev"  # every threads clause

    same = udcodec_cli("verify", str(cert), "--spec", str(spec))
    assert same.returncode == 0, same.stdout + same.stderr
    assert "holds: the spec is unchanged (1.0.0" in same.stdout

    threads = spec / "threads.yaml"
    threads.write_text(
        threads.read_text("utf-8") + "# a comment changes the sha256 only\n", "utf-8"
    )
    comment = udcodec_cli("verify", str(cert), "--spec", str(spec))
    assert comment.returncode == 0, comment.stdout
    assert "no host clause changed" in comment.stdout

    (spec / "VERSION").write_text("1.1.0\n", encoding="utf-8")
    text = threads.read_text("utf-8")
    threads.write_text(text.replace("nthreads: [2, 8]", "nthreads: [2, 9]", 1), "utf-8")
    changed = udcodec_cli("verify", str(cert), "--spec", str(spec))
    assert changed.returncode == 1, changed.stdout
    assert "the spec differs: now 1.1.0" in changed.stdout and "was 1.0.0" in changed.stdout
    assert "  clauses changed: THREAD-CPARAMS-CREATE\n" in changed.stdout
    assert "does not hold: level full rests on clauses that are new or changed" in changed.stdout


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "cert.json:1: not JSON"),
        ('{"certificate_version": "1"}', "$: 'spec' is a required property"),
        ("[]", "$: [] is not of type 'object'"),
    ],
)
def test_a_malformed_certificate_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "cert.json"
    path.write_text(text, encoding="utf-8")
    assert cli.main(["verify", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"udcodec: malformed certificate: {path}") and message in err
    assert len(err.splitlines()) == 1, err  # the first problem, and how many more


def test_a_missing_certificate_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert cli.main(["verify", str(tmp_path / "absent.json")]) == 2
    assert "cannot be read" in capsys.readouterr().err


def _recount(cert: dict[str, Any]) -> None:
    """Make the counts agree with the clauses, as an editor covering the edit would."""
    counts: dict[str, int] = {}
    for clause in cert["clauses"].values():
        counts[clause["status"]] = counts.get(clause["status"], 0) + 1
    cert["counts"] = {key: counts.get(key, 0) for key in cert["counts"]}


@pytest.mark.parametrize(("edit", "said"), [
    (lambda c: c.__setitem__("clauses", {"CB-ENC-ARGS": c["clauses"]["CB-ENC-ARGS"]}), "not listed: "),
    (lambda c: c["clauses"].pop("REG-ID-TYPE"), "not listed: REG-ID-TYPE"),
    (lambda c: c["clauses"]["REG-ID-TYPE"].__setitem__("digest", "0" * 64), "digest differs: REG-ID-TYPE"),
    (lambda c: c["clauses"].__setitem__("REG-MADE-UP", dict(c["clauses"]["REG-ID-TYPE"])), "not in the spec: REG-MADE-UP"),
])
def test_a_certificate_edited_to_claim_a_level_does_not_hold(edit: Any, said: str) -> None:
    """A certificate naming this spec's sha256 lists every clause with its digest: a cut or edited list had held."""
    contract = load_contract()
    cert = build_certificate(_record(_all(Outcome.PASS)), "port", contract)
    assert verify(cert, contract).holds
    edited = json.loads(json.dumps(cert))
    edit(edited)
    _recount(edited)
    found = verify(edited, contract)
    assert not found.holds
    assert any(line.startswith("does not hold: it names this spec's sha256 but not its clauses") and said in line
               for line in found.lines), found.lines


def test_counts_that_do_not_tally_with_the_clauses_are_refused() -> None:
    """A certificate edited to say 999 passes had still held."""
    cert = build_certificate(_record(_all(Outcome.PASS, REG_ID_TYPE=Outcome.XPASS)), "port", load_contract())
    check_certificate(cert, "c.json")  # an xpass counts as such and is a clause of status pass
    cert["counts"]["pass"] = 999
    with pytest.raises(CertificateError, match=r"c.json: \$.counts.pass: says 1000, but \d+ of its clauses"):
        check_certificate(cert, "c.json")


def test_verify_names_failures_before_clauses_not_run_and_prints_names_escaped(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A real failure had been hidden among 'and 106 more' clauses not run; a name's ANSI escape reached the
    terminal."""
    contract = load_contract()
    outcomes = {c: Outcome.PASS for c in contract.ids()[:3]} | {"REG-ID-TYPE": Outcome.FAIL}
    cert = build_certificate(_record(outcomes), "port", contract)
    cert["implementation"]["name"] = "port\x1b[31mred"
    path = tmp_path / "c.json"
    path.write_text(json.dumps(cert), encoding="utf-8")
    assert cli.main(["verify", str(path)]) == 0  # level none holds
    out = capsys.readouterr().out
    assert "\x1b" not in out and "port\\x1b[31mred" in out
    shortfall = next(line for line in out.splitlines() if "MUST clauses not holding" in line)
    assert shortfall.split(": ", 1)[1].startswith("REG-ID-TYPE (fail)"), shortfall
