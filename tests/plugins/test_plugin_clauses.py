"""Codec clauses on compiled plugins, through real python-blosc2: tiny plugins built with the system C
compiler, each broken build failing its clause (CODEC-PLUGIN-STANDALONE can fail on nothing else)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
import udcodec.checks  # noqa: F401 - registers the checks
from tinyplugin import build
from udcodec.contract import load_contract
from udcodec.engine.runner import execute
from udcodec.outcomes import Outcome
from udcodec.profiles import get_profile
from udcodec.subject import CodecSubject

pytest.importorskip("blosc2", reason="the plugin clauses need a host that loads plugins")
CONTRACT = load_contract()
PROFILE = dataclasses.replace(get_profile("dev"), derandomize=True, timeout=180.0)


def run(clause: str, name: str, host: str = "blosc2", domain: str | None = None):  # type: ignore[no-untyped-def]
    codec = CodecSubject.build(plugin=name, id=201, domain=domain)
    return execute(host, host, CONTRACT.get(clause), PROFILE, codec=codec)


@pytest.mark.slow
def test_a_good_plugin_passes_the_plugin_clauses(plugins: Path) -> None:
    build(plugins, "udctiny")
    for clause in ("CODEC-PLUGIN-STANDALONE", "CODEC-ROUNDTRIP", "CODEC-SPLITMODES"):
        result = run(clause, "udctiny")
        assert result.outcome is Outcome.PASS, f"{clause}: {result.message}"
    assert run("CODEC-PLUGIN-STANDALONE", "udctiny", host="reference").outcome is Outcome.NOT_APPLICABLE


@pytest.mark.slow
def test_a_plugin_that_does_not_link_libblosc2_fails_standalone(plugins: Path) -> None:
    """Like blosc2-grok: usable once its package has loaded libblosc2 globally, a crash without it."""
    build(plugins, "udcunlinked", "UNLINKED", preload_libblosc2=True)
    assert run("CODEC-ROUNDTRIP", "udcunlinked").outcome is Outcome.PASS  # the package is imported first
    result = run("CODEC-PLUGIN-STANDALONE", "udcunlinked")
    assert result.outcome is Outcome.FAIL, result.message
    assert "without importing blosc2_udcunlinked" in result.message
    assert "undefined symbol: blosc2_error_string" in result.message
    assert result.reproduction and "os.RTLD_NOW" in result.reproduction


@pytest.mark.slow
def test_a_plugin_that_decodes_wrongly_fails_the_round_trip(plugins: Path) -> None:
    build(plugins, "udcwrong", "WRONG_DATA")
    result = run("CODEC-ROUNDTRIP", "udcwrong")
    assert result.outcome is Outcome.FAIL and "decompress(compress(x)) != x" in result.message
    assert result.reproduction and "import blosc2_udcwrong" in result.reproduction


@pytest.mark.slow
def test_c_blosc2_runs_plugins_through_its_c_api(plugins: Path) -> None:
    """cblosc2 loads a plugin as c-blosc2 does and runs it with its super-chunk: a good build round-trips, one that
    decodes wrongly fails, as on python-blosc2 (which tells a plugin's defect from python-blosc2's)."""
    build(plugins, "udctiny")
    for clause in ("CODEC-ROUNDTRIP", "CODEC-SPLITMODES"):
        result = run(clause, "udctiny", host="cblosc2")
        assert result.outcome is Outcome.PASS, f"{clause}: {result.message}"
    build(plugins, "udcwrong", "WRONG_DATA")
    result = run("CODEC-ROUNDTRIP", "udcwrong", host="cblosc2")
    assert result.outcome is Outcome.FAIL and "decompress(compress(x)) != x" in result.message, result.message


@pytest.mark.slow
def test_clauses_outside_the_domain_are_not_applicable(plugins: Path, tmp_path: Path) -> None:
    """An NDArray-only domain: the SChunk clauses are n/a with the reason, CODEC-ROUNDTRIP drives NDArrays
    only (on several threads too); plain SChunk data must be refused or come back exact, and the tiny plugin
    gives it back exact."""
    build(plugins, "udctiny")
    domain = tmp_path / "images.yaml"
    domain.write_text("codec: udctiny\ncontainers: [ndarray]\nshape: {chunks_equal_blocks_equal_shape: true}\n")
    result = run("CODEC-ROUNDTRIP", "udctiny", domain=str(domain))
    assert result.outcome is Outcome.PASS and result.examples is not None and result.examples["ran"] > 1
    result = run("CODEC-SPLITMODES", "udctiny", domain=str(domain))
    assert result.outcome is Outcome.NOT_APPLICABLE and "accepts only ndarray containers" in result.message
    result = run("CODEC-ROUNDTRIP", "udctiny", host="reference", domain=str(domain))
    assert result.outcome is Outcome.NOT_APPLICABLE  # the reference loads no plugin
    assert run("CODEC-OUTSIDE-DOMAIN", "udctiny", domain=str(domain)).outcome is Outcome.PASS
    splits = tmp_path / "never.yaml"
    splits.write_text("codec: udctiny\ncontainers: [schunk]\nsplitmodes: [never]\ndtypes: [u1]\n")
    result = run("CODEC-TYPESIZES", "udctiny", domain=str(splits))
    assert result.outcome is Outcome.PASS  # restricted to u1, never split


@pytest.mark.slow
def test_outside_the_domain_wrong_data_fails(plugins: Path, tmp_path: Path) -> None:
    build(plugins, "udcwrong", "WRONG_DATA")
    domain = tmp_path / "bytes.yaml"
    domain.write_text("codec: udcwrong\ncontainers: [schunk]\ndtypes: [u1]\n")
    result = run("CODEC-OUTSIDE-DOMAIN", "udcwrong", domain=str(domain))
    assert result.outcome is Outcome.FAIL and "came back wrong instead of being refused" in result.message


#: The block-level clauses (direct ctypes calls through guarded outputs) and the threads clause, each with
#: the tinyplugin.c switch that breaks it and a piece of the failure message.
BROKEN_BUILDS = [
    ("OVERRUN", "CODEC-NO-OVERRUN", "wrote 1 byte(s) past it"),
    ("ENC_IGNORES_LEN", "CODEC-SMALL-OUTPUT", "past the end of its"),
    ("DEC_IGNORES_LEN", "CODEC-DEC-BOUNDS", "the decoder wrote"),
    ("CALL_COUNTER", "CODEC-DETERMINISTIC", "encoding the same block twice gave different results"),
    ("SHARED_SCRATCH", "CODEC-THREADS", "nthreads="),
    ("WRONG_DATA", "CODEC-BLOCK-ROUNDTRIP", "decoder(encoder(block)) != block"),
]
DIRECT_CLAUSES = ["CODEC-BLOCK-ROUNDTRIP", "CODEC-ENC-SIZE", "CODEC-DEC-SIZE", "CODEC-DEC-BOUNDS", "CODEC-SMALL-OUTPUT",
                  "CODEC-META", "CODEC-SMALL-BLOCKS", "CODEC-NO-OVERRUN", "CODEC-INCOMPRESSIBLE", "CODEC-DETERMINISTIC",
                  "CODEC-TINY-BLOCKS", "CODEC-THREADS"]


@pytest.mark.slow
def test_a_good_plugin_passes_the_block_level_and_threads_clauses(plugins: Path) -> None:
    build(plugins, "udctiny")
    for clause in DIRECT_CLAUSES:
        result = run(clause, "udctiny")
        assert result.outcome is Outcome.PASS, f"{clause}: {result.message}"
        assert run(clause, "udctiny", host="reference").outcome is Outcome.NOT_APPLICABLE
    retain = run("CODEC-NO-RETAIN", "udctiny")
    assert retain.outcome is Outcome.NOT_APPLICABLE and "compiled plugin" in retain.message


@pytest.mark.slow
@pytest.mark.parametrize(("define", "clause", "needle"), BROKEN_BUILDS, ids=[b[0] for b in BROKEN_BUILDS])
def test_each_broken_build_fails_its_clause(plugins: Path, define: str, clause: str, needle: str) -> None:
    name = f"udc{define.lower().replace('_', '')}"
    build(plugins, name, define)
    result = run(clause, name)
    assert result.outcome is Outcome.FAIL, f"{result.outcome}: {result.message}"
    assert needle in result.message, result.message
    assert result.reproduction and f"import blosc2_{name}" in result.reproduction


@pytest.mark.slow
def test_the_reproductions_of_direct_calls_reproduce(plugins: Path) -> None:
    """The snippet of a block-level failure calls the library through ctypes and fails on its own."""
    build(plugins, "udcdecignoreslen", "DEC_IGNORES_LEN")
    result = run("CODEC-DEC-BOUNDS", "udcdecignoreslen")
    assert result.reproduction and "PluginCodec.load" in result.reproduction
    script = plugins / "repro.py"
    script.write_text(result.reproduction)
    got = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert got.returncode != 0 and "BufferOverrun: the decoder wrote" in got.stderr, got.stderr


def test_every_clause_the_broken_builds_break_is_a_codec_clause() -> None:
    """The rows name real codec clauses (the checks are those Python codecs run; tests/codecs breaks the rest)."""
    codec_clauses = {c.id for c in CONTRACT if c.subject == "codec"}
    assert {clause for _, clause, _ in BROKEN_BUILDS} <= codec_clauses
    assert set(DIRECT_CLAUSES) <= codec_clauses


@pytest.mark.slow
def test_the_direct_clauses_keep_to_the_domain(plugins: Path, tmp_path: Path) -> None:
    """An NDArray-only domain makes the direct and threads clauses n/a; an i2-only domain keeps them to i2."""
    build(plugins, "udctiny")
    images = tmp_path / "images.yaml"
    images.write_text("codec: udctiny\ncontainers: [ndarray]\n")
    for clause in ("CODEC-NO-OVERRUN", "CODEC-THREADS"):
        result = run(clause, "udctiny", domain=str(images))
        assert result.outcome is Outcome.NOT_APPLICABLE and "accepts only ndarray containers" in result.message
    build(plugins, "udcwrong", "WRONG_DATA")
    only_i2 = tmp_path / "i2.yaml"
    only_i2.write_text("codec: udcwrong\ncontainers: [schunk]\ndtypes: [i2]\n")
    result = run("CODEC-BLOCK-ROUNDTRIP", "udcwrong", domain=str(only_i2))
    assert result.outcome is Outcome.FAIL and "'dtype': 'i2'" in str(result.counterexample), result.counterexample
