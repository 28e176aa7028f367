"""Chunk configuration matrix: enumerate (filters, split mode, typesize, blocksize, clevel, codec, data)
configurations grouped in families, build one chunk per configuration with any host that has
python-blosc2's ``register_codec`` / ``SChunk`` API (``blosc2`` 2.x-4.x or ``udcodec.reference``) and
compute byte-identity rates per family.

Cheap by design: every configuration compresses a few KB (the automatic-blocksize family a few
hundred KB), so the whole matrix runs in seconds per host.  Runnable as a script to dump the chunks a
host writes (for comparisons between blosc2 versions, each in its own venv)::

    python tests/reference/chunk_matrix.py dump OUT.pickle [--host blosc2|reference] [--target 2|3|4]
    python tests/reference/chunk_matrix.py compare A.pickle B.pickle
"""

from __future__ import annotations

import dataclasses
import pickle
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

NOFILTER, SHUFFLE, BITSHUFFLE, DELTA, TRUNC_PREC = 0, 1, 2, 3, 4
ALWAYS, NEVER, AUTO, FORWARD = 1, 2, 3, 4
SPLITMODES = (ALWAYS, NEVER, AUTO, FORWARD)


# ---- deterministic codecs ------------------------------------------------------------------------
def zlib_encoder(inp: Any, out: Any, meta: int, schunk: Any) -> int:
    data = zlib.compress(inp.tobytes(), 1)
    if len(data) >= out.size:
        return 0
    out[: len(data)] = np.frombuffer(data, np.uint8)
    return len(data)


def zlib_decoder(inp: Any, out: Any, meta: int, schunk: Any) -> int:
    out[:] = np.frombuffer(zlib.decompress(inp.tobytes()), np.uint8)
    return out.size


def memcpy_encoder(inp: Any, out: Any, meta: int, schunk: Any) -> int:
    """'Cannot compress': every stream is stored raw (and the chunk usually ends up memcpyed)."""
    return 0


def partial_encoder(inp: Any, out: Any, meta: int, schunk: Any) -> int:
    """zlib, except streams whose first byte is even, which it declines (stored raw)."""
    if int(inp[0]) % 2 == 0:
        return 0
    return zlib_encoder(inp, out, meta, schunk)


CODECS: dict[str, tuple[int, int, Callable[..., int], Callable[..., int]]] = {
    # name: (id, version, encoder, decoder)
    "zlib": (200, 1, zlib_encoder, zlib_decoder),
    "memcpy": (201, 1, memcpy_encoder, zlib_decoder),
    "partial": (202, 1, partial_encoder, zlib_decoder),
    "zlib_v7": (203, 7, zlib_encoder, zlib_decoder),
    "zlib_v0": (204, 0, zlib_encoder, zlib_decoder),
    "zlib_v255": (205, 255, zlib_encoder, zlib_decoder),
}


def register_codecs(host: Any) -> None:
    """Register every matrix codec with ``host`` (idempotent; ids 200-205)."""
    for name, (cid, version, enc, dec) in CODECS.items():
        if cid not in host.ucodecs_registry:
            host.register_codec(name, cid, enc, dec, version)


# ---- configurations ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChunkConfig:
    """One chunk to build: SChunk parameters, codec name (see CODECS) and a data recipe."""

    family: str
    typesize: int
    splitmode: int
    filters: tuple[int, ...]
    filters_meta: tuple[int, ...]  # signed int8 values, as python-blosc2 takes them
    blocksize: int
    clevel: int
    codec: str
    data: str
    nbytes: int
    codec_meta: int = 0

    @property
    def key(self) -> str:
        return (f"{self.family}|ts={self.typesize}|sm={self.splitmode}|f={list(self.filters)}"
                f"|fm={list(self.filters_meta)}|bs={self.blocksize}|cl={self.clevel}|{self.codec}"
                f"|meta={self.codec_meta}|{self.data}|n={self.nbytes}")

    def cparams(self, host: Any) -> dict[str, Any]:
        """CParams as a dict for ``host`` (enum members where blosc2 wants them)."""
        filt = list(self.filters)
        split: Any = self.splitmode
        if hasattr(host, "Filter"):
            filt = [host.Filter(f) for f in filt]
            split = host.SplitMode(split)
        return dict(codec=CODECS[self.codec][0], codec_meta=self.codec_meta, clevel=self.clevel,
                    typesize=self.typesize, nthreads=1, blocksize=self.blocksize, splitmode=split,
                    filters=filt, filters_meta=list(self.filters_meta))


