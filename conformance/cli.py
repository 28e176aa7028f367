"""The ``udcodec`` command: each subcommand is defined, parsed and run by the module that owns it.

====================  =====================================
subcommand            module
====================  =====================================
``run``               :mod:`udcodec.engine.run`
``check-codec``       :mod:`udcodec.checkcodec.command`
``check-filter``      :mod:`udcodec.checkcodec.filtercommand`
``list``, ``explain`` :mod:`udcodec.explain`
``replay``            :mod:`udcodec.engine.replay`
``baseline``          :mod:`udcodec.expectations.baseline`
``verify``            :mod:`udcodec.reports.certificate`
``matrix``            :mod:`udcodec.reports.matrix`
``golden``            :mod:`udcodec.golden.command`
``smoke``             :mod:`udcodec.engine.smoke`
``self-test``         :mod:`udcodec.selftest.command`
``history``           :mod:`udcodec.history`
``merge``             :mod:`udcodec.engine.merge`
====================  =====================================
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from udcodec import __version__, explain, history
from udcodec.checkcodec import command as check_codec
from udcodec.checkcodec import filtercommand as check_filter
from udcodec.contract import contract_or_exit
from udcodec.engine import merge, replay, smoke
from udcodec.engine import run as run_
from udcodec.expectations import baseline
from udcodec.golden import command as golden
from udcodec.reports import certificate, matrix
from udcodec.selftest import command as self_test


class _OneLineParser(argparse.ArgumentParser):
    """A usage error is one line on stderr and exit 2 (argparse prints the whole usage block before it)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="udcodec", description="Conformance harness for blosc2.register_codec.")
    parser.add_argument("--version", action="version", version=f"udcodec {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    run_.add_parser(sub)
    check_codec.add_parser(sub)
    check_filter.add_parser(sub)
    explain.add_parsers(sub)
    replay.add_parser(sub)
    baseline.add_parser(sub)
    certificate.add_parser(sub)
    matrix.add_parser(sub)
    golden.add_parser(sub)
    smoke.add_parser(sub)
    self_test.add_parser(sub)
    history.add_parser(sub)
    merge.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``udcodec`` command line ``argv`` (default: this process's arguments)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    args.argv = argv
    if hasattr(args, "spec"):  # a command that reads the contract: validated against the checks here, once, before it runs
        from udcodec.checks import CHECKS

        contract_or_exit(args.spec, checks=CHECKS)
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
