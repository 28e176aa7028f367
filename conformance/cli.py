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
import os
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import NoReturn

from udcodec import __version__, _start, explain, history  # noqa: F401 - _start first: Ctrl-C while importing
from udcodec.checkcodec import command as check_codec
from udcodec.checkcodec import filtercommand as check_filter
from udcodec.contract import contract_or_exit
from udcodec.engine import merge, replay, smoke
from udcodec.engine import run as run_
from udcodec.expectations import baseline
from udcodec.golden import command as golden
from udcodec.reports import certificate, matrix
from udcodec.selftest import command as self_test
from udcodec.stdout import keep_going


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


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``udcodec`` command line ``argv`` (default: this process's arguments)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)  # from here a Ctrl-C is the commands' to take
    for signum in (signal.SIGTERM, signal.SIGHUP):  # what timeout(1), CI cancellation and a closed terminal send:
        signal.signal(signum, _interrupt)  # a stop like Ctrl-C's, so the reports say the run was interrupted
    keep_going()  # `udcodec run | head`: what cannot be printed is dropped, the run and its reports go on
    # Hypothesis writes a cache to ./.hypothesis by default: the user's directory is no place for the command's files
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    os.environ.setdefault("UDCODEC_HYPOTHESIS_HOME", os.path.join(cache, "udcodec", "hypothesis"))
    started = time.time()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    args.argv = argv
    try:
        tempfile.gettempdir()  # every command writes there; Python tries TMPDIR, /tmp, /var/tmp, ... once
    except OSError as exc:
        print(f"udcodec: {exc.strerror or exc} (each is full or cannot be written to): set TMPDIR to a directory "
              "with room", file=sys.stderr)
        return 2
    try:
        if hasattr(args, "spec"):  # a command that reads the contract: validated against the checks here, once
            from udcodec.checks import CHECKS

            contract_or_exit(args.spec, checks=CHECKS)
        return int(args.handler(args))
    except KeyboardInterrupt:  # what the commands do not take themselves: one line, not a traceback
        print("udcodec: interrupted", file=sys.stderr)
        if hasattr(args, "report_json"):  # a run of checks: an earlier run's reports must not read as this one's
            from udcodec.engine.run import drop_stale_reports

            drop_stale_reports(args, started)
            return 2  # as every interrupted run
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
