"""``udcodec check-filter`` and ``pytest --udcodec-filter-forward``, run the way filter authors run them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from subject_cli import Command
from udcodec import cli
from udcodec.contract import load_contract
from udcodec.reports import validate_report

FILTER_CLAUSES = sorted(c.id for c in load_contract() if c.subject == "filter")
BYTEDELTA = ["--forward", "udcodec.examples.bytedelta_filter:forward",
             "--backward", "udcodec.examples.bytedelta_filter:backward"]


@pytest.mark.slow
def test_a_good_filter_passes_every_clause(check_filter: Command, tmp_path: Path) -> None:
    report, markdown = tmp_path / "filter.json", tmp_path / "filter.md"
    proc = check_filter(*BYTEDELTA, "--meta", "0", "--meta", "3", "--id", "170", "--host", "reference",
                        "--profile", "dev", "--report-json", str(report), "--report-markdown", str(markdown),
                        "--certificate", "cert.json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "filter bytedelta_filter_170 (id 170, forward udcodec.examples.bytedelta_filter:forward" in proc.stdout
    data = json.loads(report.read_text(encoding="utf-8"))
    validate_report(data)
    assert sorted(r["clause"] for r in data["results"]) == FILTER_CLAUSES
    assert {r["outcome"] for r in data["results"]} == {"pass"}
    assert data["codec"]["kind"] == "filter" and data["codec"]["id"] == 170 and data["codec"]["metas"] == [0, 3]
    assert data["command"][:2] == ["udcodec", "check-filter"]
    assert markdown.read_text(encoding="utf-8").startswith("## udcodec check-filter `bytedelta_filter_170`")
    cert = json.loads((tmp_path / "cert.json").read_text(encoding="utf-8"))
    assert cert["spec"]["subject"] == "filter" and cert["level"] == "full"


@pytest.mark.slow
@pytest.mark.parametrize("host", ["reference", "blosc2"])
def test_a_must_failure_fails_the_run_with_a_runnable_reproduction(check_filter: Command, env: dict[str, str],
                                                                   tmp_path: Path, host: str) -> None:
    report = tmp_path / "filter.json"
    proc = check_filter("--forward", "udcodec.testcodecs:add_meta_forward", "--backward",
                        "broken.ufilters:off_by_one_backward", "--host", host, "--only", "UF-*",
                        "--skip", "UF-REGISTERS", "--report-json", str(report))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    results = {r["clause"]: r for r in json.loads(report.read_text(encoding="utf-8"))["results"]}
    assert results["UF-INVERSE"]["outcome"] == "fail" and results["UF-DETERMINISTIC"]["outcome"] == "pass"
    # the round trip fails of the same defect: not judged, its reproduction kept
    assert results["UF-ROUNDTRIP"]["outcome"] == "skip"
    assert results["UF-ROUNDTRIP"]["extra"]["explained_by"]["clause"] == "UF-INVERSE"
    for clause in ("UF-INVERSE", "UF-ROUNDTRIP"):  # each reproduction fails the same way on its own
        repro = subprocess.run([sys.executable, "-c", results[clause]["reproduction"]], env=env, cwd=tmp_path,
                               capture_output=True, text=True, timeout=120)
        assert repro.returncode == 1 and "AssertionError" in repro.stderr, repro.stderr
        # on the host the check ran on (the direct calls had been given the reference's SChunk on every host)
        module = {"reference": "udcodec.reference", "blosc2": "blosc2"}[host]
        assert f"import {module} as " in results[clause]["reproduction"]


@pytest.mark.slow
@pytest.mark.parametrize("host", ["reference", "blosc2"])
@pytest.mark.parametrize(("forward", "backward", "clause"), [
    ("udcodec.testcodecs:add_meta_forward", "broken.ufilters:off_by_one_backward", "UF-INVERSE"),
    ("broken.ufilters:tail_skipping_forward", "broken.ufilters:tail_copying_backward", "UF-FULL-OUTPUT"),
    ("broken.ufilters:in_place_forward", "broken.ufilters:xor_backward", "UF-INPUT-INTACT"),
], ids=["inverse", "full-output", "input-intact"])
def test_one_filter_defect_fails_one_clause(check_filter: Command, tmp_path: Path, host: str, forward: str,
                                             backward: str, clause: str) -> None:
    """The round trip (and the inverse, for output left unwritten) fail of the defect the direct calls show: they
    are not judged, naming the one clause that fails, and pytest's count agrees."""
    if host == "blosc2":
        pytest.importorskip("blosc2")
    report = tmp_path / "filter.json"
    proc = check_filter("--forward", forward, "--backward", backward, "--host", host, "--profile", "dev",
                        "--report-json", str(report))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    results = json.loads(report.read_text(encoding="utf-8"))["results"]
    assert [r["clause"] for r in results if r["outcome"] == "fail"] == [clause]
    settled = [r for r in results if r["outcome"] == "skip"]
    assert settled and all(r["extra"]["explained_by"]["clause"] == clause for r in settled), settled
    assert f"1 failed, {sum(r['outcome'] == 'pass' for r in results)} passed, {len(settled)} skipped" in proc.stdout
    assert [line for line in proc.stdout.splitlines() if " ... FAIL " in line] == [
        next(line for line in proc.stdout.splitlines() if f"] {clause}[{host}] ... " in line)]


