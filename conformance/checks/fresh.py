"""Run part of a check in a fresh interpreter: ``python -m udcodec.checks.fresh`` reads a JSON request on stdin.

Request: ``{"adapter": SPEC, "register": [{"name", "id", "encoder": "mod:fn", "decoder": "mod:fn"}], ...}`` and
either ``"open": PATH`` (with optional ``"open_args"``: ``{"mode", "cparams": {...}, "dparams": {...}}``, neutral
fields; only what is given is passed) or ``"call": "mod:fn"`` with ``"args"``: ``fn(adapter, args)`` returns the
answer's JSON data. ``"cores": N`` makes the interpreter see N cores (see ``cores/sitecustomize.py``).
Answer on stdout: ``{"ok": true, "nchunks": N, "data": base64}`` (open), ``{"ok": true, "result": ...}`` (call) or
``{"ok": false, "error": ..., "chain": [...]}``.
"""

from __future__ import annotations

import base64
import contextlib
import importlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from udcodec.adapters.protocol import NOT_GIVEN, CParams, DParams

#: The directory whose ``sitecustomize.py`` simulates a core count in every interpreter started below it.
CORES_HOOK = Path(__file__).with_name("cores")


def _resolve(target: str) -> Any:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def error_answer(exc: BaseException) -> dict[str, Any]:
    """An exception as a fresh interpreter reports it: the message and the chain it came through."""
    chain: list[dict[str, str]] = []
    cur: BaseException | None = exc
    while cur is not None and len(chain) < 10:
        chain.append({"type": type(cur).__name__, "message": str(cur)})
        cur = cur.__cause__ or cur.__context__
    return {"ok": False, "error": f"{type(exc).__name__}: {exc}", "chain": chain}


def open_args(spec: dict[str, Any]) -> dict[str, Any]:
    """``Adapter.open`` keyword arguments from a request's ``open_args`` (JSON: neutral fields)."""
    args: dict[str, Any] = {}
    if "mode" in spec:
        args["mode"] = spec["mode"]
    if "cparams" in spec:
        fields = dict(spec["cparams"])
        for name in ("filters", "filters_meta"):
            if name in fields:
                fields[name] = tuple(fields[name])
        args["cparams"] = CParams.only(**fields)
    if "dparams" in spec:
        args["dparams"] = DParams(nthreads=spec["dparams"].get("nthreads", NOT_GIVEN))
    return args


def seen_cores(adapter: Any, args: dict[str, Any]) -> dict[str, Any]:
    """What this interpreter reports as its CPUs, and the implementation's default thread count (a ``call``)."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {"cpu_count": os.cpu_count(), "affinity": affinity,
            "nthreads": getattr(getattr(adapter, "module", None), "nthreads", None)}


def serve(request: dict[str, Any]) -> dict[str, Any]:
    from udcodec.adapters.loader import load_adapter

    adapter = load_adapter(request["adapter"])
    for codec in request.get("register", []):
        adapter.register_codec(codec["name"], codec["id"], _resolve(codec["encoder"]), _resolve(codec["decoder"]))
    if "call" in request:
        try:
            return {"ok": True, "result": _resolve(request["call"])(adapter, request.get("args", {}))}
        except Exception as exc:  # noqa: BLE001
            return error_answer(exc)
    try:
        container = adapter.open(request["open"], **open_args(request.get("open_args", {})))
        data = b"".join(container.decompress_chunk(i) for i in range(container.nchunks))
    except Exception as exc:  # noqa: BLE001
        return error_answer(exc)
    return {"ok": True, "nchunks": container.nchunks, "data": base64.b64encode(data).decode()}


def _environment(cores: int | None, cache: str) -> dict[str, str]:
    env = dict(os.environ)
    if cores is not None:
        env["UDCODEC_CORES"] = str(cores)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(CORES_HOOK), env.get("PYTHONPATH", "")) if p)
        env["XDG_CACHE_HOME"] = cache  # python-blosc2 3.x caches the CPU count it found there
    return env


def run_fresh(request: dict[str, Any], timeout: float = 60.0) -> dict[str, Any]:
    """Run ``serve`` in a new interpreter; a crash or a garbled answer comes back as ``{"ok": False, "crashed": ...}``.

    ``request["cores"]`` (optional) is the core count the interpreter and its children see. The interpreter
    stays in the check's process group, so whatever it leaves running is killed with the check; its output
    goes to files, so that a process it started and left holding them cannot keep this call waiting (as it
    would for the end of a pipe). ``subprocess.TimeoutExpired`` after ``timeout`` s.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.TemporaryDirectory(prefix="udcodec-cache-") as cache:
        proc = subprocess.Popen([sys.executable, "-m", "udcodec.checks.fresh"], stdin=subprocess.PIPE, stdout=out,
                                stderr=err, env=_environment(request.get("cores"), cache))
        try:
            assert proc.stdin is not None
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.write(json.dumps(request).encode())
                proc.stdin.close()
            proc.wait(timeout)
        finally:
            if proc.returncode is None:
                proc.kill()
                proc.wait()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    lines = stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return {"ok": False, "crashed": True, "returncode": proc.returncode, "error": stderr[-2000:]}
    answer: dict[str, Any] = json.loads(lines[-1])
    return answer


def main() -> None:
    answer = serve(json.loads(sys.stdin.read()))
    sys.stdout.write("\n" + json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()
