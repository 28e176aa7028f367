"""Per-clause progress on the terminal, so a clause that takes 45 s does not look stalled.

Replaces pytest's one letter per item for clause items when pytest is not verbose (``-v`` keeps
pytest's own line per check): a line per clause, ``[i/N] CLAUSE[adapter] ... OUTCOME 12.3 s``.
On a terminal (and not under ``CI``) the running clause's line counts its elapsed seconds live;
elsewhere the line is written in two plain parts (its start, then its end). Under pytest-xdist
clauses run side by side, so only the finished line is written; a failure another clause's may explain
(``extra["explained_by"]``) is written once that clause's result is in, or at the end: its word is then the
outcome the reports give it.
"""

from __future__ import annotations

import copy
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from udcodec.outcomes import EXPLAINED_BY, CheckResult, Outcome
from udcodec.reports.causes import settle_explained

#: pytest's category of a finished item, as its terminal reporter names it.
_WORDS = {"passed": "PASS", "failed": "FAIL", "skipped": "skip", "xfailed": "xfail", "xpassed": "XPASS"}
#: What pytest's own summaries call them (the short summary reuses the status word).
_PYTEST_WORDS = {"passed": "PASSED", "failed": "FAILED", "skipped": "SKIPPED", "xfailed": "XFAIL", "xpassed": "XPASS"}
_MARKUP = {"passed": {"green": True}, "failed": {"red": True, "bold": True}, "skipped": {"yellow": True},
           "xfailed": {"yellow": True}, "xpassed": {"yellow": True, "bold": True}}
TICK = 1.0


#: Where the run's plugin puts an item's result in its reports' ``user_properties`` (``udcodec.engine.plugin``).
RESULT_KEY = "udcodec_result"
#: The progress word of each outcome the run reports: pytest's three words hide a crash or a hang as FAIL and a
#: clause that does not apply as skip.
_OUTCOME_WORDS = {"pass": "PASS", "fail": "FAIL", "xfail": "xfail", "xpass": "XPASS", "skip": "skip", "n/a": "n/a",
                  "crash": "CRASH", "hang": "HANG", "resource": "RESOURCE", "error": "ERROR"}


def outcome_word(report: pytest.TestReport) -> str | None:
    """The progress word of the run's own outcome of ``report`` (None: the report carries none)."""
    for key, value in getattr(report, "user_properties", ()):
        if key == RESULT_KEY and isinstance(value, dict):
            return _OUTCOME_WORDS.get(str(value.get("outcome")))
    return None


def _result(report: pytest.TestReport) -> CheckResult | None:
    """The run's result ``report`` carries (a copy: settling it here changes nothing the reports read)."""
    for key, value in getattr(report, "user_properties", ()):
        if key == RESULT_KEY and isinstance(value, dict):
            return CheckResult.from_json(copy.deepcopy(value))
    return None


def category(report: pytest.TestReport) -> str:
    """``passed``/``failed``/``skipped``/``xfailed``/``xpassed``, the way pytest counts ``report``."""
    if hasattr(report, "wasxfail"):
        if report.skipped:
            return "xfailed"
        if report.passed:
            return "xpassed"
    return report.outcome