def _pad(seq: Iterable[int]) -> tuple[int, ...]:
    s = list(seq)
    return tuple(s + [0] * (6 - len(s)))


def cfg(family: str, typesize: int, splitmode: int, filters: Iterable[int], blocksize: int = 0,
        clevel: int = 5, codec: str = "zlib", data: str = "ramp", nbytes: int = 0,
        filters_meta: Iterable[int] = (), codec_meta: int = 0) -> ChunkConfig:
    return ChunkConfig(family, typesize, splitmode, _pad(filters), _pad(filters_meta), blocksize, clevel,
                       codec, data, nbytes, codec_meta)


SAMPLED_TYPESIZES = (1, 2, 3, 4, 5, 7, 8, 12, 16, 17, 24, 31, 32, 33, 64, 100, 127, 128, 200, 255)


def _filter_family() -> Iterator[ChunkConfig]:
    """Each filter alone, all split modes, sampled typesizes, 3 full blocks + a leftover block."""
    single = [([NOFILTER], ()), ([SHUFFLE], ()), ([BITSHUFFLE], ()), ([DELTA], ()), ([SHUFFLE], (2,))]
    for ts in SAMPLED_TYPESIZES:
        for filters, fmeta in single:
            for sm in SPLITMODES:
                yield cfg("filter", ts, sm, filters, blocksize=24 * ts, nbytes=24 * ts * 3 + 5 * ts + ts // 2,
                          filters_meta=fmeta)
    for ts, metas in ((4, (1, 10, 23, -1, -10, -22)), (8, (1, 20, 52, -1, -30, -51))):
        for meta in metas:
            for sm in SPLITMODES:
                yield cfg("trunc_prec", ts, sm, [TRUNC_PREC], blocksize=64 * ts, nbytes=64 * ts * 3 + 8 * ts,
                          filters_meta=[meta], data="floats")
    for ts, meta in ((4, 0), (4, 24), (4, -23), (8, 0), (8, 53), (8, -52), (2, 5), (1, 5), (16, 5)):
        yield cfg("trunc_prec_error", ts, NEVER, [TRUNC_PREC], blocksize=64 * ts, nbytes=64 * ts * 2,
                  filters_meta=[meta], data="floats")


def _typesize_family() -> Iterator[ChunkConfig]:
    """Every typesize 1..255 with two cheap filter/split combinations (leftover block included)."""
    for ts in range(1, 256):
        # split: one stream per byte of the type; runs16 keeps most of them runs (no codec call)
        yield cfg("typesize_all", ts, ALWAYS, [SHUFFLE], blocksize=40 * ts, nbytes=40 * ts + ts // 3 + 1,
                  data="runs16")
        yield cfg("typesize_all", ts, AUTO, [BITSHUFFLE], blocksize=16 * ts, nbytes=40 * ts + ts // 3,
                  data="floats")


PIPELINES: list[tuple[list[int], list[int]]] = [
    ([DELTA, SHUFFLE], []),
    ([SHUFFLE, DELTA], []),
    ([DELTA, BITSHUFFLE], []),
    ([BITSHUFFLE, DELTA], []),
    ([SHUFFLE, BITSHUFFLE], []),
    ([DELTA, DELTA], []),
    ([SHUFFLE, SHUFFLE], [0, 2]),
    ([TRUNC_PREC, SHUFFLE], [12]),
    ([TRUNC_PREC, DELTA, BITSHUFFLE], [-5]),
    ([SHUFFLE, TRUNC_PREC], [0, 8]),
    ([TRUNC_PREC, SHUFFLE, DELTA, BITSHUFFLE, SHUFFLE, NOFILTER], [10, 0, 0, 0, 1]),
    ([NOFILTER, DELTA, NOFILTER, SHUFFLE, NOFILTER, BITSHUFFLE], []),
    ([SHUFFLE, DELTA, SHUFFLE, DELTA, BITSHUFFLE, DELTA], [4, 0, 2]),
]


def _pipeline_family() -> Iterator[ChunkConfig]:
    for filters, fmeta in PIPELINES:
        trunc = TRUNC_PREC in filters
        for ts in ((4, 8) if trunc else (2, 4, 8, 12)):
            for sm in (ALWAYS, NEVER):
                yield cfg("pipeline", ts, sm, filters, blocksize=32 * ts, nbytes=32 * ts * 4 + 3 * ts,
                          filters_meta=fmeta, data="floats")


