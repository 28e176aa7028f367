"""run_isolated: values come back; crashes, hangs, exits, exceptions and the memory limit are told apart; nothing
the child starts outlives the call."""

from __future__ import annotations

import ctypes
import io
import os
import re
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from proctable import alive, wait_until
from udcodec.engine import isolation
from udcodec.engine.isolation import (
    STDERR_TAIL_BYTES,
    ChildStatus,
    Isolated,
    cleanup_children,
    default_memory_limit,
    format_bytes,
    live_children,
    parse_memory_limit,
    run_inline,
    run_isolated,
)

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="isolation forks")
TESTS_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _broken_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(TESTS_DIR))  # broken.processes, in the children too


def _add(a: int, b: int) -> dict[str, object]:
    return {"sum": a + b, "pid": os.getpid()}


def _segfault() -> None:
    os.write(2, b"about to dereference NULL\n")
    ctypes.string_at(0)


def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "woke up"


def _exit3() -> None:
    os.write(2, b"leaving early\n")
    os._exit(3)


def _python_stderr_unflushed_then_crash() -> None:
    print("said through sys.stderr, no flush", file=sys.stderr)
    ctypes.string_at(0)


def _python_stderr_then_exit() -> None:
    print("said through sys.stderr", file=sys.stderr, flush=True)
    os._exit(3)


def _raise() -> None:
    raise ValueError("boom from the child")


