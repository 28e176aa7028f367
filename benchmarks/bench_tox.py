"""Time ``tox`` (our default test tier, lint and types) on a fresh clone, and optionally the slow tier.

Run on demand only (never from the test suite)::

    python benchmarks/bench_tox.py [--slow] [--parallel] [--env ENV] [--ref HEAD] [--repeat N] [--keep]

The script clones the repository this file belongs to (its committed ``--ref``, not the working
tree) into a temporary directory, so every run builds the package and creates its virtualenvs
from scratch; pip's download cache is whatever the machine has (warm after a first run). It runs
``python -m tox`` there (the default env list; ``--parallel``: ``tox -p auto``), then with
``--slow`` the slow tier as ``.ci/run`` runs it (``tox -e py -- tests -n 2 -m slow``), and prints the wall seconds of each, with the machine's load
average before and after (the machines are shared: a loaded machine gives larger figures). ``--env matrix``
times ``tox -e matrix`` instead (any env list; run it with a tox without and with ``tox-uv`` to compare). A failing
run ends the script with the tail of its output. It needs ``tox`` in the interpreter that runs it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _timed(cmd: list[str], cwd: Path, log: Path) -> tuple[float, int]:
    start = time.perf_counter()
    with log.open("w") as out:
        status = subprocess.run(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT).returncode
    return time.perf_counter() - start, status


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def one_run(ref: str, slow: bool, keep: bool, parallel: bool, env: str | None = None) -> dict[str, float]:
    """Clone ``ref`` and time each tox invocation; exits on a failing run (its figure would mislead)."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-tox-"))
    clone = workdir / "repo"
    try:
        subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(clone)], check=True)
        subprocess.run(["git", "checkout", "--quiet", ref], cwd=clone, check=True)
        figures: dict[str, float] = {}
        runs = [("tox -p auto" if parallel else "tox", [sys.executable, "-m", "tox", *(["-p", "auto"] if parallel else [])])]
        if env:
            runs = [(f"tox -e {env}", [sys.executable, "-m", "tox", "-e", env])]
        if slow:
            # as .ci/run runs it: the slow tier in the py env's virtualenv
            runs.append(("slow tier", [sys.executable, "-m", "tox", "-e", "py", "--", "tests", "-n", "2", "-m", "slow"]))
        for label, cmd in runs:
            before = _load()
            log = workdir / f"{label.replace(' ', '_')}.log"
            seconds, status = _timed(cmd, clone, log)
            print(f"{label:<14} {seconds:7.1f} s wall  (exit {status}; load average {before} -> {_load()})", flush=True)
            if status:
                print("".join(log.read_text(errors="replace").splitlines(keepends=True)[-40:]), file=sys.stderr)
                sys.exit(f"{label} failed (exit {status}); its output ends above")
            figures[label] = seconds
        return figures
    finally:
        if keep:
            print(f"clone kept in {clone}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slow", action="store_true", help="also time the slow test tier, as .ci/run runs it")
    parser.add_argument("--ref", default="HEAD", help="the commit to clone (default: HEAD)")
    parser.add_argument("--repeat", type=int, default=1, help="fresh clones to time; the median is printed")
    parser.add_argument("--keep", action="store_true", help="keep the clone (to inspect a failure)")
    parser.add_argument("--parallel", action="store_true", help="time `tox -p auto` instead of `tox`")
    parser.add_argument("--env", help="time `tox -e ENV` instead (e.g. matrix)")
    args = parser.parse_args(argv)
    try:
        from importlib.metadata import version

        uv = f", tox-uv {version('tox-uv')}"
    except Exception:  # noqa: BLE001 - not installed
        uv = ", no tox-uv"
    print(f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}{uv}, {REPO} @ {args.ref}")
    results = [one_run(args.ref, args.slow, args.keep, args.parallel, args.env) for _ in range(args.repeat)]
    if args.repeat > 1:
        for label in results[0]:
            values = [r[label] for r in results]
            print(f"median {label:<14} {statistics.median(values):7.1f} s  ({', '.join(f'{v:.1f}' for v in values)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
