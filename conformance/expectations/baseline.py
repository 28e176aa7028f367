"""``udcodec baseline update``: the ratchet on an adapter's expectations file.

It runs the contract against the adapter (``udcodec run`` in a subprocess, with a JSON report),
then rewrites the expectations file:

* an entry whose clause now passes, or that names a clause the spec no longer has, is removed;
* entries for clauses not run, skipped, not applicable (``n/a``), or for other python-blosc2 versions
  are kept;
* a clause that fails without an entry (a new failure) is never added silently: it is printed and
  the command exits 1. ``--accept CLAUSE --reason "..."`` adds it, with a reproduction (the run's,
  unless ``--reproduction`` gives one) and optional ``--upstream``, ``--expires``, ``--versions``.
  Accepting a clause that is already an expected failure updates its entry in place (e.g. to renew
  ``expires``).

Qualifiers apply to the ``--accept`` before them, so several clauses can be accepted at once.

A codec's expectations file (its known failures on a host, given to ``check-codec --expectations
HOST=PATH``) is updated the same way: with the codec options (``--encoder``/``--decoder`` or ``--plugin``,
and ``--name``, ``--id``, ``--meta``, ``--version``, ``--domain``, ``--budget``) the run is
``udcodec check-codec --host ADAPTER``, and ``--expectations`` is required (a codec ships no default).
``--report PATH`` plans from a JSON report already written (of ``run`` or ``check-codec``) instead of running.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from udcodec.adapters.loader import expectations_path
from udcodec.contract import Contract, add_spec_option, contract_or_exit
from udcodec.expectations.edit import edit_text, new_file_text, write_checked
from udcodec.expectations.model import (
    Expectation,
    Expectations,
    ExpectationsError,
    load_expectations,
)
from udcodec.outcomes import EXPECTABLE, CheckResult, Outcome
from udcodec.reports.json_report import read_json
from udcodec.reports.model import AdapterRun, RunRecord

#: Outcomes an expectation turns into ``xfail``: the only ones an entry can be accepted for.
ACCEPTABLE = EXPECTABLE
QUALIFIERS = ("reason", "reproduction", "upstream", "expires", "versions")


@dataclass
class Acceptance:
    """One ``--accept CLAUSE`` with the qualifiers that followed it."""

    clause: str
    reason: str | None = None
    reproduction: str | None = None
    upstream: str | None = None
    expires: str | None = None
    versions: str | None = None


class AcceptAction(argparse.Action):
    """``--accept`` opens an :class:`Acceptance`; ``--reason`` and the other qualifiers fill the last one."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        accepts: list[Acceptance] = getattr(namespace, "accepts", None) or []
        namespace.accepts = accepts
        field_name = (option_string or "").lstrip("-")
        if field_name == "accept":
            accepts.append(Acceptance(str(values)))
            return
        if not accepts:
            parser.error(f"{option_string} must follow the --accept it qualifies")
        if getattr(accepts[-1], field_name) is not None:
            parser.error(f"{option_string} given twice for --accept {accepts[-1].clause}")
        setattr(accepts[-1], field_name, str(values))


