"""``udcodec run``: the contract against adapters, as a pytest session driven by :mod:`udcodec.engine.plugin`.

:func:`add_run_options` is the one definition of the options ``run`` and ``check-codec`` share, and
:func:`pytest_args` the one translation of them into the plugin's ``--udcodec-*`` options.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from udcodec._start import REPORT_FLAGS
from udcodec.contract import Contract, add_spec_option, contract_or_exit
from udcodec.engine.isolation import parse_memory_limit
from udcodec.engine.options import (
    expectations_files,
    positive_seconds,
    same_adapter_twice,
    selection_problems,
)
from udcodec.profiles import DEFAULT_PROFILE, PROFILES
from udcodec.shard import parse_shard

#: The codec options of ``check-codec`` (namespace attribute -> plugin option).
CODEC_OPTIONS = {"encoder": "--udcodec-encoder", "decoder": "--udcodec-decoder", "plugin": "--udcodec-plugin",
                 "name": "--udcodec-codec-name", "id": "--udcodec-codec-id",
                 "codec_version": "--udcodec-codec-version", "domain": "--udcodec-codec-domain"}
#: The filter options of ``check-filter`` (namespace attribute -> plugin option).
FILTER_OPTIONS = {"forward": "--udcodec-filter-forward", "backward": "--udcodec-filter-backward",
                  "filter_id": "--udcodec-filter-id", "filter_domain": "--udcodec-filter-domain"}


def _memory_limit(text: str) -> str:
    try:
        parse_memory_limit(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """The options every run of checks takes (``run`` and ``check-codec``)."""
    add_spec_option(parser)
    parser.add_argument("--profile", default=DEFAULT_PROFILE, choices=sorted(PROFILES))
    parser.add_argument("--only", action="append", default=[], metavar="GLOB", help="run only clause ids matching")
    parser.add_argument("--skip", action="append", default=[], metavar="GLOB", help="leave out clause ids matching")
    parser.add_argument("--timeout", type=positive_seconds, metavar="S", help="per-check timeout in seconds")
    parser.add_argument("--memory-limit", type=_memory_limit, metavar="SIZE",
                        help="memory each check's process may use, e.g. 4G, 512M; 0: no limit (default: 4 GiB, or 3/4"
                             " of physical memory where that is less); a check exceeding it is 'resource'")
    parser.add_argument("--no-isolation", action="store_true", help="debug: run checks in-process")
    parser.add_argument("--strict", action="store_true", help="also fail on xpass and stale expectations")
    parser.add_argument("--report-json", metavar="PATH")
    parser.add_argument("--report-junit", metavar="PATH")
    parser.add_argument("--report-markdown", metavar="PATH")
    parser.add_argument("--report-html", metavar="PATH", help="a self-contained HTML page")
    parser.add_argument("--certificate", metavar="PATH",
                        help="write a conformance certificate per adapter (PATH-<adapter>.json when several)")
    parser.add_argument("-n", "--numprocesses", metavar="N",
                        help="distribute checks over N processes (pytest-xdist; 'auto')")
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per check")
    parser.add_argument("--shard", metavar="K/N",
                        help="run only shard K of N: the clauses at positions K-1, K-1+N, ... of the sorted"
                             " selected clause ids (every adapter); `udcodec merge` joins the shards' JSON reports")


def add_parser(sub: Any) -> argparse.ArgumentParser:
    run = sub.add_parser("run", help="check adapters against the contract")
    run.add_argument("--adapter", action="append", required=True, metavar="SPEC",
                     help="reference, blosc2, an entry-point name, or module:attribute (repeatable)")
    add_run_options(run)
    run.add_argument("--expectations", action="append", default=[], metavar="ADAPTER=PATH")
    run.add_argument("--no-expectations", action="store_true", help="ignore every expectations file")
    run.add_argument("--list-failing", action="store_true",
                     help="print only the ids of the clauses that did not pass (stdout), one a line")
    run.set_defaults(handler=cmd_run)
    return run


def pytest_args(args: argparse.Namespace, adapters: Sequence[str], contract: Contract) -> list[str]:
    """The pytest command line of a run with ``args`` (a namespace of :func:`add_run_options`)."""
    out = [str(contract.directory), "--rootdir", str(contract.directory.parent), "--confcutdir",
           str(contract.directory), "-p", "no:cacheprovider", "-o", "python_files=", "-o", "testpaths=",
           "-o", "addopts=", "--assert=plain", "--udcodec-profile", args.profile]
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        out += ["-p", "udcodec.engine.plugin"]
    out += ["-v" if args.verbose else "-q", "-rN"]
    if args.spec:
        out += ["--udcodec-spec", args.spec]
    for spec in adapters:
        out += ["--udcodec-adapter", spec]
    for item in getattr(args, "expectations", []):
        out += ["--udcodec-expectations", item]
    for glob in args.only:
        out += ["--udcodec-only", glob]
    for glob in args.skip:
        out += ["--udcodec-skip", glob]
    flags = {"--udcodec-no-expectations": getattr(args, "no_expectations", False), "--udcodec-strict": args.strict,
             "--udcodec-no-isolation": args.no_isolation}
    out += [flag for flag, on in flags.items() if on]
    for option, value in (("--udcodec-timeout", args.timeout), ("--udcodec-memory-limit", args.memory_limit),
                          ("--udcodec-report-json", args.report_json),
                          ("--udcodec-report-junit", args.report_junit),
                          ("--udcodec-report-markdown", args.report_markdown),
                          ("--udcodec-report-html", args.report_html),
                          ("--udcodec-certificate", args.certificate),
                          ("--udcodec-shard", getattr(args, "shard", None)),
                          ("--udcodec-throughput", getattr(args, "throughput", None)),
                          ("--udcodec-budget", getattr(args, "budget_file", None))):
        if value is not None:
            out += [option, str(value)]
    if args.numprocesses:
        out += ["-n", args.numprocesses, "-p", "xdist"]
    for dest, option in CODEC_OPTIONS.items():
        value = getattr(args, dest, None)
        if value is not None:
            out += [option, str(value)]
    for dest, option in FILTER_OPTIONS.items():
        value = getattr(args, dest, None)
        if value is not None:
            out += [option, str(value)]
    meta_option = "--udcodec-filter-meta" if getattr(args, "forward", None) else "--udcodec-codec-meta"
    for meta in getattr(args, "meta", []):
        out += [meta_option, str(meta)]
    out += ["--udcodec-command", json.dumps(["udcodec", *args.argv])]
    return out


def _unreadable_expectations(files: dict[str, str]) -> list[str]:
    """One line per ``--expectations`` file that is missing or malformed: a run without it would report every known
    divergence as a failure."""
    from udcodec.expectations.model import ExpectationsError, load_expectations

    problems = []
    for adapter, path in files.items():
        try:
            load_expectations(path)
        except (ExpectationsError, OSError) as exc:
            problems.append(f"--expectations {adapter}: {exc}")
    return problems


def usage_problems(args: argparse.Namespace, adapters: Sequence[str], contract: Contract) -> list[str]:
    """What is wrong with a run's options, one line each, found before anything runs (exit 2)."""
    from udcodec.adapters.loader import UnknownAdapter, check_adapter_spec

    problems = []
    if args.numprocesses and args.no_isolation:
        problems.append("-n cannot be combined with --no-isolation")
    n = args.numprocesses
    if n and n not in ("auto", "logical") and not (n.isdigit() and int(n) >= 0):
        problems.append(f"-n {n!r}: give a number of processes, 'auto' or 'logical'")
    elif n and importlib.util.find_spec("xdist") is None:
        problems.append("-n runs checks in parallel with pytest-xdist, which is not installed: "
                        "pip install 'udcodec-conformance[xdist]' (or pytest-xdist)")
    flag = "--host" if hasattr(args, "host") else "--adapter"
    files, wrong = expectations_files(getattr(args, "expectations", []), adapters, option="--expectations",
                                      adapter_option=flag)
    problems += wrong
    if not getattr(args, "no_expectations", False):
        problems += _unreadable_expectations(files)
    if getattr(args, "shard", None) is not None:
        try:
            parse_shard(args.shard)
        except ValueError as exc:
            problems.append(str(exc))
    for spec in adapters:
        try:
            check_adapter_spec(spec)
        except UnknownAdapter as exc:
            problems.append(f"{flag} {spec}: {exc.reason}")
    problems += same_adapter_twice(adapters, flag)
    subject = ("codec" if getattr(args, "encoder", None) or getattr(args, "plugin", None) else
               "filter" if getattr(args, "forward", None) else "host")
    problems += selection_problems([c.id for c in contract if c.subject == subject], args.only, args.skip, subject)
    problems += _report_path_problems(args)
    if n and n.isdigit() and int(n) > 4 * (os.cpu_count() or 1):
        problems.append(f"-n {n}: more than 4 processes a core (this machine has {os.cpu_count() or 1} cores)")
    return problems