def _blocksize_family() -> Iterator[ChunkConfig]:
    """Given blocksizes: odd, not multiples of the typesize, below the typesize, above the chunk."""
    for ts in (1, 3, 4, 8, 12):
        n = 1200 * ts // 4 * 4 + ts
        for bs in (1, 7, 100, 999, 1000, 1001, ts + 1, 4 * ts, n - 1, n + 5, 1 << 20):
            for sm in (ALWAYS, NEVER):
                yield cfg("blocksize", ts, sm, [SHUFFLE], blocksize=bs, nbytes=n)


def _auto_blocksize_family() -> Iterator[ChunkConfig]:
    """Automatic blocksize: every clevel x split mode, sizes around the stune thresholds."""
    for cl in range(10):
        for sm in SPLITMODES:
            for ts, n in ((1, 20_000), (4, 40_000), (8, 300_000), (16, 200_000), (256, 65_536)):
                yield cfg("auto_blocksize", ts, sm, [SHUFFLE], clevel=cl, nbytes=n, data="runs16")


def _codec_family() -> Iterator[ChunkConfig]:
    """codec_meta and codec version bytes."""
    for meta in (0, 1, 127, 128, 255):
        yield cfg("codec_meta", 4, NEVER, [SHUFFLE], nbytes=4000, codec_meta=meta)
        yield cfg("codec_meta", 4, NEVER, [SHUFFLE], nbytes=20, codec_meta=meta)  # memcpyed
    for codec in ("zlib_v7", "zlib_v0", "zlib_v255"):
        yield cfg("codec_version", 4, ALWAYS, [SHUFFLE], nbytes=4000, codec=codec)
        yield cfg("codec_version", 4, NEVER, [SHUFFLE], nbytes=4000, codec=codec, data="zeros")
        yield cfg("codec_version", 4, NEVER, [SHUFFLE], nbytes=4000, codec=codec, clevel=0)


def _memcpy_family() -> Iterator[ChunkConfig]:
    """Memcpyed chunks and raw streams/blocks inside compressed chunks."""
    for ts in (1, 4, 8):
        for n in (1, 5, 31, 32, 33, 64):
            yield cfg("memcpy_tiny", ts, NEVER, [SHUFFLE], nbytes=n)
        for sm in (ALWAYS, NEVER):
            yield cfg("memcpy_clevel0", ts, sm, [SHUFFLE], clevel=0, nbytes=3000)
            yield cfg("memcpy_clevel0", ts, sm, [SHUFFLE], clevel=0, blocksize=1000, nbytes=3000)
            yield cfg("memcpy_noise", ts, sm, [SHUFFLE], blocksize=256, nbytes=3000, data="noise")
            yield cfg("memcpy_codec", ts, sm, [SHUFFLE], blocksize=256, nbytes=3000, codec="memcpy")
            for data in ("ramp", "mixed", "noise"):
                yield cfg("raw_blocks", ts, sm, [SHUFFLE], blocksize=256, nbytes=3000, codec="partial", data=data)
            yield cfg("raw_blocks", ts, sm, [NOFILTER], blocksize=100, nbytes=3000, codec="partial", data="mixed")


def _runs_family() -> Iterator[ChunkConfig]:
    """Byte runs: all-zero chunks (special zero), runs of one non-zero byte, runs in some streams."""
    for ts in (1, 2, 4, 8, 16):
        for sm in (ALWAYS, NEVER):
            for data in ("zeros", "ones", "ff", "runs16", "blockruns", "zeros_tail"):
                yield cfg("runs", ts, sm, [SHUFFLE], blocksize=128 * ts, nbytes=128 * ts * 3 + ts, data=data)
            yield cfg("runs", ts, sm, [DELTA], blocksize=64 * ts, nbytes=64 * ts * 2, data="ones")
            yield cfg("runs", ts, sm, [NOFILTER], blocksize=64 * ts, nbytes=64 * ts * 2, data="zeros",
                      codec="memcpy")


FAMILIES: dict[str, Callable[[], Iterator[ChunkConfig]]] = {
    "filter": _filter_family,
    "typesize_all": _typesize_family,
    "pipeline": _pipeline_family,
    "blocksize": _blocksize_family,
    "auto_blocksize": _auto_blocksize_family,
    "codec": _codec_family,
    "memcpy": _memcpy_family,
    "runs": _runs_family,
}


