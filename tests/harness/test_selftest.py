"""``udcodec self-test``: the mutant catalogue, applying and running mutants, verdicts and reports."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from udcodec.contract import bundled_schema, load_contract
from udcodec.selftest import catalogue as cat
from udcodec.selftest.report import MutantVerdict, summary, to_json, to_markdown
from udcodec.selftest.runner import Killer, RunOutcome, build_overlay, killers
from udcodec_cli import Udcodec

REPO = Path(__file__).resolve().parents[2]
MUTANTS = cat.load_catalogue(clause_ids=load_contract().ids())
FAMILIES = cat.SCHEMA["properties"]["mutants"]["items"]["properties"]["family"]["enum"]


def _write(tmp_path: Path, *entries: dict[str, object]) -> Path:
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump({"mutants": list(entries)}, sort_keys=False), encoding="utf-8")
    return path


def _entry(**changes: object) -> dict[str, object]:
    entry: dict[str, object] = {"id": "REG-TEST", "family": "registration", "description": "a test edit",
                                "file": "registry.py", "old": "MAX_VERSION = 255\n", "new": "MAX_VERSION = 256\n"}
    entry.update(changes)
    return entry


# -- the bundled catalogue ------------------------------------------------------------------------

def test_the_catalogue_covers_every_family_and_fits_the_reference() -> None:
    assert {m.family for m in MUTANTS} == set(FAMILIES)
    assert 40 <= len(MUTANTS) <= 250
    assert len({m.id for m in MUTANTS}) == len(MUTANTS)



def test_every_module_of_the_reference_has_a_mutant() -> None:
    modules = {p.name for p in (REPO / "reference").glob("*.py") if p.name != "__init__.py"}
    assert {"frame.py", "schunk.py", "params.py", "compat.py"} <= modules
    untested = modules - {m.file for m in MUTANTS}
    assert not untested, f"no mutant of {sorted(untested)} in the catalogue"


#: A function of the reference whose body (docstring aside) has this many lines holds at least one mutant's edit.
COVERED_BODY_LINES = 5


def _functions(path: Path) -> list[tuple[str, int, int, int]]:
    """(name, first line, last line, body lines without the docstring) of every function in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body[1:] if len(node.body) > 1 and isinstance(node.body[0], ast.Expr) and isinstance(
                node.body[0].value, ast.Constant) else node.body
            found.append((node.name, node.lineno, node.end_lineno or node.lineno,
                          (node.end_lineno or node.lineno) - body[0].lineno + 1))
    return found


def test_every_sizeable_function_of_the_reference_has_a_mutant() -> None:
    """A function of 5 body lines or more (test-only ``_reset_*`` helpers aside) that no mutant edits is a
    part of the reference the self-test says nothing about; nested functions count apart."""
    edited: dict[str, list[tuple[int, int]]] = {}
    for m in MUTANTS:
        text = (REPO / "reference" / m.file).read_text(encoding="utf-8")
        first = text[:text.index(m.old)].count("\n") + 1
        edited.setdefault(m.file, []).append((first, first + m.old.rstrip("\n").count("\n")))
    missing = []
    for path in sorted((REPO / "reference").glob("*.py")):
        functions = _functions(path)
        for name, a, b, body in functions:
            if body < COVERED_BODY_LINES or name.startswith("_reset"):
                continue
            inner = [(c, d) for _n, c, d, _b in functions if a < c and d <= b]

            def own(line: int, a: int = a, b: int = b, inner: list[tuple[int, int]] = inner) -> bool:
                return a <= line <= b and not any(c <= line <= d for c, d in inner)

            if not any(own(line) for lo, hi in edited.get(path.name, []) for line in range(lo, hi + 1)):
                missing.append(f"{path.name}:{a} {name}")
    assert not missing, "functions no mutant edits: " + ", ".join(missing)


def test_the_fast_subset_says_what_must_kill_each_mutant() -> None:
    fast = [m for m in MUTANTS if m.fast]
    assert 4 <= len(fast) <= 12
    assert all(m.killed_by and not m.equivalent for m in fast)
    assert len({m.family for m in fast}) >= 5


