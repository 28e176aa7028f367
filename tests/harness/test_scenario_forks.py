"""``udcodec.scenarios._in_forks``: how THREAD-CHUNK-DOOR's forked reads report an answer, a crash and a hang."""

from __future__ import annotations

import ctypes
import os
import time
from collections.abc import Callable
from typing import Any

from udcodec import scenarios


def in_fork(action: Callable[[], Any], deadline: float) -> tuple[Any, str | None]:
    """One forked child's answer, or how it ended."""
    return scenarios._in_forks(action, 1, deadline)[0]


def test_an_answer_comes_back_as_json() -> None:
    assert in_fork(lambda: {"pid": os.getpid(), "n": 3}, deadline=10)[0]["n"] == 3


def test_a_crash_is_named_by_its_signal() -> None:
    answer, how = in_fork(lambda: ctypes.string_at(0), deadline=10)
    assert (answer, how) == (None, "killed by SIGSEGV")


def test_an_exception_is_an_exit_status() -> None:
    assert in_fork(lambda: 1 / 0, deadline=10) == (None, "exit status 3")


def test_a_hang_is_killed_at_the_deadline() -> None:
    started = time.monotonic()
    assert in_fork(lambda: time.sleep(60), deadline=0.5) == (None, "hung")
    assert time.monotonic() - started < 10


def test_a_forked_child_writes_no_core_file() -> None:
    def limit() -> dict[str, int]:
        import resource

        return {"core": resource.getrlimit(resource.RLIMIT_CORE)[0]}

    assert in_fork(limit, deadline=10)[0] == {"core": 0}


def test_no_fork_follows_a_hang() -> None:
    results = scenarios._in_forks(lambda: time.sleep(60), 6, deadline=0.3)
    assert results == [(None, "hung")] * 2  # the first two, forked together; no more after them
