"""Nothing a run starts outlives it: real ``udcodec run`` subprocesses, each in a session of its own, interrupted
(Ctrl-C, SIGTERM) serially and with ``-n 2``; adapters that crash or hang while constructed; the memory limit.

Processes are looked up in ``/proc`` by session id; temporary files in the run's own ``TMPDIR``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from proctable import as_from_a_terminal, in_session, wait_until
from udcodec_cli import read_report

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc"),
]
TESTS_DIR = Path(__file__).resolve().parents[1]
ONE = ["--only", "REG-RETURNS-NONE", "--profile", "dev"]


@pytest.fixture(autouse=True)
def _broken_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(TESTS_DIR))


class Run:
    """``udcodec ARGS`` started in a new session (its own process group, as a shell job would be)."""

    def __init__(self, env: dict[str, str], cwd: Path, *args: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "udcodec.cli", *args], env=env, cwd=cwd,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True, preexec_fn=as_from_a_terminal)
        self.sid = self.proc.pid
        self.output = ""

    def others(self) -> list[int]:
        """Live processes of the run's session other than ``udcodec`` itself."""
        return [pid for pid in in_session(self.sid) if pid != self.proc.pid]

    def finish(self, timeout: float = 120) -> int:
        self.output, _ = self.proc.communicate(timeout=timeout)
        return self.proc.returncode

    def kill(self) -> None:
        for pid in in_session(self.sid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.proc.communicate()


@pytest.fixture
def tmpdir_env(udcodec_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The subprocess environment with ``broken.*`` importable and temporary files under ``tmp_path/tmp``."""
    (tmp_path / "tmp").mkdir()
    return {**udcodec_env, "TMPDIR": str(tmp_path / "tmp"),
            "PYTHONPATH": os.pathsep.join([str(TESTS_DIR), udcodec_env["PYTHONPATH"]])}


@pytest.fixture
def start(tmpdir_env: dict[str, str], tmp_path: Path) -> Iterator[object]:
    runs: list[Run] = []

    def _start(*args: str) -> Run:
        runs.append(Run(tmpdir_env, tmp_path, *args))
        return runs[-1]

    yield _start
    for run in runs:  # whatever a failing test left behind
        if run.proc.poll() is None or in_session(run.sid):
            run.kill()


def _leftover_files(tmp_path: Path) -> list[str]:
    """The run's files and folders in its TMPDIR: check output files, the zygote's socket folder, check-codec's."""
    return sorted(p.name for p in (tmp_path / "tmp").glob("udcodec-*"))


def _sleepers(run: Run) -> list[int]:
    from broken.processes import SLEEPER

    found = []
    for pid in run.others():
        try:
            if SLEEPER in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                found.append(pid)
        except OSError:
            pass
    return found


def test_children_of_a_passing_check_do_not_outlive_the_run(start: object, tmp_path: Path) -> None:
    run = start("run", "--adapter", "broken.processes:SpawningAdapter", *ONE,  # type: ignore[operator]
                "--report-json", "r.json")
    assert run.finish() == 0, run.output
    assert read_report(tmp_path / "r.json")["results"][0]["outcome"] == "pass"
    assert wait_until(lambda: not in_session(run.sid), 5), in_session(run.sid)  # 50 children and a daemon
    assert _leftover_files(tmp_path) == []


def test_a_check_that_crashes_leaves_none_of_its_files(start: object, tmp_path: Path) -> None:
    run = start("run", "--adapter", "broken.processes:SegfaultsOnOpenAdapter", "--only", "REOPEN-KEEPS",  # type: ignore[operator]
                "--only", "ID-REOPEN", "--profile", "dev", "--report-json", "r.json")
    assert run.finish() == 1, run.output
    outcomes = {r["clause"]: r["outcome"] for r in read_report(tmp_path / "r.json")["results"]}
    assert outcomes == {"REOPEN-KEEPS": "crash", "ID-REOPEN": "crash"}, outcomes
    assert _leftover_files(tmp_path) == []  # the frames the checks wrote before the crash, too


def _marked(mark: str) -> list[int]:
    """Live processes whose command line holds ``mark``, in any session."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if mark in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def test_what_an_implementation_starts_in_a_session_of_its_own_does_not_outlive_the_run(tmpdir_env: dict[str, str],
                                                                                         tmp_path: Path) -> None:
    mark = f"udcodec-test-mark-{os.getpid()}-{time.monotonic_ns()}"
    # THREAD-DEFAULTS asks the zygote for interpreters that see several core counts; RT-CHUNKS runs in the check child
    run = Run({**tmpdir_env, "UDCODEC_TEST_MARK": mark}, tmp_path, "run", "--adapter",
              "broken.processes:SessionLeavingAdapter", "--only", "THREAD-DEFAULTS", "--only", "RT-CHUNKS",
              "--profile", "dev", "--report-json", "r.json")
    try:
        assert run.finish(300) == 0, run.output
        assert {r["outcome"] for r in read_report(tmp_path / "r.json")["results"]} == {"pass"}
        assert wait_until(lambda: not _marked(mark), 5), _marked(mark)
    finally:
        for pid in _marked(mark):
            os.kill(pid, signal.SIGKILL)


def test_a_run_on_two_workers_leaves_its_tmpdir_empty(tmpdir_env: dict[str, str], tmp_path: Path) -> None:
    """pytest-xdist's base folder (``pytest-of-USER/pytest-N``) had been left in TMPDIR by every ``-n`` run."""
    run = Run(tmpdir_env, tmp_path, "run", "--adapter", "reference", "--only", "REG-ID-*", "-n", "2")
    assert run.finish(300) == 0, run.output
    assert sorted(p.name for p in (tmp_path / "tmp").iterdir()) == []


@pytest.mark.parametrize("workers", [None, "2"], ids=["serial", "n2"])
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_an_interrupted_run_leaves_no_process_and_no_temp_file(start: object, tmp_path: Path, workers: str | None,
                                                               how: str) -> None:
    args = ["run", "--adapter", "broken.processes:SpawningHangingAdapter", "--only", "REG-RETURNS-NONE",
            "--only", "REG-VERSION-*", "--profile", "dev", "--timeout", "300"]
    if workers:
        args += ["-n", workers]
    run = start(*args)  # type: ignore[operator]
    # The check hangs with its 5 children and a daemon running (with -n 2, in each worker).
    expected = 6 * (2 if workers else 1)
    assert wait_until(lambda: len(_sleepers(run)) >= expected, 60), run.others()
    assert _leftover_files(tmp_path)  # the checks' stderr files exist while they run
    if how == "ctrl-c":
        os.killpg(run.sid, signal.SIGINT)  # what a terminal sends the whole foreground job
    else:
        os.kill(run.proc.pid, signal.SIGTERM)  # `kill PID`: the main process only
    code = run.finish(timeout=60)
    if how == "ctrl-c":
        assert code != 0 and "KeyboardInterrupt" in run.output, run.output  # pytest still reports the interrupt
    else:
        assert code == 2, run.output  # SIGTERM stops the run as Ctrl-C does
    assert wait_until(lambda: not in_session(run.sid), 10), in_session(run.sid)
    assert _leftover_files(tmp_path) == []


@pytest.mark.parametrize("later", [0.0, 2.0], ids=["at-start", "during-checks"])
def test_check_codec_stopped_by_sigterm_leaves_no_scratch(start: object, tmp_path: Path, later: float) -> None:
    run = start("check-codec", "--encoder", "udcodec.examples.zlib_codec:encoder",  # type: ignore[operator]
                "--decoder", "udcodec.examples.zlib_codec:decoder", "--host", "reference", "--profile", "thorough")
    def running() -> bool:  # a check runs: its output file beside check-codec's scratch and the run's zygote
        names = _leftover_files(tmp_path)
        return all(any(n.startswith(p) for n in names)
                   for p in ("udcodec-check-codec-", "udcodec-zygote-", "udcodec-stderr-"))

    assert wait_until(running, 60), (_leftover_files(tmp_path), run.output)
    time.sleep(later)
    os.kill(run.proc.pid, signal.SIGTERM)
    assert run.finish(timeout=60) == 2, run.output
    assert wait_until(lambda: not in_session(run.sid), 10), in_session(run.sid)
    assert wait_until(lambda: _leftover_files(tmp_path) == [], 5), _leftover_files(tmp_path)


@pytest.mark.parametrize(("adapter", "why"), [
    ("broken.processes:SegfaultsOnConstructionAdapter", "crashed the process while loading (SIGSEGV)"),
    ("broken.processes:HangsOnConstructionAdapter", "did not load within 3 s"),
])
def test_an_adapter_that_crashes_or_hangs_while_constructed_is_a_load_error(start: object, tmp_path: Path,
                                                                            adapter: str, why: str) -> None:
    run = start("run", "--adapter", adapter, "--adapter", "reference", *ONE,  # type: ignore[operator]
                "--timeout", "3", "--report-json", "r.json", "--report-junit", "r.xml")
    assert run.finish() == 1, run.output
    data = read_report(tmp_path / "r.json")
    broken = next(a for a in data["adapters"] if a["spec"] == adapter)
    assert why in broken["load_error"]
    outcomes = {r["adapter"]: r["outcome"] for r in data["results"]}
    assert outcomes == {adapter: "error", "reference": "pass"}
    assert run.output.count(why) >= 1 and (tmp_path / "r.xml").exists()
    assert wait_until(lambda: not in_session(run.sid), 5) and _leftover_files(tmp_path) == []


def test_a_check_over_the_memory_limit_is_resource(start: object, tmp_path: Path) -> None:
    run = start("run", "--adapter", "broken.processes:MemoryHogAdapter", *ONE,  # type: ignore[operator]
                "--memory-limit", "2G", "--report-json", "r.json", "--report-junit", "r.xml")
    assert run.finish() == 1, run.output
    (result,) = read_report(tmp_path / "r.json")["results"]
    assert result["outcome"] == "resource", result
    assert "memory limit of 2 GiB" in result["message"] and "MemoryError" in result["message"]
    assert 'type="resource"' in (tmp_path / "r.xml").read_text(encoding="utf-8")
    assert "LIMIT" in run.output


def test_without_a_limit_the_memory_hog_passes(start: object, tmp_path: Path) -> None:
    run = start("run", "--adapter", "broken.processes:MemoryHogAdapter", *ONE,  # type: ignore[operator]
                "--memory-limit", "0", "--report-json", "r.json")
    assert run.finish() == 0, run.output
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["results"][0]["outcome"] == "pass"


@pytest.mark.parametrize("bad", ["lots", "-1G"])
def test_a_bad_memory_limit_is_a_usage_error(start: object, bad: str) -> None:
    run = start("run", "--adapter", "reference", *ONE, "--memory-limit", bad)  # type: ignore[operator]
    assert run.finish() == 2
    assert "--memory-limit" in run.output and "memory" in run.output


def _fresh_reopen(spec: str) -> tuple[dict[str, object], float]:
    import time

    from udcodec.checks.fresh import run_fresh

    start = time.monotonic()
    answer = run_fresh({"adapter": spec, "register": [], "open": "/nonexistent/x.b2frame"}, timeout=60)
    return answer, time.monotonic() - start


def test_the_fresh_interpreter_does_not_wait_for_children_holding_its_output(monkeypatch: pytest.MonkeyPatch) -> None:
    from udcodec.engine.isolation import ChildStatus, run_isolated

    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(TESTS_DIR), os.environ.get("PYTHONPATH")])))
    # SpawningAdapter's children inherit the fresh interpreter's stdout and stderr and sleep for 600 s.
    got = run_isolated(_fresh_reopen, ("broken.processes:SpawningAdapterOnLoad",), timeout=90)
    assert got.status is ChildStatus.OK, got.error or got.stderr_tail
    answer, took = got.value
    assert answer["ok"] is False and "crashed" not in answer, answer  # the open failed; the interpreter answered
    assert took < 30


