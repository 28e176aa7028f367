"""Run python-blosc2 4.14.1's user-codec tests, examples and tutorial unchanged, against a host.

The files sit in ``python_blosc2_4_14_1/`` (see its PROVENANCE.md).  Each runs in a subprocess in a
fresh directory, once per host:

- ``blosc2``: the installed python-blosc2;
- ``reference``: ``udcodec.reference``, as ``import blosc2`` finds it through ``shim/`` (first on
  ``PYTHONPATH``).

pytest files give one outcome per test (from their JUnit XML), scripts one (exit status 0), the
notebook one per code cell (``run_notebook.py``).  ``compare`` holds the reference to the
documented exceptions of ``exceptions.yaml``.  ``python tests/upstream/upstream_run.py`` prints
the pass counts.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
UPSTREAM = HERE / "python_blosc2_4_14_1"
SHIM = HERE / "shim"
EXCEPTIONS = HERE / "exceptions.yaml"
PROVENANCE = UPSTREAM / "PROVENANCE.md"
PYTEST_FILES = ("tests/test_ucodecs.py", "tests/test_ufilters.py")
SCRIPTS = ("examples/ucodecs.py", "examples/ufilters.py")
NOTEBOOKS = ("doc/tutorials/09.ucodecs-ufilters.ipynb",)
FILES = PYTEST_FILES + SCRIPTS + NOTEBOOKS
HOSTS = ("blosc2", "reference")
TIMEOUT = 600


@dataclass(frozen=True)
class Outcome:
    id: str
    outcome: str  # pass, fail or skip
    message: str = ""


@dataclass(frozen=True)
class Exception_:
    id: str
    clause: str
    reason: str
    failure: str  # a piece of the failure message: a failure for another reason is not this exception


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _env(host: str, shim: Path) -> dict[str, str]:
    env = dict(os.environ)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if host == "reference":
        paths.insert(0, str(shim))
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # neither our plugin nor any other in the upstream run
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _junit_outcomes(rel: str, xml_path: Path) -> list[Outcome]:
    results = []
    for case in ET.parse(xml_path).iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is not None:
            results.append(Outcome(f"{rel}::{case.get('name')}", "fail", (problem.get("message") or "")[:500]))
        elif case.find("skipped") is not None:
            results.append(Outcome(f"{rel}::{case.get('name')}", "skip"))
        else:
            results.append(Outcome(f"{rel}::{case.get('name')}", "pass"))
    return results


def run_file(rel: str, host: str, workdir: Path, shim: Path = SHIM) -> list[Outcome]:
    """Run upstream file ``rel`` against ``host`` in ``workdir`` (a copy of the file; checked unchanged)."""
    if host not in HOSTS:
        raise ValueError(f"host must be one of {HOSTS}, got {host!r}")
    source = UPSTREAM / rel
    copy = workdir / rel
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, copy)
    assert sha256(copy) == sha256(source)
    env = _env(host, shim)
    if rel in PYTEST_FILES:
        (workdir / "pytest.ini").write_text("[pytest]\n")
        xml_path = workdir / f"{copy.stem}.xml"
        cmd = [sys.executable, "-m", "pytest", "-c", "pytest.ini", "-p", "no:cacheprovider", "-q",
               f"--junitxml={xml_path}", rel]
        proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=TIMEOUT)
        if not xml_path.exists():
            raise RuntimeError(f"pytest wrote no report for {rel} on {host}:\n{proc.stdout}\n{proc.stderr}")
        return _junit_outcomes(rel, xml_path)
    if rel in SCRIPTS:
        proc = subprocess.run([sys.executable, rel], cwd=workdir, env=env, capture_output=True, text=True,
                              timeout=TIMEOUT)
        tail = proc.stderr.strip().splitlines()[-1:] if proc.returncode else []
        return [Outcome(rel, "pass" if proc.returncode == 0 else "fail", "".join(tail))]
    if rel in NOTEBOOKS:
        out = workdir / "cells.json"
        proc = subprocess.run([sys.executable, str(HERE / "run_notebook.py"), rel, str(out)], cwd=workdir,
                              env=env, capture_output=True, text=True, timeout=TIMEOUT)
        if proc.returncode != 0:
            raise RuntimeError(f"running {rel} on {host} failed:\n{proc.stdout}\n{proc.stderr}")
        import json

        return [Outcome(f"{rel}::{c['id']}", c["outcome"], c["message"]) for c in json.loads(out.read_text())]
    raise ValueError(f"not an upstream file: {rel!r}")


def spec_clause_ids() -> set[str]:
    ids = set()
    for entry in importlib.resources.files("udcodec.spec").iterdir():
        if entry.name.endswith(".yaml"):
            data = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
            ids.update(c["id"] for c in data.get("clauses", []))
    return ids


def load_exceptions(path: Path = EXCEPTIONS) -> tuple[dict[str, Exception_], list[str]]:
    """The documented exceptions by upstream id, and the problems of the file (empty when well formed)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    pending = data.get("pending") or {}
    known = spec_clause_ids()
    problems: list[str] = []
    entries: dict[str, Exception_] = {}
    for i, raw in enumerate(data.get("exceptions") or []):
        where = f"{path.name} entry {i}"
        if not isinstance(raw, dict) or set(raw) != {"id", "clause", "reason", "failure"}:
            problems.append(f"{where}: needs exactly id, clause, reason and failure, got {raw!r}")
            continue
        exc = Exception_(str(raw["id"]), str(raw["clause"]), str(raw["reason"]), str(raw["failure"]))
        if exc.id in entries:
            problems.append(f"{where}: {exc.id} is listed twice")
        if exc.id.split("::")[0] not in FILES:
            problems.append(f"{where}: {exc.id} is not in an upstream file ({', '.join(FILES)})")
        if exc.clause not in known and exc.clause not in pending:
            problems.append(f"{where}: clause {exc.clause} is neither in spec/*.yaml nor a pending family")
        if not exc.reason.strip() or "\n" in exc.reason.strip():
            problems.append(f"{where}: the reason must be one line")
        if not exc.failure.strip():
            problems.append(f"{where}: failure must name a piece of the failure message")
        entries[exc.id] = exc
    return entries, problems


