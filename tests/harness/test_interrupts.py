"""Interrupted runs, as real ``udcodec run`` subprocesses signalled while a check runs: Ctrl-C (SIGINT to
the process group, serial and ``-n 2``) writes reports marked interrupted and exits 2 (``--list-failing`` says its list is incomplete); SIGTERM and
SIGHUP do the same; a Ctrl-C while another plugin finishes (pytest-xdist's teardown) still
writes marked reports, without a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from proctable import as_from_a_terminal
from udcodec_cli import SLEEPS, read_report

pytestmark = pytest.mark.slow

REPORTS = {"json": "r.json", "junit": "r.xml", "markdown": "r.md"}
PREVIOUS = "previous report\n"


def _signalled_run(env: dict[str, str], tmp_path: Path, sig: signal.Signals, *extra: str,
                   times: int = 1) -> subprocess.CompletedProcess[str]:
    """``udcodec run`` of the reference and the sleeping adapter, ``sig`` sent to its process group (``times`` times,
    5 ms apart) once the sleeping adapter's check runs (after the reference's first result)."""
    started = tmp_path / "started"
    env = dict(env, UDCODEC_TEST_STARTED=str(started))
    args = [sys.executable, "-m", "udcodec.cli", "run", "--adapter", "reference", "--adapter", SLEEPS,
            "--only", "CB-*", "--certificate", "cert.json", *extra]
    for kind, name in REPORTS.items():
        (tmp_path / name).write_text(PREVIOUS, encoding="utf-8")
        args += [f"--report-{kind}", name]
    (tmp_path / "cert-reference.json").write_text(PREVIOUS, encoding="utf-8")
    proc = subprocess.Popen(args, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=as_from_a_terminal)
    try:
        deadline = time.monotonic() + 120
        while not started.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the sleeping check never started"
            time.sleep(0.05)
        time.sleep(0.3)
        for _ in range(times):
            os.killpg(proc.pid, sig)
            time.sleep(0.005)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


@pytest.mark.parametrize("parallel", [[], ["-n", "2"]], ids=["serial", "n2"])
def test_ctrl_c_writes_reports_marked_interrupted(
    udcodec_env: dict[str, str], tmp_path: Path, parallel: list[str]
) -> None:
    if parallel:
        pytest.importorskip("xdist")
    got = _signalled_run(udcodec_env, tmp_path, signal.SIGINT, *parallel)
    assert got.returncode == 2, got.stdout + got.stderr
    assert "Traceback" not in got.stderr and "Traceback" not in got.stdout
    data = read_report(tmp_path / "r.json")
    assert data["interrupted"] is True and data["exit_status"] == 2
    assert not any(r["adapter"] == "sleeps" and r["outcome"] == "pass" for r in data["results"])
    assert "interrupted after" in (tmp_path / "r.md").read_text(encoding="utf-8").splitlines()[0]
    root = ET.parse(tmp_path / "r.xml").getroot()
    assert root.find("testsuite[@name='interrupted']/testcase/error") is not None
    assert "INTERRUPTED after" in got.stdout
    # no partial certificate, and not an earlier run's either: it would read as this run's
    assert not (tmp_path / "cert-reference.json").exists()
    assert "could not write cert-reference.json: the run was interrupted" in got.stderr
    assert "removed cert-reference.json: it was an earlier run's" in got.stderr
    assert not list(tmp_path.glob("*.tmp"))


def test_a_second_ctrl_c_still_leaves_reports_marked_interrupted(udcodec_env: dict[str, str], tmp_path: Path) -> None:
    """Two SIGINTs, as a terminal's Ctrl-C forwarded by tox or timeout(1) arrives: the second had raised inside the
    handling of the first, and the reports said the partial run was complete and passing."""
    got = _signalled_run(udcodec_env, tmp_path, signal.SIGINT, times=2)
    assert got.returncode == 2, got.stdout + got.stderr
    assert "Traceback" not in got.stderr and "Traceback" not in got.stdout
    data = read_report(tmp_path / "r.json")
    assert data["interrupted"] is True and data["exit_status"] == 2


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["sigterm", "sighup"])
def test_sigterm_and_sighup_stop_the_run_as_ctrl_c_does(udcodec_env: dict[str, str], tmp_path: Path,
                                                        sig: signal.Signals) -> None:
    """What timeout(1), a CI job's cancellation and a closed terminal send: the earlier run's reports had been left
    in place, reading as this run's."""
    got = _signalled_run(udcodec_env, tmp_path, sig)
    assert got.returncode == 2, got.stdout + got.stderr
    assert "Traceback" not in got.stderr and "Traceback" not in got.stdout
    data = read_report(tmp_path / "r.json")
    assert data["interrupted"] is True and data["exit_status"] == 2
    assert "interrupted after" in (tmp_path / "r.md").read_text(encoding="utf-8").splitlines()[0]
    assert not (tmp_path / "cert-reference.json").exists()
    assert not list(tmp_path.glob("*.tmp"))