def test_the_plugin_refuses_a_bad_memory_limit(tmpdir_env: dict[str, str], tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--udcodec-adapter", "reference",
                           "--udcodec-memory-limit", "lots", "--udcodec-only", "REG-RETURNS-NONE"],
                          env=tmpdir_env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == pytest.ExitCode.USAGE_ERROR, proc.stdout + proc.stderr
    assert "--udcodec-memory-limit: not a memory size: 'lots'" in proc.stderr


def test_an_expected_resource_failure_is_xfail(start: object, tmp_path: Path) -> None:
    """A clause an expectations file lists may run out of memory as it may crash: xfail, exit 0."""
    (tmp_path / "hog.yaml").write_text(
        "adapter: memory-hog\nexpectations:\n  - clause: REG-RETURNS-NONE\n"
        "    reason: allocates without bound\n    reproduction: run it\n", encoding="utf-8")
    run = start("run", "--adapter", "broken.processes:MemoryHogAdapter", *ONE,  # type: ignore[operator]
                "--memory-limit", "2G", "--expectations",
                f"broken.processes:MemoryHogAdapter={tmp_path / 'hog.yaml'}", "--report-json", "r.json")
    assert run.finish() == 0, run.output
    (result,) = read_report(tmp_path / "r.json")["results"]
    assert (result["outcome"], result["expected_reason"]) == ("xfail", "allocates without bound"), result