def add_arguments(update: argparse.ArgumentParser) -> None:
    update.add_argument("--adapter", required=True, metavar="SPEC", help="the adapter whose baseline to update")
    update.add_argument("--expectations", metavar="PATH",
                        help="the expectations file (default: the one shipped with a built-in adapter); created if missing")
    add_spec_option(update)
    update.add_argument("--profile", default="ci", choices=("dev", "ci", "thorough"))
    update.add_argument("--only", action="append", default=[], metavar="GLOB",
                        help="run only these clauses (entries for the others are kept)")
    update.add_argument("--skip", action="append", default=[], metavar="GLOB")
    update.add_argument("-n", "--numprocesses", metavar="N", help="pytest-xdist workers for the run")
    update.add_argument("--dry-run", action="store_true", help="print the changes, write nothing")
    update.add_argument("--report", metavar="PATH",
                        help="plan from this JSON report (of `udcodec run` or `udcodec check-codec`) instead of running")
    codec = update.add_argument_group("a codec's expectations (the run is `udcodec check-codec --host ADAPTER`)")
    for option, dest, metavar in (("--encoder", "encoder", "MODULE:FUNCTION"), ("--decoder", "decoder", "MODULE:FUNCTION"),
                                  ("--plugin", "plugin", "NAME"), ("--name", "name", "NAME"), ("--id", "id", "ID"),
                                  ("--version", "codec_version", "N"), ("--domain", "domain", "PATH"),
                                  ("--budget", "budget", "SECONDS")):
        codec.add_argument(option, dest=dest, metavar=metavar)
    codec.add_argument("--meta", action="append", default=[], metavar="META")
    update.add_argument("--accept", action=AcceptAction, dest="accepts", metavar="CLAUSE",
                        help="add an entry for this failing clause (needs --reason)")
    for name, help_text in (("reason", "one line: how the implementation diverges (required with --accept)"),
                            ("reproduction", "a minimal reproduction (default: the run's)"),
                            ("upstream", "URL of the upstream issue"),
                            ("expires", "YYYY-MM-DD after which `udcodec run --strict` fails on the entry"),
                            ("versions", "python-blosc2 releases the entry holds for, e.g. '>=3'")):
        update.add_argument(f"--{name}", action=AcceptAction, dest="accepts", metavar=name.upper(), help=help_text)


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        return None


def _check_acceptances(accepts: list[Acceptance], contract: Contract) -> list[str]:
    problems = []
    today = datetime.now(UTC).date()
    for a in accepts:
        if a.clause not in contract.ids():
            problems.append(f"--accept {a.clause}: no such clause in the spec")
        if not a.reason or not a.reason.strip() or "\n" in a.reason:
            problems.append(f"--accept {a.clause}: needs --reason with a one-line reason")
        if a.upstream is not None and not re.fullmatch(r"https?://\S+", a.upstream):
            problems.append(f"--accept {a.clause}: --upstream {a.upstream!r} is not an http(s) URL")
        if a.expires is not None:
            expires = _date(a.expires)
            if expires is None:
                problems.append(f"--accept {a.clause}: --expires {a.expires!r} is not a date (YYYY-MM-DD)")
            elif expires < today:
                problems.append(f"--accept {a.clause}: --expires {a.expires} is in the past")
    return problems


#: The codec options passed on to ``check-codec`` (namespace attribute -> option).
CODEC_OPTIONS = {"encoder": "--encoder", "decoder": "--decoder", "plugin": "--plugin", "name": "--name", "id": "--id",
                 "codec_version": "--version", "domain": "--domain", "budget": "--budget"}


def is_codec(args: argparse.Namespace) -> bool:
    """Whether the expectations are a codec's: the codec under test is given."""
    return bool(getattr(args, "encoder", None) or getattr(args, "decoder", None) or getattr(args, "plugin", None))


def _run(args: argparse.Namespace, path: Path, report: Path) -> int:
    """``udcodec run`` (``check-codec`` for a codec) for the one adapter, its output on our stderr; return its
    exit status."""
    if is_codec(args):
        command = [sys.executable, "-m", "udcodec.cli", "check-codec", "--host", args.adapter]
        for dest, option in CODEC_OPTIONS.items():
            if getattr(args, dest, None) is not None:
                command += [option, str(getattr(args, dest))]
        for meta in args.meta:
            command += ["--meta", meta]
        command += ["--profile", args.profile, "--report-json", str(report)]
        command += ["--expectations", f"{args.adapter}={path}"] if path.exists() else []
    else:
        command = [sys.executable, "-m", "udcodec.cli", "run", "--adapter", args.adapter, "--profile", args.profile,
                   "--report-json", str(report)]
        command += ["--expectations", f"{args.adapter}={path}"] if path.exists() else ["--no-expectations"]
    command += ["--spec", args.spec] if args.spec else []
    command += ["-n", args.numprocesses] if args.numprocesses else []
    for glob in args.only:
        command += ["--only", glob]
    for glob in args.skip:
        command += ["--skip", glob]
    return subprocess.run(command, stdout=sys.stderr, check=False).returncode


