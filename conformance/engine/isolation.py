"""Run a function in a forked child so that a crash or a hang of the implementation cannot end the run.

The harness process never registers a codec, so every child starts from a pristine
registry even for implementations (like python-blosc2) whose registry is global C state
that cannot be cleared. The child's stdout and stderr go to a file (cut back when a flood passes
:data:`OUTPUT_LIMIT`) whose tail is reported on a crash.

Each child leads its own process group, and the whole group is killed when the call ends,
whatever happened: nothing a check starts outlives it. The child is also a subreaper (Linux) and
waits to be killed after sending its result, so what its descendants moved out of the group
(``setsid``) is found below it in ``/proc`` and killed too. Live children are kept in a registry
that :func:`cleanup_children` empties on SIGINT, SIGTERM and at exit (:func:`install_cleanup`).
A child that reported its result is killed at once but reaped later (at the next call, or at exit): the
kernel's teardown of its copy of the parent then overlaps the next check. Until reaped, it keeps its pid and
so its group id. A memory limit (``RLIMIT_DATA``, else ``RLIMIT_AS``) can be set on the child; hitting it is
:attr:`ChildStatus.RESOURCE`.
"""

from __future__ import annotations

import atexit
import contextlib
import enum
import faulthandler
import functools
import math
import os
import pickle
import select
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any

from udcodec.resources import disk_free

