"""What a Ctrl-C does while the ``udcodec`` command is still importing (:mod:`udcodec.cli` imports this first).

Nothing of the run has been written then, so every report file its command line names is an earlier run's:
they are removed (one line each), and the command leaves with one line instead of a traceback. ``cli.main``
hands Ctrl-C back to Python's default as it starts.
"""

from __future__ import annotations

import os
import signal
import sys

#: The report options whose files a run writes (certificates: an interrupted run leaves them as they were).
REPORT_FLAGS = ("--report-json", "--report-junit", "--report-markdown", "--report-html")
#: The commands that run checks: interrupted, they exit 2 as every interrupted run does.
RUNS = ("run", "check-codec", "check-filter")


def report_paths(args: list[str]) -> list[str]:
    """The report files a command line names (``--report-json PATH`` and ``--report-json=PATH``)."""
    spaced = [args[i + 1] for i, a in enumerate(args[:-1]) if a in REPORT_FLAGS]
    return spaced + [a.split("=", 1)[1] for a in args if "=" in a and a.split("=", 1)[0] in REPORT_FLAGS]


def _interrupted(signum: int, frame: object) -> None:
    args = sys.argv[1:]
    for path in report_paths(args):
        try:
            os.unlink(path)
            os.write(2, f"udcodec: removed {path}: it was an earlier run's\n".encode("utf-8", "replace"))
        except OSError:
            pass
    os.write(2, b"udcodec: interrupted while starting\n")
    os._exit(2 if args[:1] and args[0] in RUNS else 130)


if os.path.basename(sys.argv[0]) == "udcodec":  # the console command, not a test importing the cli module
    signal.signal(signal.SIGINT, _interrupted)