@dataclass
class Plan:
    """What the update does to the file, and what it refuses to do."""

    drop: dict[int, str] = field(default_factory=dict)  # entry index -> why
    replace: dict[int, Expectation] = field(default_factory=dict)
    append: list[Expectation] = field(default_factory=list)
    refused: list[CheckResult] = field(default_factory=list)  # new failures nobody accepted
    errors: list[str] = field(default_factory=list)  # --accept that cannot apply
    harness_errors: list[CheckResult] = field(default_factory=list)
    expired: list[Expectation] = field(default_factory=list)

    def wanted(self, entries: tuple[Expectation, ...]) -> list[Expectation]:
        kept = [self.replace.get(i, e) for i, e in enumerate(entries) if i not in self.drop]
        return kept + self.append


def _entry(a: Acceptance, result: CheckResult, run: AdapterRun, old: Expectation | None) -> Expectation:
    reproduction = (a.reproduction or (old.reproduction if old else None) or result.reproduction
                    or f"udcodec run --adapter {run.spec} --only {a.clause}")
    return Expectation(
        clause=a.clause,
        reason=a.reason or "",
        reproduction=reproduction,
        versions=a.versions or (old.versions if old else None),
        upstream=a.upstream or (old.upstream if old else None),
        expires=date.fromisoformat(a.expires) if a.expires else None,
    )


def adapter_run(record: RunRecord, adapter: str | None = None) -> AdapterRun | None:
    """The run of ``adapter`` (its spec or name) in ``record``; the only one when ``adapter`` is None."""
    if adapter is None:
        return record.adapters[0] if len(record.adapters) == 1 else None
    return next((a for a in record.adapters if adapter in (a.spec, a.name)), None)


def plan_update(record: RunRecord, expectations: Expectations | None, accepts: list[Acceptance],
                contract: Contract, adapter: str | None = None) -> Plan:
    """Decide the changes from the run ``record`` of ``adapter`` (see the module docstring)."""
    run = adapter_run(record, adapter) or record.adapters[0]
    impl, version = run.implementation or "", run.version or ""
    results = {r.clause: r for r in record.results_for(run.key)}
    entries = expectations.entries if expectations else ()
    plan = Plan()
    applicable: dict[str, int] = {}
    for i, entry in enumerate(entries):
        result = results.get(entry.clause)
        if entry.clause not in contract.ids():
            plan.drop[i] = "no such clause in the spec"
        elif not entry.holds_for(impl, version) or result is None:
            continue
        elif Outcome(result.outcome) in (Outcome.PASS, Outcome.XPASS):
            plan.drop[i] = "passes now"
        else:
            applicable.setdefault(entry.clause, i)
            if entry.expired():
                plan.expired.append(entry)
    accepted = {a.clause: a for a in accepts}
    for a in accepts:
        result = results.get(a.clause)
        outcome = Outcome(result.outcome) if result else None
        if result is None:
            plan.errors.append(f"--accept {a.clause}: the clause was not run")
        elif a.clause in applicable:
            index = applicable[a.clause]
            plan.replace[index] = _entry(a, result, run, entries[index])
        elif outcome in ACCEPTABLE:
            plan.append.append(_entry(a, result, run, None))
        else:
            plan.errors.append(f"--accept {a.clause}: its outcome is {result.outcome}; only a failing clause "
                               "(fail, crash, hang, resource) can be accepted")
    for result in results.values():
        outcome = Outcome(result.outcome)
        if outcome in ACCEPTABLE and result.clause not in accepted:
            plan.refused.append(result)
        elif outcome is Outcome.ERROR:
            plan.harness_errors.append(result)
    return plan


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def _print_plan(plan: Plan, entries: tuple[Expectation, ...], path: Path, run: AdapterRun, dry: bool) -> None:
    who = " ".join(x for x in (run.implementation, run.version) if x) or run.spec
    print(f"udcodec baseline: {path} ({who}){' [dry run: nothing written]' if dry else ''}")
    for index, why in sorted(plan.drop.items()):
        print(f"  removed  {entries[index].clause}: {why}")
    for _, entry in sorted(plan.replace.items()):
        print(f"  updated  {entry.clause}: {entry.reason}")
    for entry in plan.append:
        print(f"  accepted {entry.clause}: {entry.reason}")
    kept = len(entries) - len(plan.drop)
    print(f"  {kept + len(plan.append)} entries ({kept} kept, {len(plan.append)} added, {len(plan.drop)} removed)")
    for entry in plan.expired:
        print(f"  EXPIRED  {entry.clause} (expired {entry.expires}): fix it, or renew with --accept "
              f"{entry.clause} --reason ... --expires YYYY-MM-DD")
    for result in plan.refused:
        print(f"  NEW FAILURE {result.clause} ({result.outcome}): {_first_line(result.message)}")
        print(f"    not added: the baseline grows only with --accept {result.clause} --reason \"...\"")
    for result in plan.harness_errors:
        print(f"  ERROR {result.clause}: {_first_line(result.message)} (a harness or adapter problem, not "
              "acceptable)")


