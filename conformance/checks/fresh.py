"""Run part of a check in a fresh interpreter (``python -m udcodec.scenarios``, see that module for requests).

``"cores": N`` in a request makes the interpreter, and every interpreter it starts, see N cores
(``cores/sitecustomize.py``). :func:`run_fresh_each` answers several such requests from one interpreter,
forked per request before the implementation is imported.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from udcodec.adapters.loader import adapter_target
from udcodec.checks import pristine
from udcodec.scenarios import cores_environment

#: The directory whose ``sitecustomize.py`` simulates a core count in every interpreter started below it.
CORES_HOOK = Path(__file__).with_name("cores")


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
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-m", "udcodec.scenarios"], stdin=subprocess.PIPE, stdout=out,
                                stderr=err, env=env)
        try:
            assert proc.stdin is not None
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.write(json.dumps(payload).encode())
                proc.stdin.close()
            _wait(proc, timeout)
        finally:
            if proc.returncode is None:
                proc.kill()
                proc.wait()
        out.seek(0)
        err.seek(0)
        return proc.returncode, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")


def _wait(proc: subprocess.Popen[bytes], timeout: float) -> None:
    """``proc.wait(timeout)``, returning as soon as the process ends.

    ``Popen.wait`` with a timeout polls, sleeping up to 50 ms between polls; a pidfd is ready the moment
    the process exits. ``subprocess.TimeoutExpired`` after ``timeout`` s.
    """
    try:
        pidfd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):  # not Linux 5.3+
        proc.wait(timeout)
        return
    try:
        ready, _, _ = select.select([pidfd], [], [], timeout)
    finally:
        os.close(pidfd)
    if not ready:
        raise subprocess.TimeoutExpired(proc.args, timeout)
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
        returncode, stdout, stderr = _scenarios(batch, dict(os.environ), timeout + 30)
    lines = stdout.strip().splitlines()
    if returncode != 0 or not lines:
        crash = _answer(returncode, "", stderr)
        return [crash for _ in requests]
    results: list[dict[str, Any]] = json.loads(lines[-1])
    if any(r["timeout"] for r in results):
        raise subprocess.TimeoutExpired("udcodec.scenarios (a forked request)", timeout)
    return [_answer(r["returncode"], r["answer"], r["stderr"]) for r in results]


def _ended(returncode: int) -> str:
    """How a fresh interpreter ended: ``killed by SIGFPE``, ``exit status 1`` or ``no answer``."""
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit status {returncode}" if returncode else "no answer"
