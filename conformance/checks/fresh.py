"""Run part of a check in a fresh interpreter (``python -m udcodec.scenarios``, see that module for requests).

``"cores": N`` in a request makes the interpreter, and every interpreter it starts, see N cores
(``cores/sitecustomize.py``). :func:`run_fresh_each` answers several such requests from one interpreter,
forked per request before the implementation is imported. That interpreter is the run's zygote when the
harness started one (:func:`start_zygote`) and the check's :data:`STARTUP_VARIABLES` are the ones it was
started with; otherwise a new one.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from udcodec.adapters.loader import adapter_target
from udcodec.checks import pristine
from udcodec.checks.api import CheckCrashed, CheckFailed
from udcodec.crashsite import crash_site, while_doing
from udcodec.engine.isolation import bound_output, size_of, tail_of
from udcodec.scenarios import OUTPUT_LIMIT, cores_environment

#: Most bytes of a fresh interpreter's stdout read for its answer (its last line; only the answer is printed there).
ANSWER_MAX = 64 << 20
#: The directory whose ``sitecustomize.py`` simulates a core count in every interpreter started below it.
CORES_HOOK = Path(__file__).with_name("cores")


#: Prefixes of the environment variables an interpreter reads as it starts (its own, the dynamic loader's, and
#: those of the libraries NumPy loads): where a check's differ from the zygote's, a new interpreter answers.
STARTUP_VARIABLES = ("PYTHON", "LD_", "OPENBLAS", "OMP_", "MKL_", "GLIBC_", "MALLOC_")


@dataclass
class _Zygote:
    proc: subprocess.Popen[bytes]
    socket_path: str
    startup: dict[str, str]  # its STARTUP_VARIABLES


_ZYGOTE: _Zygote | None = None


def start_zygote(timeout: float = 30.0) -> bool:
    """Start the run's zygote (``udcodec.scenarios.zygote``): an interpreter that has imported what every fresh
    request shares, but no implementation, and forks for each batch; whether it is ready.

    Called by the harness before it forks any check child, which then finds it; stopped when the harness exits
    (its stdin closes, also if the harness dies). Without it every batch starts a new interpreter.
    """
    global _ZYGOTE
    if _ZYGOTE is not None:
        return True
    workdir = tempfile.mkdtemp(prefix="udcodec-zygote-")
    path = os.path.join(workdir, "socket")
    # Started with SIGTERM blocked (the mask is inherited): the zygote unblocks it once its handler, which removes
    # the socket folder, is in place; a SIGTERM while it imports would leave the folder.
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    try:
        proc = subprocess.Popen([sys.executable, "-m", "udcodec.scenarios", "--zygote", path], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    assert proc.stdout is not None
    ready = select.select([proc.stdout], [], [], timeout)[0] and proc.stdout.readline() == b"ready\n"
    proc.stdout.close()
    if not ready:
        _stop(proc, workdir)
        return False
    _ZYGOTE = _Zygote(proc, path, _startup())
    atexit.register(_stop, proc, workdir)
    return True


def _startup() -> dict[str, str]:
    """This process's environment variables of :data:`STARTUP_VARIABLES`."""
    return {k: v for k, v in os.environ.items() if k.startswith(STARTUP_VARIABLES)}


def _stop(proc: subprocess.Popen[bytes], workdir: str) -> None:
    with contextlib.suppress(OSError):
        assert proc.stdin is not None
        proc.stdin.close()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    shutil.rmtree(workdir, ignore_errors=True)


def _via_zygote(batch: dict[str, Any], timeout: float) -> str | None:
    """The JSON the zygote answered ``batch`` with ("" if its handler died), its handler in this process's group,
    working directory and environment; None when no zygote can stand in for a new interpreter here (none, or
    this process's :data:`STARTUP_VARIABLES` differ from its). ``subprocess.TimeoutExpired`` after ``timeout`` s."""
    zygote = _ZYGOTE
    if zygote is None or _startup() != zygote.startup:
        return None
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(zygote.socket_path)
    except OSError:
        return None  # the zygote is gone: a new interpreter answers
    deadline = time.monotonic() + timeout
    with conn:
        conn.sendall(json.dumps({**batch, "pgid": os.getpgrp(), "cwd": os.getcwd(), "environ": dict(os.environ)}).encode())
        conn.shutdown(socket.SHUT_WR)
        data = b""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([conn], [], [], remaining)[0]:
                raise subprocess.TimeoutExpired("udcodec.scenarios (the zygote)", timeout)
            chunk = conn.recv(65536)
            if not chunk:
                return data.decode("utf-8", "replace")
            data += chunk