class ClauseProgress:
    """Registered as a plugin next to the run when the terminal is not verbose."""

    def __init__(self, reporter: Any, session: pytest.Session, is_clause: Callable[[str], bool], *, live: bool,
                 distributed: bool) -> None:
        self.tr = reporter
        self.session = session
        self.is_clause = is_clause
        self.live = live and not distributed
        self.distributed = distributed
        self.done = 0
        self._path_seen: Any = None
        self.started: dict[str, float] = {}
        self.label = ""
        self._stop: threading.Event | None = None
        self._ticker: threading.Thread | None = None
        self._lock = threading.Lock()
        self.seen: list[CheckResult] = []  # distributed: every clause result in so far
        self.held: list[tuple[pytest.TestReport, CheckResult, float]] = []  # failures waiting for their explainer

    @classmethod
    def wanted(cls, config: pytest.Config) -> bool:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        return (reporter is not None and config.get_verbosity() <= 0 and not hasattr(config, "workerinput")
                and config.getoption("capture", "fd") != "no")

    @classmethod
    def install(cls, session: pytest.Session, is_clause: Callable[[str], bool]) -> None:
        """Register the progress plugin for ``session`` (at its start: under xdist the controller collects nothing)."""
        config = session.config
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None:
            return
        live = bool(reporter.isatty) and not os.environ.get("CI")
        distributed = config.pluginmanager.has_plugin("dsession")
        config.pluginmanager.register(cls(reporter, session, is_clause, live=live, distributed=distributed),
                                      "udcodec-progress")

    @property
    def total(self) -> int:
        return int(self.session.testscollected)

    # -- hooks ---------------------------------------------------------------------------

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if session.items and all(self.is_clause(item.nodeid) for item in session.items):
            if hasattr(self.tr, "_show_progress_info"):
                self.tr._show_progress_info = False  # the lines count [i/N] already: no lone "[100%]" line

    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(self, report: pytest.TestReport, config: pytest.Config) -> tuple[str, str, str] | None:
        """No letter for a clause item: its progress line says how it ended."""
        if not self.is_clause(report.nodeid) or report.when != "call":
            return None
        kind = category(report)
        return kind, "", _PYTEST_WORDS.get(kind, kind.upper())

    @pytest.hookimpl(trylast=True)  # after pytest's own, which may start a line with the file's path
    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        if not self.is_clause(nodeid):
            return
        self.started[nodeid] = time.monotonic()
        if self.distributed:
            return
        self.label = f"[{self.done + 1}/{self.total}] {nodeid.rsplit('::', 1)[-1]}"
        self._end_path_line()
        self.tr.write(self.label + " ...", flush=True)
        if self.live:
            self._stop = threading.Event()
            self._ticker = threading.Thread(target=self._tick, args=(nodeid, self._stop), daemon=True)
            self._ticker.start()

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not self.is_clause(report.nodeid) or not (report.when == "call" or report.failed):
            return
        self._halt()
        elapsed = time.monotonic() - self.started.pop(report.nodeid, time.monotonic())
        if self.distributed:
            result = _result(report)
            if result is not None:
                self.seen.append(result)
                if result.outcome is Outcome.FAIL and EXPLAINED_BY in result.extra:
                    self.held.append((report, result, elapsed))  # its explainer may still be running elsewhere
                    self._release(final=False)
                    return
        self._line(report, category(report), outcome_word(report), elapsed)
        if self.distributed:
            self._release(final=False)

    def _line(self, report: pytest.TestReport, kind: str, word: str | None, elapsed: float) -> None:
        self.done += 1
        word = word or _WORDS.get(kind, kind)
        if self.distributed:
            self._end_path_line()
            self.tr.write(f"[{self.done}/{self.total}] {report.nodeid.rsplit('::', 1)[-1]} ")
        elif self.live:
            self.tr.write(f"\r\x1b[K{self.label} ")
        else:
            self.tr.write(" ")
        self.tr.write(word, **_MARKUP.get(kind, {}))
        self.tr.write(f" {elapsed:.1f} s\n", flush=True)

    def _release(self, *, final: bool) -> None:
        """Write the held failures an explainer's failure now settles (as the reports will: skip), and at the
        end those none does (FAIL)."""
        for held in list(self.held):
            report, result, elapsed = held
            if settle_explained([result], against=self.seen):
                self.held.remove(held)
                self._line(report, "skipped", _OUTCOME_WORDS["skip"], elapsed)
            elif final:
                self.held.remove(held)
                self._line(report, category(report), outcome_word(report), elapsed)

    def _end_path_line(self) -> None:
        """End the line pytest starts with a file's path (when not quiet), so a clause's line stands alone."""
        if self.tr.currentfspath != self._path_seen:
            self._path_seen = self.tr.currentfspath
            if self._path_seen is not None:
                self.tr.write("\n")

    def pytest_sessionfinish(self) -> None:
        self._halt()
        self._release(final=True)

    # -- the live line -------------------------------------------------------------------

    def _tick(self, nodeid: str, stop: threading.Event) -> None:
        start = self.started.get(nodeid, time.monotonic())
        while not stop.wait(TICK):
            with self._lock:
                if not stop.is_set():
                    self.tr.write(f"\r\x1b[K{self.label} ... {time.monotonic() - start:.0f} s", flush=True)

    def _halt(self) -> None:
        if self._stop is not None:
            with self._lock:
                self._stop.set()
            if self._ticker is not None:
                self._ticker.join()
            self._stop = self._ticker = None
