"""Reports through real ``udcodec run``s: a report path in the way before the run is refused before it (exit 2);
one that cannot be written as the run ends (a full disk under ``RLIMIT_FSIZE``, a directory or a file put in the
way) is one stderr line, leaves the previous file untouched, lets the other reports be written and fails the run
(exit 1); a 20 MiB failure
message with a lone surrogate and a NUL, and 4 MB of binary stderr, stay bounded in every report and on
the terminal; ``udcodec matrix -o`` names a file it cannot write."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from udcodec_cli import LOUD, Udcodec, read_report

pytestmark = pytest.mark.slow

ONE_CLAUSE = ("--adapter", "reference", "--only", "REG-ID-RANGE")


def test_a_full_disk_leaves_the_previous_report_and_fails_the_run(udcodec_env: dict[str, str], tmp_path: Path) -> None:
    previous = '{"previous": "report"}\n'
    (tmp_path / "r.json").write_text(previous, encoding="utf-8")

    def small_files() -> None:  # the JSON report is larger; the Markdown one fits
        resource.setrlimit(resource.RLIMIT_FSIZE, (1500, 1500))

    got = subprocess.run([sys.executable, "-m", "udcodec.cli", "run", *ONE_CLAUSE, "--report-json", "r.json",
                          "--report-markdown", "r.md"], env=dict(udcodec_env, PYTHONDONTWRITEBYTECODE="1"),  # no truncated .pyc in the shared cache
                         cwd=tmp_path, capture_output=True, text=True,
                         timeout=240, preexec_fn=small_files)
    assert got.returncode == 1, got.stdout + got.stderr
    assert got.stderr.splitlines() == ["udcodec: could not write r.json: File too large"]
    assert (tmp_path / "r.json").read_text(encoding="utf-8") == previous
    assert (tmp_path / "r.md").read_text(encoding="utf-8").startswith(
        "## udcodec conformance: ❌ a report of this run could not be written\n")
    assert not list(tmp_path.glob(".*.tmp"))


def test_reports_in_the_way_before_the_run_are_refused_before_it(udcodec_cli: Udcodec, tmp_path: Path) -> None:
    """Found only once the whole run had ended, they had cost a long run its reports."""
    (tmp_path / "r.xml").mkdir()
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    got = udcodec_cli("run", *ONE_CLAUSE, "--report-json", "r.json", "--report-junit", "r.xml",
                      "--report-markdown", "a-file/sub/r.md", "--certificate", "a-file/cert.json")
    assert got.returncode == 2, got.stdout + got.stderr
    assert got.stderr.splitlines() == [
        "udcodec: --report-junit r.xml: is a directory",
        f"udcodec: --report-markdown a-file/sub/r.md: {tmp_path / 'a-file'} is not a directory",
        f"udcodec: --certificate a-file/cert.json: {tmp_path / 'a-file'} is not a directory",
    ]
    assert not (tmp_path / "r.json").exists() and got.stdout == ""


IN_THE_WAY = '''\
import os
import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session):  # as the run ends, before its reports are written
    os.mkdir("r.xml")
    open("a-file", "w").close()
'''


def test_reports_in_the_way_as_the_run_ends_are_one_line_each_and_the_others_are_written(
        udcodec_env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "udcodec_test_in_the_way.py").write_text(IN_THE_WAY, encoding="utf-8")
    env = dict(udcodec_env, PYTHONPATH=os.pathsep.join([str(tmp_path), udcodec_env["PYTHONPATH"]]),
               PYTEST_PLUGINS="udcodec_test_in_the_way")
    got = subprocess.run([sys.executable, "-m", "udcodec.cli", "run", *ONE_CLAUSE, "--report-json", "r.json",
                          "--report-junit", "r.xml", "--report-markdown", "a-file/sub/r.md", "--certificate",
                          "a-file/cert.json", "--report-html", "r.html"],
                         env=env, cwd=tmp_path, capture_output=True, text=True, timeout=240)
    assert got.returncode == 1, got.stdout + got.stderr
    assert "Traceback" not in got.stderr
    assert got.stderr.splitlines() == [
        "udcodec: could not write r.xml: Is a directory",
        "udcodec: could not write a-file/sub/r.md: Not a directory",
        "udcodec: could not write a-file/cert.json: File exists",  # what mkdir says of a file in the way
    ]
    assert read_report(tmp_path / "r.json")["exit_status"] == 1  # the run's exit status: the report says it too
    html = (tmp_path / "r.html").read_text(encoding="utf-8")  # and its headline why, where it had said all was well
    assert "a report of this run could not be written" in html and "all outcomes as expected" not in html


def test_a_huge_hostile_message_stays_bounded(udcodec_cli: Udcodec, tmp_path: Path) -> None:
    got = udcodec_cli("run", "--adapter", LOUD, "--only", "REG-ID-RANGE", "--report-json", "r.json",
                      "--report-junit", "r.xml", "--report-markdown", "r.md")
    assert got.returncode == 1, got.stderr[-2000:]
    assert len(got.stdout) < 64 * 1024 and "HEAD-OF-MESSAGE \\udcff \\x00" in got.stdout
    for name in ("r.json", "r.xml", "r.md"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert len(text) < 4 * 64 * 1024, name
        assert "HEAD-OF-MESSAGE" in text and "TAIL-OF-MESSAGE" in text and "characters cut ...]" in text, name
    message = read_report(tmp_path / "r.json")["results"][0]["message"]
    assert "HEAD-OF-MESSAGE \udcff \x00" in message


def test_binary_stderr_of_a_crash_stays_bounded(udcodec_env: dict[str, str], tmp_path: Path) -> None:
    got = subprocess.run([sys.executable, "-m", "udcodec.cli", "run", "--adapter", LOUD, "--only", "REG-ID-RANGE",
                          "--report-json", "r.json", "--report-markdown", "r.md"],
                         env=dict(udcodec_env, UDCODEC_TEST_CRASH="1"), cwd=tmp_path, capture_output=True,
                         text=True, errors="strict", timeout=240)
    assert got.returncode == 1
    assert len(got.stdout) < 64 * 1024
    result = read_report(tmp_path / "r.json")["results"][0]
    assert result["outcome"] == "crash" and 0 < len(result["stderr_tail"]) <= 64 * 1024
    assert "\x00" not in (tmp_path / "r.md").read_text(encoding="utf-8")


def test_matrix_names_an_output_it_cannot_write(udcodec_cli: Udcodec, tmp_path: Path) -> None:
    assert udcodec_cli("run", *ONE_CLAUSE, "--report-json", "r.json").returncode == 0
    (tmp_path / "m.md").mkdir()
    got = udcodec_cli("matrix", "r.json", "-o", "m.md")
    assert got.returncode == 1
    assert got.stderr.splitlines() == ["udcodec matrix: could not write m.md: Is a directory"]
    assert udcodec_cli("matrix", "r.json", "-o", "out/m.md").returncode == 0
    assert (tmp_path / "out" / "m.md").read_text(encoding="utf-8").startswith("# udcodec conformance matrix")
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["interrupted"] is False