def iter_configs(families: Iterable[str] | None = None) -> list[ChunkConfig]:
    """All configurations of the named generator groups (default: all), in a stable order."""
    out: list[ChunkConfig] = []
    for name in families if families is not None else FAMILIES:
        out.extend(FAMILIES[name]())
    return out


# ---- data ------------------------------------------------------------------------------------------
def make_data(kind: str, nbytes: int, typesize: int) -> bytes:
    """Deterministic test data of ``nbytes`` bytes."""
    i = np.arange(nbytes, dtype=np.int64)
    if kind == "ramp":  # little-endian counters of typesize bytes: compressible, low bytes vary
        a = (i // max(typesize, 1)) * 7 + (i % max(typesize, 1))
        return (a % 251).astype(np.uint8).tobytes()
    if kind == "floats":
        if typesize in (4, 8):
            dt = np.float32 if typesize == 4 else np.float64
            x = np.sin(np.arange(nbytes // typesize + 1) * 0.01).astype(dt) * 1000
            return x.tobytes()[:nbytes]
        return ((np.sin(i * 0.05) * 100).astype(np.int64) % 256).astype(np.uint8).tobytes()
    if kind == "noise":
        return np.random.default_rng(12345).integers(0, 256, nbytes, dtype=np.uint8).tobytes()
    if kind == "zeros":
        return bytes(nbytes)
    if kind == "ones":
        return b"\x01" * nbytes
    if kind == "ff":
        return b"\xff" * nbytes
    if kind == "runs16":  # int values < 256 in typesize-wide slots: shuffled high bytes are zero runs
        v = (i // max(typesize, 1)) % 200
        return np.where(i % max(typesize, 1) == 0, v, 0).astype(np.uint8).tobytes()
    if kind == "blockruns":  # constant runs of 300 bytes each, value cycling through 0..3
        return ((i // 300) % 4).astype(np.uint8).tobytes()
    if kind == "zeros_tail":
        b = bytearray(nbytes)
        b[: nbytes // 3] = make_data("ramp", nbytes // 3, typesize)
        return bytes(b)
    if kind == "mixed":  # alternating 256-byte pieces of noise and ramp
        noise = np.frombuffer(make_data("noise", nbytes, typesize), np.uint8)
        ramp = np.frombuffer(make_data("ramp", nbytes, typesize), np.uint8)
        return np.where((i // 256) % 2 == 0, noise, ramp).astype(np.uint8).tobytes()
    raise ValueError(f"unknown data kind {kind!r}")


# ---- building / decoding with a host -------------------------------------------------------------
def build_chunk(host: Any, c: ChunkConfig, **extra_cparams: Any) -> bytes | Exception:
    """The chunk ``host`` writes for ``c`` (its SChunk's chunk 0), or the exception it raised.
    ``extra_cparams`` are added to the cparams (e.g. the reference's ``blosc2_target``)."""
    data = make_data(c.data, c.nbytes, c.typesize)
    try:
        s = host.SChunk(chunksize=max(c.nbytes, 1), cparams={**c.cparams(host), **extra_cparams},
                        dparams={"nthreads": 1})
        s.append_data(data)
        return bytes(s.get_chunk(0))
    except Exception as exc:  # noqa: BLE001 - the error is the result
        return exc


def decode_chunk(host: Any, c: ChunkConfig, chunk: bytes, **extra_cparams: Any) -> bytes | Exception:
    """Decode ``chunk`` with ``host`` inside an SChunk of configuration ``c``."""
    try:
        s = host.SChunk(chunksize=max(c.nbytes, 1), cparams={**c.cparams(host), **extra_cparams},
                        dparams={"nthreads": 1})
        s.append_chunk(chunk)
        return bytes(s.decompress_chunk(0))
    except Exception as exc:  # noqa: BLE001
        return exc


def family_of(c: ChunkConfig) -> str:
    return c.family


def _delta_word(typesize: int) -> int:
    ts = 1 if typesize > 255 else typesize
    return ts if ts in (1, 2, 4, 8) else (8 if ts % 8 == 0 else 1)


def known_divergence(c: ChunkConfig, target: int = 4) -> str | None:
    """Why blosc2 ``target``.x may write different bytes than the reference for ``c`` (a blosc2 bug
    whose chunk does not decode back to the input), or None when the bytes must be identical."""
    active = [f for f in c.filters if f != NOFILTER]
    if len(active) >= 3:
        return ("c-blosc2 writes the 3rd (and 6th) active filter's output into the caller's input buffer: "
                "DELTA of later blocks and the memcpy fallback then use altered data")
    if DELTA in active and c.nbytes % _delta_word(c.typesize):
        return "c-blosc2's DELTA leaves a trailing partial word uninitialized"
    if TRUNC_PREC in active and c.nbytes % c.typesize:
        return "c-blosc2's TRUNC_PREC leaves a trailing partial element uninitialized"
    if target >= 4 and c.blocksize and c.clevel and c.nbytes >= 32:
        requested = min(c.blocksize, c.nbytes)
        effective = requested // c.typesize * c.typesize if requested > c.typesize else requested
        if requested != effective:
            return ("blosc2 4.x records the requested blocksize, not the effective multiple of the typesize "
                    "(its compressed chunk does not decode)")
    return None


@dataclass
class Rate:
    """Byte-identity tally of one family."""

    same: int = 0
    total: int = 0
    both_error: int = 0
    differing: list[str] = dataclasses.field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.same / self.total if self.total else 1.0

    def __str__(self) -> str:
        return f"{self.same}/{self.total}" + (f" ({self.both_error} both raise)" if self.both_error else "")


def compare_outputs(a: dict[str, bytes | Exception], b: dict[str, bytes | Exception],
                    configs: Iterable[ChunkConfig]) -> dict[str, Rate]:
    """Per-family byte identity of two hosts' outputs (both raising counts as identical)."""
    rates: dict[str, Rate] = {}
    for c in configs:
        r = rates.setdefault(family_of(c), Rate())
        r.total += 1
        x, y = a[c.key], b[c.key]
        if isinstance(x, Exception) and isinstance(y, Exception):
            r.same += 1
            r.both_error += 1
        elif x == y:
            r.same += 1
        else:
            r.differing.append(c.key)
    return rates


def identity_rates(host_a: Any, host_b: Any, configs: Iterable[ChunkConfig],
                   kwargs_a: dict[str, Any] | None = None,
                   kwargs_b: dict[str, Any] | None = None) -> dict[str, Rate]:
    """Build every configuration with both hosts and tally byte identity per family."""
    configs = list(configs)
    register_codecs(host_a)
    register_codecs(host_b)
    a = {c.key: build_chunk(host_a, c, **(kwargs_a or {})) for c in configs}
    b = {c.key: build_chunk(host_b, c, **(kwargs_b or {})) for c in configs}
    return compare_outputs(a, b, configs)


def _main(argv: list[str]) -> int:
    import argparse

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out")
    d.add_argument("--host", default="blosc2", choices=("blosc2", "reference"))
    d.add_argument("--target", default=None)
    cmp = sub.add_parser("compare")
    cmp.add_argument("a")
    cmp.add_argument("b")
    cmp.add_argument("--show", type=int, default=3)
    args = p.parse_args(argv)
    if args.cmd == "dump":
        if args.host == "blosc2":
            import blosc2 as host

            kwargs: dict[str, Any] = {}
            label = f"blosc2 {host.__version__}"
        else:
            import udcodec.reference as host  # type: ignore[no-redef]

            kwargs = {"blosc2_target": int(args.target)} if args.target else {}
            label = f"reference target={args.target or 'default'}"
        register_codecs(host)
        configs = iter_configs()
        res = {c.key: build_chunk(host, c, **kwargs) for c in configs}
        with open(args.out, "wb") as f:
            pickle.dump({"label": label, "chunks": {k: (v if isinstance(v, bytes) else repr(v))
                                                    for k, v in res.items()}}, f)
        print(f"{label}: {len(res)} configurations, {sum(isinstance(v, Exception) for v in res.values())} errors")
        return 0
    with open(args.a, "rb") as f:
        da = pickle.load(f)
    with open(args.b, "rb") as f:
        db = pickle.load(f)
    conv = {k: (v if isinstance(v, bytes) else RuntimeError(v)) for k, v in da["chunks"].items()}
    conv_b = {k: (v if isinstance(v, bytes) else RuntimeError(v)) for k, v in db["chunks"].items()}
    configs = iter_configs()
    rates = compare_outputs(conv, conv_b, configs)
    print(f"{da['label']} vs {db['label']}")
    for fam, r in rates.items():
        print(f"  {fam:18s} {r}")
        for k in r.differing[: args.show]:
            x, y = conv[k], conv_b[k]
            desc = (f"{x[:32].hex()} len {len(x)} | {y[:32].hex()} len {len(y)}"
                    if isinstance(x, bytes) and isinstance(y, bytes) else f"{x!r} | {y!r}"[:200])
            print(f"      {k}\n        {desc}")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