STDERR_TAIL_BYTES = 16000  # room for a faulthandler stack below the last lines a check printed
#: Past this size, a child's output file is cut back to its last bytes (a flood must not fill the disk).
OUTPUT_LIMIT = 64 << 20
#: How often the parent looks whether the child has died while no result arrives (seconds).
_POLL = 0.1
_HEADER = 8
#: What a child that ran out of memory (under the limit) leaves in its stderr.
_MEMORY_WORDS = ("MemoryError", "Cannot allocate memory", "std::bad_alloc", "out of memory")
_CLEANUP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_PR_SET_CHILD_SUBREAPER = 36
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def default_memory_limit() -> int:
    """4 GiB, or three quarters of the physical memory where that is less."""
    physical = _physical_memory()
    return min(4 << 30, physical * 3 // 4) if physical else 4 << 30


def parse_memory_limit(text: str) -> int | None:
    """Bytes from ``4G``, ``512M``, ``1.5G``, ``1048576`` (K/M/G/T are powers of 1024); ``0``/``none``: no limit."""
    value = text.strip().upper().removesuffix("IB").removesuffix("B")
    if value in ("0", "NONE"):
        return None
    unit = value[-1:] if value[-1:].isalpha() and value[-1:] in _UNITS else ""
    number = value[: len(value) - len(unit)]
    try:
        size = float(number)
    except ValueError:
        raise ValueError(f"not a memory size: {text!r} (e.g. 4G, 512M, 0 for none)") from None
    if not (size > 0 and math.isfinite(size)):
        raise ValueError(f"a memory limit must be positive (or 0 for none), got {text!r}")
    if size * _UNITS[unit] >= 1 << 62:  # setrlimit takes no more (and no machine has it)
        raise ValueError(f"a memory limit of {text!r} is more than any machine has (give 0 for none)")
    return int(size * _UNITS[unit])


def memory_limit(text: str | None) -> int | None:
    """The limit a ``--memory-limit`` option gives: :func:`default_memory_limit` when it is not given."""
    return default_memory_limit() if text is None else parse_memory_limit(text)


def format_bytes(size: int | None) -> str:
    """``4 GiB``, ``512 MiB``, ... (``none`` for no limit)."""
    if not size:
        return "none"
    for unit in ("T", "G", "M", "K"):
        if size >= _UNITS[unit]:
            return f"{size / _UNITS[unit]:.3g} {unit}iB"
    return f"{size} B"


class ChildStatus(enum.Enum):
    """How the child ended (about the process; what it means for a clause is the runner's call)."""

    OK = "ok"  # it returned a value
    RAISED = "raised"  # the function raised; the traceback came back
    CRASH = "crash"  # it died (signal, or exited before reporting a result)
    HANG = "hang"  # it outlived the timeout and was killed
    RESOURCE = "resource"  # it ran out of memory under the memory limit (MemoryError, or died of it)


@dataclass
class Isolated:
    """What happened in the child."""

    status: ChildStatus
    value: Any = None
    signal: str | None = None
    exitcode: int | None = None
    stderr_tail: str = ""
    duration: float = 0.0
    error: str = ""  # for RAISED and RESOURCE: the child's traceback or what it died of
    #: Bytes free on the file system of the child's TMPDIR when it ended (None: not measured).
    disk_free: int | None = None
    #: Bytes the child (and what it started) wrote to stdout and stderr.
    output_bytes: int = 0


@dataclass
class _Live:
    pid: int
    stderr_path: str
    scratch: str  # the child's TMPDIR
    reaped: bool = False
    dropped: int = 0  # bytes of output cut from the file (:func:`bound_output`)


#: Children of this process that are running (pid -> its group leader and temp file).
_LIVE: dict[int, _Live] = {}
#: Children that reported, were killed and are not reaped yet.
_DYING: set[int] = set()
_installed = False


def live_children() -> list[int]:
    """The pids of the isolated children running now."""
    return list(_LIVE)


def _kill_group(pid: int) -> None:
    """SIGKILL the process group ``pid`` leads (its leader is not reaped yet, so the group id is still ours)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)


def _finish(live: _Live) -> int | None:
    """Kill ``live``'s tree and group, reap its leader, remove its temp file; the wait status, or None if reaped."""
    _kill_tree(live.pid)
    status = None
    if not live.reaped:
        with contextlib.suppress(ChildProcessError):
            _, status = os.waitpid(live.pid, 0)
        live.reaped = True
    with contextlib.suppress(OSError):
        os.unlink(live.stderr_path)
    shutil.rmtree(live.scratch, ignore_errors=True)
    _LIVE.pop(live.pid, None)
    return status


def cleanup_children() -> None:
    """Kill every live child's process group and remove its temp files (signal handlers, exit); reap the dying."""
    for live in list(_LIVE.values()):
        _finish(live)
    _reap_dying(block=True)


def _reap_dying(block: bool = False) -> None:
    """Reap the killed children of :data:`_DYING` that have ended (all of them with ``block``)."""
    for pid in list(_DYING):
        try:
            done, _ = os.waitpid(pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            _DYING.discard(pid)


def _process_tree() -> dict[int, list[int]]:
    """Parent pid -> child pids, from Linux ``/proc`` (empty elsewhere)."""
    tree: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return tree
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 1:
            tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def _has_children_files() -> bool:
    """Whether Linux lists each task's children in ``/proc/PID/task/TID/children`` (CONFIG_PROC_CHILDREN)."""
    return os.path.exists(f"/proc/{os.getpid()}/task/{threading.get_native_id()}/children")


_CHILDREN_FILES = _has_children_files()


def _children_of(pid: int) -> list[int]:
    """``pid``'s child processes, read from its tasks' ``children`` files (none if it is gone)."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as fh:
                found += (int(child) for child in fh.read().split())
        except (OSError, ValueError):
            continue
    return found


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid``: from its tasks' ``children`` files where Linux has them (a few reads instead
    of one per process of the machine), else from the whole process table."""
    found: list[int] = []
    todo = [pid]
    if _CHILDREN_FILES:
        while todo:
            children = _children_of(todo.pop())
            found += children
            todo += children
        return found
    tree = _process_tree()
    while todo:
        children = tree.get(todo.pop(), [])
        found += children
        todo += children
    return found


def _children_of_this_process() -> list[int]:
    """Other processes whose parent is this one, isolated children aside."""
    return [pid for pid in _process_tree().get(os.getpid(), []) if pid not in _LIVE]


def left_running(exclude: set[int]) -> list[str]:
    """The command lines of the processes running below this one, but for those in or below ``exclude`` (the
    harness's own helpers): what an implementation started and left behind (run in the check's child)."""
    skip = set(exclude)
    for pid in exclude:
        skip.update(_descendants(pid))
    found = []
    for pid in _descendants(os.getpid()):
        if pid in skip:
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                line = fh.read().replace(b"\0", b" ").strip().decode("utf-8", "backslashreplace")
        except OSError:
            continue  # ended meanwhile
        found.append(line or f"pid {pid}")
    return found


def _kill_tree(pid: int) -> None:
    """SIGKILL what runs below child ``pid``, also what left its process group (``setsid``); then the group.

    The child is a subreaper (Linux) and stays alive until killed, so orphans of its descendants are still below it.
    """
    if not _exited(pid):
        _kill_below(pid)
    _kill_group(pid)


def _kill_below(pid: int) -> None:
    """SIGKILL every process below ``pid``."""
    for below in _descendants(pid):
        with contextlib.suppress(OSError):
            os.kill(below, signal.SIGKILL)


def become_subreaper() -> None:
    """Orphaned descendants are reparented to this process instead of init (Linux; elsewhere nothing)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def kill_descendants() -> None:
    """SIGKILL every process below this one and reap those that were its children.

    A subreaper (:func:`become_subreaper`) finds here also what its descendants left behind in a session of its own.
    """
    _kill_below(os.getpid())
    while True:
        try:
            if os.waitpid(-1, 0)[0] == 0:
                break
        except ChildProcessError:
            break


#: The cleanup signals this process received (the run is then incomplete, whatever pytest concludes).
_RECEIVED: list[int] = []


def interrupted_by_signal() -> bool:
    """Whether this process got SIGINT, SIGTERM or SIGHUP since :func:`install_cleanup`."""
    return bool(_RECEIVED)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    cleanup_children()
    repeated = any(s in _RECEIVED for s in _CLEANUP_SIGNALS)
    _RECEIVED.append(signum)
    if repeated:
        # A second Ctrl-C (a terminal's, and the one tox or timeout(1) forward) must not raise inside the handling of
        # the first: the reports, marked interrupted, are being written.
        return
    previous = _PREVIOUS.get(signum)
    if signum in (signal.SIGTERM, signal.SIGHUP):
        # Worker processes (pytest-xdist) clean up their own children on SIGTERM; then die the usual way.
        for pid in _children_of_this_process():
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
    if callable(previous):
        previous(signum, frame)
        return
    if previous == signal.SIG_IGN:
        return
    for path in _SCRATCH:  # nothing else runs before the process dies of the signal
        shutil.rmtree(path, ignore_errors=True)
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


#: Directories to remove when a signal ends this process (:func:`remove_on_signal`).
_SCRATCH: list[str] = []


def remove_on_signal(path: str) -> None:
    """Remove ``path`` (a scratch directory) also when SIGINT or SIGTERM ends this process by its default action."""
    _SCRATCH.append(path)


_PREVIOUS: dict[int, Any] = {}


def install_cleanup() -> None:
    """Clean up live children on SIGINT/SIGTERM (then the previous handler runs) and at exit; idempotent.

    Signal handlers can only be set from the main thread; elsewhere only the exit hook is installed.
    """
    global _installed
    if _installed:
        return
    _installed = True
    atexit.register(cleanup_children)
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in _CLEANUP_SIGNALS:
        _PREVIOUS[signum] = signal.getsignal(signum)
        signal.signal(signum, _on_signal)


def tail_of(path: str, size: int = STDERR_TAIL_BYTES) -> str:
    """The last ``size`` bytes of the file at ``path``, decoded ("" when it cannot be read)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - size))
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