@pytest.mark.slow
def test_a_filter_reading_its_schunk_gets_the_hosts_in_direct_calls(check_filter: Command) -> None:
    """The direct calls had passed ``schunk=None``, which no host does: a correct filter reading the documented
    ``schunk.typesize`` failed UF-INVERSE and the other direct clauses."""
    proc = check_filter("--forward", "broken.ufilters:lane_delta_forward", "--backward",
                        "broken.ufilters:lane_delta_backward", "--profile", "dev")
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
def test_a_meta_the_host_refuses_for_its_builtin_filters_too_is_not_the_filters_failure(check_filter: Command,
                                                                                          tmp_path: Path) -> None:
    """python-blosc2 4.x takes filters_meta as a signed byte: meta 255 is refused for SHUFFLE too. The good filter
    is then not judged for that meta on that host (skip, saying why), and still judged for meta 7."""
    blosc2 = pytest.importorskip("blosc2")
    if int(blosc2.__version__.split(".")[0]) < 4:
        pytest.skip("python-blosc2 before 4.0 takes filters_meta up to 255")
    report = tmp_path / "filter.json"
    proc = check_filter(*BYTEDELTA, "--meta", "7", "--meta", "255", "--host", "blosc2", "--only", "UF-ROUNDTRIP",
                        "--profile", "dev", "--report-json", str(report))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (result,) = json.loads(report.read_text(encoding="utf-8"))["results"]
    assert result["outcome"] == "skip", result
    assert "meta 255: the host refuses filters_meta 255 for its builtin SHUFFLE too (OverflowError" in result["message"]


@pytest.mark.slow
def test_a_round_trip_reproduction_fails_on_its_own_where_the_host_reuses_its_buffers(
        check_filter: Command, env: dict[str, str], tmp_path: Path) -> None:
    """On python-blosc2 a forward that leaves its output's tail unwritten fails on zeros data only after the random
    data before it left bytes in the host's buffer: the reproduction writes both, as the check did."""
    pytest.importorskip("blosc2")
    report = tmp_path / "filter.json"
    check_filter("--forward", "broken.ufilters:tail_skipping_forward", "--backward", "broken.ufilters:tail_copying_backward",
                 "--host", "blosc2", "--only", "UF-ROUNDTRIP", "--profile", "dev", "--report-json", str(report))
    (result,) = json.loads(report.read_text(encoding="utf-8"))["results"]
    assert result["outcome"] == "fail", result
    repro = subprocess.run([sys.executable, "-c", result["reproduction"]], env=env, cwd=tmp_path, capture_output=True,
                           text=True, timeout=120)
    assert repro.returncode == 1 and "AssertionError" in repro.stderr, repro.stdout + repro.stderr