def test_the_committed_report_is_of_todays_catalogue_and_valid() -> None:
    """docs/selftest.json holds the figures the README states: a run of this very catalogue, every mutant in it."""
    report = json.loads((REPO / "docs" / "selftest.json").read_text(encoding="utf-8"))
    jsonschema.validate(report, json.loads((REPO / "conformance" / "schemas" / "selftest-report.schema.json").read_text()))
    catalogue = REPO / "conformance" / "selftest" / "catalogue.yaml"
    assert report["catalogue"]["sha256"] == hashlib.sha256(catalogue.read_bytes()).hexdigest(), (
        "docs/selftest.{json,md} are of another catalogue: run udcodec self-test --targeted -n 2 "
        "--report-json docs/selftest.json --report-markdown docs/selftest.md, then python tests/harness/readme_figures.py")
    assert report["subset"] == "all" and report["summary"]["run"] == len(MUTANTS) == report["catalogue"]["size"]
    assert [m["id"] for m in report["mutants"]] == [m.id for m in MUTANTS]
    assert report["summary"]["problems"] == 0


def test_the_loader_uses_the_committed_schema() -> None:
    assert cat.SCHEMA == json.loads((REPO / "conformance/schemas/selftest-catalogue.schema.json").read_text())
    assert cat.SCHEMA == bundled_schema("selftest-catalogue.schema.json")


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.id for m in MUTANTS])
def test_each_mutant_changes_its_module_and_still_compiles(mutant: cat.Mutant, tmp_path: Path) -> None:
    copy = cat.copy_reference(tmp_path / "reference")
    before = (copy / mutant.file).read_text(encoding="utf-8")
    mutant.apply(copy)
    after = (copy / mutant.file).read_text(encoding="utf-8")
    assert after == before.replace(mutant.old, mutant.new) != before
    compile(after, mutant.file, "exec")


def test_applying_an_edit_that_no_longer_fits_fails_loudly(tmp_path: Path) -> None:
    copy = cat.copy_reference(tmp_path / "reference")
    mutant = cat.Mutant("REG-TEST", "registration", "d", "registry.py", "MAX_VERSION = 255\n", "MAX_VERSION = 9\n")
    mutant.apply(copy)
    with pytest.raises(cat.CatalogueError, match=r"mutants\[REG-TEST\]\.old: occurs 0 times, expected exactly once"):
        mutant.apply(copy)


# -- bad catalogues: one line, exit 2 --------------------------------------------------------------

@pytest.mark.parametrize(("entry", "problem"), [
    (_entry(old="MAX_VERSION = 254\n"), "mutants[REG-TEST].old: is not found in registry.py, expected exactly once"),
    (_entry(old="codec_name"), "mutants[REG-TEST].old: is found "),
    (_entry(file="nosuch.py"), "mutants[REG-TEST].file: "),
    (_entry(new="MAX_VERSION = 255\n"), "mutants[REG-TEST].new: is the same as old"),
    (_entry(killed_by=["REG-NOSUCH"]), "mutants[REG-TEST].killed_by: REG-NOSUCH is no clause of the contract"),
    (_entry(family="nosuch"), "mutants[REG-TEST].family: "),
    (_entry(equivalent="same", killed_by=["REG-ID-RANGE"]), "mutants[REG-TEST]"),
    (_entry(fast=True), "mutants[REG-TEST]: 'killed_by' is a required property"),
], ids=["not-found", "found-twice", "no-file", "no-change", "unknown-clause", "bad-family", "equivalent-and-killed",
        "fast-without-killed-by"])
