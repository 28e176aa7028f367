"""``udcodec run --list-failing``: the ids of the clauses that did not pass, to seed an expectations file.

"Did not pass" means the implementation's check failed: ``fail``, ``crash``, ``hang``, and also
``xfail`` (a failure already listed as expected), so the list is the full set of entries an
expectations file for that run needs. ``error`` (a harness or adapter problem, which no expectation
can cover), ``skip`` and ``n/a`` are left out; errors are named on stderr. With one adapter each line is a
clause id; with several, ``ADAPTER CLAUSE``. pytest's own output goes to stderr, so stdout holds the
list only. An interrupted run lists what it got, says on stderr that the list is incomplete and exits 2.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any

from udcodec.outcomes import EXPECTABLE, Outcome
from udcodec.reports.model import RunRecord

FAILING = EXPECTABLE | {Outcome.XFAIL}


def failing_lines(record: RunRecord) -> list[str]:
    keys = record.adapter_keys()
    lines = []
    for key in keys:
        for result in record.results_for(key):
            if Outcome(result.outcome) in FAILING:
                lines.append(result.clause if len(keys) == 1 else f"{key} {result.clause}")
    return lines


class _KeepRecord:
    """A pytest plugin that keeps the udcodec run record once the session is over."""

    def __init__(self) -> None:
        self.record: RunRecord | None = None

    def pytest_unconfigure(self, config: Any) -> None:
        run = config.pluginmanager.get_plugin("udcodec-run")
        self.record = getattr(run, "record", None)


def run_listing_failing(pytest_args: list[str]) -> int:
    """``pytest.main(pytest_args)`` with its output on stderr, then the failing ids on stdout."""
    import pytest

    keep = _KeepRecord()
    with contextlib.redirect_stdout(sys.stderr):
        code = pytest.main(pytest_args, plugins=[keep])
    if keep.record is not None:
        if keep.record.interrupted:
            print("udcodec: the run was interrupted; the list below is incomplete", file=sys.stderr)
        for line in failing_lines(keep.record):
            print(line)
        for result in keep.record.results:
            if Outcome(result.outcome) is Outcome.ERROR:
                print(f"udcodec: {result.clause} [{result.adapter}] is an error, not listed", file=sys.stderr)
    return int(code)
