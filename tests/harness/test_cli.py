"""The ``udcodec`` command, run as a subprocess the way users run it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import udcodec.checks  # noqa: F401 - registers the checks
from udcodec import cli
from udcodec.checks.api import CHECKS
from udcodec.contract import load_contract
from udcodec.reports import validate_report
from udcodec_cli import ACCEPTS256
from udcodec_cli import run_udcodec as udcodec

ADAPTER = ACCEPTS256  # REG-ID-OUT-OF-RANGE fails, the rest passes


@pytest.fixture
def env(udcodec_env: dict[str, str]) -> dict[str, str]:
    """Subprocess environment (``conftest.py``): the test adapter importable, bytecode cached."""
    return udcodec_env


def main(capsys: pytest.CaptureFixture[str], *args: str) -> subprocess.CompletedProcess[str]:
    """``udcodec ARGS`` in this process (for the commands that run no check): same result shape."""
    try:
        code = cli.main(list(args))
    except SystemExit as exc:  # argparse errors
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(["udcodec", *args], code, out, err)


def test_console_script_is_installed(env: dict[str, str]) -> None:
    script = Path(sys.executable).parent / "udcodec"
    if not script.exists():
        pytest.skip("no udcodec console script next to the interpreter")
    proc = subprocess.run(
        [str(script), "--version"], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0
    assert proc.stdout.startswith("udcodec ")


def test_list_shows_every_clause_and_flags_none(env: dict[str, str]) -> None:
    proc = udcodec(env, "list")
    assert proc.returncode == 0, proc.stderr
    contract = load_contract()
    lines = proc.stdout.splitlines()
    listed = [
        line.split()[0]
        for line in lines
        if line and not line.startswith(" ") and line.split()[0] in contract.ids()
    ]
    assert listed == contract.ids()
    assert "<--" not in proc.stdout
    assert f"{len(contract)} clauses, spec {contract.version}" in proc.stdout
    assert "0 without a working check" in proc.stdout


def test_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    proc = main(capsys, "list", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    contract = load_contract()
    assert data["spec_version"] == contract.version and data["spec_sha256"] == contract.sha256
    assert [row["id"] for row in data["clauses"]] == contract.ids()
    for row in data["clauses"]:
        assert row["problem"] is None
        assert row["checks"] and all(name in CHECKS for name in row["checks"])
        file, _, line = row["where"].rpartition(":")
        assert Path(file).is_file() and int(line) > 0


def test_list_refuses_a_clause_with_an_unknown_check(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "one.yaml").write_text(
        "family: one\ntitle: t\nclauses:\n  - id: ONE-X\n    title: x\n    level: MUST\n"
        "    subject: host\n"
        "    source: 'derived: testing'\n    checks:\n      - check: nowhere.nothing\n",
        encoding="utf-8",
    )
    proc = main(capsys, "list", "--spec", str(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr == (f"udcodec: malformed spec: {tmp_path / 'one.yaml'}:10: "
                           "clauses[ONE-X].checks[0].check: unknown check 'nowhere.nothing'\n")
    assert proc.stdout == ""


def test_explain_shows_source_location_check_and_params(capsys: pytest.CaptureFixture[str]) -> None:
    clause = load_contract().get("REG-ID-RANGE")
    proc = main(capsys, "explain", "REG-ID-RANGE")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("REG-ID-RANGE (MUST, host, family registration)")
    assert " ".join(clause.source.split()) in " ".join(out.split())
    assert f"specified at {clause.file}:{clause.line}" in out
    assert "check registration.accepts_ids -> udcodec.checks.registration.accepts_ids" in out
    assert "min: 160" in out and "max: 255" in out


def test_explain_unknown_clause(capsys: pytest.CaptureFixture[str]) -> None:
    proc = main(capsys, "explain", "REG-NOPE")
    assert proc.returncode == 2
    assert "no clause 'REG-NOPE'" in proc.stderr
    assert proc.stdout == ""


def test_run_with_a_malformed_spec_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "one.yaml").write_text(
        "family: one\ntitle: t\nclauses:\n  - id: ONE-X\n    title: x\n    level: MAYBE\n"
        "    subject: host\n"
        "    source: 'derived: testing'\n    checks: []\n",
        encoding="utf-8",
    )
    proc = main(capsys, "run", "--adapter", "reference", "--spec", str(tmp_path))
    assert proc.returncode == 2
    assert f"{tmp_path / 'one.yaml'}:6: clauses[ONE-X].level:" in proc.stderr
    assert "MAYBE" in proc.stderr


def test_run_writes_reports(env: dict[str, str], tmp_path: Path) -> None:
    report, markdown, page = tmp_path / "out" / "r.json", tmp_path / "out" / "r.md", tmp_path / "out" / "r.html"
    proc = udcodec(
        env,
        "run",
        "--adapter",
        "reference",
        "--only",
        "THREAD-*",
        "--profile",
        "dev",
        "--report-json",
        str(report),
        "--report-markdown",
        str(markdown),
        "--report-html",
        str(page),
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    validate_report(data)
    threads = sorted(c.id for c in load_contract() if c.id.startswith("THREAD-"))
    assert sorted(r["clause"] for r in data["results"]) == threads
    assert {r["outcome"] for r in data["results"]} == {"pass"}
    assert data["profile"] == "dev" and data["exit_status"] == 0
    assert data["command"][:5] == ["udcodec", "run", "--adapter", "reference", "--only"]
    md = markdown.read_text(encoding="utf-8")
    assert all(clause in md for clause in threads)
    html = page.read_text(encoding="utf-8")
    assert all(f'data-clause="{clause}" data-column="reference"' in html for clause in threads)
    assert "udcodec conformance" in proc.stdout


@pytest.mark.slow
def test_run_exit_status_follows_failures_and_expectations(
    env: dict[str, str], tmp_path: Path
) -> None:
    args = ("run", "--adapter", ADAPTER, "--only", "REG-ID-OUT-OF-RANGE", "--profile", "dev")
    failing = udcodec(env, *args, cwd=tmp_path)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "FAIL" in failing.stdout and "was accepted" in failing.stdout

    exp = tmp_path / "exp.yaml"
    exp.write_text(
        "adapter: accepts256\nexpectations:\n  - clause: REG-ID-OUT-OF-RANGE\n"
        "    reason: id 256 is accepted\n    reproduction: x\n",
        encoding="utf-8",
    )
    expected = udcodec(env, *args, "--expectations", f"{ADAPTER}={exp}", cwd=tmp_path)
    assert expected.returncode == 0, expected.stdout + expected.stderr
    assert "xfail" in expected.stdout


def test_run_needs_an_adapter(capsys: pytest.CaptureFixture[str]) -> None:
    proc = main(capsys, "run")
    assert proc.returncode == 2
    assert "--adapter" in proc.stderr


def test_run_rejects_n_with_no_isolation(capsys: pytest.CaptureFixture[str]) -> None:
    proc = main(capsys, "run", "--adapter", "reference", "-n", "2", "--no-isolation")
    assert proc.returncode == 2
    assert "cannot be combined" in proc.stderr


def test_replay_rejects_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    unknown = main(capsys, "replay", "REG-NOPE", "--adapter", "reference", "--example", "{}")
    assert unknown.returncode == 2 and "no clause 'REG-NOPE'" in unknown.stderr
    bad = main(capsys, "replay", "RT-CHUNKS", "--adapter", "reference", "--example", "{not json")
    assert bad.returncode == 2 and "--example is not JSON" in bad.stderr
