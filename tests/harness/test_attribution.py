"""Failures retried with a builtin codec: "also with builtin codecs" (a Blosc2 format or filter defect) or
"user-codec path only", on real python-blosc2 and on broken hosts; RT-CONFIGS judges round trip only;
interop clauses judge a port both ways against the reference."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from udcodec.contract import load_contract
from udcodec.engine.runner import execute
from udcodec.outcomes import ALSO_BUILTIN, USER_CODEC_ONLY, Outcome
from udcodec.profiles import get_profile

TESTS_DIR = Path(__file__).resolve().parents[1]
CONTRACT = load_contract()
PROFILE = dataclasses.replace(get_profile("dev"), derandomize=True)
TIMEOUT = 180.0  # a failure is shrunk, then retried: generous on a loaded machine


@pytest.fixture(scope="module", autouse=True)
def broken_importable() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(TESTS_DIR))
        mp.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(TESTS_DIR), os.environ.get("PYTHONPATH")])))
        yield


def _run(spec: str, clause_id: str) -> tuple[Outcome, str, str | None]:
    clause = CONTRACT.get(clause_id)
    result = execute(spec, spec.rpartition(":")[2] or spec, clause, PROFILE, timeout=TIMEOUT,
                     peer_spec="reference" if clause.pairwise else None)
    return result.outcome, result.message, result.attribution


@pytest.fixture(scope="module")
def blosc2() -> str:
    pytest.importorskip("blosc2")
    return "blosc2"


def test_rt_configs_on_python_blosc2_fails_also_with_builtin_codecs(blosc2: str) -> None:
    outcome, message, attribution = _run(blosc2, "RT-CONFIGS")
    assert outcome is Outcome.FAIL and attribution == ALSO_BUILTIN, message
    assert "delta: typesize=4" in message and "[also with builtin codecs: ZLIB" in message
    assert "wrote into the data" not in message  # input mutation is no round-trip failure


def test_decoding_by_the_container_codec_is_user_codec_path_only(blosc2: str) -> None:
    outcome, message, attribution = _run(blosc2, "ID-DECODE-BY-CHUNK")
    assert outcome is Outcome.FAIL and attribution == USER_CODEC_ONLY, message
    assert "[user-codec path only: ZLIB]" in message


@pytest.mark.slow
def test_python_blosc2_passes_interop_both_ways(blosc2: str) -> None:
    outcome, message, attribution = _run(blosc2, "INTEROP-CHUNK-DECODE")
    assert outcome is Outcome.PASS and attribution is None, message


@pytest.mark.slow
@pytest.mark.parametrize(("spec", "clause", "attribution", "needle"), [
    ("broken.containers:SkipsUnfilteringAdapter", "RT-CONFIGS", ALSO_BUILTIN, "reads its own chunk back wrong"),
    ("broken.containers:FlipsLastByteAdapter", "RT-CHUNKS", ALSO_BUILTIN, "decompress(compress(x)) != x"),
    ("broken.callbacks:CorruptsUserDecodesAdapter", "RT-CHUNKS", USER_CODEC_ONLY, "decompress(compress(x)) != x"),
    ("broken.callbacks:CorruptsUserDecodesAdapter", "RT-CONFIGS", USER_CODEC_ONLY, "reads its own chunk back wrong"),
    ("broken.callbacks:CorruptsUserDecodesAdapter", "RT-SLICES", USER_CODEC_ONLY, "decompress(compress(x)) != x"),
    ("broken.containers:DropsShuffleFlagOnWriteAdapter", "INTEROP-CHUNK-DECODE", ALSO_BUILTIN,
     "read by reference"),
    ("broken.containers:IgnoresForeignShuffleFlagAdapter", "INTEROP-CHUNK-DECODE", ALSO_BUILTIN,
     "written by reference, read by"),
    ("broken.callbacks:CorruptsUserDecodesAdapter", "INTEROP-FRAME-OPEN", USER_CODEC_ONLY, "read back wrong"),
])
def test_broken_hosts_are_attributed(spec: str, clause: str, attribution: str, needle: str) -> None:
    outcome, message, got = _run(spec, clause)
    assert outcome is Outcome.FAIL and got == attribution, message
    assert needle in message


@pytest.mark.slow
def test_a_writer_side_format_bug_fails_a_must_clause() -> None:
    """A port whose chunks lose their shuffle flag reads its own data back: only the reverse direction
    (the port writes, the reference reads) shows it, in a MUST clause."""
    assert CONTRACT.get("INTEROP-CHUNK-DECODE").level == "MUST"
    assert _run("broken.containers:DropsShuffleFlagOnWriteAdapter", "RT-CONFIGS")[0] is Outcome.PASS
    outcome, message, _ = _run("broken.containers:DropsShuffleFlagOnWriteAdapter", "INTEROP-CHUNK-DECODE")
    assert outcome is Outcome.FAIL and "written by" in message and "read by reference" in message
    assert "written by reference," not in message


def test_the_reference_against_a_port_is_n_a_once_judged_in_the_port_result() -> None:
    clause = CONTRACT.get("INTEROP-CHUNK-DECODE")
    result = execute("reference", "reference", clause, PROFILE,
                     peer_spec="broken.containers:DropsShuffleFlagOnWriteAdapter")
    assert result.outcome is Outcome.NOT_APPLICABLE and "the reference is the judge" in result.message
