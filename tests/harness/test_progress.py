"""Per-clause progress lines (``udcodec.engine.progress``): live on a terminal, plain elsewhere, none with -v."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
from udcodec.engine import progress
from udcodec.engine.progress import ClauseProgress, category


class FakeReporter:
    """The few TerminalReporter members the progress plugin uses, writing into a string."""

    def __init__(self) -> None:
        self.out = ""
        self.currentfspath: Any = None

    def write(self, text: str, flush: bool = False, **markup: bool) -> None:
        self.out += text


def report(nodeid: str, outcome: str = "passed", when: str = "call", **kw: object) -> Any:
    return SimpleNamespace(nodeid=nodeid, outcome=outcome, when=when, failed=outcome == "failed",
                           passed=outcome == "passed", skipped=outcome == "skipped", **kw)


def make(live: bool, distributed: bool = False) -> tuple[ClauseProgress, FakeReporter]:
    tr = FakeReporter()
    session = SimpleNamespace(testscollected=2)
    plugin = ClauseProgress(tr, session, lambda nodeid: nodeid.startswith("spec/"), live=live,  # type: ignore[arg-type]
                            distributed=distributed)
    return plugin, tr


def test_plain_lines_say_which_clause_runs_then_how_it_ended() -> None:
    plugin, tr = make(live=False)
    plugin.pytest_runtest_logstart("spec/codec.yaml::CODEC-ROUNDTRIP[blosc2]", None)
    assert tr.out == "[1/2] CODEC-ROUNDTRIP[blosc2] ..."  # visible while it runs
    plugin.pytest_runtest_logreport(report("spec/codec.yaml::CODEC-ROUNDTRIP[blosc2]", "failed"))
    plugin.pytest_runtest_logstart("spec/codec.yaml::CODEC-META[blosc2]", None)
    plugin.pytest_runtest_logreport(report("spec/codec.yaml::CODEC-META[blosc2]", "skipped", wasxfail="known"))
    lines = tr.out.splitlines()
    assert lines[0].startswith("[1/2] CODEC-ROUNDTRIP[blosc2] ... FAIL ") and lines[0].endswith(" s")
    assert lines[1].startswith("[2/2] CODEC-META[blosc2] ... xfail ")
    assert "\r" not in tr.out and "\x1b" not in tr.out


def test_a_terminal_gets_a_live_elapsed_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "TICK", 0.02)
    plugin, tr = make(live=True)
    plugin.pytest_runtest_logstart("spec/codec.yaml::CODEC-ROUNDTRIP[blosc2]", None)
    time.sleep(0.2)
    plugin.pytest_runtest_logreport(report("spec/codec.yaml::CODEC-ROUNDTRIP[blosc2]"))
    assert tr.out.count("\r\x1b[K[1/2] CODEC-ROUNDTRIP[blosc2] ... 0 s") >= 2  # rewritten in place
    assert tr.out.endswith(" s\n") and "\r\x1b[K[1/2] CODEC-ROUNDTRIP[blosc2] PASS " in tr.out
    written = tr.out
    time.sleep(0.1)
    assert tr.out == written  # the ticker stopped with the clause


def test_other_items_and_setup_reports_are_left_to_pytest() -> None:
    plugin, tr = make(live=False)
    plugin.pytest_runtest_logstart("tests/test_own.py::test_own", None)
    plugin.pytest_runtest_logreport(report("tests/test_own.py::test_own"))
    plugin.pytest_runtest_logreport(report("spec/codec.yaml::X[reference]", when="setup"))
    assert tr.out == ""
    assert plugin.pytest_report_teststatus(report("tests/test_own.py::test_own"), None) is None  # type: ignore[arg-type]
    assert plugin.pytest_report_teststatus(report("spec/codec.yaml::X[reference]"), None) == ("passed", "", "PASSED")  # type: ignore[arg-type]


def test_under_xdist_only_finished_lines_are_written() -> None:
    plugin, tr = make(live=True, distributed=True)
    plugin.pytest_runtest_logstart("spec/a.yaml::A[reference]", None)
    plugin.pytest_runtest_logstart("spec/a.yaml::B[reference]", None)
    assert tr.out == ""
    plugin.pytest_runtest_logreport(report("spec/a.yaml::B[reference]"))
    assert tr.out.startswith("[1/2] B[reference] PASS ") and "\r" not in tr.out


@pytest.mark.parametrize(("outcome", "wasxfail", "expected"), [
    ("passed", None, "passed"), ("failed", None, "failed"), ("skipped", None, "skipped"),
    ("skipped", "r", "xfailed"), ("passed", "r", "xpassed"), ("failed", "r", "failed"),
])
def test_category_counts_like_pytest(outcome: str, wasxfail: str | None, expected: str) -> None:
    kw = {} if wasxfail is None else {"wasxfail": wasxfail}
    assert category(report("n", outcome, **kw)) == expected


@pytest.mark.slow
def test_a_real_run_prints_a_line_per_clause_and_v_keeps_pytests_lines(pytester: pytest.Pytester,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    args = ["-p", "no:cacheprovider", "--udcodec-adapter=reference", "--udcodec-profile=dev",
            "--udcodec-only=REG-RETURNS-NONE", "--udcodec-only=REG-ID-OUT-OF-RANGE"]
    plain = pytester.runpytest_subprocess(*args)
    plain.stdout.re_match_lines([r"^\[1/2\] REG-\S+\[reference\] \.\.\. PASS \d+\.\d s$",
                                 r"^\[2/2\] REG-\S+\[reference\] \.\.\. PASS \d+\.\d s$"])
    assert not any(line.rstrip().endswith("[100%]") for line in plain.stdout.lines)
    verbose = pytester.runpytest_subprocess(*args, "-v")
    verbose.stdout.fnmatch_lines(["*REG-RETURNS-NONE[[]reference[]] PASSED*"])
    assert "[1/2]" not in verbose.stdout.str()


def test_a_line_pytest_started_with_a_path_is_ended_first() -> None:
    plugin, tr = make(live=False)
    tr.out, tr.currentfspath = "spec/codec.yaml ", "spec/codec.yaml"
    plugin.pytest_runtest_logstart("spec/codec.yaml::A[reference]", None)
    plugin.pytest_runtest_logreport(report("spec/codec.yaml::A[reference]"))
    plugin.pytest_runtest_logstart("spec/codec.yaml::B[reference]", None)  # same file: no new path line
    assert tr.out.startswith("spec/codec.yaml \n[1/2] A[reference] ... PASS ")
    assert "\n[2/2] B[reference] ..." in tr.out and "\n\n" not in tr.out


@pytest.mark.parametrize(("outcome", "pytest_outcome", "word"), [
    ("crash", "failed", "CRASH"), ("hang", "failed", "HANG"), ("resource", "failed", "RESOURCE"),
    ("error", "failed", "ERROR"), ("n/a", "skipped", "n/a"), ("skip", "skipped", "skip"), ("fail", "failed", "FAIL")])
def test_a_line_says_the_runs_own_outcome(outcome: str, pytest_outcome: str, word: str) -> None:
    """A crash or a hang had read FAIL, and a clause that does not apply skip, against the summary's words."""
    plugin, tr = make(live=False)
    nodeid = "spec/codec.yaml::CODEC-ROUNDTRIP[blosc2]"
    plugin.pytest_runtest_logstart(nodeid, None)
    plugin.pytest_runtest_logreport(report(nodeid, pytest_outcome,
                                           user_properties=[(progress.RESULT_KEY, {"outcome": outcome})]))
    assert tr.out.startswith(f"[1/2] CODEC-ROUNDTRIP[blosc2] ... {word} "), tr.out