#: The options that name a file a run writes (their flags are udcodec._start's, which reads them while importing).
REPORT_OPTIONS = (*(flag[2:].replace("-", "_") for flag in REPORT_FLAGS), "certificate")


def _report_path_problems(args: argparse.Namespace) -> list[str]:
    """Report paths that name no file (``-``, empty), the same file as another report's, or one that cannot be
    written (a directory, a read-only file, a folder that takes no file)."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for dest in REPORT_OPTIONS:
        path = getattr(args, dest, None)
        if path is None:
            continue
        option = "--" + dest.replace("_", "-")
        if not path.strip() or path == "-":
            problems.append(f"{option} {path!r}: give the path of a file to write")
            continue
        key = os.path.abspath(path)
        if key in seen:
            problems.append(f"{option} {path}: {seen[key]} writes that file too")
        seen.setdefault(key, option)
        unwritable = _unwritable(path, templated=dest == "certificate" and "{adapter}" in path)
        if unwritable:
            problems.append(f"{option} {path}: {unwritable}")
    return problems


def _unwritable(path: str, templated: bool = False) -> str | None:
    """Why no file can be written at ``path``, found before the run rather than after it (None: it can be)."""
    target = Path(path)
    if not templated and target.is_dir():
        return "is a directory"
    if not templated and target.exists():
        return None if os.access(target, os.W_OK) or not target.is_file() else "is a read-only file"
    parent = target.parent.absolute()
    while not parent.exists():  # the run creates missing folders: the nearest that exists must take them
        parent = parent.parent
    if not parent.is_dir():
        return f"{parent} is not a directory"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot write in {parent}"
    return None


def execute_run(args: argparse.Namespace, adapters: Sequence[str]) -> int:
    """Run the session; 0 all as expected, 1 something unexpected or a report/certificate asked for that could
    not be written, 2 bad input or an interrupted run (Ctrl-C: reports marked interrupted), pytest's own
    codes above."""
    import pytest

    contract = contract_or_exit(args.spec)  # validated against the checks by cli.main (and by the plugin)
    problems = usage_problems(args, adapters, contract)
    if problems:
        for problem in problems:
            print(f"udcodec: {problem}", file=sys.stderr)
        return 2
    argv = pytest_args(args, adapters, contract)
    started = time.time()
    from udcodec.engine.plugin import FINISHED

    FINISHED.clear()
    scratch = None
    if getattr(args, "numprocesses", None):  # pytest-xdist gives its workers a base folder: ours, removed at the end
        scratch = tempfile.mkdtemp(prefix="udcodec-pytest-")
        argv += ["--basetemp", scratch]
    try:
        if getattr(args, "list_failing", False):
            from udcodec.expectations.list_failing import run_listing_failing

            code = run_listing_failing(argv)
        else:
            code = pytest.main(argv)
    except KeyboardInterrupt:
        if FINISHED:  # after the reports were written (pytest's summary, its exit): they stand
            record, done = FINISHED[-1]
            print("udcodec: interrupted after the run ended; its reports stand", file=sys.stderr)
            return 2 if record.interrupted else (1 if record.exit_status or done.failures else 0)
        code = pytest.ExitCode.INTERRUPTED  # before pytest's session could take it (it starts, or adapters load)
        print("udcodec: interrupted before the checks ran", file=sys.stderr)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    if code == pytest.ExitCode.INTERRUPTED:
        drop_stale_reports(args, started)
    if code == pytest.ExitCode.USAGE_ERROR:
        return 2
    if code == pytest.ExitCode.NO_TESTS_COLLECTED and getattr(args, "shard", None):
        return 0  # a shard with no clause (more shards than clauses) is an empty share, not a failure
    return 0 if code == 0 else (1 if code in (1, 5) else int(code))


def drop_stale_reports(args: argparse.Namespace, started: float) -> None:
    """Remove each report file an interrupted run was asked for but did not write: an earlier run's, left in place,
    would read as this run's (a passing report for a run that never ran)."""
    from udcodec.engine.session import remove_earlier
    from udcodec.reports.certificate import certificate_paths
    from udcodec.subject import DEFAULT_HOSTS

    for dest in REPORT_OPTIONS:
        path = getattr(args, dest, None)
        if path is None:
            continue
        if dest != "certificate":
            remove_earlier(Path(path), started)
            continue
        # one certificate per adapter: named by the adapter specs, as the adapters' names are not known yet
        specs = list(getattr(args, "adapter", None) or getattr(args, "host", None) or DEFAULT_HOSTS)
        for target in certificate_paths(path, specs).values():
            remove_earlier(target, started)


def cmd_run(args: argparse.Namespace) -> int:
    return execute_run(args, args.adapter)