def size_of(path: str) -> int:
    """The size of the file at ``path`` (0 when it cannot be read)."""
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


#: What a cut leaves at the end of an output file: the tail the reports quote, and more.
_KEPT = 1 << 20
_FALLOC_FL_KEEP_SIZE, _FALLOC_FL_PUNCH_HOLE = 0x01, 0x02


@functools.cache
def _fallocate() -> Any:
    """libc's ``fallocate``, or None (not Linux, or not found)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        fallocate = ctypes.CDLL(None, use_errno=True).fallocate
    except (OSError, AttributeError):
        return None
    fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
    return fallocate


def _punch_hole(path: str, length: int) -> bool:
    """Free the disk blocks of the first ``length`` bytes of the file at ``path``, keeping its size (Linux)."""
    fallocate = _fallocate()
    if fallocate is None:
        return False
    try:
        fd = os.open(path, os.O_WRONLY)
    except OSError:
        return False
    try:
        return fallocate(fd, _FALLOC_FL_PUNCH_HOLE | _FALLOC_FL_KEEP_SIZE, 0, length) == 0
    finally:
        os.close(fd)


def _allocated(path: str) -> int:
    """The bytes of disk the file at ``path`` takes (0 when it cannot be read)."""
    try:
        return os.stat(path).st_blocks * 512
    except OSError:
        return 0


def bound_output(path: str, limit: int = OUTPUT_LIMIT) -> int:
    """Free the disk the file at ``path`` takes once it passes ``limit`` bytes (its writers append); the bytes by
    which its size shrank.

    Where the file system can punch holes, all but its last bytes are freed and its size is kept: nothing a
    writer appends meanwhile is lost, and the size counts every byte written (0 is returned). Elsewhere the file
    is cut to nothing, and what is appended between the look at its size and the cut is lost uncounted.
    """
    size = size_of(path)
    if size <= limit or _allocated(path) <= limit:  # a file punched before is judged by what it takes now
        return 0
    if _punch_hole(path, (size - _KEPT) // _KEPT * _KEPT):
        return 0
    try:
        os.truncate(path, 0)
    except OSError:
        return 0
    return size


def _limit_memory(limit: int) -> None:
    import resource

    which = getattr(resource, "RLIMIT_DATA", None) if sys.platform.startswith("linux") else None
    which = resource.RLIMIT_AS if which is None else which
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(which, (limit, hard))


def no_core_files() -> None:
    """A crash is reported from its signal and stderr: a core file would only fill the disk."""
    import resource

    with contextlib.suppress(OSError, ValueError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))


def _child(fn: Callable[..., Any], args: tuple[Any, ...], wfd: int, release: int, stderr_path: str,
           memory_limit: int | None, scratch: str) -> None:
    code = 0
    try:
        with contextlib.suppress(OSError):
            os.setpgid(0, 0)
        # Temporary files go to a folder of the parent's, which it removes however the child ends (a crash runs no
        # cleanup of the child's own); every process the child starts inherits it.
        os.environ["TMPDIR"] = tempfile.tempdir = scratch
        no_core_files()
        become_subreaper()
        for signum in _CLEANUP_SIGNALS:
            signal.signal(signum, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _CLEANUP_SIGNALS)
        _LIVE.clear()  # the parent's children are not this process's to kill
        # stdout too: what a check prints must not reach the terminal or pytest's capture (a flood would be
        # printed whole). O_APPEND lets the parent cut the file while the child writes (:func:`bound_output`).
        errfd = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(errfd, 1)
        os.dup2(errfd, 2)
        os.close(errfd)
        # sys.stdout/sys.stderr may not be fds 1/2 (pytest's capture replaces them): point them at the file too,
        # line-buffered like Python's own, and make a fatal signal write its traceback there.
        sys.stdout = open(1, "w", buffering=1, errors="backslashreplace", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", buffering=1, errors="backslashreplace", closefd=False)  # noqa: SIM115
        faulthandler.enable(file=sys.stderr, all_threads=True)
        if memory_limit:
            _limit_memory(memory_limit)
        try:
            payload = pickle.dumps((ChildStatus.OK, fn(*args)))
        except MemoryError:
            payload = pickle.dumps((ChildStatus.RESOURCE, traceback.format_exc()))
        except BaseException:  # noqa: BLE001 - everything the check raised goes back to the parent
            payload = pickle.dumps((ChildStatus.RAISED, traceback.format_exc()))
        sys.stdout.flush()  # before the result: the parent may kill the group as soon as it has it
        sys.stderr.flush()
        view = memoryview(payload)
        os.write(wfd, len(payload).to_bytes(_HEADER, "little"))
        while view:
            n = os.write(wfd, view)
            view = view[n:]
        # Stay (holding the orphans of descendants) until the parent kills the tree; EOF if the parent died.
        os.read(release, 1)
    except BaseException:  # noqa: BLE001
        code = 70
    finally:
        try:
            sys.stderr.flush()
        finally:
            os._exit(code)


def _exited(pid: int) -> bool:
    """Whether child ``pid`` has ended (left unreaped, so that its process group stays ours to kill)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True