def update(args: argparse.Namespace, contract: Contract) -> int:
    """Run, plan, rewrite; 0 when nothing was refused, 1 on new failures or errors, 2 on bad input or an
    interrupted run (nothing changed)."""
    accepts: list[Acceptance] = args.accepts or []
    problems = _check_acceptances(accepts, contract)
    codec = is_codec(args)
    given = Path(args.expectations) if args.expectations else (None if codec else expectations_path(args.adapter))
    if codec and args.report:
        problems.append("give the codec options or --report, not both (the report names its codec)")
    if codec and given is None:
        problems.append("a codec's expectations: give --expectations PATH (created if missing)")
    elif given is None:
        problems.append(f"adapter {args.adapter!r} ships no expectations file: give --expectations PATH "
                        "(created if missing)")
    if problems:
        for problem in problems:
            print(f"udcodec baseline: {problem}", file=sys.stderr)
        return 2
    assert given is not None
    try:
        expectations = load_expectations(given) if given.exists() else None
    except ExpectationsError as exc:
        print(f"udcodec baseline: malformed expectations file: {exc}", file=sys.stderr)
        return 2
    if args.report:
        try:
            record = read_json(Path(args.report))
        except (OSError, ValueError) as exc:
            print(f"udcodec baseline: --report {args.report}: {exc}", file=sys.stderr)
            return 2
    else:
        with tempfile.TemporaryDirectory(prefix="udcodec-baseline-") as tmp:
            report = Path(tmp) / "run.json"
            status = _run(args, given, report)
            if not report.exists():
                print(f"udcodec baseline: the run wrote no report (exit status {status}); nothing changed",
                      file=sys.stderr)
                return 2 if status == 2 else 1
            record = read_json(report)
    if record.interrupted:  # a partial run would drop or keep entries on results it never got
        print("udcodec baseline: the run was interrupted; nothing changed", file=sys.stderr)
        return 2
    found = adapter_run(record, args.adapter)
    if found is None:
        names = ", ".join(a.spec for a in record.adapters) or "none"
        print(f"udcodec baseline: the report has no run of {args.adapter!r} (it ran: {names}); nothing changed",
              file=sys.stderr)
        return 2
    run = found
    if run.load_error:
        print(f"udcodec baseline: {run.load_error}; nothing changed", file=sys.stderr)
        return 1
    plan = plan_update(record, expectations, accepts, contract, args.adapter)
    entries = expectations.entries if expectations else ()
    if plan.errors:
        for problem in plan.errors:
            print(f"udcodec baseline: {problem}; nothing changed", file=sys.stderr)
        return 2
    _print_plan(plan, entries, given, run, args.dry_run)
    changed = bool(plan.drop or plan.replace or plan.append)
    if changed and not args.dry_run:
        text = given.read_text(encoding="utf-8") if given.exists() else new_file_text(run.key)
        given.parent.mkdir(parents=True, exist_ok=True)
        write_checked(given, edit_text(text, str(given), set(plan.drop), plan.replace, plan.append),
                      plan.wanted(entries))
    return 1 if plan.refused or plan.harness_errors else 0


def add_parser(sub: Any) -> argparse.ArgumentParser:
    baseline = sub.add_parser("baseline", help="the ratchet on an adapter's expectations file")
    baseline_sub = baseline.add_subparsers(dest="baseline_command", required=True)
    add_arguments(baseline_sub.add_parser(
        "update", help="remove the entries whose clause passes now; add one only with --accept"))
    baseline.set_defaults(handler=cmd_baseline)
    return baseline


def cmd_baseline(args: argparse.Namespace) -> int:
    return update(args, contract_or_exit(args.spec))
