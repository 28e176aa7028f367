"""Processes as ``/proc`` lists them (Linux): who is alive, and which processes a session still holds."""

from __future__ import annotations

import os
import time
from pathlib import Path


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return raw[raw.rfind(")") + 2:].split()  # state, ppid, pgrp, session, ...


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie is not running)."""
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def in_session(sid: int) -> list[int]:
    """Live processes of session ``sid`` (zombies left out)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields is not None and fields[0] not in ("Z", "X") and int(fields[3]) == sid:
                found.append(int(entry))
    return found


def naming(*texts: str, zombies: bool = False) -> list[int]:
    """Processes whose command line (arguments joined by spaces) holds every one of ``texts``; zombies only when
    ``zombies`` is true."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # it ended while we looked
        fields = _stat(int(entry))
        if fields is None or (fields[0] in ("Z", "X") and not zombies):
            continue
        if all(text in cmdline for text in texts):
            found.append(int(entry))
    return found


def descendants(pid: int) -> list[int]:
    """Live processes below ``pid`` in the process tree."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields is not None and fields[0] not in ("Z", "X"):
                children.setdefault(int(fields[1]), []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def wait_until(predicate: object, timeout: float = 10.0) -> bool:
    """Poll ``predicate()`` until it is true or ``timeout`` s pass; its last value."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():  # type: ignore[operator]
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def as_from_a_terminal() -> None:
    """``preexec_fn`` for a run a test interrupts: Ctrl-C's default disposition, whatever this process
    inherited (a job started in the background by a non-interactive shell ignores SIGINT, and Python
    then installs no KeyboardInterrupt handler)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