def _read_result(rfd: int, live: _Live, deadline: float) -> tuple[bytes | None, bool]:
    """The child's length-prefixed message (None if it ended without one) and whether the deadline passed.

    Stops at the end of the message, or when the child has ended and the pipe holds nothing more: a
    grandchild that inherited the pipe's write end must not keep the parent waiting for EOF.
    """
    pid = live.pid
    buf = bytearray()
    need: int | None = None
    while True:
        if need is not None and len(buf) >= need:
            return bytes(buf[_HEADER:need]), False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None, True
        ready, _, _ = select.select([rfd], [], [], min(remaining, _POLL))
        if not ready:
            live.dropped += bound_output(live.stderr_path)
            if _exited(pid):
                ready, _, _ = select.select([rfd], [], [], 0)
                if not ready:
                    return None, False
            else:
                continue
        data = os.read(rfd, 1 << 20)
        if not data:
            return None, False
        buf += data
        if need is None and len(buf) >= _HEADER:
            need = _HEADER + int.from_bytes(buf[:_HEADER], "little")


def _ran_out_of_memory(tail: str, usage: Any, memory_limit: int | None) -> bool:
    if not memory_limit:
        return False
    if any(word in tail for word in _MEMORY_WORDS):
        return True
    return usage is not None and usage.ru_maxrss * 1024 >= 0.9 * memory_limit


