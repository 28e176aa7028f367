"""Time the conformance run: serial vs ``-n 2`` and ``-n auto``, and each adapter alone.

Run on demand only (never from the test suite): ``python benchmarks/bench_conformance.py`` or
``tox -e bench``.  Works from any directory; reports go to a temporary directory.

Configurations, each one ``python -m udcodec.cli run ... --profile P --report-json R`` in a
subprocess (``sys.executable``, so the interpreter that runs this script must have udcodec,
blosc2 and pytest-xdist installed):

* ``serial``: ``--adapter reference --adapter blosc2``
* ``n2``: the same with ``-n 2`` (pytest-xdist, two worker processes)
* ``nauto``: the same with ``-n auto`` (one worker per CPU)
* ``reference``: ``--adapter reference`` alone, serial
* ``blosc2``: ``--adapter blosc2`` alone, serial

Figures:

* wall seconds of each configuration (the whole subprocess: interpreter start, imports, pytest
  collection, every check process, report writing), median over ``--repeat`` runs;
* ``speed-up n2`` = wall(serial) / wall(n2) (2.0 would be perfect scaling on two workers), and
  ``speed-up nauto`` = wall(serial) / wall(nauto);
* ``blosc2/reference`` = wall(blosc2 alone) / wall(reference alone), and the same ratio of the
  summed per-result ``duration`` of each adapter in the serial report (check time only, without
  the fixed start-up cost shared by both);
* the 10 slowest (clause, adapter) durations and the per-family totals, from the serial report of
  the median run (``duration`` of each result, in seconds, as recorded by the harness).

``--json OUT`` saves every figure.  A non-zero exit status of ``udcodec run`` (a conformance
failure) is reported but does not stop the benchmark; a missing report does.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from typing import Any

CONFIGS: dict[str, list[str]] = {
    "serial": ["--adapter", "reference", "--adapter", "blosc2"],
    "n2": ["--adapter", "reference", "--adapter", "blosc2", "-n", "2"],
    "nauto": ["--adapter", "reference", "--adapter", "blosc2", "-n", "auto"],
    "reference": ["--adapter", "reference"],
    "blosc2": ["--adapter", "blosc2"],
}


def run_once(name: str, profile: str, workdir: str, index: int) -> dict[str, Any]:
    report = os.path.join(workdir, f"{name}-{index}.json")
    cmd = [sys.executable, "-m", "udcodec.cli", "run", *CONFIGS[name], "--profile", profile,
           "--report-json", report]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if not os.path.exists(report):
        raise SystemExit(f"{name}: no report written (exit {proc.returncode})\n{' '.join(cmd)}\n"
                         f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    with open(report, encoding="utf-8") as fh:
        data = json.load(fh)
    unexpected = [r for r in data["results"] if r["outcome"] not in ("pass", "xfail", "skip", "n/a")]
    if proc.returncode != 0 or unexpected:
        print(f"warning: {name} run {index + 1} exited {proc.returncode}", file=sys.stderr)
        for r in unexpected:
            first = (r["message"] or "").strip().splitlines()[:1]
            print(f"  {r['outcome']}: {r['clause']} [{r['adapter']}] {' '.join(first)[:300]}",
                  file=sys.stderr)
    problems = [{"config": name, "run": index + 1, "clause": r["clause"], "adapter": r["adapter"],
                 "outcome": r["outcome"], "message": r["message"]} for r in unexpected]
    return {"wall": wall, "exit": proc.returncode, "report": data, "problems": problems}


def adapter_sums(report: dict[str, Any]) -> dict[str, float]:
    sums: dict[str, float] = defaultdict(float)
    for r in report["results"]:
        sums[r["adapter"]] += r["duration"]
    return dict(sums)


def outcome_counts(report: dict[str, Any]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for r in report["results"]:
        counts[r["outcome"]] += 1
    return ", ".join(f"{n} {o}" for o, n in sorted(counts.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--profile", default="ci", help="udcodec profile (default ci)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per configuration; median")
    parser.add_argument("--json", metavar="OUT", help="save the figures as JSON")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")
    json_out = os.path.abspath(args.json) if args.json else None

    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in CONFIGS}
    with tempfile.TemporaryDirectory(prefix="udcodec-bench-") as workdir:
        for i in range(args.repeat):  # interleave configurations so drift hits all of them
            for name in CONFIGS:
                runs[name].append(run_once(name, args.profile, workdir, i))
                print(f"  run {i + 1}/{args.repeat} {name:<9} {runs[name][-1]['wall']:7.2f} s",
                      file=sys.stderr)

    wall = {name: statistics.median(r["wall"] for r in rs) for name, rs in runs.items()}
    serial_runs = sorted(runs["serial"], key=lambda r: r["wall"])
    serial = serial_runs[(len(serial_runs) - 1) // 2]["report"]  # the median (lower) run
    sums = adapter_sums(serial)
    family_of = {c["id"]: c["family"] for c in serial["clauses"]}
    families: dict[str, float] = defaultdict(float)
    family_by_adapter: dict[tuple[str, str], float] = defaultdict(float)
    for r in serial["results"]:
        fam = family_of.get(r["clause"], "?")
        families[fam] += r["duration"]
        family_by_adapter[fam, r["adapter"]] += r["duration"]
    slowest = sorted(serial["results"], key=lambda r: r["duration"], reverse=True)[:10]

    figures = {
        "meta": {"date": time.strftime("%Y-%m-%d"), "python": platform.python_version(),
                 "cpus": os.cpu_count(), "profile": args.profile, "repeat": args.repeat,
                 "adapters": {a["name"]: a["version"] for a in serial["adapters"]}},
        "wall_s": wall,
        "wall_s_all": {name: [r["wall"] for r in rs] for name, rs in runs.items()},
        "exit_status": {name: [r["exit"] for r in rs] for name, rs in runs.items()},
        "unexpected_outcomes": [p for rs in runs.values() for r in rs for p in r["problems"]],
        "speedup_n2_over_serial": wall["serial"] / wall["n2"],
        "speedup_nauto_over_serial": wall["serial"] / wall["nauto"],
        "blosc2_over_reference_wall": wall["blosc2"] / wall["reference"],
        "blosc2_over_reference_check_time": sums.get("blosc2", 0.0) / sums["reference"],
        "check_time_s_by_adapter": sums,
        "family_totals_s": dict(sorted(families.items(), key=lambda kv: -kv[1])),
        "family_by_adapter_s": {f"{f}/{a}": v for (f, a), v in sorted(family_by_adapter.items())},
        "slowest": [{"clause": r["clause"], "adapter": r["adapter"], "outcome": r["outcome"],
                     "duration": r["duration"]} for r in slowest],
    }

    meta = figures["meta"]
    print(f"udcodec run, profile {args.profile}, median of {args.repeat}; Python {meta['python']}, "
          f"{meta['cpus']} CPUs; adapters {meta['adapters']}")
    print(f"serial report: {outcome_counts(serial)}\n")
    print(f"{'configuration':<34} {'wall s':>8}")
    labels = {"serial": "serial, both adapters", "n2": "-n 2, both adapters",
              "nauto": "-n auto, both adapters", "reference": "reference alone",
              "blosc2": "blosc2 alone"}
    for name in CONFIGS:
        print(f"{labels[name]:<34} {wall[name]:>8.2f}")
    print()
    print(f"{'speed-up -n 2 over serial':<34} {figures['speedup_n2_over_serial']:>8.2f}x")
    print(f"{'speed-up -n auto over serial':<34} {figures['speedup_nauto_over_serial']:>8.2f}x")
    print(f"{'blosc2 / reference (wall)':<34} {figures['blosc2_over_reference_wall']:>8.2f}")
    print(f"{'blosc2 / reference (check time)':<34} "
          f"{figures['blosc2_over_reference_check_time']:>8.2f}")
    print(f"{'summed check time, serial':<34} {sum(sums.values()):>8.2f}  "
          + ", ".join(f"{a} {s:.2f}" for a, s in sorted(sums.items())))
    print("\n10 slowest (clause, adapter), serial run:")
    for r in slowest:
        print(f"  {r['duration']:7.3f} s  {r['clause']:<32} {r['adapter']:<10} {r['outcome']}")
    print("\nper-family totals, serial run (s):")
    adapters = sorted(sums)
    print(f"  {'family':<14} {'total':>8} " + " ".join(f"{a:>10}" for a in adapters))
    for fam, total in figures["family_totals_s"].items():
        cells = " ".join(f"{family_by_adapter.get((fam, a), 0.0):>10.3f}" for a in adapters)
        print(f"  {fam:<14} {total:>8.3f} {cells}")
    if json_out:
        with open(json_out, "w", encoding="utf-8") as fh:
            json.dump(figures, fh, indent=2)
        print(f"\nfigures written to {json_out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
