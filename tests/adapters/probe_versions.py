"""Run the adapter smoke checks under other interpreters (e.g. venvs with other blosc2 majors).

Not part of the default test run. Each interpreter needs numpy and the blosc2 to probe, not
udcodec itself: the adapters are put on its path through a throw-away ``udcodec`` tree::

    python tests/adapters/probe_versions.py /tmp/b2v2/bin/python /tmp/b2v3/bin/python
    python tests/adapters/probe_versions.py --adapter reference /tmp/venv/bin/python

Prints one summary line per interpreter and check; exits 1 if any check failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def _tree(tmp: Path) -> Path:
    """A minimal ``udcodec`` package holding only the adapters (and the reference)."""
    pkg = tmp / "udcodec"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "adapters").symlink_to(ROOT / "adapters")
    (pkg / "reference").symlink_to(ROOT / "reference")
    return tmp


def probe(python: str, adapter: str, tree: Path) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tree), str(HERE)]))
    cmd = [python, str(HERE / "adapter_smoke.py"), adapter]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    try:
        return dict(json.loads(proc.stdout))
    except json.JSONDecodeError:
        return {"error": (proc.stdout + proc.stderr)[-3000:]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pythons", nargs="+", help="interpreters to probe")
    parser.add_argument("--adapter", default="blosc2")
    parser.add_argument("--json", action="store_true", help="print the raw results")
    args = parser.parse_args(argv)
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        tree = _tree(Path(tmp))
        results = {py: probe(py, args.adapter, tree) for py in args.pythons}
    if args.json:
        print(json.dumps(results, indent=1))
    for py, res in results.items():
        if "error" in res:
            failed = True
            print(f"{py}: could not run\n{res['error']}")
            continue
        caps = ",".join(res["capabilities"])
        print(f"{py}: {args.adapter} {res['version']}  capabilities={caps}")
        for name, outcome in res["checks"].items():
            failed |= outcome != "ok"
            print(f"  {name:24} {outcome}")
        for name, seen in res["observed"].items():
            print(f"  observed {name}: {seen}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
