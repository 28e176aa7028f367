"""``udcodec baseline update`` on a codec's expectations file (``check-codec --expectations HOST=PATH``):
the run is ``check-codec --host ADAPTER`` with the codec options, or a JSON report given with ``--report``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from udcodec import cli
from udcodec.expectations.model import load_expectations
from udcodec.outcomes import CheckResult, Outcome
from udcodec.reports import write_json
from udcodec.reports.model import AdapterRun, RunRecord

TESTS_DIR = Path(__file__).resolve().parents[1]
COPYING = ["--encoder", "broken.codecs:copying_encoder", "--decoder", "broken.codecs:copying_decoder"]
FILE = """\
adapter: blosc2
expectations:
  # stores random blocks as they are
  - clause: CODEC-INCOMPRESSIBLE
    reason: stores random blocks as copies of themselves instead of returning 0
    reproduction: udcodec check-codec --encoder broken.codecs:copying_encoder --decoder broken.codecs:copying_decoder
  - clause: CODEC-DETERMINISTIC
    reason: salted its output once
    reproduction: udcodec check-codec --only CODEC-DETERMINISTIC
"""


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "codec-blosc2.yaml"
    path.write_text(FILE, encoding="utf-8")
    return path


def _codec_report(tmp_path: Path) -> Path:
    """A check-codec report of two hosts: on blosc2 INCOMPRESSIBLE still fails, DETERMINISTIC passes now."""
    runs = [AdapterRun("reference", "reference", "udcodec-reference", "0.1"),
            AdapterRun("blosc2", "blosc2", "python-blosc2", "4.14.1")]
    results = [CheckResult("CODEC-INCOMPRESSIBLE", "reference", Outcome.FAIL, level="SHOULD", subject="codec"),
               CheckResult("CODEC-DETERMINISTIC", "reference", Outcome.FAIL, level="SHOULD", subject="codec"),
               CheckResult("CODEC-INCOMPRESSIBLE", "blosc2", Outcome.XFAIL, level="SHOULD", subject="codec",
                           expected_reason="copies"),
               CheckResult("CODEC-DETERMINISTIC", "blosc2", Outcome.XPASS, level="SHOULD", subject="codec",
                           expected_reason="salted")]
    record = RunRecord("1.0.0", "0" * 64, adapters=runs, results=results,
                       codec={"name": "c", "id": 200, "encoder": "m:e", "decoder": "m:d", "plugin": False,
                              "metas": [0], "version": 1})
    return write_json(record, tmp_path / "codec.json")


def test_a_check_codec_report_updates_the_hosts_entries(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path, report = _file(tmp_path), _codec_report(tmp_path)
    assert cli.main(["baseline", "update", "--adapter", "blosc2", "--expectations", str(path),
                     "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "removed  CODEC-DETERMINISTIC: passes now" in out
    assert [e.clause for e in load_expectations(path).entries] == ["CODEC-INCOMPRESSIBLE"]
    assert "# stores random blocks as they are" in path.read_text(encoding="utf-8")  # comments kept


def test_the_other_hosts_failures_are_not_this_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path, report = _file(tmp_path), _codec_report(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert cli.main(["baseline", "update", "--adapter", "reference", "--expectations", str(path),
                     "--report", str(report), "--dry-run"]) == 1  # reference's two failures are new, not added
    assert "NEW FAILURE CODEC-DETERMINISTIC" in capsys.readouterr().out
    assert path.read_text(encoding="utf-8") == text


@pytest.mark.parametrize(("args", "message"), [
    ([*COPYING], "a codec's expectations: give --expectations PATH"),
    ([*COPYING, "--expectations", "x.yaml", "--report", "r.json"], "give the codec options or --report, not both"),
])
def test_codec_options_need_a_file_and_no_report(capsys: pytest.CaptureFixture[str], args: list[str],
                                                message: str) -> None:
    assert cli.main(["baseline", "update", "--adapter", "blosc2", *args]) == 2
    assert message in capsys.readouterr().err


def test_a_report_without_the_adapter_changes_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path, report = _file(tmp_path), _codec_report(tmp_path)
    assert cli.main(["baseline", "update", "--adapter", "mymod:Host", "--expectations", str(path),
                     "--report", str(report)]) == 2
    assert "the report has no run of 'mymod:Host' (it ran: reference, blosc2)" in capsys.readouterr().err


def _baseline(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS_DIR), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "udcodec.cli", "baseline", "update", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_a_real_check_codec_run_ratchets_a_codecs_file(tmp_path: Path) -> None:
    path = _file(tmp_path)
    only = ["--only", "CODEC-INCOMPRESSIBLE", "--only", "CODEC-DETERMINISTIC", "--profile", "dev"]
    proc = _baseline("--adapter", "blosc2", "--expectations", str(path), *COPYING, *only, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "removed  CODEC-DETERMINISTIC: passes now" in proc.stdout
    assert [e.clause for e in load_expectations(path).entries] == ["CODEC-INCOMPRESSIBLE"]
    salted = ["--encoder", "broken.codecs:salted_encoder", "--decoder", "broken.codecs:salted_decoder"]
    refused = _baseline("--adapter", "blosc2", "--expectations", str(path), *salted, *only, cwd=tmp_path)
    assert refused.returncode == 1 and "NEW FAILURE CODEC-DETERMINISTIC" in refused.stdout, refused.stdout
    accepted = _baseline("--adapter", "blosc2", "--expectations", str(path), *salted, *only,
                         "--accept", "CODEC-DETERMINISTIC", "--reason", "salts every block", cwd=tmp_path)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    entries = {e.clause: e for e in load_expectations(path).entries}
    assert entries["CODEC-DETERMINISTIC"].reason == "salts every block"
    assert "encoder(block" in entries["CODEC-DETERMINISTIC"].reproduction  # the run's: the codec called twice
