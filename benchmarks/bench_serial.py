"""Time ``udcodec run --adapter reference --adapter blosc2`` serial (the ``tox -e conformance`` job), this tree
against an older commit, in one invocation.

Run on demand only (never from the test suite)::

    python benchmarks/bench_serial.py                     # this tree only
    python benchmarks/bench_serial.py --ref 74c9b27 --repeat 3 [--json OUT]

Each run is ``python -m udcodec.cli run --adapter reference --adapter blosc2 --report-json R`` in a
subprocess (``sys.executable``: it needs udcodec, numpy and python-blosc2). With ``--ref``, the files of
that commit (``git archive``) are laid out as the ``udcodec`` package in a temporary directory put first
on ``PYTHONPATH``, so the same interpreter and python-blosc2 run the old harness; the two are
interleaved ``--repeat`` times, so that drift on a shared machine hits both.

Printed, per version (median of the runs):

* **wall** seconds of the whole command, and **cpu** seconds (user + system of the command and every
  process it waited for: check children, fresh interpreters);
* **new / old** ratios of both (the figures to quote: absolute seconds move with the machine's load);
* the load average (1 min) before and after each run;
* the outcome counts, and the **slowest (clause, adapter)** results by recorded ``duration`` of the
  median run of each version.

A run that exits non-zero or has an unexpected outcome is named on stderr; the benchmark goes on.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ADAPTERS = ["--adapter", "reference", "--adapter", "blosc2"]
#: Repository folder -> where it lives in the ``udcodec`` package (pyproject.toml's package-dir).
LAYOUT = {"reference": "reference", "adapters": "adapters", "spec": "spec"}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def unpack(ref: str, into: Path) -> Path:
    """The files of commit ``ref`` laid out as an importable ``udcodec`` package under ``into``; that directory."""
    tree = into / "tree"
    tree.mkdir()
    archive = into / "ref.tar"
    with archive.open("wb") as fh:
        subprocess.run(["git", "-C", str(ROOT), "archive", ref], stdout=fh, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    package = into / "path" / "udcodec"
    package.parent.mkdir()
    package.symlink_to(tree / "conformance", target_is_directory=True)
    for folder, name in LAYOUT.items():
        link = tree / "conformance" / name
        if not link.exists():
            link.symlink_to(tree / folder, target_is_directory=True)
    return package.parent


def run_once(label: str, pythonpath: Path | None, workdir: Path, index: int) -> dict[str, Any]:
    report = workdir / f"{label}-{index}.json"
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(pythonpath), env.get("PYTHONPATH", "")) if p)
    cmd = [sys.executable, "-m", "udcodec.cli", "run", *ADAPTERS, "--report-json", str(report)]
    load_before = os.getloadavg()[0]
    cpu0, t0 = _children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, check=False)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    load_after = os.getloadavg()[0]
    if not report.exists():
        raise SystemExit(f"{label}: no report written (exit {proc.returncode})\n{' '.join(cmd)}\n"
                         f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    data = json.loads(report.read_text(encoding="utf-8"))
    unexpected = [r for r in data["results"] if r["outcome"] not in ("pass", "xfail", "skip", "n/a")]
    if proc.returncode != 0 or unexpected:
        print(f"warning: {label} run {index + 1} exited {proc.returncode}", file=sys.stderr)
        for r in unexpected:
            first = " ".join((r["message"] or "").strip().splitlines()[:1])
            print(f"  {r['outcome']}: {r['clause']} [{r['adapter']}] {first[:300]}", file=sys.stderr)
    return {"wall": wall, "cpu": cpu, "exit": proc.returncode, "load": [load_before, load_after],
            "report": data}


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return sorted(runs, key=lambda r: r["wall"])[(len(runs) - 1) // 2]


def describe(label: str, runs: list[dict[str, Any]], top: int) -> dict[str, Any]:
    report = median_run(runs)["report"]
    outcomes = Counter(r["outcome"] for r in report["results"])
    slowest = sorted(report["results"], key=lambda r: r["duration"], reverse=True)[:top]
    figures = {
        "wall_s": statistics.median(r["wall"] for r in runs),
        "cpu_s": statistics.median(r["cpu"] for r in runs),
        "wall_s_all": [round(r["wall"], 2) for r in runs],
        "cpu_s_all": [round(r["cpu"], 2) for r in runs],
        "load_1min": [[round(x, 2) for x in r["load"]] for r in runs],
        "exit_status": [r["exit"] for r in runs],
        "results": len(report["results"]),
        "outcomes": dict(sorted(outcomes.items())),
        "summed_duration_s": sum(r["duration"] for r in report["results"]),
        "slowest": [{"clause": r["clause"], "adapter": r["adapter"], "outcome": r["outcome"],
                     "duration": round(r["duration"], 3)} for r in slowest],
    }
    print(f"\n{label}: wall {figures['wall_s']:.2f} s, cpu {figures['cpu_s']:.2f} s (median of {len(runs)}; "
          f"walls {figures['wall_s_all']}, cpus {figures['cpu_s_all']}, load 1 min before/after "
          f"{figures['load_1min']})")
    print(f"  {figures['results']} results: " + ", ".join(f"{n} {o}" for o, n in figures["outcomes"].items())
          + f"; summed check duration {figures['summed_duration_s']:.2f} s")
    print(f"  {top} slowest (clause, adapter), median run:")
    for r in figures["slowest"]:
        print(f"    {r['duration']:7.3f} s  {r['clause']:<30} {r['adapter']:<10} {r['outcome']}")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--ref", help="also time this older commit of the repository (git archive), interleaved")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each version; medians (default 1)")
    parser.add_argument("--top", type=int, default=10, help="slowest results to list (default 10)")
    parser.add_argument("--json", metavar="OUT", help="save the figures as JSON")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")
    json_out = Path(args.json).resolve() if args.json else None
    runs: dict[str, list[dict[str, Any]]] = {"new": []}
    with tempfile.TemporaryDirectory(prefix="udcodec-bench-serial-") as tmp:
        workdir = Path(tmp)
        versions: dict[str, Path | None] = {"new": None}
        if args.ref:
            (workdir / "old").mkdir()
            versions = {"old": unpack(args.ref, workdir / "old"), "new": None}
            runs = {"old": [], "new": []}
        for i in range(args.repeat):
            for label, path in versions.items():
                runs[label].append(run_once(label, path, workdir, i))
                last = runs[label][-1]
                print(f"  run {i + 1}/{args.repeat} {label}: wall {last['wall']:.2f} s, cpu {last['cpu']:.2f} s, "
                      f"load {last['load'][0]:.2f} -> {last['load'][1]:.2f}", file=sys.stderr)
    print(f"udcodec run {' '.join(ADAPTERS)} (serial, profile ci); {os.cpu_count()} CPUs; Python "
          f"{sys.version.split()[0]}; this tree{f' vs {args.ref}' if args.ref else ''}")
    figures: dict[str, Any] = {label: describe("this tree" if label == "new" else args.ref, rs, args.top)
                               for label, rs in runs.items()}
    if args.ref:
        old, new = figures["old"], figures["new"]
        figures["ratios"] = {"wall_new_over_old": new["wall_s"] / old["wall_s"],
                             "cpu_new_over_old": new["cpu_s"] / old["cpu_s"]}
        print(f"\nnew / old: wall {figures['ratios']['wall_new_over_old']:.2f}, "
              f"cpu {figures['ratios']['cpu_new_over_old']:.2f}")
    if json_out:
        json_out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
        print(f"\nfigures written to {json_out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