def test_ctrl_c_with_list_failing_says_the_list_is_incomplete(udcodec_env: dict[str, str], tmp_path: Path) -> None:
    got = _signalled_run(udcodec_env, tmp_path, signal.SIGINT, "--list-failing")
    assert got.returncode == 2
    assert "udcodec: the run was interrupted; the list below is incomplete" in got.stderr
    assert got.stdout == ""  # nothing failed before the interrupt
    assert read_report(tmp_path / "r.json")["interrupted"] is True


INTERRUPTER = '''\
def pytest_sessionfinish(session):
    raise KeyboardInterrupt  # Ctrl-C while a plugin finishes, as pytest-xdist does shutting its workers down
'''


def test_ctrl_c_while_another_plugin_finishes(udcodec_env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "udcodec_test_interrupter.py").write_text(INTERRUPTER, encoding="utf-8")
    env = dict(udcodec_env, PYTHONPATH=os.pathsep.join([str(tmp_path), udcodec_env["PYTHONPATH"]]))
    got = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "udcodec_test_interrupter",
                          "--udcodec-adapter", "reference", "--pyargs", "udcodec.spec", "--udcodec-only", "REG-ID-RANGE",
                          "--udcodec-report-json", "r.json", "--udcodec-report-markdown", "r.md", "-q"],
                         env=env, cwd=tmp_path, capture_output=True, text=True, timeout=240)
    assert got.returncode == 2, got.stdout + got.stderr
    assert "Traceback" not in got.stderr and "Traceback" not in got.stdout
    data = read_report(tmp_path / "r.json")
    assert data["interrupted"] is True and [r["outcome"] for r in data["results"]] == ["pass"]
    assert "interrupted" in (tmp_path / "r.md").read_text(encoding="utf-8").splitlines()[0]


def _stale(path: Path) -> None:
    path.write_text('{"stale": true}', encoding="utf-8")
    old = time.time() - 3600
    os.utime(path, (old, old))


def test_ctrl_c_while_the_command_imports_removes_the_reports_it_names(tmp_path: Path) -> None:
    """A Ctrl-C in the first half second had ended in a traceback and left the previous run's passing report, which
    CI then read as this run's."""
    json_report, markdown = tmp_path / "r.json", tmp_path / "r.md"
    _stale(json_report)
    _stale(markdown)
    code = ("import os, signal, sys, time\n"
            f"sys.argv = ['udcodec', 'run', '--adapter', 'reference', '--report-json', {str(json_report)!r},"
            f" '--report-markdown={markdown}']\n"
            "import udcodec._start\n"
            "os.kill(os.getpid(), signal.SIGINT)\n"
            "time.sleep(30)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert not json_report.exists() and not markdown.exists()
    assert proc.stderr.splitlines() == [f"udcodec: removed {json_report}: it was an earlier run's",
                                        f"udcodec: removed {markdown}: it was an earlier run's",
                                        "udcodec: interrupted while starting"]


def test_ctrl_c_before_the_checks_run_removes_the_reports_it_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """An adapter still loading when Ctrl-C comes: no report of this run exists, and the earlier one goes."""
    from udcodec import cli

    (tmp_path / "udcodec_interrupting.py").write_text(
        "from udcodec.adapters.reference import ReferenceAdapter\n"
        "class Interrupting(ReferenceAdapter):\n"
        "    def info(self):\n        raise KeyboardInterrupt\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    report = tmp_path / "r.json"
    _stale(report)
    code = cli.main(["run", "--adapter", "udcodec_interrupting:Interrupting", "--no-isolation", "--only", "REG-ID-RANGE",
                     "--report-json", str(report)])
    assert code == 2 and not report.exists()
    assert f"udcodec: removed {report}" in capsys.readouterr().err


LATE_INTERRUPTER = '''\
def pytest_unconfigure(config):
    raise KeyboardInterrupt  # Ctrl-C after the reports were written, while pytest ends
'''


def test_a_ctrl_c_after_the_reports_were_written_leaves_them_standing(udcodec_env: dict[str, str],
                                                                     tmp_path: Path) -> None:
    """It had said "interrupted before the checks ran" and exited 2 beside reports saying exit status 0."""
    (tmp_path / "udcodec_test_late.py").write_text(LATE_INTERRUPTER, encoding="utf-8")
    env = dict(udcodec_env, PYTHONPATH=os.pathsep.join([str(tmp_path), udcodec_env["PYTHONPATH"]]),
               PYTEST_PLUGINS="udcodec_test_late")
    got = subprocess.run([sys.executable, "-m", "udcodec.cli", "run", "--adapter", "reference", "--only",
                          "REG-ID-RANGE", "--report-json", "r.json"], env=env, cwd=tmp_path, capture_output=True,
                         text=True, timeout=240)
    assert got.returncode == 0, got.stdout + got.stderr
    assert "udcodec: interrupted after the run ended; its reports stand" in got.stderr
    assert "before the checks ran" not in got.stderr
    data = read_report(tmp_path / "r.json")
    assert data["exit_status"] == 0 and data["interrupted"] is False
