"""Running the contract on one mutant: an overlay package tree, ``udcodec run`` in a child, the verdict.

The mutant is the reference under its own name. :func:`build_overlay` makes a folder holding a
package ``udcodec`` whose entries are symbolic links to the installed package's, except
``reference``, which is a mutated copy (the links lead to one :func:`snapshot` of the package per
self-test, taken when it starts). With that folder first on ``PYTHONPATH``, every process of
the run (the command, the forked check children, the fresh interpreters that reopen persisted
containers) imports ``udcodec.reference`` from the copy, and the normal adapter path drives it:
``udcodec run --adapter reference``. Pairwise (interop) clauses need a second implementation, so
they run again with a peer (python-blosc2 when it is installed), which then reads what the mutant
wrote and writes what the mutant reads.

A mutant is *killed* by a clause whose outcome is ``fail``, ``crash``, ``hang``, ``resource`` or
``error`` where the unmutated baseline's was not. A run that dies, hangs past its deadline or
writes no report kills the mutant too (every MUST clause is then unverified); so does an adapter
that no longer loads.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from udcodec.engine import groups
from udcodec.selftest.catalogue import Mutant, copy_reference

#: Outcomes that count as a clause catching the mutant (when the baseline's was none of them).
BAD = frozenset({"fail", "crash", "hang", "resource", "error"})
#: The pseudo-clause of a run that produced no usable report.
RUN_DIED = "RUN"
REFERENCE = "reference"


@dataclass(frozen=True)
class Killer:
    """One clause (on one adapter) that caught a mutant."""

    clause: str
    adapter: str
    level: str
    outcome: str
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"clause": self.clause, "adapter": self.adapter, "level": self.level, "outcome": self.outcome,
                "message": self.message}


@dataclass
class Plan:
    """What each run of a mutant executes (the same for the baseline)."""

    profile: str = "ci"
    check_timeout: float = 30.0
    run_timeout: float = 900.0
    peer: str | None = None  # the second implementation of the pairwise clauses; None: not run
    host_only: tuple[str, ...] | None = None  # --only globs of the main run (None: every clause, (): no main run)
    pairwise: tuple[str, ...] = ()  # the pairwise clause ids run with the peer


@dataclass
class RunOutcome:
    """What one ``udcodec run`` gave: (clause, adapter) -> (outcome, level, message), or why none."""

    results: dict[tuple[str, str], tuple[str, str, str]] = field(default_factory=dict)
    problem: str | None = None  # the run died, hung or wrote no report
    seconds: float = 0.0


def snapshot(dest: Path) -> Path:
    """A copy of the installed package but its reference (``dest/udcodec``), so edits made while mutants run do not reach them."""
    import shutil
    from importlib import resources

    package = dest / "udcodec"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    installed = Path(str(resources.files("udcodec")))
    shutil.copytree(installed, package, ignore=lambda d, names: [*ignore(d, names), *(["reference"] if d == str(installed) else [])])
    for sub in ("adapters", "spec"):  # editable installs map these folders apart
        if not (package / sub).exists():
            shutil.copytree(Path(str(resources.files(f"udcodec.{sub}"))), package / sub, ignore=ignore)
    return package


def build_overlay(root: Path, mutant: Mutant | None, base: Path | None = None) -> Path:
    """A folder to put first on ``PYTHONPATH``: ``udcodec`` linked to ``base`` (a :func:`snapshot`), its reference mutated."""
    base = base or snapshot(root / "base")
    package = root / "udcodec"
    package.mkdir(parents=True)
    for child in base.iterdir():
        if child.name not in ("reference", "__pycache__"):
            (package / child.name).symlink_to(child)
    copy_reference(package / "reference")
    if mutant is not None:
        mutant.apply(package / "reference")
    return root


def _clip(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def udcodec_run(overlay: Path, args: Sequence[str], workdir: Path, timeout: float) -> RunOutcome:
    """``udcodec run ARGS`` in a child whose ``udcodec`` is the overlay's; its JSON report read back."""
    import json

    report = workdir / f"report-{len(list(workdir.glob('report-*')))}.json"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(overlay), env.get("PYTHONPATH", "")) if p)
    cmd = [sys.executable, "-m", "udcodec.cli", "run", *args, "--report-json", str(report)]
    started = time.monotonic()
    with open(workdir / "stderr.txt", "w+b") as err:
        proc = groups.popen(cmd, cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=err)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            groups.kill(proc)
            groups.forget(proc)
            return RunOutcome(problem=f"hang: the run took more than {timeout:g} s",
                              seconds=time.monotonic() - started)
        groups.forget(proc)
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", "replace")
    seconds = time.monotonic() - started
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return RunOutcome(problem=_clip(f"crash: exit status {code}, no report; {tail.strip()}"), seconds=seconds)
    out = RunOutcome(seconds=seconds)
    for adapter in data.get("adapters", []):
        if adapter.get("load_error"):
            out.results[("ADAPTER-LOAD", adapter["name"])] = ("error", "MUST", _clip(str(adapter["load_error"])))
    for r in data.get("results", []):
        out.results[(r["clause"], r["adapter"])] = (r["outcome"], r.get("level") or "MUST", _clip(r.get("message") or ""))
    if data.get("interrupted"):
        out.problem = "crash: the run was interrupted"
    return out


def execute(plan: Plan, mutant: Mutant | None, scratch: Path, base: Path | None = None) -> list[RunOutcome]:
    """The runs of ``plan`` on ``mutant`` (None: the unmutated baseline), in a fresh folder under ``scratch``."""
    with tempfile.TemporaryDirectory(prefix="udcodec-mutant-", dir=scratch) as tmp:
        root = Path(tmp)
        overlay = build_overlay(root / "overlay", mutant, base)
        common = ["--profile", plan.profile, "--timeout", f"{plan.check_timeout:g}"]
        runs: list[list[str]] = []
        if plan.host_only != ():
            only = [a for g in plan.host_only or () for a in ("--only", g)]
            skip = [a for c in plan.pairwise for a in ("--skip", c)] if plan.peer else []
            runs.append(["--adapter", REFERENCE, *common, *only, *skip])
        if plan.peer and plan.pairwise:
            runs.append(["--adapter", REFERENCE, "--adapter", plan.peer, *common,
                         *[a for c in plan.pairwise for a in ("--only", c)]])
        outcomes = []
        for i, args in enumerate(runs):
            workdir = root / f"run{i}"
            workdir.mkdir()
            outcomes.append(udcodec_run(overlay, args, workdir, plan.run_timeout))
        return outcomes


def killers(baseline: list[RunOutcome], mutant: list[RunOutcome]) -> list[Killer]:
    """The clauses that caught the mutant: bad now, not bad in the baseline; a dead run is one RUN killer."""
    before: dict[tuple[str, str], str] = {}
    for run in baseline:
        before.update({key: value[0] for key, value in run.results.items()})
    found: list[Killer] = []
    for run in mutant:
        if run.problem and not run.results:
            found.append(Killer(RUN_DIED, REFERENCE, "MUST", run.problem.partition(":")[0], run.problem))
            continue
        for (clause, adapter), (outcome, level, message) in sorted(run.results.items()):
            if outcome in BAD and before.get((clause, adapter)) not in BAD:
                found.append(Killer(clause, adapter, level, outcome, message))
    return found
