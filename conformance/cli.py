"""The ``udcodec`` command: run the contract against adapters, list clauses, explain one, replay a failure."""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from collections.abc import Sequence
from typing import Any

from udcodec import __version__, check_codec, golden
from udcodec.baseline import add_arguments as add_baseline_arguments
from udcodec.contract import Contract, SpecError, load_contract
from udcodec.list_failing import run_listing_failing
from udcodec.profiles import DEFAULT_PROFILE, PROFILES


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="udcodec", description="Conformance harness for blosc2.register_codec.")
    parser.add_argument("--version", action="version", version=f"udcodec {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="check adapters against the contract")
    run.add_argument("--adapter", action="append", required=True, metavar="SPEC",
                     help="reference, blosc2, an entry-point name, or module:attribute (repeatable)")
    run.add_argument("--spec", metavar="DIR", help="contract directory (default: the bundled spec)")
    run.add_argument("--profile", default=DEFAULT_PROFILE, choices=sorted(PROFILES))
    run.add_argument("--expectations", action="append", default=[], metavar="ADAPTER=PATH")
    run.add_argument("--no-expectations", action="store_true", help="ignore every expectations file")
    run.add_argument("--strict", action="store_true", help="also fail on xpass and stale expectations")
    run.add_argument("--only", action="append", default=[], metavar="GLOB", help="run only clause ids matching")
    run.add_argument("--skip", action="append", default=[], metavar="GLOB", help="leave out clause ids matching")
    run.add_argument("--timeout", type=float, metavar="S", help="per-check timeout in seconds")
    run.add_argument("--no-isolation", action="store_true", help="debug: run checks in-process")
    run.add_argument("--report-json", metavar="PATH")
    run.add_argument("--report-junit", metavar="PATH")
    run.add_argument("--report-markdown", metavar="PATH")
    run.add_argument("-n", "--numprocesses", metavar="N", help="distribute checks over N processes (pytest-xdist; 'auto')")
    run.add_argument("-v", "--verbose", action="store_true", help="one line per check")
    run.add_argument("--certificate", metavar="PATH",
                     help="write a conformance certificate per adapter (PATH-<adapter>.json when several)")
    run.add_argument("--list-failing", action="store_true",
                     help="print only the ids of the clauses that did not pass (stdout), one a line")
    for flag in ("--codec-encoder", "--codec-decoder", "--codec-plugin", "--codec-name", "--codec-id",
                 "--codec-version"):  # set by check-codec
        run.add_argument(flag, help=argparse.SUPPRESS)
    run.add_argument("--codec-meta", action="append", default=[], help=argparse.SUPPRESS)

    check_codec.add_parser(sub)

    lst = sub.add_parser("list", help="list clauses, their levels and checks")
    lst.add_argument("--spec", metavar="DIR")
    lst.add_argument("--json", action="store_true", help="machine-readable output")

    explain = sub.add_parser("explain", help="show one clause: source text, checks and their parameters")
    explain.add_argument("clause")
    explain.add_argument("--spec", metavar="DIR")

    replay = sub.add_parser("replay", help="re-run one failing example in this process, showing the traceback")
    replay.add_argument("clause")
    replay.add_argument("--adapter", required=True, metavar="SPEC")
    replay.add_argument("--example", required=True, help="the JSON payload from a report's reproduction line")
    replay.add_argument("--spec", metavar="DIR")

    baseline = sub.add_parser("baseline", help="the ratchet on an adapter's expectations file")
    baseline_sub = baseline.add_subparsers(dest="baseline_command", required=True)
    add_baseline_arguments(baseline_sub.add_parser(
        "update", help="remove the entries whose clause passes now; add one only with --accept"))

    verify = sub.add_parser("verify", help="check that a conformance certificate still holds for the spec")
    verify.add_argument("certificate", metavar="CERT")
    verify.add_argument("--spec", metavar="DIR", help="contract directory (default: the bundled spec)")

    matrix = sub.add_parser("matrix", help="merge JSON reports into one clause x implementation Markdown table")
    matrix.add_argument("reports", nargs="+", metavar="JSON")
    matrix.add_argument("-o", "--output", metavar="PATH", help="Markdown file (default: stdout)")

    golden.add_parser(sub)
    return parser


def _contract(directory: str | None) -> Contract:
    try:
        return load_contract(directory)
    except SpecError as exc:
        print(f"udcodec: malformed spec: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def cmd_run(args: argparse.Namespace) -> int:
    import pytest

    contract = _contract(args.spec)  # fail early, with a clear message, on a bad spec
    pytest_args = [str(contract.directory), "--rootdir", str(contract.directory.parent), "--confcutdir",
                   str(contract.directory), "-p", "no:cacheprovider", "-o", "python_files=", "-o", "testpaths=",
                   "-o", "addopts=", "--assert=plain", "--udcodec-profile", args.profile]
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        pytest_args += ["-p", "udcodec.plugin"]
    pytest_args += ["-v" if args.verbose else "-q", "-rN"]
    if args.spec:
        pytest_args += ["--udcodec-spec", args.spec]
    for spec in args.adapter:
        pytest_args += ["--udcodec-adapter", spec]
    for item in args.expectations:
        pytest_args += ["--udcodec-expectations", item]
    for glob in args.only:
        pytest_args += ["--udcodec-only", glob]
    for glob in args.skip:
        pytest_args += ["--udcodec-skip", glob]
    flags = {"--udcodec-no-expectations": args.no_expectations, "--udcodec-strict": args.strict,
             "--udcodec-no-isolation": args.no_isolation}
    pytest_args += [flag for flag, on in flags.items() if on]
    for option, value in (("--udcodec-timeout", args.timeout), ("--udcodec-report-json", args.report_json),
                          ("--udcodec-report-junit", args.report_junit), ("--udcodec-report-markdown", args.report_markdown)):
        if value is not None:
            pytest_args += [option, str(value)]
    if args.numprocesses:
        if args.no_isolation:
            print("udcodec: -n cannot be combined with --no-isolation", file=sys.stderr)
            return 2
        pytest_args += ["-n", args.numprocesses, "-p", "xdist"]
    for dest in ("encoder", "decoder", "plugin", "name", "id", "version"):
        value = getattr(args, f"codec_{dest}")
        if value is not None:
            pytest_args += [f"--udcodec-{'codec-' if dest in ('name', 'id', 'version') else ''}{dest}", value]
    for meta in args.codec_meta:
        pytest_args += ["--udcodec-codec-meta", meta]
    pytest_args += ["--udcodec-command", json.dumps(args.command_line or ["udcodec", *args.argv])]
    if args.certificate:
        pytest_args += ["--udcodec-certificate", args.certificate]
    code = run_listing_failing(pytest_args) if args.list_failing else pytest.main(pytest_args)
    return 0 if code == 0 else (1 if code in (1, 5) else int(code))


def cmd_list(args: argparse.Namespace) -> int:
    import udcodec.checks  # noqa: F401 - registers the checks
    from udcodec.checking import CHECKS

    contract = _contract(args.spec)
    problems = 0
    rows: list[dict[str, Any]] = []
    for clause in contract:
        names = [c.name for c in clause.checks]
        missing = [n for n in names if n not in CHECKS]
        flag = "NO CHECK" if not names else (f"UNKNOWN CHECK {', '.join(missing)}" if missing else "")
        problems += bool(flag)
        rows.append({"id": clause.id, "level": clause.level, "subject": clause.subject, "family": clause.family,
                     "title": clause.title, "checks": names, "problem": flag or None, "where": f"{clause.file}:{clause.line}"})
    if args.json:
        print(json.dumps({"spec_version": contract.version, "spec_sha256": contract.sha256, "clauses": rows}, indent=2))
    else:
        width = max(len(r["id"]) for r in rows)
        for r in rows:
            checks = ", ".join(r["checks"]) or "-"
            print(f"{r['id']:<{width}}  {r['level']:<6}  {r['subject']:<5}  {checks}{'  <-- ' + r['problem'] if r['problem'] else ''}")
        print(f"\n{len(rows)} clauses, spec {contract.version} (sha256 {contract.sha256[:12]}); {problems} without a working check")
    return 1 if problems else 0


def cmd_explain(args: argparse.Namespace) -> int:
    import udcodec.checks  # noqa: F401
    from udcodec.adapters.loader import BUILTIN, expectations_path
    from udcodec.checking import CHECKS
    from udcodec.expectations import load_expectations

    contract = _contract(args.spec)
    try:
        clause = contract.get(args.clause)
    except KeyError:
        print(f"udcodec: no clause {args.clause!r}; `udcodec list` shows them", file=sys.stderr)
        return 2
    print(f"{clause.id} ({clause.level}, {clause.subject}, family {clause.family})")
    print(f"  {clause.title}")
    print(f"  specified at {clause.file}:{clause.line}")
    if clause.versions:
        print(f"  applies to python-blosc2 {clause.versions}")
    print("  source:")
    print(textwrap.indent(textwrap.fill(clause.source, 96), "    "))
    for ref in clause.checks:
        definition = CHECKS.get(ref.name)
        where = f"{definition.fn.__module__}.{definition.fn.__name__}" if definition else "UNKNOWN CHECK"
        print(f"  check {ref.name} -> {where}")
        if definition and definition.doc:
            print(f"    {definition.doc}")
        if definition and definition.requires:
            print(f"    requires: {', '.join(sorted(definition.requires))}")
        for key, value in ref.params.items():
            print(f"    {key}: {value!r}")
    for name in BUILTIN:
        path = expectations_path(name)
        entry = next((e for e in load_expectations(path).entries if e.clause == clause.id), None) if path else None
        if entry is not None:
            print(f"  expected to fail on {name} ({path}:{entry.line}): {entry.reason}")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from udcodec.profiles import get_profile
    from udcodec.runner import run_clause

    contract = _contract(args.spec)
    try:
        clause = contract.get(args.clause)
        payload = json.loads(args.example)
    except KeyError:
        print(f"udcodec: no clause {args.clause!r}", file=sys.stderr)
        return 2
    except json.JSONDecodeError as exc:
        print(f"udcodec: --example is not JSON: {exc}", file=sys.stderr)
        return 2
    verdict = run_clause(args.adapter, clause, get_profile("dev"), replay=payload)
    print(f"{clause.id}[{args.adapter}]: {verdict.outcome}")
    if verdict.message:
        print(verdict.message)
    return 0 if verdict.outcome == "pass" else 1


def cmd_baseline(args: argparse.Namespace) -> int:
    from udcodec.baseline import update

    return update(args, _contract(args.spec))


def cmd_verify(args: argparse.Namespace) -> int:
    from udcodec.certificate import CertificateError, load_certificate, verify

    try:
        certificate = load_certificate(args.certificate)
    except CertificateError as exc:
        print(f"udcodec: malformed certificate: {exc}", file=sys.stderr)
        return 2
    found = verify(certificate, _contract(args.spec))
    print("\n".join(found.lines))
    return 0 if found.holds else 1


def cmd_matrix(args: argparse.Namespace) -> int:
    from udcodec.reports.matrix import write_matrix

    return write_matrix(args.reports, args.output)


def main(argv: Sequence[str] | None = None, command: list[str] | None = None) -> int:
    """Run the ``udcodec`` command line ``argv``; ``command`` is what reports record (default: argv)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    args.argv = argv
    args.command_line = command
    handlers = {"check-codec": check_codec.cmd_check_codec, "run": cmd_run, "list": cmd_list, "explain": cmd_explain, "replay": cmd_replay}
    handlers.update(baseline=cmd_baseline, verify=cmd_verify, matrix=cmd_matrix, golden=golden.cmd_golden)
    return handlers[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
