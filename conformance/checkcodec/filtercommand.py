"""``udcodec check-filter``: run a user filter through the filter clauses on every selected host.

``check-codec``'s machinery with the filter as subject: the same run options
(:func:`udcodec.engine.run.add_run_options`), reports, reproductions and exit statuses. Exit status 0 iff
the filter passes every MUST clause on every host (SHOULD failures are reported only).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from udcodec.checkcodec.command import probe_imports
from udcodec.engine.run import add_run_options, execute_run
from udcodec.subject import DEFAULT_FILTER_ID, DEFAULT_HOSTS, CodecSpecError, FilterSubject


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser("check-filter", help="check a user filter (forward/backward pair) on each host",
                       description="Check that a user filter keeps its side of the register_filter contract.")
    subject = p.add_argument_group("the filter")
    subject.add_argument("--forward", metavar="MODULE:FUNCTION")
    subject.add_argument("--backward", metavar="MODULE:FUNCTION")
    subject.add_argument("--id", dest="filter_id", default=str(DEFAULT_FILTER_ID),
                         help=f"filter id, 160..255 (default {DEFAULT_FILTER_ID})")
    subject.add_argument("--meta", action="append", default=[],
                         help="a filters_meta value the filter supports (repeatable; default 0)")
    subject.add_argument("--domain", dest="filter_domain", metavar="PATH",
                         help="the filter's declared domain, a YAML file (schemas/filter-domain.schema.json): the "
                              "typesizes it works under; the clauses then hand it only containers of those typesizes "
                              "and blocks of whole items")
    p.add_argument("--host", action="append", default=[], metavar="ADAPTER",
                   help="host to check on: reference, blosc2, an entry point or module:attribute (repeatable; "
                        "default: reference and blosc2)")
    add_run_options(p)
    p.set_defaults(handler=cmd_check_filter)
    return p


def validate(args: argparse.Namespace) -> FilterSubject:
    """Import and check the filter options once, before any host is started."""
    return FilterSubject.build(forward=args.forward, backward=args.backward, id=args.filter_id, metas=args.meta,
                               domain=args.filter_domain)


def cmd_check_filter(args: argparse.Namespace) -> int:
    try:
        problem = probe_imports([("--forward", args.forward), ("--backward", args.backward)], args)
        if problem is not None:
            raise CodecSpecError(problem)
        validate(args)
    except CodecSpecError as exc:
        print(f"udcodec check-filter: {exc}", file=sys.stderr)
        return 2
    return execute_run(args, args.host or list(DEFAULT_HOSTS))
