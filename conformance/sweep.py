"""The configuration sweep: one chunk per point of the parameter space, sized by profile.

One description of the parameter space: filters alone and in pipelines (with their
``filters_meta``), split modes, typesizes, block sizes, clevels, codec metas and versions, the test
codecs of :data:`CODECS`, data recipes of :mod:`udcodec.data`, and sizes ending inside an item. The
configurations come in families so that reports state a byte-identity rate per family (e.g.
``shuffle: 15/15``). :func:`configurations` takes a size (:data:`SIZES`, chosen by the profile):

* ``ci``: every family a few times, in chunks of about 12 KiB, and chunks of two automatic blocks at
  every clevel (up to 512 KiB);
* ``dev``: the last, most demanding, configuration of each ``ci`` family;
* ``thorough``: ``ci`` and the full matrix: every typesize 1..255 and large ones up to 65535, every
  clevel and split mode with chunks of two automatic blocks, every filter order, six-filter pipelines,
  block sizes at every edge, raw blocks inside compressed chunks.

:func:`frame_chunks` sizes the frames of the interop checks the same way.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from udcodec.adapters.protocol import CParams, value_of
from udcodec.data import make_data
from udcodec.testcodecs import memcpy_encoder, odd_zlib_encoder, zlib_decoder, zlib_encoder

SIZES = ("dev", "ci", "thorough")

#: Bytes of data per ``ci`` chunk (rounded down to whole items): small enough to sweep quickly.
CHUNK_BYTES = 12 * 1024


@dataclass(frozen=True)
class SweepCodec:
    """A codec configurations name; a check registers it under its base id + ``offset``."""

    offset: int
    version: int
    encoder: Callable[..., Any]
    decoder: Callable[..., Any]


CODECS: dict[str, SweepCodec] = {
    "zlib": SweepCodec(0, 1, zlib_encoder, zlib_decoder),  # zlib, or raw per block when that does not pay
    "memcpy": SweepCodec(1, 1, memcpy_encoder, zlib_decoder),  # every block raw
    "odd-zlib": SweepCodec(2, 1, odd_zlib_encoder, zlib_decoder),  # raw blocks inside compressed chunks
    "zlib-v7": SweepCodec(3, 7, zlib_encoder, zlib_decoder),  # the version byte of the chunk
    "zlib-v0": SweepCodec(4, 0, zlib_encoder, zlib_decoder),
    "zlib-v255": SweepCodec(5, 255, zlib_encoder, zlib_decoder),
}


@dataclass(frozen=True)
class Config:
    """One chunk: neutral compression parameters (the check fills in the codec id), a codec, data."""

    family: str
    cparams: CParams
    codec: str = "zlib"  # a name of CODECS
    data: str = "counter-then-random"  # a recipe of udcodec.data
    nbytes: int = CHUNK_BYTES
    whole_items: bool = True  # False: exactly nbytes, even if that ends inside an item
    seed: int = 0  # for the seeded recipes

    @property
    def label(self) -> str:
        """What the configuration is; unique within a sweep."""
        cp = self.cparams
        names = value_of(cp.filters)
        metas = tuple(value_of(cp.filters_meta)) + (0,) * len(names)
        filters = "+".join(f"{f}{f'({m})' if m else ''}" for f, m in zip(names, metas, strict=False))
        seed = f" seed={self.seed}" if self.seed else ""
        return (f"{self.family}: typesize={cp.typesize} filters={filters} splitmode={cp.splitmode} "
                f"blocksize={cp.blocksize or 'auto'} clevel={cp.clevel} meta={cp.codec_meta} codec={self.codec} "
                f"data={self.data}{seed} nbytes={self.data_bytes()}")

    def data_bytes(self) -> int:
        ts = value_of(self.cparams.typesize)
        return max(self.nbytes // ts, 1) * ts if self.whole_items else self.nbytes

    def make_data(self) -> bytes:
        """The configuration's data (deterministic)."""
        return make_data(self.data, self.data_bytes(), typesize=value_of(self.cparams.typesize), seed=self.seed)

    @property
    def lossy(self) -> bool:
        """Whether a correct round trip may change the data (truncated precision)."""
        return "trunc_prec" in value_of(self.cparams.filters)

    def with_codec(self, base_id: int) -> CParams:
        """The cparams with the id of this configuration's codec registered from ``base_id`` on."""
        return dataclasses.replace(self.cparams, codec=base_id + CODECS[self.codec].offset)


