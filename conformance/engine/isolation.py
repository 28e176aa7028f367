"""Run a function in a forked child so that a crash or a hang of the implementation cannot end the run.

The harness process never registers a codec, so every child starts from a pristine
registry even for implementations (like python-blosc2) whose registry is global C state
that cannot be cleared. The child's stderr goes to a file whose tail is reported on a crash.
"""

from __future__ import annotations

import enum
import faulthandler
import os
import pickle
import select
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

STDERR_TAIL_BYTES = 16000  # room for a faulthandler stack below the last lines a check printed


class ChildStatus(enum.Enum):
    """How the child ended (about the process; what it means for a clause is the runner's call)."""

    OK = "ok"  # it returned a value
    RAISED = "raised"  # the function raised; the traceback came back
    CRASH = "crash"  # it died (signal, or exited before reporting a result)
    HANG = "hang"  # it outlived the timeout and was killed


@dataclass
class Isolated:
    """What happened in the child."""

    status: ChildStatus
    value: Any = None
    signal: str | None = None
    exitcode: int | None = None
    stderr_tail: str = ""
    duration: float = 0.0
    error: str = ""  # for RAISED: the child's traceback


def _tail(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - STDERR_TAIL_BYTES))
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _child(fn: Callable[..., Any], args: tuple[Any, ...], wfd: int, stderr_path: str) -> None:
    code = 0
    try:
        errfd = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        sys.stderr.flush()
        os.dup2(errfd, 2)
        os.close(errfd)
        # sys.stderr may not be fd 2 (pytest's capture replaces it): point it at the file too,
        # line-buffered like Python's own, and make a fatal signal write its traceback there.
        sys.stderr = open(2, "w", buffering=1, errors="backslashreplace", closefd=False)  # noqa: SIM115
        faulthandler.enable(file=sys.stderr, all_threads=True)
        try:
            payload = pickle.dumps((ChildStatus.OK, fn(*args)))
        except BaseException:  # noqa: BLE001 - everything the check raised goes back to the parent
            payload = pickle.dumps((ChildStatus.RAISED, traceback.format_exc()))
        view = memoryview(payload)
        length = len(payload).to_bytes(8, "little")
        os.write(wfd, length)
        while view:
            n = os.write(wfd, view)
            view = view[n:]
    except BaseException:  # noqa: BLE001
        code = 70
    finally:
        try:
            sys.stderr.flush()
        finally:
            os._exit(code)


def run_isolated(fn: Callable[..., Any], args: tuple[Any, ...] = (), timeout: float = 60.0) -> Isolated:
    """Call ``fn(*args)`` in a forked child; return its value, or how it died."""
    if not hasattr(os, "fork"):
        raise RuntimeError("process isolation needs os.fork (POSIX); run with --no-isolation on this platform")
    fd, stderr_path = tempfile.mkstemp(prefix="udcodec-stderr-")
    os.close(fd)
    rfd, wfd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.close(rfd)
        _child(fn, args, wfd, stderr_path)
    os.close(wfd)
    chunks: list[bytes] = []
    deadline = start + timeout
    hung = False
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                hung = True
                break
            ready, _, _ = select.select([rfd], [], [], remaining)
            if not ready:
                continue
            data = os.read(rfd, 1 << 20)
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(rfd)
    if hung:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    _, status = os.waitpid(pid, 0)
    duration = time.monotonic() - start
    tail = _tail(stderr_path)
    os.unlink(stderr_path)
    if hung:
        return Isolated(ChildStatus.HANG, stderr_tail=tail, duration=duration)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return Isolated(ChildStatus.CRASH, signal=signal.Signals(sig).name, stderr_tail=tail, duration=duration)
    raw = b"".join(chunks)
    exitcode = os.WEXITSTATUS(status)
    if len(raw) < 8 or len(raw) - 8 != int.from_bytes(raw[:8], "little"):
        return Isolated(ChildStatus.CRASH, exitcode=exitcode, stderr_tail=tail, duration=duration,
                        error=f"the child exited with status {exitcode} before reporting a result")
    kind, value = pickle.loads(raw[8:])
    if kind is ChildStatus.RAISED:
        return Isolated(ChildStatus.RAISED, error=value, stderr_tail=tail, duration=duration)
    return Isolated(ChildStatus.OK, value=value, stderr_tail=tail, duration=duration)


def run_inline(fn: Callable[..., Any], args: tuple[Any, ...] = ()) -> Isolated:
    """The same contract without a child process (debugging; no crash or hang protection)."""
    start = time.monotonic()
    try:
        value = fn(*args)
    except BaseException:  # noqa: BLE001
        return Isolated(ChildStatus.RAISED, error=traceback.format_exc(), duration=time.monotonic() - start)
    return Isolated(ChildStatus.OK, value=value, duration=time.monotonic() - start)