def run_isolated(fn: Callable[..., Any], args: tuple[Any, ...] = (), timeout: float = 60.0,
                 memory_limit: int | None = None) -> Isolated:
    """Call ``fn(*args)`` in a forked child; return its value, or how it died.

    ``memory_limit`` (bytes) caps the child's data segment; ``None`` or 0: no limit.
    """
    if not hasattr(os, "fork"):
        raise RuntimeError("process isolation needs os.fork (POSIX); run with --no-isolation on this platform")
    _reap_dying()
    fd, stderr_path = tempfile.mkstemp(prefix="udcodec-stderr-")
    os.close(fd)
    scratch = tempfile.mkdtemp(prefix="udcodec-check-")
    rfd, wfd = os.pipe()
    release_r, release_w = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    start = time.monotonic()
    # No cleanup signal between fork and registration: a child no registry knows would outlive the run.
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _CLEANUP_SIGNALS)
    try:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            os.close(rfd)
            os.close(release_w)
            _child(fn, args, wfd, release_r, stderr_path, memory_limit, scratch)
        with contextlib.suppress(OSError):
            os.setpgid(pid, pid)  # also here: the group must exist before the parent may kill it
        live = _LIVE[pid] = _Live(pid, stderr_path, scratch)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    os.close(wfd)
    os.close(release_r)
    deadline = start + timeout
    free: int | None = None
    try:
        raw, hung = _read_result(rfd, live, deadline)
        # Left unreaped until now, so that the group id cannot be reused by the time it is killed.
        _kill_tree(pid)
        usage = None
        status = 0
        if raw is not None and not live.reaped:  # it reported: what its exit says is not needed now
            _DYING.add(pid)
            live.reaped = True
        if not live.reaped:
            with contextlib.suppress(ChildProcessError):  # a signal handler may have reaped it
                _, status, usage = os.wait4(pid, 0)
            live.reaped = True
        duration = time.monotonic() - start
        tail = tail_of(stderr_path)
        written = live.dropped
        with contextlib.suppress(OSError):
            written = live.dropped + os.stat(stderr_path).st_size
            if written > OUTPUT_LIMIT:
                # "at least" where the file was cut: what the child wrote between a size read and the cut is lost
                least = "at least " if live.dropped else ""
                tail = f"[udcodec: the check wrote {least}{format_bytes(written)} of output; its end follows]\n{tail}"
        free = disk_free(scratch)  # before the scratch goes: what the check (and what it started) left room for
    finally:
        os.close(rfd)
        os.close(release_w)
        _finish(live)
    if raw is not None:
        kind, value = pickle.loads(raw)
        if kind is ChildStatus.OK:
            return Isolated(ChildStatus.OK, value=value, stderr_tail=tail, duration=duration, disk_free=free,
                            output_bytes=written)
        return Isolated(kind, error=value, stderr_tail=tail, duration=duration, disk_free=free)
    if hung:
        return Isolated(ChildStatus.HANG, stderr_tail=tail, duration=duration, disk_free=free)
    signame = signal.Signals(os.WTERMSIG(status)).name if os.WIFSIGNALED(status) else None
    if _ran_out_of_memory(tail, usage, memory_limit):
        return Isolated(ChildStatus.RESOURCE, signal=signame, stderr_tail=tail, duration=duration,
                        error="the child ran out of memory under the memory limit", disk_free=free)
    if signame is not None:
        return Isolated(ChildStatus.CRASH, signal=signame, stderr_tail=tail, duration=duration, disk_free=free)
    exitcode = os.WEXITSTATUS(status)
    return Isolated(ChildStatus.CRASH, exitcode=exitcode, stderr_tail=tail, duration=duration, disk_free=free,
                    error=f"the child exited with status {exitcode} before reporting a result")


def run_inline(fn: Callable[..., Any], args: tuple[Any, ...] = ()) -> Isolated:
    """The same contract without a child process (debugging; no crash or hang protection)."""
    start = time.monotonic()
    try:
        value = fn(*args)
    except BaseException:  # noqa: BLE001
        return Isolated(ChildStatus.RAISED, error=traceback.format_exc(), duration=time.monotonic() - start)
    return Isolated(ChildStatus.OK, value=value, duration=time.monotonic() - start)