#: The data of every frame (recipe, bytes per chunk) and how many chunks a frame has, by size: c-blosc2
#: compresses the offsets of frames from four chunks on; sparse frames name chunk files ``%08X.chunk``
#: (``0000000A`` from the 11th, ``00000010`` from the 17th); the offsets chunk has 16 KiB blocks
#: (2048 offsets), so ``thorough`` frames span two of them. A zeros chunk is stored as a special value.
FRAME_RECIPES = ("counter-then-random", "zeros", "run", "counter-then-random", "sized-random")
FRAME_SHAPES: dict[str, tuple[int, int]] = {"dev": (16384, 6), "ci": (4096, 18), "thorough": (256, 2100)}


def frame_chunks(size: str = "ci") -> tuple[tuple[str, int], ...]:
    """The chunks of a frame of the given sweep size: full chunks cycling :data:`FRAME_RECIPES`, then a
    short last chunk (only the last chunk of a frame may be shorter)."""
    if size not in SIZES:
        raise ValueError(f"unknown sweep size {size!r}; choose one of: {', '.join(SIZES)}")
    nbytes, count = FRAME_SHAPES[size]
    full = tuple((FRAME_RECIPES[i % len(FRAME_RECIPES)], nbytes) for i in range(count - 1))
    return full + (("counter-then-random", max(nbytes * 1000 // 16384 // 4 * 4, 4)),)  # whole 4-byte items


def codecs_of(configs: Iterable[Config]) -> list[str]:
    """The codec names the configurations use, in :data:`CODECS` order."""
    used = {c.codec for c in configs}
    return [name for name in CODECS if name in used]


def families(configs: Iterable[Config]) -> list[str]:
    """Family names in first-seen order."""
    return list(dict.fromkeys(c.family for c in configs))


def configurations(size: str = "ci") -> list[Config]:
    """The sweep of the given size (see the module docstring)."""
    if size not in SIZES:
        raise ValueError(f"unknown sweep size {size!r}; choose one of: {', '.join(SIZES)}")
    ci = [c for family in _FAMILIES for c in family(False)]
    if size == "dev":
        return list({c.family: c for c in ci}.values())
    if size == "ci":
        return ci
    return ci + [c for family in _FAMILIES for c in family(True)]


# ---- the parameter space --------------------------------------------------------------------------

SPLITMODES = ("always", "never", "auto", "forward_compat")
#: Typesizes sampled where sweeping all of 1..255 would be too much.
SAMPLED_TYPESIZES = (1, 2, 3, 4, 5, 7, 8, 12, 16, 17, 24, 31, 32, 33, 64, 100, 127, 128, 200, 255)
#: Pipelines (filters, filters_meta) of the full matrix; metas are signed, as python-blosc2 takes them.
PIPELINES: tuple[tuple[tuple[str, ...], tuple[int, ...]], ...] = (
    (("delta", "shuffle"), ()),
    (("shuffle", "delta"), ()),
    (("delta", "bitshuffle"), ()),
    (("bitshuffle", "delta"), ()),
    (("shuffle", "bitshuffle"), ()),
    (("delta", "delta"), ()),
    (("shuffle", "shuffle"), (0, 2)),
    (("trunc_prec", "shuffle"), (12,)),
    (("trunc_prec", "delta", "bitshuffle"), (-5,)),
    (("shuffle", "trunc_prec"), (0, 8)),
    (("trunc_prec", "shuffle", "delta", "bitshuffle", "shuffle", "nofilter"), (10, 0, 0, 0, 1)),
    (("nofilter", "delta", "nofilter", "shuffle", "nofilter", "bitshuffle"), ()),
    (("shuffle", "delta", "shuffle", "delta", "bitshuffle", "delta"), (4, 0, 2)),
)
#: Every order of two and three of the lossless filters, and trunc_prec at each place of three: the
#: pipeline runs forward in this order and backward in reverse, whatever comes first.
EVERY_ORDER: tuple[tuple[tuple[str, ...], tuple[int, ...]], ...] = tuple(
    (order, ()) for r in (2, 3) for order in itertools.permutations(("shuffle", "bitshuffle", "delta"), r)
    if (order, ()) not in PIPELINES
) + tuple(
    (order, tuple(12 if f == "trunc_prec" else 0 for f in order))
    for pair in itertools.permutations(("shuffle", "delta"), 2)
    for order in ((("trunc_prec",) + pair), (pair[0], "trunc_prec", pair[1]), pair + ("trunc_prec",))
)
#: Typesizes above 255: Blosc2 records them as 1 in the chunk header, but block sizing sees the real
#: one (a split block's size is a multiple of it, computed in 32-bit arithmetic).
LARGE_TYPESIZES = (256, 257, 300, 511, 512, 1000, 1024, 4096, 16384, 32767, 32768, 65535)

#: c-blosc2's automatic block size for a codec that is not HCR (user codecs): 32 KiB times this, by clevel ...
AUTO_BLOCK_FACTORS = {0: 0.25, 1: 0.5, 2: 1, 3: 2, 4: 4, 5: 4, 6: 8, 7: 8, 8: 8, 9: 8}
#: ... and for a split block (clevel > 0): this many KiB times the typesize, within 32 KiB..4 MiB.
AUTO_SPLIT_KIB = {1: 32, 2: 32, 3: 32, 4: 64, 5: 64, 6: 64, 7: 128, 8: 256, 9: 512}


def auto_blocksize(clevel: int, typesize: int, split: bool) -> int:
    """The automatic block size a chunk larger than it gets (before rounding to whole items)."""
    if split and clevel > 0:
        return max(min(AUTO_SPLIT_KIB[clevel] * 1024 * typesize, 4 << 20), 32 << 10)
    return int(32 * 1024 * AUTO_BLOCK_FACTORS[clevel])


def _cp(typesize: int, filters: tuple[str, ...] = ("nofilter",), splitmode: str = "never", blocksize: int = 0,
        clevel: int = 5, meta: int = 0, filters_meta: tuple[int, ...] = ()) -> CParams:
    return CParams(codec=0, codec_meta=meta, clevel=clevel, typesize=typesize, nthreads=1, blocksize=blocksize,
                   splitmode=splitmode, filters=filters, filters_meta=filters_meta)


def config(family: str, typesize: int, splitmode: str, filters: tuple[str, ...], *, nbytes: int,
           blocksize: int = 0, clevel: int = 5, codec: str = "zlib", data: str = "ramp",
           filters_meta: tuple[int, ...] = (), codec_meta: int = 0) -> Config:
    """A configuration of exactly ``nbytes`` bytes (the full matrix's form; ``random`` data from seed 12345)."""
    metas = tuple(filters_meta) + (0,) * (len(filters) - len(filters_meta))  # one meta per filter, as hosts want
    return Config(family, _cp(typesize, filters, splitmode, blocksize, clevel, codec_meta, metas), codec,
                  data, nbytes, whole_items=False, seed=12345 if data in ("random", "ramp-random-256") else 0)


# Each family yields its ``ci`` configurations (``full=False``) or what the full matrix adds (``full=True``).

def _nofilter(full: bool) -> Iterator[Config]:
    if not full:
        for ts in (1, 2, 4, 8):
            for mode in ("never", "always"):
                yield Config("nofilter", _cp(ts, splitmode=mode))


def _shuffle(full: bool) -> Iterator[Config]:
    if not full:
        # a filters_meta other than 0 and the typesize: bytes moved in groups of 2 from python-blosc2 4.x on,
        # ignored before (the format records neither), so two implementations of one line must agree on it
        yield Config("shuffle", _cp(4, ("shuffle",), filters_meta=(2,)))
        for ts in (1, 2, 4, 8, 16):
            for mode in ("never", "always", "auto"):
                yield Config("shuffle", _cp(ts, ("shuffle",), mode))


def _bitshuffle(full: bool) -> Iterator[Config]:
    if not full:
        for ts in (1, 2, 4, 8):
            yield Config("bitshuffle", _cp(ts, ("bitshuffle",), "auto"))


def _delta(full: bool) -> Iterator[Config]:
    """Three blocks and a leftover one, each encoded against block 0, in words of each width c-blosc2 uses
    (8-byte words for typesize 16, bytes for 12; 4080 bytes is a whole number of items of each); then one
    automatic block ending in a partial item."""
    if not full:
        for ts in (1, 2, 4, 8, 12, 16):
            yield Config("delta", _cp(ts, ("delta",), blocksize=4080))
        yield Config("delta", _cp(4, ("delta",)), nbytes=CHUNK_BYTES + 2, whole_items=False)


def _filter(full: bool) -> Iterator[Config]:
    """Each filter alone, all split modes, sampled typesizes, 3 full blocks + a leftover block."""
    if full:
        single = ((("nofilter",), ()), (("shuffle",), ()), (("bitshuffle",), ()), (("delta",), ()),
                  (("shuffle",), (2,)))
        for ts in SAMPLED_TYPESIZES:
            for filters, fmeta in single:
                for sm in SPLITMODES:
                    yield config("filter", ts, sm, filters, blocksize=24 * ts, nbytes=24 * ts * 3 + 5 * ts + ts // 2,
                                 filters_meta=fmeta)


def _trunc_prec(full: bool) -> Iterator[Config]:
    if not full:
        for ts, bits in ((4, 10), (8, 23)):
            yield Config("trunc_prec", _cp(ts, ("trunc_prec",), filters_meta=(bits,)), data="sine-linspace")
        return
    for ts, metas in ((4, (1, 10, 23, -1, -10, -22)), (8, (1, 20, 52, -1, -30, -51))):
        for meta in metas:
            for sm in SPLITMODES:
                yield config("trunc_prec", ts, sm, ("trunc_prec",), blocksize=64 * ts, nbytes=64 * ts * 3 + 8 * ts,
                             filters_meta=(meta,), data="sine-scaled")
    # metas a host must refuse are no configuration: tests/reference/test_ref_chunk_identity.py has them


def _pipeline(full: bool) -> Iterator[Config]:
    if not full:
        yield Config("pipeline", _cp(4, ("delta", "shuffle"), "always"))
        yield Config("pipeline", _cp(8, ("shuffle", "bitshuffle")))
        yield Config("pipeline", _cp(4, ("trunc_prec", "shuffle"), filters_meta=(12, 0)), data="sine-linspace")
        yield Config("pipeline", _cp(4, ("shuffle", "delta")))  # delta after another filter
        yield Config("pipeline", _cp(8, ("bitshuffle", "delta", "shuffle"), "always"))
        yield Config("pipeline", _cp(2, ("delta", "bitshuffle", "shuffle"), "auto"))
        return
    for filters, fmeta in PIPELINES + EVERY_ORDER:
        for ts in ((4, 8) if "trunc_prec" in filters else (2, 4, 8, 12)):
            for sm in ("always", "never"):
                yield config("pipeline", ts, sm, filters, blocksize=32 * ts, nbytes=32 * ts * 4 + 3 * ts,
                             filters_meta=fmeta, data="sine-scaled")


def _splitmode(full: bool) -> Iterator[Config]:
    if not full:
        for mode in SPLITMODES:
            for ts in (1, 4, 16):
                yield Config("splitmode", _cp(ts, ("shuffle",), mode, clevel=9))


def _typesize(full: bool) -> Iterator[Config]:
    if not full:
        for ts in (3, 5, 7, 12, 17, 31, 33, 64, 100, 128, 200, 255, 256, 1000):
            yield Config("typesize", _cp(ts, ("shuffle",), "auto"))
        return
    for ts in (*range(1, 256), *LARGE_TYPESIZES):  # leftover block included
        # split: one stream per byte of the type; runs16 keeps most of them runs (no codec call)
        yield config("typesize_all", ts, "always", ("shuffle",), blocksize=40 * ts, nbytes=40 * ts + ts // 3 + 1,
                     data="runs16")
        yield config("typesize_all", ts, "auto", ("bitshuffle",), blocksize=16 * ts, nbytes=40 * ts + ts // 3,
                     data="sine-scaled")


def _blocksize(full: bool) -> Iterator[Config]:
    """Given blocksizes: odd, not multiples of the typesize, below the typesize, above the chunk."""
    if not full:
        for bs in (7, 100, 1000, 4096, 65536):
            yield Config("blocksize", _cp(4, ("shuffle",), "always", blocksize=bs))
        for ts, bs in ((3, 1000), (4, 1001)):  # not a multiple of the typesize
            yield Config("blocksize", _cp(ts, ("shuffle",), blocksize=bs))
        for clevel in (0, 1, 3, 9):
            yield Config("blocksize", _cp(8, ("shuffle",), "auto", clevel=clevel))
        return
    for ts in (1, 3, 4, 8, 12):
        n = 1200 * ts // 4 * 4 + ts
        for bs in (1, 7, 100, 999, 1000, 1001, ts + 1, 4 * ts, n - 1, n + 5, 1 << 20):
            for sm in ("always", "never"):
                yield config("blocksize", ts, sm, ("shuffle",), blocksize=bs, nbytes=n)


def _auto_blocksize(full: bool) -> Iterator[Config]:
    """Automatic blocksize: chunks of two automatic blocks and a leftover, at every clevel, and one of exactly
    32 KiB, c-blosc2's L1 threshold (``ci``: unsplit); every clevel x split mode and sizes around the tuning
    thresholds (``thorough``)."""
    if not full:
        yield config("auto_blocksize", 4, "never", ("shuffle",), clevel=1, nbytes=32 << 10, data="runs16")
        for cl in range(10):
            yield config("auto_blocksize", 4, "never", ("shuffle",), clevel=cl,
                         nbytes=2 * auto_blocksize(cl, 4, False) + 13, data="runs16")
        return
    for cl in range(10):
        for sm in SPLITMODES:
            for ts, n in ((1, 20_000), (4, 40_000), (8, 300_000), (16, 200_000), (256, 65_536), (1, 32 << 10)):
                yield config("auto_blocksize", ts, sm, ("shuffle",), clevel=cl, nbytes=n, data="runs16")
            for ts in (1, 4, 16, 300):
                if (ts, sm) == (4, "never"):
                    continue  # in ci
                block = auto_blocksize(cl, ts, sm == "always")
                yield config("auto_blocksize", ts, sm, ("shuffle",), clevel=cl,
                             nbytes=min(2 * block + 3 * ts + 1, (4 << 20) + 3 * ts + 1), data="runs16")


def _codec(full: bool) -> Iterator[Config]:
    """codec_meta and codec version bytes."""
    if not full:
        for meta in (1, 77, 255):
            yield Config("codec_meta", _cp(4, ("shuffle",), meta=meta))
        return
    for meta in (0, 1, 127, 128, 255):
        yield config("codec_meta", 4, "never", ("shuffle",), nbytes=4000, codec_meta=meta)
        yield config("codec_meta", 4, "never", ("shuffle",), nbytes=20, codec_meta=meta)  # memcpyed
    for codec in ("zlib-v7", "zlib-v0", "zlib-v255"):
        yield config("codec_version", 4, "always", ("shuffle",), nbytes=4000, codec=codec)
        yield config("codec_version", 4, "never", ("shuffle",), nbytes=4000, codec=codec, data="zeros")
        yield config("codec_version", 4, "never", ("shuffle",), nbytes=4000, codec=codec, clevel=0)


def _memcpy(full: bool) -> Iterator[Config]:
    """Memcpyed chunks and raw streams/blocks inside compressed chunks."""
    if not full:
        yield Config("memcpyed", _cp(4, ("shuffle",)), codec="memcpy")
        yield Config("memcpyed", _cp(1), data="sized-random")
        yield Config("memcpyed", _cp(4, ("shuffle",), clevel=0))
        yield Config("memcpyed", _cp(1), nbytes=20)
        return
    for ts in (1, 4, 8):
        for n in (1, 5, 31, 32, 33, 64):
            yield config("memcpy_tiny", ts, "never", ("shuffle",), nbytes=n)
        for sm in ("always", "never"):
            yield config("memcpy_clevel0", ts, sm, ("shuffle",), clevel=0, nbytes=3000)
            yield config("memcpy_clevel0", ts, sm, ("shuffle",), clevel=0, blocksize=1000, nbytes=3000)
            yield config("memcpy_noise", ts, sm, ("shuffle",), blocksize=256, nbytes=3000, data="random")
            yield config("memcpy_codec", ts, sm, ("shuffle",), blocksize=256, nbytes=3000, codec="memcpy")
            for data in ("ramp", "ramp-random-256", "random"):
                yield config("raw_blocks", ts, sm, ("shuffle",), blocksize=256, nbytes=3000, codec="odd-zlib",
                             data=data)
            yield config("raw_blocks", ts, sm, ("nofilter",), blocksize=100, nbytes=3000, codec="odd-zlib",
                         data="ramp-random-256")


def _runs(full: bool) -> Iterator[Config]:
    """Byte runs: all-zero chunks (special zero), runs of one non-zero byte, runs in some streams."""
    if not full:
        yield Config("runs", _cp(4, ("shuffle",)), data="run")
        yield Config("runs", _cp(1), data="zeros")
        yield Config("runs", _cp(8, ("bitshuffle",), "always"), data="zeros")
        return
    for ts in (1, 2, 4, 8, 16):
        for sm in ("always", "never"):
            for data in ("zeros", "ones", "ff", "runs16", "blockruns", "zeros_tail"):
                yield config("runs", ts, sm, ("shuffle",), blocksize=128 * ts, nbytes=128 * ts * 3 + ts, data=data)
            yield config("runs", ts, sm, ("delta",), blocksize=64 * ts, nbytes=64 * ts * 2, data="ones")
            yield config("runs", ts, sm, ("nofilter",), blocksize=64 * ts, nbytes=64 * ts * 2, data="zeros",
                         codec="memcpy")


#: The families in sweep order (``ci`` keeps the order it always had).
_FAMILIES: tuple[Callable[[bool], Iterator[Config]], ...] = (
    _nofilter, _shuffle, _bitshuffle, _delta, _filter, _trunc_prec, _pipeline, _splitmode, _typesize, _blocksize,
    _auto_blocksize, _codec, _memcpy, _runs,
)