def test_a_bad_catalogue_is_one_line_and_exit_2(entry: dict[str, object], problem: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from udcodec.cli import main

    path = _write(tmp_path, entry)
    assert main(["self-test", "--catalogue", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"udcodec: {path}:") and problem in err, err


def test_a_duplicate_id_and_an_unknown_mutant_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from udcodec.cli import main

    path = _write(tmp_path, _entry(), _entry(old="MIN_VERSION = 0\n", new="MIN_VERSION = 1\n"))
    assert main(["self-test", "--catalogue", str(path)]) == 2
    assert "mutants[REG-TEST].id: duplicate mutant id" in capsys.readouterr().err
    assert main(["self-test", "--only", "NOSUCH-*"]) == 2
    assert capsys.readouterr().err.strip().endswith("--only NOSUCH-*")


def test_list_prints_the_selected_mutants(capsys: pytest.CaptureFixture[str]) -> None:
    from udcodec.cli import main

    assert main(["self-test", "--subset", "fast", "--list"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == [m.id for m in MUTANTS if m.fast]


# -- the overlay: the mutant is udcodec.reference in every process of a run -------------------------

def test_the_overlay_makes_the_mutant_the_reference_of_a_child_process(tmp_path: Path) -> None:
    mutant = next(m for m in MUTANTS if m.id == "REG-VERSION-256")
    overlay = build_overlay(tmp_path / "overlay", mutant)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(overlay), os.environ.get("PYTHONPATH")])))
    code = ("import udcodec.reference as r, udcodec.reference.registry as g, udcodec.adapters.reference as a, "
            "udcodec.spec as s; print(r.__file__); print(g.MAX_VERSION); print(a.__file__); print(s.__file__)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    ref_file, max_version, adapter_file, spec_file = out.split()
    assert Path(ref_file).parent == overlay / "udcodec" / "reference" and max_version == "256"
    # the rest of the package is a snapshot of the installed one, taken before the run
    assert Path(adapter_file).parent.parent == overlay / "udcodec"
    assert Path(adapter_file).read_bytes() == (REPO / "adapters" / "reference.py").read_bytes()
    assert Path(spec_file).resolve().parent == (overlay / "base" / "udcodec" / "spec").resolve()


# -- verdicts --------------------------------------------------------------------------------------

def _run(**results: tuple[str, str]) -> RunOutcome:
    return RunOutcome(results={(k.replace("_", "-"), "reference"): (o, lvl, "m") for k, (o, lvl) in results.items()})


def test_targeted_runs_the_killers_and_the_whole_contract_for_mutants_without_them() -> None:
    from udcodec.selftest.command import plan_runs
    from udcodec.selftest.runner import Plan

    byid = {m.id: m for m in MUTANTS}
    pairwise = {c.id for c in load_contract() if c.pairwise}
    base = Plan(peer="blosc2")
    targeted, survivor = byid["UFILT-ID-MIN-EXCLUSIVE"], byid["COMPAT-STRICT-BY-DEFAULT"]
    assert targeted.killed_by == ("FILTER-ID-RANGE",) and not survivor.killed_by
    plans, baseline = plan_runs([targeted], base, pairwise, targeted=True)
    assert plans[targeted.id].host_only == ("FILTER-ID-RANGE",) and plans[targeted.id].pairwise == ()
    assert baseline.host_only == ("FILTER-ID-RANGE",)
    plans, baseline = plan_runs([targeted, survivor], base, pairwise, targeted=True)
    assert plans[targeted.id].host_only == ("FILTER-ID-RANGE",)
    assert plans[survivor.id].host_only is None and set(plans[survivor.id].pairwise) == pairwise
    assert baseline.host_only is None  # the whole contract: the survivor runs all of it
    plans, baseline = plan_runs([targeted], base, pairwise, targeted=False)
    assert plans[targeted.id].host_only is None and baseline.host_only is None


def test_a_killer_is_a_clause_bad_now_that_was_not_bad_before() -> None:
    base = [_run(A_ONE=("pass", "MUST"), B_TWO=("fail", "MUST"), C_THREE=("n/a", "MUST"), D_FOUR=("pass", "SHOULD"))]
    now = [_run(A_ONE=("crash", "MUST"), B_TWO=("fail", "MUST"), C_THREE=("pass", "MUST"), D_FOUR=("fail", "SHOULD"))]
    assert [(k.clause, k.level, k.outcome) for k in killers(base, now)] == [("A-ONE", "MUST", "crash"),
                                                                             ("D-FOUR", "SHOULD", "fail")]
    assert killers(base, base) == []
    dead = [RunOutcome(problem="hang: the run took more than 9 s")]
    assert [(k.clause, k.level, k.outcome) for k in killers(base, dead)] == [("RUN", "MUST", "hang")]


def _verdict(mid: str, *levels: str, equivalent: str | None = None, killed_by: tuple[str, ...] = ()) -> MutantVerdict:
    mutant = cat.Mutant(mid, "codec", "d", "chunkformat.py", "a", "b", equivalent=equivalent, killed_by=killed_by)
    return MutantVerdict(mutant, [Killer(f"C-{i}", "reference", lvl, "fail") for i, lvl in enumerate(levels)], 1.0)


def test_the_figures_count_must_kills_apart_and_leave_equivalents_out() -> None:
    verdicts = [_verdict("M-1", "MUST", "SHOULD"), _verdict("M-2", "SHOULD"), _verdict("M-3"),
                _verdict("M-4", equivalent="same bytes"), _verdict("M-5", "MUST", killed_by=("C-0", "C-9"))]
    s = summary(verdicts)
    assert (s["mutants"], s["equivalent"], s["non_equivalent"], s["killed"], s["killed_by_must"]) == (5, 1, 4, 3, 2)
    assert (s["survivors"], s["kill_rate"], s["must_kill_rate"], s["problems"]) == (["M-3"], 75.0, 50.0, 2)
    assert [v.status for v in verdicts] == ["killed", "killed by SHOULD only", "survived", "equivalent", "killed"]
    assert verdicts[4].problems == ["killed_by C-9 did not catch it"]
    assert _verdict("M-6", "MUST", equivalent="x").problems == ["marked equivalent, but C-0 caught it"]
    meta = {"catalogue": {"path": "c.yaml", "sha256": "0" * 64, "size": 5}, "profile": "ci", "peer": None,
            "subset": "all", "targeted": False, "started": "2026-01-01T00:00:00Z", "duration": 1.0,
            "baseline_failures": []}
    jsonschema.validate(to_json(verdicts, meta), bundled_schema("selftest-report.schema.json"))
    md = to_markdown(verdicts, meta)
    assert "| `M-1` | codec | killed | C-0 | C-1 |" in md and "`M-4` (d): equivalent: same bytes" in md


# -- real runs (slow) ------------------------------------------------------------------------------

@pytest.mark.slow
def test_the_fast_subset_is_killed_by_the_clauses_the_catalogue_names(udcodec_cli: Udcodec, tmp_path: Path) -> None:
    """The CI subset: each fast mutant, run on its killed_by clauses, fails every one of them at MUST level (profile
    ci: dev frames have too few chunks for sparse-frame file names past 9)."""
    proc = udcodec_cli("self-test", "--subset", "fast", "--targeted", "-n", "2", "--profile", "ci",
                       "--report-json", "st.json", timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads((tmp_path / "st.json").read_text())
    jsonschema.validate(report, bundled_schema("selftest-report.schema.json"))
    fast = {m.id: m for m in MUTANTS if m.fast}
    assert [m["id"] for m in report["mutants"]] == list(fast)
    for m in report["mutants"]:
        caught = {k["clause"] for k in m["must_killers"]}
        assert m["status"] == "killed" and set(fast[m["id"]].killed_by) <= caught, m


@pytest.mark.slow
def test_a_survivor_and_a_missed_killer_fail_the_self_test(udcodec_cli: Udcodec, tmp_path: Path) -> None:
    """An equivalent edit not marked so survives, and a killed_by clause that misses is named: exit 1."""
    equivalent = next(m for m in MUTANTS if m.id == "CB-ENC-BOUND-LEN")
    path = _write(tmp_path, {"id": "CB-UNMARKED", "family": "callbacks", "description": "no change in behaviour",
                             "file": equivalent.file, "old": equivalent.old, "new": equivalent.new,
                             "killed_by": ["CB-ENC-RETURN-RANGE"]})
    proc = udcodec_cli("self-test", "--catalogue", str(path), "--targeted", "--profile", "dev",
                       "--report-json", "st.json", timeout=600)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "CB-UNMARKED: survived: no clause caught it" in proc.stdout
    assert "CB-UNMARKED: killed_by CB-ENC-RETURN-RANGE did not catch it" in proc.stdout
    report = json.loads((tmp_path / "st.json").read_text())
    assert report["summary"]["survivors"] == ["CB-UNMARKED"] and report["summary"]["must_kill_rate"] == 0.0


@pytest.mark.slow
def test_sigterm_writes_the_partial_reports_and_leaves_no_child_or_scratch(tmp_path: Path) -> None:
    """Stopped after its first mutant, the self-test reports what finished (the rest `not run`), exit 130."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    cmd = [sys.executable, "-m", "udcodec.cli", "self-test", "--subset", "fast", "--targeted", "-n", "1",
           "--report-json", "st.json", "--report-markdown", "st.md"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if "killed" in line or "survived" in line:
            break
    proc.terminate()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, "".join(lines) + out + err
    assert "interrupted after 1 of" in err
    report = json.loads((tmp_path / "st.json").read_text())
    jsonschema.validate(report, bundled_schema("selftest-report.schema.json"))
    statuses = [m["status"] for m in report["mutants"]]
    assert report["interrupted"] is True and report["summary"]["run"] == 1 == len(statuses) - statuses.count("not run")
    assert "**Interrupted**" in (tmp_path / "st.md").read_text()
    assert list(scratch.iterdir()) == [], "the self-test's scratch folder outlived it"
    leftover = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(tmp_path).encode() in cmdline.read_bytes():
                leftover.append(cmdline.parent.name)
        except OSError:
            pass  # the process ended while we looked
    assert leftover == [], f"processes outlived the self-test: {leftover}"
