"""``check-codec --budget``: the option, the plan it makes from the codec's measured call cost, the drawn
examples an allotment stops, and a real run of a codec that sleeps 100 ms per call."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st
from udcodec import cli
from udcodec.checkcodec.budget import DEFAULT_BUDGETS, BudgetError, call_seconds, parse_budget, plan
from udcodec.checks.api import CheckContext, ExampleCount
from udcodec.contract import load_contract
from udcodec.data import catalogue
from udcodec.examples import zlib_codec
from udcodec.profiles import get_profile
from udcodec.reports import validate_report

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = load_contract()
CODEC_CLAUSES = [c for c in CONTRACT if c.subject == "codec"]
CI = get_profile("ci")
RLE = ["--encoder", "udcodec.examples.rle:encoder", "--decoder", "udcodec.examples.rle:decoder"]
SLEEPY = ["--encoder", "slow_codecs:sleepy_encoder", "--decoder", "slow_codecs:sleepy_decoder"]


def test_the_budget_defaults_per_profile_and_none_turns_it_off() -> None:
    assert [parse_budget(None, p) for p in ("dev", "ci", "thorough")] == [30.0, 60.0, 1800.0] == list(DEFAULT_BUDGETS.values())
    assert parse_budget("12.5", "ci") == 12.5 and parse_budget("none", "ci") is None
    for bad in ("0", "-3", "nan", "inf", "soon"):
        with pytest.raises(BudgetError, match=f"--budget '{bad}'"):
            parse_budget(bad, "ci")


@pytest.mark.parametrize(("value", "message"), [("0", "positive, finite"), ("ten", "give a number of seconds")])
def test_a_bad_budget_exits_2_in_one_line(capsys: pytest.CaptureFixture[str], value: str, message: str) -> None:
    code = cli.main(["check-codec", *RLE, "--budget", value])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err


def test_the_call_cost_is_measured() -> None:
    assert call_seconds(zlib_codec.encoder, zlib_codec.decoder) > 0


def test_the_call_cost_is_measured_with_a_container_as_hosts_pass() -> None:
    """A codec reading schunk.typesize had raised AttributeError on the None it was given, and lost its budget."""
    seen: list[int] = []

    def typed(src: Any, dst: Any, meta: int, schunk: Any) -> int:
        seen.append(schunk.typesize)
        return zlib_codec.encoder(src, dst, meta, schunk)

    assert call_seconds(typed, zlib_codec.decoder) > 0 and sorted(set(seen)) == [1, 4]


def test_a_fast_codec_keeps_the_profile() -> None:
    # a fixed cost, not a measured one: zlib's calls take 20-50 us on an idle machine and far more under load
    made = plan(60.0, 50e-6, CODEC_CLAUSES, 2, CI)
    assert made.profiles == {} and made.describe()["lowered"] == []
    assert made.profile_for("CODEC-ROUNDTRIP", CI) is CI


def test_a_slow_codec_gets_fewer_examples_never_none() -> None:
    made = plan(60.0, 0.1, CODEC_CLAUSES, 2, CI)
    drawing = {c.id for c in CODEC_CLAUSES if c.id not in ("CODEC-REGISTERS", "CODEC-OUTSIDE-DOMAIN",
                                                          "CODEC-PLUGIN-STANDALONE", "CODEC-THREADS")}
    assert set(made.describe()["lowered"]) == drawing
    for clause in drawing:
        profile = made.profile_for(clause, CI)
        assert 1 <= profile.max_examples < CI.max_examples and profile.cut and profile.full_examples == CI.max_examples
        assert profile.allotment is not None and profile.allotment >= 0
    generous = plan(3600.0, 0.1, CODEC_CLAUSES, 2, CI)
    assert generous.profile_for("CODEC-ENC-SIZE", CI) is CI  # 25 calls fit a generous share
    assert generous.profile_for("CODEC-ROUNDTRIP", CI).max_examples > made.profile_for("CODEC-ROUNDTRIP", CI).max_examples


def test_the_time_cheap_clauses_leave_goes_to_the_costly_ones() -> None:
    """At 0.6 ms a call (a bz2 codec) every clause fits as drawn once the cheap ones leave their shares: an even share
    had lowered four host round-trip clauses of a run that took 5 s of its 60."""
    made = plan(60.0, 0.6e-3, CODEC_CLAUSES, 2, CI)
    assert made.describe()["lowered"] == [] and all(made.profile_for(c.id, CI) is CI for c in CODEC_CLAUSES)
    # at 4 ms (lzma) the host round trips keep their layouts and stop drawing when their shares are spent; only
    # CODEC-SPLITMODES (four split modes) cannot fit 5 examples as drawn and draws smaller ones
    slower = plan(60.0, 4e-3, CODEC_CLAUSES, 2, CI)
    assert slower.describe()["lowered"] == ["CODEC-SPLITMODES"]
    kept = slower.profile_for("CODEC-ROUNDTRIP", CI)
    assert kept.allotment is not None and kept.max_examples == CI.max_examples and not kept.cut


def test_a_plugin_keeps_its_counts_and_gets_allotments() -> None:
    made = plan(60.0, None, CODEC_CLAUSES, 2, CI)
    profile = made.profile_for("CODEC-ROUNDTRIP", CI)
    assert profile.max_examples == CI.max_examples and not profile.cut and profile.allotment is not None


def _context(allotment: float | None, cut: bool = False) -> CheckContext:
    profile = dataclasses.replace(get_profile("dev"), derandomize=True, allotment=allotment, cut=cut,
                                  full_examples=25 if cut else 0)
    count = ExampleCount(allotment=allotment, lowered=cut)
    return CheckContext(adapter=None, adapter_spec="reference", clause=CONTRACT.get("CODEC-ENC-SIZE"),  # type: ignore[arg-type]
                        params={}, profile=profile, examples=count)


def test_a_spent_allotment_stops_drawing_after_the_floor() -> None:
    seen: list[int] = []
    ctx = _context(allotment=0.0)
    ctx.for_all(st.integers(0, 1000), seen.append, first=[-1, -2])
    assert seen[:2] == [-1, -2] and len(seen) == 3  # the explicit examples, then one drawn
    assert ctx.examples.to_json() == {"ran": 3, "planned": 2 + ctx.profile.max_examples, "cut": True}
    free = _context(allotment=None)
    free.for_all(st.integers(0, 1000), lambda x: None)
    assert free.examples.to_json() == {"ran": free.profile.max_examples, "planned": free.profile.max_examples, "cut": False}
    lowered = _context(allotment=None, cut=True)
    lowered.for_all(st.integers(0, 1000), lambda x: None)
    assert lowered.examples.to_json() == {"ran": lowered.profile.max_examples, "planned": 25, "cut": True,
                                          "smaller": True}


def _check_codec(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "benchmarks"), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "udcodec.cli", "check-codec", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_a_100_ms_codec_runs_within_its_budget_and_the_reports_say_what_was_cut(tmp_path: Path) -> None:
    only = ["--only", "CODEC-ENC-SIZE", "--only", "CODEC-ROUNDTRIP", "--only", "CODEC-META"]
    proc = _check_codec(*SLEEPY, *only, "--host", "reference", "--budget", "20", "--report-json", "r.json",
                        "--report-markdown", "r.md", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    validate_report(data)
    budget = data["codec"]["budget"]
    assert budget["seconds"] == 20 and 0.09 < budget["call_seconds"] < 1.0
    assert budget["lowered"] == ["CODEC-ENC-SIZE", "CODEC-META", "CODEC-ROUNDTRIP"]
    examples = {r["clause"]: r["examples"] for r in data["results"]}
    assert examples["CODEC-ENC-SIZE"] == {"ran": 1, "planned": CI.max_examples, "cut": True, "smaller": True}
    floor = 1 + len(catalogue())  # every content kind on one layout, then the catalogue (split mode never only)
    nd_floor = 1  # then the NDArray images: the README-like one first (and one drawn)
    assert floor + 1 + nd_floor + 1 <= examples["CODEC-ROUNDTRIP"]["ran"] < floor + nd_floor + 2 * CI.max_examples
    assert examples["CODEC-ROUNDTRIP"]["planned"] == floor + nd_floor + 2 * CI.max_examples
    assert examples["CODEC-ROUNDTRIP"]["cut"]
    assert "| CODEC-ENC-SIZE | 1/25 (cut, smaller layouts) |" in (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "time budget 20 s" in proc.stdout and "CODEC-ENC-SIZE: reference 1/25 (cut, smaller layouts)" in proc.stdout
    unbounded = _check_codec(*SLEEPY, "--only", "CODEC-ENC-SIZE", "--host", "reference", "--budget", "none",
                             "--report-json", "n.json", cwd=tmp_path)
    assert unbounded.returncode == 0, unbounded.stdout + unbounded.stderr
    data = json.loads((tmp_path / "n.json").read_text(encoding="utf-8"))
    assert "budget" not in data["codec"]
    assert data["results"][0]["examples"] == {"ran": CI.max_examples, "planned": CI.max_examples, "cut": False}


def test_a_failure_found_within_the_allotment_still_shrinks_past_it() -> None:
    """Once an example fails, shrinking runs every example even after the allotment is spent (a skipped one
    would look like a flaky test), and reports the shrunk example."""
    import time

    from udcodec.checks.api import CheckFailed

    def prop(x: int) -> None:
        time.sleep(0.05)  # shrinking from a large x takes far longer than the allotment
        if x >= 10:
            raise CheckFailed(f"{x} is too big")

    ctx = _context(allotment=0.5)
    with pytest.raises(CheckFailed, match="10 is too big") as caught:
        ctx.for_all(st.integers(0, 10**6), prop)
    assert caught.value.counterexample == 10
    assert 2 <= ctx.examples.ran <= ctx.profile.max_examples  # shrink steps are not counted


def test_a_plugins_budget_is_shared_by_the_hosts_that_run_plugins_only() -> None:
    """The reference runs no plugin library: its clauses are n/a, and a share of the budget given to it had cut
    blosc2-openzl's examples (45 of 75) in a run of 11 s of its 60."""
    from types import SimpleNamespace

    from udcodec.engine.plugin import UdcodecRun

    slots = [SimpleNamespace(name="reference", load_error=None, capabilities=frozenset({"ndarray"})),
             SimpleNamespace(name="blosc2", load_error=None, capabilities=frozenset({"plugin_libraries"})),
             SimpleNamespace(name="broken", load_error="it crashed", capabilities=frozenset())]
    for codec, judges in ((SimpleNamespace(is_plugin=True), ["blosc2"]),
                          (SimpleNamespace(is_plugin=False), ["reference", "blosc2"]), (None, ["reference", "blosc2"])):
        run = SimpleNamespace(adapters=slots, codec=codec)
        assert [s.name for s in UdcodecRun.judges(run)] == judges  # type: ignore[arg-type]


def test_a_codec_whose_calls_do_not_end_gets_a_short_timeout_per_check(monkeypatch: pytest.MonkeyPatch,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """Its cost could not be measured: every check would wait the profile's 60 s for calls that never end, about
    half an hour for the codec clauses."""
    import argparse

    from udcodec.checkcodec import command
    from udcodec.subject import CodecSubject

    monkeypatch.setattr(command, "MEASURE_TIMEOUT", 1.0)
    codec = CodecSubject.build(encoder="broken.codecs:endless_encoder", decoder="udcodec.examples.zlib_codec:decoder")
    args = argparse.Namespace(timeout=None, memory_limit=None, no_isolation=False)
    assert command.measure(codec, args) is None
    assert args.timeout == command.HUNG_TIMEOUT
    assert "each check gets 10 s (give --timeout to choose)" in capsys.readouterr().out
    given = argparse.Namespace(timeout=3.0, memory_limit=None, no_isolation=False)
    command.measure(codec, given)
    assert given.timeout == 3.0  # one given is kept
