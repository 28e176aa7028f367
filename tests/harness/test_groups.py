"""``udcodec.engine.groups``: commands in process groups of their own, stopped with all they started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from proctable import naming, wait_until
from udcodec.engine import groups


def _family(marker: str) -> list[str]:
    """A Python child that starts a grandchild and then sleeps, both with ``marker`` in their command line."""
    grandchild = "import time; time.sleep(60)"
    child = ("import subprocess, sys, time; "
             f"subprocess.Popen([sys.executable, '-c', {grandchild!r}, sys.argv[1]]); time.sleep(60)")
    return [sys.executable, "-c", child, marker]


def test_run_returns_what_the_command_printed_and_forgets_it() -> None:
    got = groups.run([sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"], 30)
    assert (got.returncode, got.stdout, got.stderr) == (3, "out\n", "err\n")
    assert groups.live() == []


def test_a_timeout_kills_the_command_and_what_it_started() -> None:
    marker = f"--udcodec-groups-timeout-{os.getpid()}"
    with pytest.raises(subprocess.TimeoutExpired):
        groups.run(_family(marker), 2.0)
    assert wait_until(lambda: not naming(marker), 5.0), f"left running: {naming(marker)}"
    assert groups.live() == []


def test_stop_all_stops_a_running_command_and_its_grandchildren() -> None:
    marker = f"--udcodec-groups-stop-{os.getpid()}"
    done: list[subprocess.CompletedProcess[str]] = []
    worker = threading.Thread(target=lambda: done.append(groups.run(_family(marker), 60)))
    worker.start()
    wait_until(lambda: len(naming(marker)) >= 2, 10.0)  # the child and its grandchild
    assert len(groups.live()) == 1
    groups.stop_all(grace=1.0)
    worker.join(10)
    assert not worker.is_alive() and done and done[0].returncode == -signal.SIGTERM
    assert wait_until(lambda: not naming(marker), 5.0), f"left running: {naming(marker)}"
    assert groups.live() == []


def test_sigterm_becomes_a_keyboard_interrupt_and_the_handler_comes_back() -> None:
    before = signal.getsignal(signal.SIGTERM)
    previous = groups.term_as_interrupt()
    try:
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
    finally:
        groups.restore_term(previous)
    assert signal.getsignal(signal.SIGTERM) == before