def compare(rel: str, on_blosc2: list[Outcome], on_reference: list[Outcome],
            exceptions: dict[str, Exception_]) -> list[str]:
    """What is wrong with one upstream file's run on both hosts (empty when all is as documented)."""
    problems = []
    b2 = {o.id: o for o in on_blosc2}
    ref = {o.id: o for o in on_reference}
    for oid in sorted(b2.keys() ^ ref.keys()):
        problems.append(f"{oid} ran on {'python-blosc2' if oid in b2 else 'the reference'} only")
    for o in on_blosc2:
        if o.outcome != "pass":
            problems.append(f"{o.id} does not pass on python-blosc2 (not run faithfully?): {o.outcome} {o.message}")
    for o in on_reference:
        exc = exceptions.get(o.id)
        if o.outcome != "pass" and exc is None:
            problems.append(f"{o.id} {o.outcome}s on the reference and is no documented exception: {o.message}")
        elif o.outcome != "pass" and exc is not None and exc.failure not in o.message:
            problems.append(f"{o.id} fails on the reference for another reason than its exception "
                            f"({exc.failure!r} not in the message): {o.message}")
        elif o.outcome == "pass" and exc is not None:
            problems.append(f"stale exception: {o.id} passes on the reference (clause {exc.clause}: {exc.reason})")
    for oid in sorted(exceptions):
        if oid.split("::")[0] == rel and oid not in ref and oid not in b2:
            problems.append(f"exception {oid} names no test that ran")
    return problems


def run_both(rel: str, workdir: Path, shim: Path = SHIM) -> tuple[list[Outcome], list[Outcome]]:
    runs = []
    for host in HOSTS:
        d = workdir / host
        d.mkdir(parents=True, exist_ok=True)
        runs.append(run_file(rel, host, d, shim))
    return runs[0], runs[1]


def summary_line(rel: str, on_blosc2: list[Outcome], on_reference: list[Outcome],
                 exceptions: dict[str, Exception_]) -> str:
    n = len(on_blosc2)
    n_exc = sum(1 for oid in exceptions if oid.split("::")[0] == rel)
    passed = [sum(o.outcome == "pass" for o in run) for run in (on_blosc2, on_reference)]
    return f"{rel}: {passed[0]}/{n} on blosc2, {passed[1]}/{len(on_reference)} on reference, {n_exc} exceptions"


def main() -> int:
    exceptions, problems = load_exceptions()
    with tempfile.TemporaryDirectory() as tmp:
        for rel in FILES:
            on_b2, on_ref = run_both(rel, Path(tmp) / rel.replace("/", "_"))
            print(summary_line(rel, on_b2, on_ref, exceptions))
            problems += compare(rel, on_b2, on_ref, exceptions)
    for p in problems:
        print(f"  problem: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
