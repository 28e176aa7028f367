"""A run whose standard output goes nowhere (``| head -1``, ``> /dev/full``, ``>&-``) still runs every check and
writes complete, honest reports; the lost output is said once on stderr."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

RUN = [sys.executable, "-m", "udcodec.cli", "run", "--adapter", "reference", "--profile", "dev", "--only", "RT-*",
       "--only", "REG-ID-*", "--report-json", "r.json", "--report-markdown", "r.md"]
LOST = "udcodec: the terminal output was cut (stdout: {}); the run went on, and its reports and exit status are complete"


@pytest.mark.parametrize(("redirect", "why"), [
    ("| head -1", "Broken pipe"),
    ("> /dev/full", "No space left on device"),
    (">&-", "it is closed"),
], ids=["closed-pipe", "full", "closed"])
def test_a_run_whose_stdout_goes_nowhere_completes_its_reports(udcodec_env: dict[str, str], tmp_path: Path,
                                                               redirect: str, why: str) -> None:
    if redirect.startswith(">") and "full" in redirect and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    command = f"{shlex.join(RUN)} {redirect}; echo exit=${{PIPESTATUS[0]}} >&2"
    proc = subprocess.run(["bash", "-c", command], env=udcodec_env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=240)
    assert "exit=0" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert LOST.format(why) in proc.stderr
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    ran = {r["clause"] for r in report["results"]}
    assert report["exit_status"] == 0 and not report["interrupted"]
    assert ran >= {"RT-CHUNKS", "RT-SLICES", "REG-ID-RANGE"} and len(ran) == len(report["clauses"])
