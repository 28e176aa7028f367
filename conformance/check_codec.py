"""``udcodec check-codec``: run a user codec through the codec clauses on every selected host.

The command is ``udcodec run`` with the codec under test as subject: it is translated into a ``run``
command line whose (hidden) ``--codec-*`` options reach the pytest plugin as ``--udcodec-*`` ones.
Exit status 0 iff the codec passes every MUST clause on every host (SHOULD failures are reported only).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from udcodec.codec_subject import DEFAULT_ID, CodecSpecError, CodecSubject
from udcodec.profiles import DEFAULT_PROFILE, PROFILES

#: check-codec option -> the hidden ``run`` option carrying it.
CODEC_OPTIONS = {"encoder": "--codec-encoder", "decoder": "--codec-decoder", "plugin": "--codec-plugin",
                 "name": "--codec-name", "id": "--codec-id", "version": "--codec-version"}
#: ``run`` options check-codec passes through unchanged (dest -> flag).
PASSTHROUGH = {"spec": "--spec", "profile": "--profile", "timeout": "--timeout", "report_json": "--report-json",
               "report_junit": "--report-junit", "report_markdown": "--report-markdown", "numprocesses": "-n",
               "certificate": "--certificate"}
FLAGS = {"no_isolation": "--no-isolation", "verbose": "--verbose", "strict": "--strict"}


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser("check-codec", help="check a user codec (encoder/decoder pair or plugin) on each host",
                       description="Check that a codec keeps its side of the register_codec contract.")
    subject = p.add_argument_group("the codec")
    subject.add_argument("--encoder", metavar="MODULE:FUNCTION")
    subject.add_argument("--decoder", metavar="MODULE:FUNCTION")
    subject.add_argument("--plugin", metavar="NAME", help="a dynamic plugin (registered with encoder=decoder=None)")
    subject.add_argument("--name", help="codec name to register (default: FUNCTION_ID)")
    subject.add_argument("--id", default=str(DEFAULT_ID), help=f"codec id, 160..255 (default {DEFAULT_ID})")
    subject.add_argument("--meta", action="append", default=[], help="a codec meta the codec supports (repeatable; default 0)")
    subject.add_argument("--version", dest="codec_version", default="1", help="codec version (default 1)")
    p.add_argument("--host", action="append", default=[], metavar="ADAPTER",
                   help="host to check on: reference, blosc2, an entry point or module:attribute (repeatable; "
                        "default: reference and blosc2)")
    p.add_argument("--profile", default=DEFAULT_PROFILE, choices=sorted(PROFILES))
    p.add_argument("--spec", metavar="DIR", help="contract directory (default: the bundled spec)")
    p.add_argument("--only", action="append", default=[], metavar="GLOB")
    p.add_argument("--skip", action="append", default=[], metavar="GLOB")
    p.add_argument("--timeout", type=float, metavar="S")
    p.add_argument("--report-json", metavar="PATH")
    p.add_argument("--report-junit", metavar="PATH")
    p.add_argument("--report-markdown", metavar="PATH")
    p.add_argument("--certificate", metavar="PATH",
                   help="certificate of the codec, one per host (PATH-<host>.json when several)")
    p.add_argument("-n", "--numprocesses", metavar="N")
    p.add_argument("--no-isolation", action="store_true")
    p.add_argument("--strict", action="store_true", help="also fail on xpass and stale expectations")
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("--bench", action="store_true", help="also measure compress/decompress throughput on each host")
    return p


def validate(args: argparse.Namespace) -> CodecSubject:
    """Import and check the codec options once, before any host is started."""
    return CodecSubject.build(encoder=args.encoder, decoder=args.decoder, plugin=args.plugin, name=args.name,
                              id=args.id, metas=args.meta, version=args.codec_version)


def run_argv(args: argparse.Namespace) -> list[str]:
    """The ``udcodec run`` command line equivalent to this check-codec invocation."""
    argv = ["run"]
    for host in args.host or ["reference", "blosc2"]:
        argv += ["--adapter", host]
    values = {**{k: getattr(args, k) for k in ("encoder", "decoder", "plugin", "name", "id")},
              "version": args.codec_version}
    for key, flag in CODEC_OPTIONS.items():
        if values[key] is not None:
            argv += [flag, str(values[key])]
    for meta in args.meta:
        argv += ["--codec-meta", str(meta)]
    for dest, flag in PASSTHROUGH.items():
        if getattr(args, dest) is not None:
            argv += [flag, str(getattr(args, dest))]
    for glob in args.only:
        argv += ["--only", glob]
    for glob in args.skip:
        argv += ["--skip", glob]
    argv += [flag for dest, flag in FLAGS.items() if getattr(args, dest)]
    return argv


def cmd_check_codec(args: argparse.Namespace) -> int:
    from udcodec.cli import main

    try:
        codec = validate(args)
    except CodecSpecError as exc:
        print(f"udcodec check-codec: {exc}", file=sys.stderr)
        return 2
    code = main(run_argv(args), command=["udcodec", *args.argv])
    if args.bench:
        from udcodec.codec_bench import print_bench

        print_bench(codec, args.host or ["reference", "blosc2"])
    return code
