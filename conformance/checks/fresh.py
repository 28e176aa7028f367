"""Open a persisted container in a fresh interpreter: ``python -m udcodec.checks.fresh`` reads a JSON request on stdin.

Request: ``{"adapter": SPEC, "register": [{"name", "id", "encoder": "mod:fn", "decoder": "mod:fn"}],
"register_filters": [{"id", "forward": "mod:fn", "backward": "mod:fn"}], "open": PATH}``.
Answer on stdout: ``{"ok": true, "nchunks": N, "data": base64}`` or ``{"ok": false, "error": ..., "chain": [...]}``.
"""

from __future__ import annotations

import base64
import contextlib
import importlib
import json
import subprocess
import sys
import tempfile
from typing import Any

from udcodec.adapters.protocol import DParams


def _resolve(target: str) -> Any:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def serve(request: dict[str, Any]) -> dict[str, Any]:
    from udcodec.adapters.loader import load_adapter

    adapter = load_adapter(request["adapter"])
    for codec in request.get("register", []):
        adapter.register_codec(codec["name"], codec["id"], _resolve(codec["encoder"]), _resolve(codec["decoder"]))
    for ufilter in request.get("register_filters", []):
        adapter.register_filter(ufilter["id"], _resolve(ufilter["forward"]), _resolve(ufilter["backward"]))
    try:
        container = adapter.open(request["open"], DParams(nthreads=1))
        data = b"".join(container.decompress_chunk(i) for i in range(container.nchunks))
    except Exception as exc:  # noqa: BLE001
        chain: list[dict[str, str]] = []
        cur: BaseException | None = exc
        while cur is not None and len(chain) < 10:
            chain.append({"type": type(cur).__name__, "message": str(cur)})
            cur = cur.__cause__ or cur.__context__
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}", "chain": chain}
    return {"ok": True, "nchunks": container.nchunks, "data": base64.b64encode(data).decode()}


def run_fresh(request: dict[str, Any], timeout: float = 60.0) -> dict[str, Any]:
    """Run ``serve`` in a new interpreter; a crash or a garbled answer comes back as ``{"ok": False, "crashed": ...}``.

    The interpreter stays in the check's process group, so whatever it leaves running is killed with the
    check; its output goes to files, so that a process it started and left holding them cannot keep this
    call waiting (as it would for the end of a pipe). ``subprocess.TimeoutExpired`` after ``timeout`` s.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-m", "udcodec.checks.fresh"], stdin=subprocess.PIPE, stdout=out,
                                stderr=err)
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
