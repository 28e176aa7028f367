"""Commands run as children in process groups of their own, all stopped together when the caller is interrupted.

``udcodec self-test`` and ``udcodec history`` run whole ``udcodec run`` commands (which run checks of their own)
from worker threads. Each child leads a new session, so stopping it reaches everything it started; the live
ones are kept here so that an interrupt (Ctrl-C, or SIGTERM once :func:`term_as_interrupt` made it one) stops
them all instead of leaving them running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from typing import Any

#: Seconds a stopped group gets to clean up after SIGTERM before SIGKILL.
STOP_GRACE = 5.0

_LIVE: set[subprocess.Popen[Any]] = set()
_LIVE_LOCK = threading.Lock()


def popen(cmd: Sequence[str], **kwargs: Any) -> subprocess.Popen[Any]:
    """``subprocess.Popen`` in a new session, kept live until :func:`forget`."""
    proc: subprocess.Popen[Any] = subprocess.Popen(list(cmd), start_new_session=True, **kwargs)
    with _LIVE_LOCK:
        _LIVE.add(proc)
    return proc


def forget(proc: subprocess.Popen[Any]) -> None:
    with _LIVE_LOCK:
        _LIVE.discard(proc)


def kill(proc: subprocess.Popen[Any]) -> None:
    """SIGKILL ``proc``'s whole group and reap ``proc``."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def run(cmd: Sequence[str], timeout: float, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)``, its group killed on a timeout."""
    proc = popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill(proc)
        raise
    finally:  # on an interrupt the group stays live, for stop_all to stop with its grace
        if proc.returncode is not None:
            forget(proc)
    return subprocess.CompletedProcess(list(cmd), proc.returncode, out, err)


def live() -> list[int]:
    """The pids of the children still live (for tests)."""
    with _LIVE_LOCK:
        return [p.pid for p in _LIVE]


def stop_all(grace: float = STOP_GRACE) -> None:
    """Stop every live child: SIGTERM to its process group (it may reap its own children), then SIGKILL."""
    with _LIVE_LOCK:
        procs = list(_LIVE)
    for proc in procs:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for proc in procs:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            kill(proc)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # what the child left behind in its group
        forget(proc)


def term_as_interrupt() -> Any:
    """Make SIGTERM raise KeyboardInterrupt in the main thread, as Ctrl-C does; the previous handler (None off the
    main thread, where nothing is changed), for :func:`restore_term`."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, interrupt)


def restore_term(previous: Any) -> None:
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)
