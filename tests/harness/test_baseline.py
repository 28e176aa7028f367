"""The ratchet: ``udcodec baseline update`` only shrinks a baseline unless told, and entries expire."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest
from udcodec import cli
from udcodec.contract import load_contract
from udcodec.expectations import baseline
from udcodec.expectations.baseline import Acceptance, plan_update
from udcodec.expectations.model import Expectation, Expectations, load_expectations
from udcodec.outcomes import CheckResult, Outcome
from udcodec.reports import write_json
from udcodec.reports.model import AdapterRun, RunRecord
from udcodec_cli import ACCEPTS256, Udcodec, read_report

ONLY = ("--only", "REG-ID-OUT-OF-RANGE", "--only", "REG-RETURNS-NONE", "--profile", "dev")
HEADER = "# accepts256 diverges on purpose\nadapter: accepts256\nexpectations:\n"
FAILING = """\
  # id 256 is the divergence
  - clause: REG-ID-OUT-OF-RANGE
    reason: id 256 is accepted
    reproduction: register_codec("c", 256, enc, dec)
"""
FIXED = """\
  # REG-RETURNS-NONE used to fail
  - clause: REG-RETURNS-NONE
    reason: returned the codec
    reproduction: x
"""


# -- the decision, on records built by hand ---------------------------------------------------


def _record(outcomes: dict[str, Outcome]) -> RunRecord:
    run = AdapterRun("blosc2", "blosc2", "python-blosc2", "4.14.1")
    results = [
        CheckResult(c, "blosc2", o, message=f"{c} said no", reproduction=f"repro {c}")
        for c, o in outcomes.items()
    ]
    return RunRecord("1.0.0", "0" * 64, adapters=[run], results=results)


def _entry(clause: str, **kw: object) -> Expectation:
    return Expectation(clause, f"why {clause}", "x", **kw)  # type: ignore[arg-type]


def test_plan_removes_only_what_passes_and_refuses_what_is_new() -> None:
    entries = (
        _entry("REG-ID-TYPE"),  # 0: passes now -> removed
        _entry("REG-CALLABLE"),  # 1: still fails -> kept
        _entry("REG-NAME-TYPE", versions="<3"),  # 2: other versions -> kept though it passes
        _entry("GONE-CLAUSE"),  # 3: not in the spec -> removed
        _entry("CB-DEC-RETURN"),  # 4: not run -> kept
        _entry("PLUG-NAME", expires=date(2000, 1, 1)),  # 5: expired, still failing -> kept, named
    )
    record = _record(
        {
            "REG-ID-TYPE": Outcome.XPASS,
            "REG-CALLABLE": Outcome.XFAIL,
            "REG-NAME-TYPE": Outcome.PASS,
            "PLUG-NAME": Outcome.XFAIL,
            "REG-ID-RANGE": Outcome.FAIL,  # new
            "REG-PAIRED": Outcome.CRASH,  # new
            "REG-VERSION-TYPE": Outcome.RESOURCE,  # new: an expectation would make it xfail too
            "RT-CHUNKS": Outcome.ERROR,  # a harness problem: never acceptable
            "REG-ID-DUPLICATE": Outcome.PASS,
        }
    )
    plan = plan_update(record, Expectations("e.yaml", "blosc2", entries), [], load_contract())
    assert plan.drop == {0: "passes now", 3: "no such clause in the spec"}
    assert not plan.append and not plan.replace and not plan.errors
    assert [r.clause for r in plan.refused] == ["REG-ID-RANGE", "REG-PAIRED", "REG-VERSION-TYPE"]
    assert [r.clause for r in plan.harness_errors] == ["RT-CHUNKS"]
    assert [e.clause for e in plan.expired] == ["PLUG-NAME"]
    assert [e.clause for e in plan.wanted(entries)] == [
        "REG-CALLABLE",
        "REG-NAME-TYPE",
        "CB-DEC-RETURN",
        "PLUG-NAME",
    ]


def test_plan_adds_what_is_accepted_and_only_that() -> None:
    entries = (_entry("REG-CALLABLE", upstream="https://example.org/1"),)
    record = _record(
        {
            "REG-CALLABLE": Outcome.XFAIL,
            "REG-ID-RANGE": Outcome.FAIL,
            "REG-PAIRED": Outcome.HANG,
            "REG-ID-DUPLICATE": Outcome.PASS,
        }
    )
    accepts = [
        Acceptance("REG-ID-RANGE", reason="ids wrap"),
        Acceptance("REG-CALLABLE", reason="renewed", expires="2999-01-01"),
    ]
    plan = plan_update(record, Expectations("e.yaml", "blosc2", entries), accepts, load_contract())
    (added,) = plan.append
    assert (added.clause, added.reason, added.reproduction) == (
        "REG-ID-RANGE",
        "ids wrap",
        "repro REG-ID-RANGE",
    )
    renewed = plan.replace[0]
    assert (renewed.reason, renewed.expires) == ("renewed", date(2999, 1, 1))
    assert (renewed.upstream, renewed.reproduction) == ("https://example.org/1", "x")  # kept
    assert [r.clause for r in plan.refused] == ["REG-PAIRED"]  # the hang was not accepted

    passing = plan_update(
        record, None, [Acceptance("REG-ID-DUPLICATE", reason="r")], load_contract()
    )
    assert passing.errors == [
        "--accept REG-ID-DUPLICATE: its outcome is pass; only a failing clause (fail, crash, hang, resource) "
        "can be accepted"
    ]
    not_run = plan_update(record, None, [Acceptance("RT-CHUNKS", reason="r")], load_contract())
    assert not_run.errors == ["--accept RT-CHUNKS: the clause was not run"]


# -- the command --------------------------------------------------------------------------------


def _file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "accepts256.yaml"
    text = HEADER + body if body else HEADER.replace("expectations:\n", "expectations: []\n")
    path.write_text(text, "utf-8")
    return path


def _update(udcodec_cli: Udcodec, path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """``udcodec baseline update`` of the Accepts256 adapter's file ``path`` on the two clauses."""
    return udcodec_cli(
        "baseline", "update", "--adapter", ACCEPTS256, "--expectations", str(path), *ONLY, *extra
    )