def run_fresh(request: dict[str, Any], timeout: float = 60.0) -> dict[str, Any]:
    """Answer ``request`` in a fresh process (``udcodec.scenarios.serve``); a crash or a garbled answer comes back as ``{"ok": False, "crashed": ...}``.

    Without ``"cores"``, a process forked from the check child's pristine spare answers, when the check child
    has one (``udcodec.checks.pristine``); otherwise, and always with ``"cores"``, a new interpreter.

    ``request["cores"]`` (optional) is the core count the interpreter and its children see. The interpreter
    stays in the check's process group, so whatever it leaves running is killed with the check; its output
    goes to files, so that a process it started and left holding them cannot keep this call waiting (as it
    would for the end of a pipe). ``subprocess.TimeoutExpired`` after ``timeout`` s.
    """
    if "cores" not in request and pristine.available():
        with contextlib.suppress(pristine.SpareGone):
            return pristine.run_pristine(request, timeout)
    if request.get("cores") is not None and _ZYGOTE is not None:
        return run_fresh_each([request], timeout)[0]
    if "adapter" in request:  # resolved here: the new interpreter then need not read the entry points
        request = {**request, "adapter": adapter_target(request["adapter"])}
    with tempfile.TemporaryDirectory(prefix="udcodec-cache-") as cache:
        env = dict(os.environ) if request.get("cores") is None else \
            cores_environment(dict(os.environ), int(request["cores"]), str(CORES_HOOK), cache)
        returncode, stdout, stderr = _scenarios(request, env, timeout)
    lines = stdout.strip().splitlines()
    return _answer(returncode, lines[-1] if lines else "", stderr)


def _scenarios(payload: dict[str, Any], env: dict[str, str], timeout: float) -> tuple[int, str, str]:
    """``python -m udcodec.scenarios`` given ``payload`` on stdin: its exit status, stdout and stderr.

    Its output goes to files, so that a process it started and left holding them cannot keep this call
    waiting (as it would for the end of a pipe). ``subprocess.TimeoutExpired`` after ``timeout`` s.
    """
    with tempfile.TemporaryDirectory(prefix="udcodec-fresh-out-") as tmp:
        out_path, err_path = os.path.join(tmp, "out"), os.path.join(tmp, "err")
        with open(out_path, "wb") as out, open(err_path, "ab") as err:
            proc = subprocess.Popen([sys.executable, "-m", "udcodec.scenarios"], stdin=subprocess.PIPE, stdout=out,
                                    stderr=err, env=env)
        dropped = [0]

        def bound() -> None:
            dropped[0] += bound_output(err_path, OUTPUT_LIMIT)

        try:
            assert proc.stdin is not None
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.write(json.dumps(payload).encode())
                proc.stdin.close()
            _wait(proc, timeout, bound)
        except subprocess.TimeoutExpired as exc:
            exc.output = printed(dropped[0] + size_of(err_path))
            raise
        finally:
            if proc.returncode is None:
                proc.kill()
                proc.wait()
        return proc.returncode, tail_of(out_path, ANSWER_MAX), tail_of(err_path, 4000)


def _wait(proc: subprocess.Popen[bytes], timeout: float, meanwhile: Any = None) -> None:
    """``proc.wait(timeout)``, returning as soon as the process ends, calling ``meanwhile()`` every 0.1 s.

    ``Popen.wait`` with a timeout polls, sleeping up to 50 ms between polls; a pidfd is ready the moment
    the process exits. ``subprocess.TimeoutExpired`` after ``timeout`` s.
    """
    deadline = time.monotonic() + timeout
    try:
        pidfd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):  # not Linux 5.3+
        while proc.poll() is None:
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(proc.args, timeout) from None
            if meanwhile is not None:
                meanwhile()
            time.sleep(0.05)
        return
    try:
        while not select.select([pidfd], [], [], min(0.1, max(0.0, deadline - time.monotonic())))[0]:
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(proc.args, timeout)
            if meanwhile is not None:
                meanwhile()
    finally:
        os.close(pidfd)
    proc.wait()


