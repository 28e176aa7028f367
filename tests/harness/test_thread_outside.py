"""The thread clauses blame the thread rule only: a crash the one-thread call, or a builtin codec, meets too is
reported as not judged (a skip where a whole door is left unjudged), and the clause that owns it fails instead."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import udcodec.checks  # noqa: F401 - registers the checks
from udcodec.contract import load_contract
from udcodec.engine.runner import execute
from udcodec.outcomes import Outcome
from udcodec.profiles import get_profile

TESTS_DIR = Path(__file__).resolve().parents[1]
CONTRACT = load_contract()
PROFILE = dataclasses.replace(get_profile("dev"), derandomize=True)


@pytest.fixture(autouse=True)
def broken_importable(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.syspath_prepend(str(TESTS_DIR))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(TESTS_DIR), os.environ.get("PYTHONPATH")])))
    yield


def _run(adapter: str, clause: str):  # type: ignore[no-untyped-def]
    return execute(f"broken.threads:{adapter}", adapter, CONTRACT.get(clause), PROFILE)


@pytest.mark.slow
def test_a_crash_with_one_thread_too_is_not_the_thread_rules() -> None:
    door = _run("DecompressOutsideCrashesAdapter", "THREAD-OUTSIDE")
    assert door.outcome is Outcome.SKIP, door.message
    assert door.message == ("[threads.outside_door] not judged: crashes and hangs of decompress2: decompress2(chunk, "
                            "dparams=...nthreads=1) ends so too (CONT-DECOMPRESS-OUTSIDE's to judge)")
    owner = _run("DecompressOutsideCrashesAdapter", "CONT-DECOMPRESS-OUTSIDE")
    assert owner.outcome is Outcome.CRASH, owner.message


@pytest.mark.slow
def test_a_crash_a_builtin_codec_meets_too_is_not_judged() -> None:
    door = _run("OneCoreDefaultCrashesAdapter", "THREAD-OUTSIDE")
    assert door.outcome is Outcome.PASS, door.message
    assert door.extra["not judged"] == [
        "with 1 core(s), decompress2(chunk): with builtin codec 1 it ends so too (killed by SIGFPE)",
        "with 1 core(s), compress2(data, cparams=...): with builtin codec 1 it ends so too (killed by SIGFPE)",
    ]
    # the other core counts are judged as usual: every fork there answered
    forks = CONTRACT.get("THREAD-OUTSIDE").checks[0].params["forks"]
    assert door.extra["outside"]["16"]["decompress2(chunk)"] == {"ended": 0, "answered": forks}


@pytest.mark.slow
def test_a_problem_besides_an_unjudged_door_fails() -> None:
    door = _run("OutsideCrashesButCompressesOnWorkersAdapter", "THREAD-OUTSIDE")
    assert door.outcome is Outcome.FAIL, door.message
    assert door.message.startswith("[threads.outside_door] compress2(data, cparams=...nthreads=4) ran Python codec 214 on")
    assert door.message.endswith("(not judged: crashes and hangs of decompress2: decompress2(chunk, dparams=...nthreads=1) "
                                 "ends so too (CONT-DECOMPRESS-OUTSIDE's to judge))")


@pytest.mark.slow
def test_a_late_registration_whose_one_thread_reader_dies_too_is_not_judged() -> None:
    """THREAD-REGISTER-AFTER-OPEN: readers that die with one thread too die of something else."""
    door = _run("ReadsCrashAdapter", "THREAD-REGISTER-AFTER-OPEN")
    assert door.outcome is Outcome.SKIP, door.message
    assert "not judged: a reader of the same frame that opened it with one thread (killed by SIGSEGV)" in door.message
    assert _run("LateRegistrationThreadsAdapter", "THREAD-REGISTER-AFTER-OPEN").outcome is Outcome.FAIL