@pytest.mark.slow
def test_a_new_failure_is_not_added_silently(udcodec_cli: Udcodec, tmp_path: Path) -> None:
    path = _file(tmp_path, "")
    before = path.read_bytes()
    proc = _update(udcodec_cli, path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "NEW FAILURE REG-ID-OUT-OF-RANGE (fail)" in proc.stdout
    assert '--accept REG-ID-OUT-OF-RANGE --reason "..."' in proc.stdout
    assert path.read_bytes() == before
    # and the run still fails on it: nothing became expected behind the user's back
    run = udcodec_cli(
        "run", "--adapter", ACCEPTS256, "--expectations", f"{ACCEPTS256}={path}", *ONLY
    )
    assert run.returncode == 1 and "FAIL" in run.stdout


@pytest.mark.slow
def test_accept_adds_one_entry_that_the_run_then_expects(
    udcodec_cli: Udcodec, tmp_path: Path
) -> None:
    path = _file(tmp_path, "")
    proc = _update(
        udcodec_cli,
        path,
        "--accept",
        "REG-ID-OUT-OF-RANGE",
        "--reason",
        "id 256 is accepted silently",
        "--upstream",
        "https://example.org/issues/256",
        "--expires",
        "2999-12-31",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "accepted REG-ID-OUT-OF-RANGE: id 256 is accepted silently" in proc.stdout
    (entry,) = load_expectations(path).entries
    assert (entry.clause, entry.reason) == ("REG-ID-OUT-OF-RANGE", "id 256 is accepted silently")
    assert (entry.upstream, entry.expires) == ("https://example.org/issues/256", date(2999, 12, 31))
    assert entry.reproduction.strip()  # the run's reproduction
    assert path.read_text("utf-8").startswith(HEADER.splitlines()[0])  # the header comment stays
    report = tmp_path / "r.json"
    run = udcodec_cli(
        "run",
        "--adapter",
        ACCEPTS256,
        "--expectations",
        f"{ACCEPTS256}={path}",
        *ONLY,
        "--report-json",
        str(report),
    )
    assert run.returncode == 0, run.stdout + run.stderr
    (xfail,) = [r for r in read_report(report)["results"] if r["outcome"] == "xfail"]
    assert xfail["extra"] == {"upstream": "https://example.org/issues/256", "expires": "2999-12-31"}


@pytest.mark.slow
def test_a_fixed_clause_is_removed_and_the_rest_kept(udcodec_cli: Udcodec, tmp_path: Path) -> None:
    path = _file(tmp_path, FAILING + "\n" + FIXED)
    before = path.read_text("utf-8")
    dry = _update(udcodec_cli, path, "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "removed  REG-RETURNS-NONE: passes now" in dry.stdout and "dry run" in dry.stdout
    assert path.read_text("utf-8") == before
    proc = _update(udcodec_cli, path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert path.read_text("utf-8") == HEADER + FAILING


@pytest.mark.slow
def test_accepting_a_passing_clause_changes_nothing(udcodec_cli: Udcodec, tmp_path: Path) -> None:
    path = _file(tmp_path, FAILING)
    before = path.read_bytes()
    proc = _update(udcodec_cli, path, "--accept", "REG-RETURNS-NONE", "--reason", "r")
    assert proc.returncode == 2
    assert "--accept REG-RETURNS-NONE: its outcome is pass" in proc.stderr
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--accept", "REG-ID-RANGE"], "--accept REG-ID-RANGE: needs --reason"),
        (["--accept", "REG-NOPE", "--reason", "r"], "--accept REG-NOPE: no such clause"),
        (
            ["--accept", "REG-ID-RANGE", "--reason", "r", "--expires", "2001-01-01"],
            "is in the past",
        ),
        (["--accept", "REG-ID-RANGE", "--reason", "r", "--expires", "soon"], "is not a date"),
        (
            ["--accept", "REG-ID-RANGE", "--reason", "r", "--upstream", "#12"],
            "is not an http(s) URL",
        ),
        (["--reason", "r"], "--reason must follow the --accept it qualifies"),
        (["--accept", "REG-ID-RANGE", "--reason", "r", "--reason", "s"], "--reason given twice"),
    ],
)
def test_bad_acceptances_are_refused_before_running(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], message: str
) -> None:
    path = _file(tmp_path, "")
    try:
        code = cli.main(
            ["baseline", "update", "--adapter", "reference", "--expectations", str(path), *args]
        )
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    assert code == 2
    assert message in capsys.readouterr().err
    assert load_expectations(path).entries == ()


def test_an_adapter_without_a_shipped_file_needs_expectations(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["baseline", "update", "--adapter", "mymod:Adapter"]) == 2
    assert "ships no expectations file: give --expectations PATH" in capsys.readouterr().err


def test_an_interrupted_run_changes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entries whose clause the partial run never reached would be judged on results it did not get."""
    path = _file(tmp_path, FIXED)
    text = path.read_text(encoding="utf-8")

    def interrupted_run(_args: object, _path: Path, report: Path) -> int:
        record = RunRecord(spec_version="1", spec_sha256="0" * 64, adapters=[AdapterRun(ACCEPTS256, "accepts256")],
                           results=[CheckResult("REG-RETURNS-NONE", "accepts256", Outcome.PASS)], interrupted=True)
        write_json(record, report)
        return 2

    monkeypatch.setattr(baseline, "_run", interrupted_run)
    assert cli.main(["baseline", "update", "--adapter", ACCEPTS256, "--expectations", str(path)]) == 2
    assert "the run was interrupted; nothing changed" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == text


# -- expiry -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_an_expired_entry_fails_strict_runs_only(udcodec_cli: Udcodec, tmp_path: Path) -> None:
    path = _file(tmp_path, FAILING + "    expires: 2000-01-01\n")
    args = ("run", "--adapter", ACCEPTS256, "--expectations", f"{ACCEPTS256}={path}", *ONLY)
    lenient = udcodec_cli(*args, "--report-json", "lenient.json")
    assert lenient.returncode == 0, lenient.stdout + lenient.stderr
    assert "stale expectation REG-ID-OUT-OF-RANGE [accepts256]: expired" in lenient.stdout
    strict = udcodec_cli(
        *args, "--strict", "--report-json", "strict.json", "--report-markdown", "s.md"
    )
    assert strict.returncode == 1, strict.stdout + strict.stderr
    data = read_report(tmp_path / "strict.json")
    assert [(s["clause"], s["why_stale"]) for s in data["stale_expectations"]] == [
        ("REG-ID-OUT-OF-RANGE", "expired")
    ]
    assert data["exit_status"] == 1
    assert "| `REG-ID-OUT-OF-RANGE` | expired |" in (tmp_path / "s.md").read_text("utf-8")
    # a future expiry is not stale
    path.write_text(path.read_text("utf-8").replace("2000-01-01", "2999-01-01"), "utf-8")
    assert udcodec_cli(*args, "--strict").returncode == 0