def _answer(returncode: int, last_line: str, stderr: str) -> dict[str, Any]:
    """The answer a fresh process printed last, or the crash it ended with."""
    if returncode != 0 or not last_line:
        how = _ended(returncode)
        error = f"{how}: {stderr[-2000:]}" if stderr.strip() else how
        return {"ok": False, "crashed": True, "returncode": returncode, "error": error}
    answer: dict[str, Any] = json.loads(last_line)
    return answer


def run_fresh_each(requests: list[dict[str, Any]], timeout: float = 60.0) -> list[dict[str, Any]]:
    """Answer ``requests`` (each may give ``"cores"``) as :func:`run_fresh` would, each in a fresh process, at once.

    One new interpreter imports what every request shares (NumPy, the protocol, the scenarios) and forks a
    child per request, which applies its core count and only then loads the adapter: what the
    implementation sees is what a new interpreter with that core count shows it, and the start-up is paid
    once. ``subprocess.TimeoutExpired`` when a request is not answered in ``timeout`` s.
    """
    requests = [{**r, "adapter": adapter_target(r["adapter"])} if "adapter" in r else r for r in requests]
    with tempfile.TemporaryDirectory(prefix="udcodec-fresh-") as workdir:
        batch = {"requests": requests, "workdir": workdir, "hook": str(CORES_HOOK), "timeout": timeout}
        # the interpreter kills a child that overstays, so it should not itself overstay
        answered = _via_zygote(batch, timeout + 30)
        if answered is None:
            returncode, stdout, stderr = _scenarios(batch, dict(os.environ), timeout + 30)
        else:
            returncode, stdout, stderr = 0, answered, "" if answered else "the zygote's process for it ended first"
    lines = stdout.strip().splitlines()
    if returncode != 0 or not lines:
        crash = _answer(returncode, "", stderr)
        return [crash for _ in requests]
    results: list[dict[str, Any]] = json.loads(lines[-1])
    if any(r["timeout"] for r in results):
        raise subprocess.TimeoutExpired("udcodec.scenarios (a forked request)", timeout,
                                        output=printed(max(r["written"] for r in results)))
    answers = [_answer(r["returncode"], r["answer"], r["stderr"]) for r in results]
    for answer, r in zip(answers, results, strict=True):
        if printed(r["written"]):
            answer["printed"] = printed(r["written"])  # the checks name it where a call was late
    return answers


#: Output a fresh process may print before :func:`timeout_note` mentions it: beyond it, printing is the likelier
#: reason the process was slow.
NOTED_OUTPUT = 1 << 20


def printed(written: int) -> str:
    """What a fresh process that timed out printed, for :func:`timeout_note`: "" when it printed little."""
    return f"it had printed at least {written / (1 << 20):.0f} MiB of output" if written > NOTED_OUTPUT else ""


def timeout_note(exc: subprocess.TimeoutExpired) -> str:
    """``"; it had printed N MiB of output"`` for a fresh process that timed out printing, else ""."""
    return f"; {exc.output}" if isinstance(exc.output, str) and exc.output else ""


def fail_fresh(what: str, answer: dict[str, Any]) -> NoReturn:
    """Fail the check for a fresh process's failed ``answer``, ``what`` saying which: killed by a signal, it is a
    ``crash`` (:class:`~udcodec.checks.api.CheckCrashed`) with what the process wrote last; otherwise a failure."""
    code = answer.get("returncode")
    if answer.get("crashed") and isinstance(code, int) and code < 0:
        name = _ended(code).removeprefix("killed by ")
        tail = answer.get("error")
        raise CheckCrashed(f"{what}: the implementation crashed the process ({name}){crash_site(tail)}"
                           f"{while_doing(tail)}", signal=name, stderr_tail=tail)
    raise CheckFailed(f"{what}: {str(answer.get('error'))[-600:]}")


def _ended(returncode: int) -> str:
    """How a fresh interpreter ended: ``killed by SIGFPE``, ``exit status 1`` or ``no answer``."""
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit status {returncode}" if returncode else "no answer"