def _big(n: int) -> bytes:
    return bytes(range(256)) * (n // 256)


def _register_in_child() -> list[int]:
    import udcodec.reference as ref

    def codec(src: object, dst: object, meta: int, schunk: object) -> int:
        return 0

    ref.register_codec("leaky", 200, codec, codec)
    return sorted(ref.ucodecs_registry)


def _noisy() -> int:
    os.write(2, b"x" * (STDERR_TAIL_BYTES * 3) + b"THE END\n")
    os.kill(os.getpid(), 9)
    return 0


def test_returns_the_value_from_another_process() -> None:
    got = run_isolated(_add, (2, 3), timeout=30)
    assert isinstance(got, Isolated)
    assert got.status is ChildStatus.OK
    assert got.value["sum"] == 5
    assert got.value["pid"] != os.getpid()
    assert got.signal is None and got.error == ""
    assert got.duration > 0


def test_segfault_is_a_crash_with_signal_and_stderr() -> None:
    got = run_isolated(_segfault, timeout=30)
    assert got.status is ChildStatus.CRASH
    assert got.signal == "SIGSEGV"
    assert "about to dereference NULL" in got.stderr_tail


def test_stderr_tail_keeps_the_end() -> None:
    got = run_isolated(_noisy, timeout=30)
    assert (got.status, got.signal) == (ChildStatus.CRASH, "SIGKILL")
    assert got.stderr_tail.endswith("THE END\n")
    assert len(got.stderr_tail) <= STDERR_TAIL_BYTES


def test_sleep_beyond_the_timeout_is_a_hang() -> None:
    start = time.monotonic()
    got = run_isolated(_sleep, (60,), timeout=1.0)
    elapsed = time.monotonic() - start
    assert got.status is ChildStatus.HANG
    assert elapsed < 30  # killed, not waited for: the child sleeps 60 s
    assert 1.0 <= got.duration < 30


def _says_then_sleeps() -> None:
    from udcodec.checks.api import CheckContext

    CheckContext.doing(object(), "calling sum() of the 6x10 array")  # type: ignore[arg-type]
    time.sleep(60)


def test_a_hang_says_what_the_check_was_doing() -> None:
    """A check killed for not ending had said only that: ND-REDUCTIONS' sums of several arrays hang on one host."""
    from udcodec.crashsite import while_doing as _while_doing

    got = run_isolated(_says_then_sleeps, timeout=1.0)
    assert got.status is ChildStatus.HANG
    assert _while_doing(got.stderr_tail) == " while it was calling sum() of the 6x10 array"
    assert _while_doing("udcodec: doing: a\nudcodec: doing: b\x1b[31m\n") == " while it was b\\x1b[31m"
    assert _while_doing("") == ""


def _says_then_crashes() -> None:
    import signal

    from udcodec.checks.api import CheckContext

    CheckContext.doing(object(), "appending through a codec that keeps its arrays")  # type: ignore[arg-type]
    os.kill(os.getpid(), signal.SIGSEGV)


def test_a_crash_says_what_the_check_was_doing() -> None:
    """CB-BUFFER-LIFETIME on python-blosc2 had said only "crashed": which of its steps, only the stderr tail knew."""
    from udcodec.crashsite import while_doing as _while_doing

    got = run_isolated(_says_then_crashes, timeout=30)
    assert (got.status, got.signal) == (ChildStatus.CRASH, "SIGSEGV")
    assert _while_doing(got.stderr_tail) == " while it was appending through a codec that keeps its arrays"


def test_finishing_within_the_timeout_is_not_a_hang() -> None:
    got = run_isolated(_sleep, (0.2,), timeout=10)
    assert (got.status, got.value) == (ChildStatus.OK, "woke up")


def test_abrupt_exit_is_a_crash_with_a_message() -> None:
    got = run_isolated(_exit3, timeout=30)
    assert got.status is ChildStatus.CRASH
    assert got.signal is None
    assert got.exitcode == 3
    assert "status 3" in got.error and "before reporting a result" in got.error
    assert "leaving early" in got.stderr_tail


def test_exception_is_raised_with_its_traceback() -> None:
    got = run_isolated(_raise, timeout=30)
    assert got.status is ChildStatus.RAISED
    assert "Traceback (most recent call last)" in got.error
    assert "ValueError: boom from the child" in got.error
    assert "_raise" in got.error


def test_large_values_come_back_intact() -> None:
    size = 10 * 1024 * 1024
    got = run_isolated(_big, (size,), timeout=60)
    assert got.status is ChildStatus.OK
    assert len(got.value) == size
    assert got.value == _big(size)


def test_registration_in_the_child_does_not_leak() -> None:
    import udcodec.reference as ref

    ref._reset_registry()  # another test of this worker may have registered codecs in-process
    before = dict(ref.ucodecs_registry)
    assert 200 not in before
    got = run_isolated(_register_in_child, timeout=30)
    assert got.status is ChildStatus.OK, got.error
    assert 200 in got.value
    assert ref.ucodecs_registry == before
    assert 200 not in ref.ucodecs_registry


def test_child_stderr_goes_to_the_tail_not_the_parent(capfd: pytest.CaptureFixture[str]) -> None:
    got = run_isolated(_exit3, timeout=30)
    os.write(2, b"parent still writes here\n")
    _, err = capfd.readouterr()
    assert "parent still writes here" in err
    assert "leaving early" not in err
    assert "leaving early" in got.stderr_tail


def test_python_level_stderr_reaches_the_tail_when_sys_stderr_is_not_fd2(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # as under pytest's capture
    got = run_isolated(_python_stderr_then_exit, timeout=30)
    assert got.status is ChildStatus.CRASH
    assert "said through sys.stderr" in got.stderr_tail


def _print_and_write_stdout() -> int:
    print("printed by the check")
    os.write(1, b"written to fd 1\n")
    return 7


def _flood_stdout(megabytes: int) -> int:
    line = b"x" * (1 << 20)
    for _ in range(megabytes):
        os.write(1, line)
    print("the last line")
    return megabytes


def test_child_stdout_goes_to_the_tail_not_the_parent(capfd: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", io.StringIO())  # as under pytest's capture
    got = run_isolated(_print_and_write_stdout, timeout=30)
    out, _ = capfd.readouterr()
    assert got.value == 7
    assert "printed by the check" not in out and "written to fd 1" not in out
    assert "printed by the check" in got.stderr_tail and "written to fd 1" in got.stderr_tail


def _slow_flood(rounds: int) -> int:
    chunk = b"y" * (16 << 20)
    for _ in range(rounds):
        os.write(1, chunk)
        time.sleep(0.25)  # the parent polls meanwhile and cuts the file
    print("the last line")
    return os.fstat(1).st_blocks * 512  # the disk the file takes


def test_a_long_flood_never_fills_the_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(isolation, "OUTPUT_LIMIT", 8 << 20)
    got = run_isolated(_slow_flood, (6,), timeout=60)
    assert got.value < 96 << 20  # the file the child writes to was cut back while it ran
    said = re.search(r"\[udcodec: the check wrote (at least )?(\d+) MiB of output; its end follows\]", got.stderr_tail)
    assert said and 16 <= int(said[2]) <= 96, got.stderr_tail[:200]
    assert "the last line" in got.stderr_tail


def test_a_flood_of_output_is_cut_and_said(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(isolation, "OUTPUT_LIMIT", 8 << 20)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    got = run_isolated(_flood_stdout, (200,), timeout=60)
    assert got.value == 200
    assert "the last line" in got.stderr_tail
    said = re.search(r"\[udcodec: the check wrote (at least )?(\d+) MiB of output; its end follows\]", got.stderr_tail)
    assert said is not None and 8 <= int(said[2]) <= 200, got.stderr_tail[:200]
    assert len(got.stderr_tail) < STDERR_TAIL_BYTES + 200
    assert list(tmp_path.iterdir()) == []  # the output file is gone with the child


def test_a_cut_keeps_what_is_appended_while_it_is_made(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    probe = tmp_path / "probe"
    probe.write_bytes(b"p" * 8192)
    if not isolation._punch_hole(str(probe), 4096):
        pytest.skip("this file system cannot free the start of a file: a cut loses what is appended meanwhile")
    path = tmp_path / "output"
    path.write_bytes(b"x" * (3 << 20))
    looked = isolation.size_of

    def look_then_append(at: str) -> int:
        size = looked(at)
        with open(at, "ab") as late:  # the child's next write lands between the parent's look and its cut
            late.write(b"the last line\n")
        return size

    monkeypatch.setattr(isolation, "size_of", look_then_append)
    assert isolation.bound_output(str(path), 1 << 20) == 0  # the size did not shrink
    assert isolation.tail_of(str(path)).endswith("x" * 100 + "the last line\n")
    assert path.stat().st_size == (3 << 20) + 14  # every byte written is counted
    assert path.stat().st_blocks * 512 <= 2 << 20  # and the disk it took is freed


def test_run_inline_has_the_same_contract() -> None:
    assert run_inline(_add, (1, 1)).value["pid"] == os.getpid()
    raised = run_inline(_raise)
    assert raised.status is ChildStatus.RAISED and "boom from the child" in raised.error


def test_printed_lines_reach_the_tail_without_a_flush(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # as under pytest's capture
    got = run_isolated(_python_stderr_unflushed_then_crash, timeout=30)
    assert (got.status, got.signal) == (ChildStatus.CRASH, "SIGSEGV")
    assert "said through sys.stderr, no flush" in got.stderr_tail


# -- nothing outlives the call ------------------------------------------------------------------


def _grandchild_holds_the_pipe() -> int:
    pid = os.fork()
    if pid == 0:  # inherits every fd of the child, the result pipe's write end included
        time.sleep(60)
        os._exit(0)
    return pid


def _spawn(count: int) -> list[int]:
    from broken.processes import spawn_sleepers

    return spawn_sleepers(count, interpreter=False)


def _spawn_then_die(count: int, wfd: int) -> None:
    os.write(wfd, repr(_spawn(count)).encode())
    os._exit(5)


def test_a_grandchild_holding_the_result_pipe_does_not_turn_a_pass_into_a_hang() -> None:
    start = time.monotonic()
    got = run_isolated(_grandchild_holds_the_pipe, timeout=20)
    assert got.status is ChildStatus.OK, got.error
    assert time.monotonic() - start < 5
    assert wait_until(lambda: not alive(got.value), 5)  # killed with the child's process group


def test_children_and_a_daemon_of_the_check_are_killed_when_it_ends() -> None:
    got = run_isolated(_spawn, (50,), timeout=60)
    assert got.status is ChildStatus.OK, got.error
    assert len(got.value) == 51  # the daemon's last
    assert wait_until(lambda: not any(alive(pid) for pid in got.value), 5), [p for p in got.value if alive(p)]
    assert live_children() == []


def _leave_the_group() -> list[int]:
    """A child in a new session, and a daemon that double-forks into a new session."""
    import subprocess

    pids = [subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True).pid]
    rfd, wfd = os.pipe()
    if os.fork() == 0:
        os.setsid()
        daemon = os.fork()
        if daemon == 0:
            time.sleep(600)
            os._exit(0)
        os.write(wfd, daemon.to_bytes(8, "little"))
        os._exit(0)
    pids.append(int.from_bytes(os.read(rfd, 8), "little"))
    return pids


def test_children_that_left_the_process_group_are_killed_too() -> None:
    got = run_isolated(_leave_the_group, timeout=60)
    assert got.status is ChildStatus.OK, got.error
    assert wait_until(lambda: not any(alive(pid) for pid in got.value), 5), [p for p in got.value if alive(p)]


def test_children_of_a_check_that_crashed_do_not_keep_the_parent_waiting() -> None:
    rfd, wfd = os.pipe()
    start = time.monotonic()
    got = run_isolated(_spawn_then_die, (3, wfd), timeout=30)
    os.close(wfd)
    pids = eval(os.read(rfd, 1000))  # noqa: S307 - a list of ints this test wrote
    os.close(rfd)
    assert (got.status, got.exitcode) == (ChildStatus.CRASH, 5)
    assert time.monotonic() - start < 5
    assert len(pids) == 4 and wait_until(lambda: not any(alive(pid) for pid in pids), 5)


def test_cleanup_children_kills_a_running_check_and_removes_its_stderr_file(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    results: list[Isolated] = []
    thread = threading.Thread(target=lambda: results.append(run_isolated(_sleep, (60,), timeout=60)))
    thread.start()
    assert wait_until(lambda: bool(live_children()) and any(tmp_path.glob("udcodec-stderr-*")), 10)
    (pid,) = live_children()
    assert alive(pid) and os.getpgid(pid) == pid  # the leader of its own group
    cleanup_children()
    thread.join(10)
    assert not thread.is_alive() and results and results[0].status is not ChildStatus.OK
    assert not alive(pid) and live_children() == []
    assert not list(tmp_path.glob("udcodec-stderr-*"))


# -- the memory limit ---------------------------------------------------------------------------


def _data_size() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmData:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmData")


def _hog(total: int) -> int:
    from broken.processes import hog_memory

    return hog_memory(total, 64 << 20)


def _says_out_of_memory_and_dies() -> None:
    os.write(2, b"fatal: Cannot allocate memory\n")
    os.abort()


def test_a_check_over_the_memory_limit_is_resource_and_under_it_passes() -> None:
    limit = _data_size() + (512 << 20)
    over = run_isolated(_hog, (2 << 30,), timeout=60, memory_limit=limit)
    assert over.status is ChildStatus.RESOURCE
    assert "MemoryError" in over.error
    under = run_isolated(_hog, (128 << 20,), timeout=60, memory_limit=limit)
    assert (under.status, under.value) == (ChildStatus.OK, 128 << 20)


def test_dying_of_the_memory_limit_is_resource_only_under_a_limit() -> None:
    limited = run_isolated(_says_out_of_memory_and_dies, timeout=30, memory_limit=_data_size() + (512 << 20))
    assert (limited.status, limited.signal) == (ChildStatus.RESOURCE, "SIGABRT")
    unlimited = run_isolated(_says_out_of_memory_and_dies, timeout=30)
    assert (unlimited.status, unlimited.signal) == (ChildStatus.CRASH, "SIGABRT")


def test_every_child_status_but_ok_has_an_outcome() -> None:
    from udcodec.engine.runner import CHILD_OUTCOMES
    from udcodec.outcomes import Outcome

    assert set(CHILD_OUTCOMES) == set(ChildStatus) - {ChildStatus.OK}
    assert CHILD_OUTCOMES[ChildStatus.RESOURCE] is Outcome.RESOURCE


@pytest.mark.parametrize(("text", "size"), [("4G", 4 << 30), ("512M", 512 << 20), ("1.5GiB", 3 << 29), ("2048", 2048),
                                            ("64k", 64 << 10), ("0", None), ("none", None)])
def test_memory_limits_parse(text: str, size: int | None) -> None:
    assert parse_memory_limit(text) == size


@pytest.mark.parametrize("text", ["", "G", "four", "-1G", "nan", "inf", "4X"])
def test_bad_memory_limits_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="memory"):
        parse_memory_limit(text)


def test_the_default_memory_limit_is_generous() -> None:
    assert 1 << 30 <= default_memory_limit() <= 4 << 30
    assert format_bytes(4 << 30) == "4 GiB" and format_bytes(None) == "none"


@pytest.mark.slow
def test_a_call_past_the_checks_own_deadline_is_a_hang_long_before_the_timeout() -> None:
    """ND-REDUCTIONS and ND-EXPRESSIONS on python-blosc2 4.14.1 hang; each used to cost its clause's whole 30 s."""
    from udcodec.contract import load_contract
    from udcodec.engine.runner import execute
    from udcodec.outcomes import Outcome
    from udcodec.profiles import get_profile

    clause = load_contract().get("ND-REDUCTIONS")
    got = execute("broken.ndarray:SumNeverEndsAdapter", "broken", clause, get_profile("ci"))
    assert got.outcome is Outcome.HANG, got.message
    assert got.message.startswith("no result within the check's deadline of 2 s, 20 times the "), got.message
    assert got.message.endswith("; the check was killed while it was calling sum() of the 200x500/50x500/10x500/<f8 array")
    assert got.duration < clause.timeout / 2 and "--timeout" not in (got.reproduction or "")


def test_only_a_sigalrm_while_a_deadline_is_set_is_the_checks_hang() -> None:
    from udcodec.engine.runner import _deadline_passed

    said = "udcodec: doing: x\nudcodec: deadline: 3 s, 20 times the 0.1 s\n"
    assert _deadline_passed(isolation.Isolated(ChildStatus.CRASH, signal="SIGALRM", stderr_tail=said)) == \
        "3 s, 20 times the 0.1 s"
    unset = said + "udcodec: deadline: off\n"  # the implementation's own alarm, after the deadline's block
    assert _deadline_passed(isolation.Isolated(ChildStatus.CRASH, signal="SIGALRM", stderr_tail=unset)) == ""
    assert _deadline_passed(isolation.Isolated(ChildStatus.CRASH, signal="SIGSEGV", stderr_tail=said)) == ""


def test_a_deadline_outside_an_isolated_child_sets_no_alarm() -> None:
    from types import SimpleNamespace

    from udcodec.checks.api import CheckContext

    with CheckContext.deadline(SimpleNamespace(isolated=False), 0.5, "no child to end"):  # type: ignore[arg-type]
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
