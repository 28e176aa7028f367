"""The configuration sweep (``udcodec.sweep``): one description, three sizes, chosen by the profile."""

from __future__ import annotations

import ctypes
import itertools
from types import SimpleNamespace
from typing import cast

import pytest
from udcodec.adapters.protocol import Adapter
from udcodec.checks.api import CheckContext
from udcodec.checks.configs import produce, sweep
from udcodec.data import RECIPES
from udcodec.profiles import PROFILES, get_profile
from udcodec.sweep import (
    CODECS,
    LARGE_TYPESIZES,
    SIZES,
    SPLITMODES,
    Config,
    auto_blocksize,
    codecs_of,
    configurations,
    families,
    frame_chunks,
)

CI_FAMILIES = ["nofilter", "shuffle", "bitshuffle", "delta", "trunc_prec", "pipeline", "splitmode", "typesize",
               "blocksize", "auto_blocksize", "codec_meta", "memcpyed", "runs"]


def test_sizes_nest_and_keep_their_counts() -> None:
    dev, ci, thorough = (configurations(size) for size in SIZES)
    assert (len(dev), len(ci), len(thorough)) == (13, 101, 1916)
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
    assert {c.cparams.typesize for c in thorough} >= set(range(1, 256)) | set(LARGE_TYPESIZES)
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


def test_every_filter_order_is_swept() -> None:
    """Not only DELTA first: every order of two and three lossless filters, trunc_prec at every place."""
    orders = {c.cparams.filters for c in configurations("thorough") if c.family == "pipeline"}
    for r in (2, 3):
        assert set(itertools.permutations(("shuffle", "bitshuffle", "delta"), r)) <= orders
    assert {("trunc_prec", "delta", "shuffle"), ("delta", "trunc_prec", "shuffle"),
            ("delta", "shuffle", "trunc_prec")} <= orders
    ci = {c.cparams.filters for c in configurations("ci") if c.family == "pipeline"}
    assert any(f[0] != "delta" and "delta" in f for f in ci)


def test_chunks_hold_two_automatic_blocks_at_every_clevel() -> None:
    """ci: every clevel, unsplit; thorough: every clevel and split mode, typesizes 1 to 300."""
    def reached(configs: list[Config]) -> set[tuple[int, str, int]]:
        return {(c.cparams.clevel, c.cparams.splitmode, c.cparams.typesize) for c in configs
                if c.cparams.blocksize == 0 and c.data_bytes() > 2 * auto_blocksize(
                    c.cparams.clevel, c.cparams.typesize, c.cparams.splitmode == "always") >= 2 * 8192
                or c.cparams.blocksize == 0 and c.data_bytes() > (4 << 20)}
    assert {(cl, "never", 4) for cl in range(10)} <= reached(configurations("ci"))
    assert {(cl, sm, ts) for cl in range(10) for sm in SPLITMODES for ts in (1, 4, 16, 300)} <= reached(
        configurations("thorough"))
    assert auto_blocksize(9, 4, False) == 256 * 1024 and auto_blocksize(9, 16, True) == 4 << 20


def test_frames_have_enough_chunks_for_offsets_and_file_names() -> None:
    assert frame_chunks("dev") == (("counter-then-random", 16384), ("zeros", 16384), ("run", 16384),
                                   ("counter-then-random", 16384), ("sized-random", 16384),
                                   ("counter-then-random", 1000))
    ci, thorough = frame_chunks("ci"), frame_chunks("thorough")
    assert len(ci) > 16  # sparse chunk files up to 00000011.chunk: hex digits and a second digit
    assert len(thorough) > 2048  # the offsets chunk needs two 16 KiB blocks
    for chunks in (ci, thorough):
        assert len({n for _, n in chunks[:-1]}) == 1 and chunks[-1][1] < chunks[0][1] and chunks[-1][1] % 4 == 0
