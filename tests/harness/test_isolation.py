"""run_isolated: values come back, and crashes, hangs, exits and exceptions are told apart."""

from __future__ import annotations

import ctypes
import io
import os
import sys
import time

import pytest
from udcodec.engine.isolation import (
    STDERR_TAIL_BYTES,
    ChildStatus,
    Isolated,
    run_inline,
    run_isolated,
)

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="isolation forks")


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
    assert elapsed < 1.0 + 2.0
    assert 1.0 <= got.duration < 3.0


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


def test_run_inline_has_the_same_contract() -> None:
    assert run_inline(_add, (1, 1)).value["pid"] == os.getpid()
    raised = run_inline(_raise)
    assert raised.status is ChildStatus.RAISED and "boom from the child" in raised.error


def test_printed_lines_reach_the_tail_without_a_flush(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # as under pytest's capture
    got = run_isolated(_python_stderr_unflushed_then_crash, timeout=30)
    assert (got.status, got.signal) == (ChildStatus.CRASH, "SIGSEGV")
    assert "said through sys.stderr, no flush" in got.stderr_tail
