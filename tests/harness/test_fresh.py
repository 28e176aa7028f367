"""Fresh interpreters (``udcodec.checks.fresh``, ``udcodec.scenarios``): a simulated core count, calls, open arguments."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from udcodec.adapters.loader import load_adapter
from udcodec.adapters.protocol import CParams, DParams
from udcodec.checks import fresh
from udcodec.checks.fresh import run_fresh, run_fresh_each
from udcodec.scenarios import open_args
from udcodec.testcodecs import zlib_decoder, zlib_encoder

ZLIB = {"encoder": "udcodec.testcodecs:zlib_encoder", "decoder": "udcodec.testcodecs:zlib_decoder"}
SPECS = ["reference", pytest.param("blosc2", marks=pytest.mark.skipif(
    importlib.util.find_spec("blosc2") is None, reason="python-blosc2 is not installed"))]


@pytest.mark.slow
@pytest.mark.parametrize("spec", SPECS)
def test_the_interpreter_sees_the_core_count_it_is_given(spec: str) -> None:
    for cores in (1, 16):
        answer = run_fresh({"adapter": spec, "cores": cores, "call": "udcodec.scenarios:seen_cores"})
        assert answer["ok"], answer
        assert answer["result"]["cpu_count"] == answer["result"]["affinity"] == cores
        assert answer["result"]["nthreads"] == cores  # python-blosc2 3.x/4.x and the reference: all up to 16


@pytest.mark.slow
@pytest.mark.parametrize("spec", SPECS)
def test_forked_requests_see_their_own_core_counts(spec: str) -> None:
    """run_fresh_each: one interpreter forks a child per request, which sees its core count as a new one would."""
    answers = run_fresh_each([{"adapter": spec, "cores": c, "call": "udcodec.scenarios:seen_cores"} for c in (1, 2, 16)])
    for cores, answer in zip((1, 2, 16), answers, strict=True):
        assert answer["ok"], answer
        assert answer["result"]["cpu_count"] == answer["result"]["affinity"] == answer["result"]["nthreads"] == cores


@pytest.fixture
def mishaps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A module ``udcodec_mishaps`` of scenario calls that abort, hang, or tell where they ran, on PYTHONPATH."""
    (tmp_path / "udcodec_mishaps.py").write_text(
        "import os, sys, time\n"
        "def abort(adapter, args):\n    print('about to abort', file=sys.stderr, flush=True)\n    os.abort()\n"
        "def nap(adapter, args):\n    time.sleep(args)\n"
        "def cwd_and_env(adapter, args):\n    return [os.getcwd(), os.environ.get('UDCODEC_TEST_MARK')]\n"
        "def shout(adapter, args):\n    raise ValueError('big\\x00\\udc80' * 2_000_000)\n"
        "def chatter(adapter, args):\n"
        "    for _ in range(args['times']):\n"
        "        sys.stdout.write('x' * (1 << 20))\n        sys.stderr.write('y' * (1 << 20))\n"
        "    sys.stdout.flush()\n    sys.stderr.write('the end of the chatter')\n    sys.stderr.flush()\n"
        "    time.sleep(args.get('nap', 0))\n    return 'said'\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])))
    return tmp_path


def _dies_or_hangs_alone() -> None:
    """A request that aborts is reported with its signal and stderr beside one that answers; one that hangs
    raises ``subprocess.TimeoutExpired``."""
    crash = {"adapter": "reference", "cores": 2, "call": "udcodec_mishaps:abort"}
    fine = {"adapter": "reference", "cores": 2, "call": "udcodec.scenarios:seen_cores"}
    died, answered = run_fresh_each([crash, fine])
    assert not died["ok"] and died["crashed"] and died["error"].startswith("killed by SIGABRT"), died
    assert "about to abort" in died["error"]
    assert answered["ok"] and answered["result"]["cpu_count"] == 2
    with pytest.raises(subprocess.TimeoutExpired):
        run_fresh_each([{"adapter": "reference", "cores": 1, "call": "udcodec_mishaps:nap", "args": 30}], timeout=2)


@pytest.mark.slow
def test_an_answer_carries_a_huge_message_clipped(mishaps: Path) -> None:
    """A 12-million-character message had made answers of tens of MB: checks that fork calls (THREAD-OUTSIDE) took
    35 s and could not read them back."""
    (answer,) = run_fresh_each([{"adapter": "reference", "cores": 1, "call": "udcodec_mishaps:shout"}])
    assert not answer["ok"] and answer["error"].startswith("ValueError: big")
    assert "characters cut" in answer["error"] and len(answer["error"]) < 5000


@pytest.mark.slow
def test_a_forked_request_that_dies_or_hangs_is_reported_alone(mishaps: Path) -> None:
    _dies_or_hangs_alone()


@pytest.mark.slow
def test_a_fresh_interpreter_imports_no_check_family() -> None:
    """It starts fast: the check packages (and Hypothesis, which they import) stay out."""
    answer = run_fresh({"adapter": "reference", "call": "udcodec.scenarios:seen_cores"})
    assert answer["ok"], answer
    code = ("import sys, udcodec.scenarios as s; s.serve({'adapter': 'reference', 'call': 'udcodec.scenarios:seen_cores'});"
            "print(sorted(m for m in sys.modules if m.startswith(('udcodec.checks', 'hypothesis'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_open_args_pass_only_what_the_request_gives() -> None:
    assert open_args({}) == {}
    got = open_args({"mode": "a", "cparams": {"nthreads": 1, "filters": ["shuffle"]}, "dparams": {"nthreads": 1}})
    assert got == {"mode": "a", "cparams": CParams.only(nthreads=1, filters=("shuffle",)), "dparams": DParams(1)}


@pytest.mark.slow
def test_a_call_that_raises_answers_with_its_chain(tmp_path: Path) -> None:
    adapter = load_adapter("reference")
    adapter.register_codec("z", 200, zlib_encoder, zlib_decoder)
    path = str(tmp_path / "c.b2frame")
    written = adapter.create(CParams(codec=200), DParams(1), 4096, urlpath=path)
    written.append(bytes(4096))
    written.close()
    request = {"adapter": "reference", "register": [{"name": "z", "id": 200, **ZLIB}], "open": path}
    assert run_fresh(request)["ok"]
    refused = run_fresh({**request, "open_args": {"mode": "a", "dparams": {"nthreads": 2}}})
    assert not refused["ok"] and "multi-threading" in refused["error"] and refused["chain"][0]["type"] == "ValueError"


@pytest.fixture
def zygote() -> Iterator[None]:
    """The run's zygote, started here as the harness starts it; stopped afterwards."""
    assert fresh.start_zygote()
    try:
        yield
    finally:
        _stop_zygote()


def _stop_zygote() -> None:
    started, fresh._ZYGOTE = fresh._ZYGOTE, None
    assert started is not None
    fresh._stop(started.proc, os.path.dirname(started.socket_path))


def _no_new_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object) -> None:
        raise AssertionError("a new interpreter was started although the zygote could answer")

    monkeypatch.setattr(fresh, "_scenarios", refuse)


@pytest.mark.slow
@pytest.mark.parametrize("spec", SPECS)
def test_the_zygote_answers_core_counts_without_a_new_interpreter(spec: str, zygote: None,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _no_new_interpreter(monkeypatch)
    answers = run_fresh_each([{"adapter": spec, "cores": c, "call": "udcodec.scenarios:seen_cores"} for c in (1, 16)])
    answers.append(run_fresh({"adapter": spec, "cores": 2, "call": "udcodec.scenarios:seen_cores"}))
    for cores, answer in zip((1, 16, 2), answers, strict=True):
        assert answer["ok"], answer
        assert answer["result"]["cpu_count"] == answer["result"]["affinity"] == answer["result"]["nthreads"] == cores


@pytest.mark.slow
def test_a_request_the_zygote_answers_may_die_or_hang(mishaps: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert fresh.start_zygote()  # after PYTHONPATH is set: the zygote's sys.path finds the module
    try:
        _no_new_interpreter(monkeypatch)
        _dies_or_hangs_alone()
        # the handler works in the requester's directory and environment
        monkeypatch.chdir(mishaps)
        monkeypatch.setenv("UDCODEC_TEST_MARK", "seen")
        seen = run_fresh_each([{"adapter": "reference", "cores": 1, "call": "udcodec_mishaps:cwd_and_env"}])[0]
        assert seen["result"] == [str(mishaps), "seen"], seen
    finally:
        _stop_zygote()


@pytest.mark.slow
def test_without_a_usable_zygote_a_new_interpreter_answers(zygote: None, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[object] = []
    scenarios = fresh._scenarios
    monkeypatch.setattr(fresh, "_scenarios", lambda *a: started.append(a) or scenarios(*a))
    request = {"adapter": "reference", "cores": 2, "call": "udcodec.scenarios:seen_cores"}
    assert run_fresh_each([request])[0]["ok"] and not started
    # a variable the interpreter reads as it starts differs from the zygote's: it cannot stand in
    monkeypatch.setenv("PYTHONHASHSEED", "7")
    assert run_fresh_each([request])[0]["ok"] and len(started) == 1
    monkeypatch.delenv("PYTHONHASHSEED")
    assert fresh._ZYGOTE is not None
    fresh._ZYGOTE.proc.kill()  # gone: its socket refuses the connection
    fresh._ZYGOTE.proc.wait()
    assert run_fresh_each([request])[0]["ok"] and len(started) == 2


@pytest.mark.slow
def test_a_run_leaves_no_zygote_behind(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    got = subprocess.run([sys.executable, "-m", "udcodec.cli", "run", "--adapter", "reference", "--only", "THREAD-DEFAULTS"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert got.returncode == 0, got.stderr[-2000:]
    assert not _zygote_left(tmp_path)


@pytest.mark.slow
def test_a_zygote_whose_harness_dies_exits_and_removes_its_socket(tmp_path: Path) -> None:
    code = "import os; from udcodec.checks import fresh; assert fresh.start_zygote(); os._exit(0)"  # no atexit
    subprocess.run([sys.executable, "-c", code], env={**os.environ, "TMPDIR": str(tmp_path)}, check=True, timeout=60)
    deadline = time.monotonic() + 10
    while _zygote_left(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _zygote_left(tmp_path)


def _zygote_left(tmp_path: Path) -> list[object]:
    """The zygote's socket directories under ``tmp_path``, and the processes whose command line names it."""
    return [*tmp_path.glob("udcodec-zygote-*"),
            *(p for p in Path("/proc").iterdir() if p.name.isdigit() and str(tmp_path) in _cmdline(p))]


def _cmdline(proc: Path) -> str:
    try:
        return (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@pytest.mark.slow
@pytest.mark.parametrize("how", ["forked", "new interpreter"])
def test_what_a_fresh_process_prints_neither_fills_the_disk_nor_hides_its_answer(
        mishaps: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, how: str) -> None:
    """A port that prints 2 x 40 MiB in a fresh process: its answer stands (the output files are cut back as they
    grow, and the answer has a file of its own), and a request that then times out says it printed."""
    from udcodec import scenarios

    monkeypatch.setattr(scenarios, "OUTPUT_LIMIT", 4 << 20)  # the forked children and the parent read it here
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    request = {"adapter": "reference", "call": "udcodec_mishaps:chatter", "args": {"times": 40}}
    if how == "forked":
        (answer,) = run_fresh_each([{**request, "cores": 1}])
        assert re.fullmatch(r"it had printed at least \d+ MiB of output", answer["printed"]), answer
    else:
        monkeypatch.setattr(fresh.pristine, "available", lambda: False)
        answer = run_fresh(request)
    assert answer["ok"] and answer["result"] == "said", answer
    with pytest.raises(subprocess.TimeoutExpired) as info:
        if how == "forked":
            run_fresh_each([{**request, "cores": 1, "args": {"times": 40, "nap": 30}}], timeout=4)
        else:
            run_fresh({**request, "args": {"times": 40, "nap": 30}}, timeout=4)
    assert fresh.timeout_note(info.value).startswith("; it had printed at least ")
    assert not list(scratch.iterdir())  # the scratch folders are gone
