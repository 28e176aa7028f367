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
from udcodec.engine.run import add_run_options, execute_run
from udcodec.subject import DEFAULT_HOSTS, DEFAULT_ID, CodecSpecError, CodecSubject


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
    with tempfile.TemporaryDirectory(prefix="udcodec-check-codec-") as scratch:
        if seconds is not None:
            args.budget_file = Path(scratch, "budget.json")
            write_budget(args.budget_file, seconds, measure(codec))
        if not args.bench:
            return execute_run(args, hosts)
        from udcodec.checkcodec.bench import bench, print_bench

        figures = bench(codec, hosts)  # measured first, so every report of the run carries them
        args.throughput = Path(scratch, "throughput.json")
        args.throughput.write_text(json.dumps([f.to_json() for f in figures]), encoding="utf-8")
        code = execute_run(args, hosts)
    print_bench(figures)
    return code


def measure(codec: CodecSubject) -> float | None:
    """Seconds per call of a Python codec (None for a plugin, or a codec that raises: its clauses will say why)."""
    if codec.encoder is None or codec.decoder is None:
        return None
    try:
        return call_seconds(codec.encoder, codec.decoder, codec.metas)
    except Exception:  # noqa: BLE001 - the clauses report a codec that raises
        return None
