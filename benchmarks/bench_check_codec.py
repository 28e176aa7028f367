"""Time ``udcodec check-codec --profile ci`` on two hosts (reference and blosc2) for slow and fast codecs.

Run on demand only (never from the test suite): ``python benchmarks/bench_check_codec.py``. Works from
any directory; reports go to a temporary directory. The interpreter that runs it needs udcodec, numpy
and python-blosc2.

Codecs (``slow_codecs.py`` in this folder, and the shipped zlib example):

* ``sleepy-100ms``: zlib that sleeps 100 ms in every encoder and decoder call;
* ``lzma-9``: lzma at preset 9 (about 80-110 ms a call: the preset's 64 MiB dictionary is set up each time);
* ``zlib``: ``udcodec.examples.zlib_codec`` (tens of microseconds a call).

Each runs with the profile's default budget (``ci``: 60 s); ``--unbudgeted NAME`` also runs that codec
with ``--budget none`` (what check-codec did before the budget; lzma-9 then takes minutes). Figures, from
one run of this script (compare them as ratios: the machines are shared and noisy):

* wall seconds of each ``check-codec`` subprocess, and wall / budget;
* the codec's measured seconds per call and the clauses the budget lowered (from the JSON report);
* the examples each clause ran on each host, summed, and how many results the budget cut.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CODECS: dict[str, list[str]] = {
    "sleepy-100ms": ["--encoder", "slow_codecs:sleepy_encoder", "--decoder", "slow_codecs:sleepy_decoder"],
    "lzma-9": ["--encoder", "slow_codecs:lzma9_encoder", "--decoder", "slow_codecs:lzma9_decoder"],
    "zlib": ["--encoder", "udcodec.examples.zlib_codec:encoder", "--decoder", "udcodec.examples.zlib_codec:decoder"],
}


def run_once(name: str, profile: str, budget: str | None, workdir: str) -> dict[str, Any]:
    report = os.path.join(workdir, f"{name}-{budget or 'default'}.json")
    cmd = [sys.executable, "-m", "udcodec.cli", "check-codec", *CODECS[name], "--host", "reference", "--host", "blosc2",
           "--profile", profile, "--report-json", report]
    cmd += ["--budget", budget] if budget else []
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    data = json.loads(Path(report).read_text(encoding="utf-8"))
    spent = (data.get("codec") or {}).get("budget")
    counted = [r["examples"] for r in data["results"] if r.get("examples")]
    return {
        "codec": name, "budget": budget or "default", "wall": round(wall, 1), "exit_status": proc.returncode,
        "budget_seconds": spent["seconds"] if spent else None,
        "call_ms": round(spent["call_seconds"] * 1000, 3) if spent and spent["call_seconds"] is not None else None,
        "lowered": len(spent["lowered"]) if spent else 0,
        "examples_ran": sum(c["ran"] for c in counted), "examples_planned": sum(c["planned"] for c in counted),
        "results_cut": sum(1 for c in counted if c["cut"]),
        "outcomes": sorted({r["outcome"] for r in data["results"]}),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="ci")
    parser.add_argument("--codec", action="append", choices=sorted(CODECS), help="(repeatable; default: all)")
    parser.add_argument("--unbudgeted", action="append", default=[], choices=sorted(CODECS),
                        help="also run this codec with --budget none (repeatable)")
    parser.add_argument("--json", metavar="OUT", help="save the figures")
    args = parser.parse_args(argv)
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="udcodec-bench-check-codec-") as workdir:
        for name in args.codec or list(CODECS):
            runs = [None] + (["none"] if name in args.unbudgeted else [])
            for budget in runs:
                row = run_once(name, args.profile, budget, workdir)
                rows.append(row)
                ratio = f"{row['wall'] / row['budget_seconds']:.2f}" if row["budget_seconds"] else "-"
                print(f"{name:13} budget {row['budget']:7} wall {row['wall']:7.1f} s  wall/budget {ratio:5}  "
                      f"call {row['call_ms'] if row['call_ms'] is not None else '-'} ms  lowered {row['lowered']:2} "
                      f"clauses  examples {row['examples_ran']}/{row['examples_planned']} ({row['results_cut']} results "
                      f"cut)  exit {row['exit_status']} {','.join(row['outcomes'])}", flush=True)
    print(f"load after: {os.getloadavg()[0]:.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
