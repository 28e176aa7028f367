"""A pristine process for fresh-process requests: forked before the check runs, it forks one child per request.

A check child is forked from the harness process, which never registers a codec or filter, and has the
adapter's modules loaded (``udcodec.engine.warm``). Forked at the start of the check child, before the check
registers anything, this process is what a fresh process is to a clause that reopens a container: nothing
registered, nothing cached from the writing. Each request is answered by a child of it (``udcodec.scenarios.serve``),
in the check's process group and below the check child, so it is killed with the check like an interpreter
would be. It saves the interpreter's start-up and imports (0.3 to 0.9 s a request). Requests with a simulated
core count cannot be answered here: the implementation reads the core count when it is imported, so they go
to the run's zygote, an interpreter that has not imported it (``fresh.start_zygote``, ``fresh.run_fresh_each``).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import tempfile
import time
import traceback
from dataclasses import dataclass
from typing import Any

from udcodec.engine.isolation import tail_of

_HEADER = 8


class SpareGone(OSError):
    """The pristine process died or is gone: answer the request in an interpreter instead."""


@dataclass
class _Spare:
    pid: int
    owner: int  # the process that forked it: only that one may use it
    send: int
    receive: int
    environ: dict[str, str]  # its environment, which an interpreter started now would have to match


_SPARE: _Spare | None = None


def spare_pid() -> int | None:
    """The pid of this process's pristine spare (None: it forked none)."""
    return _SPARE.pid if _SPARE is not None and _SPARE.owner == os.getpid() else None


def _write(fd: int, payload: bytes) -> None:
    view = memoryview(len(payload).to_bytes(_HEADER, "little") + payload)
    while view:
        view = view[os.write(fd, view):]


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes | None:
    buf = b""
    while len(buf) < size:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise TimeoutError
        data = os.read(fd, size - len(buf))
        if not data:
            return None
        buf += data
    return buf


def _read(fd: int, deadline: float | None = None) -> Any:
    head = _read_exactly(fd, _HEADER, deadline)
    if head is None:
        return None
    body = _read_exactly(fd, int.from_bytes(head, "little"), deadline)
    return None if body is None else json.loads(body)


def _answer(request: dict[str, Any], answer_path: str, stderr_path: str, cwd: str) -> None:
    """In the request's own child: answer as ``python -m udcodec.scenarios`` would, into ``answer_path``."""
    code = 1
    try:
        os.dup2(os.open(stderr_path, os.O_WRONLY | os.O_TRUNC), 2)
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        os.chdir(cwd)
        from udcodec.scenarios import serve

        answer = json.dumps(serve(request))
        with open(answer_path, "w", encoding="utf-8") as fh:
            fh.write(answer)
        code = 0
    except BaseException:  # noqa: BLE001 - reported as an interpreter's uncaught exception would be
        with contextlib.suppress(BaseException):
            os.write(2, traceback.format_exc().encode("utf-8", "replace"))
    finally:
        os._exit(code)


def _serve_requests(receive: int, send: int) -> None:
    """The spare's loop: a child per request; its pid, then its wait status, go back. Ends at EOF."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)
    while True:
        message = _read(receive)
        if message is None:
            return
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the request's child
            os.close(receive)
            os.close(send)
            _answer(message["request"], message["answer"], message["stderr"], message["cwd"])
        _write(send, json.dumps({"pid": pid}).encode())
        _, status = os.waitpid(pid, 0)
        _write(send, json.dumps({"status": status}).encode())


def fork_spare() -> None:
    """Fork the pristine process (call it before the check registers anything); ``run_pristine`` then uses it."""
    global _SPARE
    to_spare_r, to_spare_w = os.pipe()
    from_spare_r, from_spare_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the spare
        code = 0
        try:
            os.close(to_spare_w)
            os.close(from_spare_r)
            _serve_requests(to_spare_r, from_spare_w)
        except BaseException:  # noqa: BLE001
            code = 70
        finally:
            os._exit(code)
    os.close(to_spare_r)
    os.close(from_spare_w)
    _SPARE = _Spare(pid, os.getpid(), to_spare_w, from_spare_r, dict(os.environ))


def _drop(spare: _Spare, *pids: int) -> None:
    global _SPARE
    _SPARE = None
    for pid in (*pids, spare.pid):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    for fd in (spare.send, spare.receive):
        with contextlib.suppress(OSError):
            os.close(fd)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(spare.pid, 0)


def available() -> bool:
    """Whether this process forked a spare that still serves, and its environment is still this process's.

    An interpreter started now would read the environment as it is now, also when it imports the implementation.
    """
    return _SPARE is not None and _SPARE.owner == os.getpid() and _SPARE.environ == os.environ


def run_pristine(request: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Answer ``request`` (no ``"cores"``) in a child of the spare; as ``run_fresh`` answers (crash, timeout)."""
    spare = _SPARE
    assert spare is not None and spare.owner == os.getpid()
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryDirectory(prefix="udcodec-pristine-") as tmp:
        answer_path, stderr_path = os.path.join(tmp, "answer.json"), os.path.join(tmp, "stderr")
        open(stderr_path, "wb").close()
        child = 0
        try:
            _write(spare.send, json.dumps({"request": request, "answer": answer_path, "stderr": stderr_path,
                                           "cwd": os.getcwd()}).encode())
            started = _read(spare.receive, deadline)
            child = int(started["pid"])
            ended = _read(spare.receive, deadline)
            if ended is None:
                raise SpareGone("the pristine process ended")
        except TimeoutError:
            _drop(spare, child)
            raise subprocess.TimeoutExpired("udcodec pristine process", timeout) from None
        except (OSError, TypeError, ValueError) as exc:  # the spare itself died
            _drop(spare, child)
            raise SpareGone(f"the pristine process is gone: {exc}") from exc
        status = int(ended["status"])
        stderr = tail_of(stderr_path, 4000)
        answer: dict[str, Any] | None = None
        with contextlib.suppress(OSError, ValueError):
            with open(answer_path, encoding="utf-8") as fh:
                answer = json.load(fh)
    returncode = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    if returncode != 0 or answer is None:
        return {"ok": False, "crashed": True, "returncode": returncode, "error": stderr[-2000:]}
    return answer
