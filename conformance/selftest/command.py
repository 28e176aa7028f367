"""``udcodec self-test``: run the contract on every mutant of the catalogue and report what caught each.

Exit status: 0 when every mutant is caught as the catalogue says (no survivor but the known ones,
which carry their argument, every ``killed_by`` clause caught its mutant, no mutant marked
equivalent or known to survive was caught) and the MUST-only kill rate is at
least ``--min-must-rate``; 1 otherwise, or when the unmutated reference's own run dies; 2 on bad
input (a catalogue that does not fit the reference, an unknown mutant id).
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import importlib.util
import json
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from udcodec.engine.options import positive_seconds
from udcodec.profiles import DEFAULT_PROFILE, PROFILES

if TYPE_CHECKING:
    from udcodec.selftest.catalogue import Mutant
    from udcodec.selftest.runner import Plan


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser("self-test", help="mutation testing: run the contract on mutants of the bundled reference",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--catalogue", metavar="PATH", help="the mutant catalogue (default: the bundled one)")
    p.add_argument("--subset", choices=("fast", "all"), default="all", help="fast: the CI subset (fast: true)")
    p.add_argument("--only", action="append", default=[], metavar="MUTANT-ID",
                   help="run only mutants whose id matches (glob, repeatable)")
    p.add_argument("-n", "--numprocesses", type=int, default=1, metavar="N", help="mutants run at once")
    p.add_argument("--profile", default=DEFAULT_PROFILE, choices=sorted(PROFILES))
    p.add_argument("--peer", default="auto", metavar="ADAPTER",
                   help="second implementation for the pairwise clauses: an adapter spec, 'none', or 'auto' "
                        "(blosc2 when python-blosc2 is installed)")
    p.add_argument("--targeted", action="store_true",
                   help="run only each mutant's killed_by clauses (fast); mutants without them run the whole contract")
    p.add_argument("--timeout", type=positive_seconds, default=30.0, metavar="S", help="per-check timeout (default 30)")
    p.add_argument("--run-timeout", type=positive_seconds, default=900.0, metavar="S",
                   help="deadline of one run of the contract (default 900); past it the mutant counts as killed (hang)")
    p.add_argument("--min-must-rate", type=float, default=95.0, metavar="PCT",
                   help="fail below this %% of non-equivalent mutants killed by MUST clauses (default 95)")
    p.add_argument("--report-json", metavar="PATH")
    p.add_argument("--report-markdown", metavar="PATH")
    p.add_argument("--list", action="store_true", help="list the selected mutants and exit")
    p.set_defaults(handler=cmd_self_test)
    return p


def _peer(choice: str) -> str | None:
    if choice == "none":
        return None
    if choice == "auto":
        return "blosc2" if importlib.util.find_spec("blosc2") is not None else None
    return choice


def _plan(base: Plan, clauses: tuple[str, ...] | None, pairwise: set[str]) -> Plan:
    """``base`` restricted to ``clauses`` (None: all)."""
    from udcodec.selftest.runner import Plan

    if clauses is None:
        return Plan(base.profile, base.check_timeout, base.run_timeout, base.peer, None,
                    tuple(sorted(pairwise)) if base.peer else ())
    host = tuple(c for c in clauses if c not in pairwise or not base.peer)
    pair = tuple(c for c in clauses if c in pairwise) if base.peer else ()
    return Plan(base.profile, base.check_timeout, base.run_timeout, base.peer, host, pair)


def plan_runs(chosen: list[Mutant], base: Plan, pairwise: set[str], targeted: bool) -> tuple[dict[str, Plan], Plan]:
    """Each mutant's runs and the baseline's. ``targeted``: a mutant with killed_by runs those clauses only,
    one without (a known survivor, an equivalent) the whole contract; the baseline covers every clause a
    mutant runs."""
    plans = {m.id: _plan(base, m.killed_by if targeted and m.killed_by else None, pairwise) for m in chosen}
    whole = any(not (targeted and m.killed_by) for m in chosen)
    union = tuple(sorted({c for m in chosen for c in m.killed_by}))
    return plans, _plan(base, None if whole else union, pairwise)


def _select(mutants: list[Mutant], args: argparse.Namespace) -> list[Mutant]:
    chosen = [m for m in mutants if args.subset == "all" or m.fast]
    if args.only:
        chosen = [m for m in chosen if any(fnmatch.fnmatchcase(m.id, g) for g in args.only)]
    return chosen


def cmd_self_test(args: argparse.Namespace) -> int:
    from udcodec.contract import SpecError, load_contract
    from udcodec.engine import groups
    from udcodec.selftest.catalogue import default_catalogue, load_catalogue
    from udcodec.selftest.report import (
        MutantVerdict,
        headline,
        summary,
        terminal_line,
        to_json,
        to_markdown,
    )
    from udcodec.selftest.runner import (
        BAD,
        Plan,
        RunOutcome,
        execute,
        killers,
        snapshot,
    )

    contract = load_contract()
    pairwise = {c.id for c in contract if c.pairwise}
    path = Path(args.catalogue) if args.catalogue else default_catalogue()
    try:
        mutants = load_catalogue(path, clause_ids=contract.ids())
    except SpecError as exc:
        print(f"udcodec: {exc}", file=sys.stderr)
        return 2
    chosen = _select(mutants, args)
    if not chosen:
        print(f"udcodec: no mutant of {path} matches --subset {args.subset} "
              + " ".join(f"--only {g}" for g in args.only), file=sys.stderr)
        return 2
    if args.numprocesses < 1:
        print("udcodec: -n: give at least 1", file=sys.stderr)
        return 2
    if args.list:
        for m in chosen:
            print(f"{m.id:<28} {m.family:<14} {m.description}")
        return 0
    base = Plan(args.profile, args.timeout, args.run_timeout, _peer(args.peer))
    plans, baseline_plan = plan_runs(chosen, base, pairwise, args.targeted)
    started, clock = datetime.now(UTC), time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="udcodec-selftest-"))
    verdicts = {m.id: MutantVerdict(m, run=False) for m in chosen}
    baseline_bad: list[str] = []
    done: set[str] = set()
    interrupted = False
    previous = groups.term_as_interrupt()
    pool = ThreadPoolExecutor(max_workers=args.numprocesses)
    try:
        print(f"udcodec self-test: {len(plans)} of {len(chosen)} mutants to run, profile {args.profile}, "
              f"peer {base.peer or 'none'}; the unmutated reference first", flush=True)
        tree = snapshot(scratch / "base")
        baseline = execute(baseline_plan, None, scratch, tree) if plans else []
        dead = [run.problem for run in baseline if run.problem]
        if dead:
            print(f"udcodec: the unmutated reference's run failed: {dead[0]}", file=sys.stderr)
            return 1
        baseline_bad = sorted(f"{c}[{a}]" for run in baseline for (c, a), r in run.results.items() if r[0] in BAD)
        if baseline_bad:
            print("udcodec: the unmutated reference already fails " + ", ".join(baseline_bad)
                  + " (these cannot catch a mutant)", file=sys.stderr)

        def one(m: Mutant) -> tuple[str, list[RunOutcome], float]:
            t0 = time.monotonic()
            return m.id, execute(plans[m.id], m, scratch, tree), time.monotonic() - t0

        futures = [pool.submit(one, m) for m in chosen if m.id in plans]
        for future in as_completed(futures):
            mid, runs, seconds = future.result()
            v = verdicts[mid]
            v.run, v.killers, v.seconds = True, killers(baseline, runs), seconds
            done.add(mid)
            print(terminal_line(v), flush=True)
    except KeyboardInterrupt:
        interrupted = True
        pool.shutdown(wait=False, cancel_futures=True)
        groups.stop_all()
        print(f"udcodec self-test: interrupted after {len(done)} of {len(plans)} mutants; "
              "the reports hold those", file=sys.stderr, flush=True)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        groups.restore_term(previous)
        shutil.rmtree(scratch, ignore_errors=True)
    ordered = [verdicts[m.id] for m in chosen]
    shown = str(path) if args.catalogue else "udcodec/selftest/catalogue.yaml (bundled)"
    meta = {"catalogue": {"path": shown, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                          "size": len(mutants)},
            "profile": args.profile, "peer": base.peer, "subset": args.subset, "targeted": args.targeted,
            "started": started.isoformat().replace("+00:00", "Z"), "duration": round(time.monotonic() - clock, 1),
            "baseline_failures": baseline_bad, "interrupted": interrupted}
    code = 0
    for target, render in ((args.report_json, lambda: json.dumps(to_json(ordered, meta), indent=2) + "\n"),
                           (args.report_markdown, lambda: to_markdown(ordered, meta))):
        if target:
            from udcodec.reports.atomic import write_atomic

            try:
                write_atomic(target, render())
            except OSError as exc:
                print(f"udcodec: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
                code = 1
    figures = summary(ordered)
    print(headline(ordered))
    for v in ordered:
        for problem in v.problems:
            print(f"  {v.mutant.id}: {problem}")
    if figures["problems"] or figures["must_kill_rate"] < args.min_must_rate:
        code = 1
    return 130 if interrupted else code