@pytest.mark.slow
def test_a_should_failure_alone_exits_0_and_says_why(check_filter: Command) -> None:
    """As check-codec: a filter's verdict rests on the MUST clauses; a failing SHOULD clause is reported."""
    proc = check_filter("--forward", "broken.ufilters:salted_forward", "--backward", "broken.ufilters:xor_backward",
                        "--host", "reference", "--only", "UF-DETERMINISTIC", "--profile", "dev")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert ("udcodec: exit 0: the failure is of SHOULD clauses (not required; check-filter fails on MUST clauses "
            "only)") in proc.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--forward", "udcodec.examples.bytedelta_filter:forward"], "give both --forward and --backward"),
    ([*BYTEDELTA, "--id", "300"], "--id 300 is outside the user filter range 160..255"),
    ([*BYTEDELTA, "--id", "x"], "--id wants an integer, got 'x'"),
    ([*BYTEDELTA, "--meta", "256"], "--meta 256 is not a byte"),
    (["--forward", "nowhere_module:f", "--backward", "nowhere_module:b"], "cannot import 'nowhere_module'"),
    (["--forward", "udcodec.examples.bytedelta_filter", "--backward", "x:y"], "--forward wants MODULE:FUNCTION"),
    ([*BYTEDELTA, "--domain", "no-such-domain.yaml"], "--domain no-such-domain.yaml: cannot read the domain file"),
    ([*BYTEDELTA, "--domain", "{codec}"], "the domain of a codec (codec: 'openzl'); it is for udcodec check-codec"),
    ([*BYTEDELTA, "--domain", "{empty}"], "typesizes: [] should be non-empty"),
])
def test_bad_options_exit_2_on_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str],
                                        message: str) -> None:
    from udcodec.domain import shipped

    empty = tmp_path / "empty.yaml"
    empty.write_text("filter: f\ntypesizes: []\n", encoding="utf-8")
    args = [a.format(codec=shipped()["openzl"], empty=empty) for a in args]
    code = cli.main(["check-filter", *args])
    err = capsys.readouterr().err
    assert code == 2, err
    assert message in err and len(err.strip().splitlines()) == 1, err


INT32 = ["--forward", "udcodec.examples.int32_filter:forward", "--backward", "udcodec.examples.int32_filter:backward"]


@pytest.mark.slow
def test_a_domain_keeps_the_filter_to_whole_items_of_its_typesizes(check_filter: Command, tmp_path: Path) -> None:
    """The documentation's int32 filter fails without a domain (blocks that are not whole int32 items) and passes
    with one declaring typesize 4; the reports and every reproduction name the domain."""
    domain = tmp_path / "int32.yaml"
    domain.write_text("filter: int32\ntypesizes: [4]\n", encoding="utf-8")
    bare = check_filter(*INT32, "--host", "reference", "--only", "UF-INVERSE", "--profile", "dev")
    assert bare.returncode == 1 and "not a whole number" not in bare.stderr, bare.stdout + bare.stderr
    report, markdown = tmp_path / "r.json", tmp_path / "r.md"
    proc = check_filter(*INT32, "--domain", str(domain), "--host", "reference", "--profile", "dev",
                        "--report-json", str(report), "--report-markdown", str(markdown))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"backward udcodec.examples.int32_filter:backward, domain {domain})" in proc.stdout
    data = json.loads(report.read_text(encoding="utf-8"))
    validate_report(data)
    assert data["codec"]["domain"] == str(domain) and {r["outcome"] for r in data["results"]} == {"pass"}
    assert f"domain `{domain}`" in markdown.read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_filter_broken_inside_its_domain_still_fails(check_filter: Command, env: dict[str, str],
                                                       tmp_path: Path) -> None:
    domain = tmp_path / "int32.yaml"
    domain.write_text("filter: int32\ntypesizes: [4]\n", encoding="utf-8")
    report = tmp_path / "r.json"
    proc = check_filter("--forward", "udcodec.examples.int32_filter:forward", "--backward",
                        "broken.ufilters:int32_last_item_backward", "--domain", str(domain), "--host", "reference",
                        "--only", "UF-INVERSE", "--only", "UF-ROUNDTRIP", "--report-json", str(report))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    results = {r["clause"]: r for r in json.loads(report.read_text(encoding="utf-8"))["results"]}
    inverse = results["UF-INVERSE"]
    assert inverse["outcome"] == "fail" and "typesize 4" in inverse["message"], inverse
    assert results["UF-ROUNDTRIP"]["outcome"] in ("fail", "skip"), results["UF-ROUNDTRIP"]
    assert "'typesize': 4" in inverse["reproduction"]
    repro = subprocess.run([sys.executable, "-c", inverse["reproduction"]], env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
    assert repro.returncode == 1 and "AssertionError" in repro.stderr, repro.stderr


def test_pytest_option_rejects_a_bad_filter(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--udcodec-filter-forward=udcodec.examples.bytedelta_filter:forward")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*give both --udcodec-filter-forward and --udcodec-filter-backward*"])
