"""``udcodec check-codec``: run a user codec through the codec clauses on every selected host.

The command is ``udcodec run`` with the codec under test as subject: the same run options
(:func:`udcodec.engine.run.add_run_options`), the hosts as adapters, and the codec options passed
on to the pytest plugin.
Exit status 0 iff the codec passes every MUST clause on every host (SHOULD failures are reported only).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from udcodec.checkcodec.budget import DEFAULT_BUDGETS, BudgetError, call_seconds, parse_budget
from udcodec.checkcodec.budget import write as write_budget
from udcodec.engine.isolation import (
    ChildStatus,
    install_cleanup,
    memory_limit,
    remove_on_signal,
    run_inline,
    run_isolated,
)
from udcodec.engine.run import add_run_options, execute_run
from udcodec.reports.bounds import printable
from udcodec.subject import DEFAULT_HOSTS, DEFAULT_ID, CodecSpecError, CodecSubject, import_callable


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser("check-codec", help="check a user codec (encoder/decoder pair or plugin) on each host",
                       description="Check that a codec keeps its side of the register_codec contract.")
    subject = p.add_argument_group("the codec")
    subject.add_argument("--encoder", metavar="MODULE:FUNCTION")
    subject.add_argument("--decoder", metavar="MODULE:FUNCTION")
    subject.add_argument("--plugin", metavar="NAME", help="a dynamic plugin (registered with encoder=decoder=None)")
    subject.add_argument("--name", help="codec name to register (default: the encoder module's last component and the id, e.g. zlib_codec_200)")
    subject.add_argument("--id", default=str(DEFAULT_ID), help=f"codec id, 160..255 (default {DEFAULT_ID})")
    subject.add_argument("--meta", action="append", default=[], help="a codec meta the codec supports (repeatable; default 0)")
    subject.add_argument("--version", dest="codec_version", default="1", help="codec version (default 1)")
    subject.add_argument("--domain", metavar="PATH",
                         help="the codec's declared data domain: a YAML file (schemas/domain.schema.json) or a shipped "
                              "one by name (openzl, grok, openhtj2k, ...); clauses outside it are n/a")
    p.add_argument("--host", action="append", default=[], metavar="ADAPTER",
                   help="host to check on: reference, blosc2, an entry point or module:attribute (repeatable; "
                        "default: reference and blosc2)")
    add_run_options(p)
    p.add_argument("--expectations", action="append", default=[], metavar="HOST=PATH",
                   help="the codec's known failures on HOST, an expectations file (e.g. a plugin's recorded defects)")
    p.add_argument("--bench", action="store_true",
                   help="also measure compress/decompress throughput on each host, beside builtin codecs (printed, "
                        "and in the JSON, Markdown and HTML reports)")
    p.add_argument("--budget", metavar="SECONDS",
                   help="fit the run into about SECONDS (every host): the codec's call cost is measured first and "
                        "each clause's example count scaled down to its share, never below one example per clause "
                        "and the explicit examples (every content kind, the adversarial catalogue); 'none': no budget "
                        f"(default per profile: {', '.join(f'{k} {v:g} s' for k, v in DEFAULT_BUDGETS.items())})")
    p.set_defaults(handler=cmd_check_codec)
    return p


def validate(args: argparse.Namespace) -> CodecSubject:
    """Import and check the codec options once, before any host is started."""
    return CodecSubject.build(encoder=args.encoder, decoder=args.decoder, plugin=args.plugin, name=args.name,
                              id=args.id, metas=args.meta, version=args.codec_version, domain=args.domain)


def plugin_preflight(name: str) -> bool:
    """Before any clause: is plugin ``name`` a library Blosc2 can load? Notes on stdout, problems on stderr."""
    from udcodec.pluginlib import PluginLibError, preflight

    try:
        problems, notes, _ = preflight(name)
    except PluginLibError as exc:
        problems, notes = [str(exc)], []
    for note in notes:
        print(f"plugin {name}: {note}")
    for problem in problems:
        print(f"udcodec check-codec: plugin {name}: {problem}", file=sys.stderr)
    sys.stdout.flush()
    return not problems


def cmd_check_codec(args: argparse.Namespace) -> int:
    try:
        seconds = parse_budget(args.budget, args.profile)
    except BudgetError as exc:
        print(f"udcodec check-codec: {exc}", file=sys.stderr)
        return 2
    try:
        problem = probe_imports([("--encoder", args.encoder), ("--decoder", args.decoder)], args)
        if problem is not None:
            raise CodecSpecError(problem)
        codec = validate(args)
    except CodecSpecError as exc:
        print(f"udcodec check-codec: {exc}", file=sys.stderr)
        return 2
    if codec.is_plugin:
        # Blosc2 runs `python -c "import blosc2_NAME; ..."` to find a plugin: make that this interpreter
        os.environ["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
        if not plugin_preflight(codec.name):
            return 2
    hosts = args.host or list(DEFAULT_HOSTS)
    install_cleanup()  # also with --budget none: a SIGTERM removes the scratch folder below
    with tempfile.TemporaryDirectory(prefix="udcodec-check-codec-") as scratch:
        remove_on_signal(scratch)
        if seconds is not None:
            args.budget_file = Path(scratch, "budget.json")
            write_budget(args.budget_file, seconds, measure(codec, args))
        if not args.bench:
            return execute_run(args, hosts)
        from udcodec.checkcodec.bench import print_bench

        figures = bench_isolated(codec, hosts, args)  # measured first, so every report of the run carries them
        args.throughput = Path(scratch, "throughput.json")
        args.throughput.write_text(json.dumps([f.to_json() for f in figures]), encoding="utf-8")
        code = execute_run(args, hosts)
    print_bench(figures)
    return code


#: Seconds the codec's cost may take to measure when no ``--timeout`` is given (a few calls; see budget.py).
MEASURE_TIMEOUT = 60.0
#: Seconds each check gets, no ``--timeout`` given, after the codec's cost could not be measured in
#: :data:`MEASURE_TIMEOUT`: its calls do not end, and every check would wait the profile's timeout for them.
HUNG_TIMEOUT = 10.0
#: Seconds the throughput figures (``--bench``) may take, every host.
BENCH_TIMEOUT = 600.0


def _in_child(fn: Any, fn_args: tuple[Any, ...], args: argparse.Namespace, timeout: float) -> tuple[Any, str | None]:
    """``fn(*fn_args)`` isolated as the checks are (timeout, memory limit): (its value, None) or (None, how it ended)."""
    if getattr(args, "no_isolation", False):
        got = run_inline(fn, fn_args)
    else:
        install_cleanup()  # an interrupt leaves no child behind, from the first one on
        got = run_isolated(fn, fn_args, timeout=timeout, memory_limit=memory_limit(args.memory_limit))
    if got.status is ChildStatus.OK:
        return got.value, None
    if got.status is ChildStatus.HANG:
        return None, f"did not finish in {timeout:g} s"
    if got.status is ChildStatus.CRASH:
        return None, f"crashed ({got.signal})" if got.signal else f"ended the process (exit status {got.exitcode})"
    if got.status is ChildStatus.RESOURCE:
        return None, "ran out of memory under the memory limit"
    return None, f"raised {printable(got.error.strip().splitlines()[-1][:200])}"


#: Seconds importing the subject's modules may take in the probe (:func:`probe_imports`).
IMPORT_TIMEOUT = 120.0


def _import_all(targets: list[tuple[str, str]]) -> str | None:
    for option, target in targets:
        try:
            import_callable(target, option)
        except CodecSpecError as exc:
            return str(exc)
    return None


def probe_imports(targets: list[tuple[str, str]], args: argparse.Namespace) -> str | None:
    """Import the subject's ``(option, MODULE:FUNCTION)`` targets in a child first: a module that ends, crashes
    or hangs the process at import must be an option error, not a run that ends with status 0 and no report."""
    targets = [(option, target) for option, target in targets if target]
    if not targets or getattr(args, "no_isolation", False):
        return None
    problem, ended = _in_child(_import_all, (targets,), args, IMPORT_TIMEOUT)
    if ended is not None:
        named = ", ".join(f"{option} {target!r}" for option, target in targets)
        return f"{named}: importing them {ended}"
    return problem if isinstance(problem, str) else None


def measure(codec: CodecSubject, args: argparse.Namespace) -> float | None:
    """Seconds per call of a Python codec, measured in a child (None for a plugin, or a codec whose calls fail:
    its clauses will say how)."""
    if codec.encoder is None or codec.decoder is None:
        return None
    value, problem = _in_child(call_seconds, (codec.encoder, codec.decoder, codec.metas), args,
                               args.timeout or MEASURE_TIMEOUT)
    if problem is not None:
        print(f"check-codec: the codec {problem} while its cost was measured for --budget; the clauses run on the "
              "budget of a codec that fails, and report it")
        if problem.startswith("did not finish") and args.timeout is None:
            # each check would wait the profile's timeout for calls that do not end: 30 of them, half an hour
            args.timeout = HUNG_TIMEOUT
            print(f"check-codec: a few calls took more than {MEASURE_TIMEOUT:g} s: each check gets {HUNG_TIMEOUT:g} s "
                  "(give --timeout to choose)")
        sys.stdout.flush()
    return value if isinstance(value, float) else None


def bench_isolated(codec: CodecSubject, hosts: list[str], args: argparse.Namespace) -> list[Any]:
    """The ``--bench`` figures, taken in a child; a child that fails gives each host a figure saying how."""
    from udcodec.checkcodec.bench import Figure, bench

    figures, problem = _in_child(bench, (codec, hosts), args, BENCH_TIMEOUT)
    if problem is not None:
        return [Figure(host, codec.name, 0.0, 0.0, 0.0, f"the benchmark {problem}") for host in hosts]
    return list(figures)
