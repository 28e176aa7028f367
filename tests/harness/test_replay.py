"""Property failures carry a counterexample and a ``udcodec replay`` command reproducing them."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from udcodec.adapters.loader import load_adapter
from udcodec.checks.api import CheckContext, decode_example, encode_example
from udcodec.contract import load_contract
from udcodec.engine.isolation import ChildStatus, run_isolated
from udcodec.engine.runner import execute, run_clause
from udcodec.outcomes import Outcome
from udcodec.profiles import get_profile
from udcodec.strategies import Layout

MODULE = "udcodec_replay_adapters"
CORRUPTING = f"{MODULE}:Corrupting"
ACCEPTS_HUGE = f"{MODULE}:AcceptsHugeIds"
ADAPTERS = '''\
from udcodec.adapters.blosc2like import ModuleContainer
from udcodec.adapters.reference import ReferenceAdapter


class CorruptingContainer(ModuleContainer):
    def decompress_chunk(self, index):
        data = super().decompress_chunk(index)
        if len(data) > 1000:  # flip the last byte of big chunks
            data = data[:-1] + bytes([data[-1] ^ 0xFF])
        return data


class Corrupting(ReferenceAdapter):
    """Round trips lose the last byte of chunks over 1000 bytes."""

    adapter_name = "corrupting"

    def wrap(self, schunk):
        return CorruptingContainer(self, schunk)


class AcceptsHugeIds(ReferenceAdapter):
    """register_codec silently accepts ids of 2**31 and more (the edges 159 and 256 are refused)."""

    adapter_name = "accepts-huge"

    def register_codec(self, codec_name, id, encoder=None, decoder=None, version=1):
        if type(id) is int and id >= 2**31:
            return None
        return super().register_codec(codec_name, id, encoder, decoder, version)
'''


@pytest.fixture(scope="module")
def adapters(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("replay-adapters")
    (directory / f"{MODULE}.py").write_text(ADAPTERS, encoding="utf-8")
    return directory


@pytest.fixture
def importable(adapters: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The test adapters importable here (forked checks) and in subprocesses (replay commands)."""
    monkeypatch.syspath_prepend(str(adapters))
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(adapters), os.environ.get("PYTHONPATH")]))
    )
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    monkeypatch.setenv("PYTHONPYCACHEPREFIX", str(adapters.parent.parent / "udcodec-pycache"))
    return dict(os.environ)


def replay(env: dict[str, str], command: str) -> subprocess.CompletedProcess[str]:
    """Run a reproduction line (``udcodec replay ...``) as the user would."""
    argv = shlex.split(command)
    assert argv[:2] == ["udcodec", "replay"], command
    return subprocess.run(
        [sys.executable, "-m", "udcodec.cli", *argv[1:]],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _command(clause: str, adapter: str, payload: dict[str, object]) -> str:
    return (
        f"udcodec replay {clause} --adapter {adapter} --example {shlex.quote(json.dumps(payload))}"
    )


def test_reproduction_line_format() -> None:
    contract = load_contract()
    ctx = CheckContext(
        load_adapter("reference"),
        "my mod:Adapter",
        contract.get("RT-CHUNKS"),
        {},
        get_profile("dev"),
        check_index=1,
    )
    line = ctx.reproduction(2, {"__bytes__": "AAE="})
    argv = shlex.split(line)
    assert argv[:5] == ["udcodec", "replay", "RT-CHUNKS", "--adapter", "my mod:Adapter"]
    assert argv[5] == "--example"
    assert json.loads(argv[6]) == {"check": 1, "property": 2, "example": {"__bytes__": "AAE="}}


@pytest.mark.slow
def test_property_failure_is_reproduced_by_its_replay_command(importable: dict[str, str]) -> None:
    clause = load_contract().get("RT-CHUNKS")
    result = execute(
        CORRUPTING, "corrupting", clause, get_profile("ci")
    )  # derandomized: same verdict every run
    assert result.outcome == Outcome.FAIL
    assert "decompress(compress(x)) != x" in result.message
    # The shrunk counterexample.
    assert result.counterexample is not None
    layout = decode_example(result.counterexample)
    assert isinstance(layout, Layout)
    # A genuine failing input (the adapter corrupts chunks over 1000 bytes); how far Hypothesis
    # shrinks depends on its version, so don't pin the exact size.
    assert max(len(c) for c in layout.chunks()) > 1000
    assert result.reproduction is not None
    assert result.reproduction.startswith(
        f"udcodec replay RT-CHUNKS --adapter {CORRUPTING} --example "
    )

    proc = replay(importable, result.reproduction)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "RT-CHUNKS[" in proc.stdout and ": fail" in proc.stdout
    assert "decompress(compress(x)) != x" in proc.stdout


def test_integer_property_failure_carries_its_counterexample(importable: dict[str, str]) -> None:
    result = execute(
        ACCEPTS_HUGE, "accepts-huge", load_contract().get("REG-ID-OUT-OF-RANGE"), get_profile("ci")
    )
    assert result.outcome == Outcome.FAIL
    assert isinstance(result.counterexample, int) and result.counterexample >= 2**31
    assert result.reproduction is not None and "REG-ID-OUT-OF-RANGE" in result.reproduction


def test_layouts_survive_the_example_encoding() -> None:
    layout = Layout("i4", 4, 300, 7, 601, "random-runs", 42, ("shuffle",), "always")
    assert decode_example(json.loads(json.dumps(encode_example(layout)))) == layout


@pytest.mark.slow
def test_replay_runs_exactly_the_given_example(importable: dict[str, str]) -> None:
    payload = {"check": 0, "property": 0, "example": 2**31}
    failing = replay(importable, _command("REG-ID-OUT-OF-RANGE", ACCEPTS_HUGE, payload))
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert failing.stdout.startswith(f"REG-ID-OUT-OF-RANGE[{ACCEPTS_HUGE}]: fail")
    assert f"register_codec('c', {2**31}, enc, dec): was accepted" in failing.stdout

    inside = replay(
        importable, _command("REG-ID-OUT-OF-RANGE", ACCEPTS_HUGE, {**payload, "example": 300})
    )
    assert inside.returncode == 0, inside.stdout + inside.stderr
    assert inside.stdout.startswith(f"REG-ID-OUT-OF-RANGE[{ACCEPTS_HUGE}]: pass")

    reference = replay(importable, _command("REG-ID-OUT-OF-RANGE", "reference", payload))
    assert reference.returncode == 0, reference.stdout + reference.stderr


@pytest.mark.slow
def test_replay_only_runs_the_property_it_names(importable: dict[str, str]) -> None:
    clause = load_contract().get("RT-CHUNKS")
    searched = run_isolated(run_clause, (CORRUPTING, clause, get_profile("ci")), timeout=60)
    assert searched.status is ChildStatus.OK and searched.value.outcome is Outcome.FAIL
    # A payload for another property index replays nothing: the property is not searched again.
    payload = {"check": 0, "property": 5, "example": None}
    other = run_isolated(run_clause, (CORRUPTING, clause, get_profile("ci"), payload), timeout=60)
    assert other.status is ChildStatus.OK and other.value.outcome is Outcome.PASS, other.value.message
