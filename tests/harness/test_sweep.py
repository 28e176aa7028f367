"""The configuration sweep (``udcodec.sweep``): one description, three sizes, chosen by the profile."""

from __future__ import annotations

import ctypes
from types import SimpleNamespace
from typing import cast

import pytest
from udcodec.adapters.protocol import Adapter
from udcodec.checks.api import CheckContext
from udcodec.checks.configs import produce, sweep
from udcodec.data import RECIPES
from udcodec.profiles import PROFILES, get_profile
from udcodec.sweep import CODECS, SIZES, codecs_of, configurations, families

CI_FAMILIES = ["nofilter", "shuffle", "bitshuffle", "delta", "trunc_prec", "pipeline", "splitmode", "typesize",
               "blocksize", "codec_meta", "memcpyed", "runs"]


def test_sizes_nest_and_keep_their_counts() -> None:
    dev, ci, thorough = (configurations(size) for size in SIZES)
    assert (len(dev), len(ci), len(thorough)) == (12, 83, 1604)
    assert thorough[: len(ci)] == ci and set(dev) <= set(ci)
    assert families(ci) == families(dev) == CI_FAMILIES
    assert configurations() == ci
    for configs in (dev, ci, thorough):
        assert len({c.label for c in configs}) == len(configs)


def test_dev_takes_the_last_configuration_of_every_family() -> None:
    ci = configurations("ci")
    assert configurations("dev") == [[c for c in ci if c.family == f][-1] for f in CI_FAMILIES]


def test_the_thorough_sweep_reaches_what_ci_does_not() -> None:
    thorough = configurations("thorough")
    assert {c.cparams.typesize for c in thorough} >= set(range(1, 256))
    assert {c.cparams.clevel for c in thorough} == set(range(10))
    assert codecs_of(thorough) == list(CODECS) and codecs_of(configurations("ci")) == ["zlib", "memcpy"]
    assert any(c.data_bytes() % c.cparams.typesize for c in configurations("ci"))  # ends inside an item
    assert {c.data for c in thorough} <= set(RECIPES)


def test_an_unknown_size_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown sweep size 'huge'"):
        configurations("huge")


def test_every_profile_names_a_sweep_size_and_checks_use_it() -> None:
    assert {name: p.sweep for name, p in PROFILES.items()} == {"dev": "dev", "ci": "ci", "thorough": "thorough"}
    ctx = cast(CheckContext, SimpleNamespace(profile=get_profile("dev")))
    assert sweep(ctx) == configurations("dev")


def test_a_codec_is_registered_at_its_offset() -> None:
    cfg = next(c for c in configurations("thorough") if c.codec == "zlib-v7")
    assert cfg.with_codec(230).codec == 230 + CODECS["zlib-v7"].offset and CODECS["zlib-v7"].version == 7


class _Container:
    def __init__(self, scribble: bool) -> None:
        self.scribble, self.stored = scribble, b""

    def append(self, data: bytes) -> int:
        self.stored = bytes(bytearray(data))
        if self.scribble:  # what python-blosc2 does in 3-filter pipelines: write into the caller's buffer
            address = ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p).value
            ctypes.memset(address, data[0] ^ 0xFF, 1)
        return 1

    def get_chunk(self, index: int) -> bytes:
        return b"chunk"

    def decompress_chunk(self, index: int) -> bytes:
        return self.stored

    def close(self) -> None:
        pass


def _writer(scribble: bool) -> Adapter:
    return cast(Adapter, SimpleNamespace(name="fake", create=lambda **kw: _Container(scribble)))


def test_produce_judges_the_round_trip_against_a_private_copy() -> None:
    """A writer that writes into the buffer it was given, but whose chunk reads back to the data, is noted,
    not taken for a round-trip failure (input mutation is judged elsewhere)."""
    cfg = configurations("dev")[0]
    data = cfg.make_data()
    clean = produce(_writer(False), cfg, cfg.with_codec(200), data)
    assert clean.problem == "" and clean.wrote_into_input == ""
    written = produce(_writer(True), cfg, cfg.with_codec(200), data)
    assert written.problem == "" and written.own == data
    assert written.wrote_into_input.startswith("fake wrote into the data it was given: ")
    assert data == cfg.make_data()  # the writer got its own copy
