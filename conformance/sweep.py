"""The configuration families the interoperability clauses sweep, with their deterministic data.

Each :class:`Config` is one chunk: neutral compression parameters (the codec id is filled in by the
check), which test codec encodes it, and a data recipe. Families group configurations so that the
reports can state a byte-identity rate per family (e.g. ``shuffle: 12/12``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from udcodec.adapters.protocol import CParams

#: Bytes of data per chunk (rounded down to whole items): small enough to sweep quickly.
CHUNK_BYTES = 12 * 1024


@dataclass(frozen=True)
class Config:
    family: str
    cparams: CParams
    codec: str = "zlib"  # "zlib": zlib or raw per block; "memcpy": every block raw
    data: str = "mixed"  # see make_data
    nbytes: int = CHUNK_BYTES
    whole_items: bool = True  # False: exactly nbytes, even if that ends inside an item

    @property
    def label(self) -> str:
        cp = self.cparams
        filters = "+".join(f"{f}{f'({m})' if m else ''}" for f, m in zip(cp.filters, cp.filters_meta or (0,) * 6, strict=False))
        return (f"{self.family}: typesize={cp.typesize} filters={filters} splitmode={cp.splitmode} "
                f"blocksize={cp.blocksize or 'auto'} clevel={cp.clevel} meta={cp.codec_meta} codec={self.codec} "
                f"data={self.data} nbytes={self.data_bytes()}")

    def data_bytes(self) -> int:
        ts = self.cparams.typesize
        return max(self.nbytes // ts, 1) * ts if self.whole_items else self.nbytes

    @property
    def lossy(self) -> bool:
        """Whether a correct round trip may change the data (truncated precision)."""
        return "trunc_prec" in self.cparams.filters

    def with_codec(self, codec_id: int) -> CParams:
        return dataclasses.replace(self.cparams, codec=codec_id)


def make_data(recipe: str, nbytes: int, typesize: int) -> bytes:
    """Deterministic data for a recipe; the same on every call, in every process."""
    rng = np.random.default_rng(nbytes * 1009 + typesize)
    if recipe == "zeros":
        return bytes(nbytes)
    if recipe == "run":
        return b"\x5a" * nbytes
    if recipe == "noise":
        return rng.integers(0, 256, nbytes, dtype=np.uint8).tobytes()
    if recipe == "floats":
        dtype = {4: np.float32, 8: np.float64}.get(typesize)
        if dtype is None:
            raise ValueError(f"recipe 'floats' needs typesize 4 or 8, not {typesize}")
        return np.sin(np.linspace(0, 40, nbytes // typesize)).astype(dtype).tobytes()
    if recipe == "mixed":  # a counter per item in the first half (compressible), noise in the second
        items = nbytes // typesize
        half = items // 2
        per_item = np.zeros((half, typesize), dtype=np.uint8)
        counter = np.arange(half, dtype="<u8").view(np.uint8).reshape(half, 8)
        per_item[:, : min(typesize, 8)] = counter[:, : min(typesize, 8)]
        tail = rng.integers(0, 256, nbytes - half * typesize, dtype=np.uint8)
        return per_item.tobytes() + tail.tobytes()
    raise ValueError(f"unknown data recipe {recipe!r}")


def _cp(typesize: int, filters: tuple[str, ...] = ("nofilter",), splitmode: str = "never", blocksize: int = 0,
        clevel: int = 5, meta: int = 0, filters_meta: tuple[int, ...] = ()) -> CParams:
    return CParams(codec=0, codec_meta=meta, clevel=clevel, typesize=typesize, nthreads=1, blocksize=blocksize,
                   splitmode=splitmode, filters=filters, filters_meta=filters_meta)


def configurations() -> list[Config]:
    """Every configuration, family by family (83 chunks of about 12 KiB)."""
    out: list[Config] = []
    for ts in (1, 2, 4, 8):
        for mode in ("never", "always"):
            out.append(Config("nofilter", _cp(ts, splitmode=mode)))
    for ts in (1, 2, 4, 8, 16):
        for mode in ("never", "always", "auto"):
            out.append(Config("shuffle", _cp(ts, ("shuffle",), mode)))
    for ts in (1, 2, 4, 8):
        out.append(Config("bitshuffle", _cp(ts, ("bitshuffle",), "auto")))
    for ts in (1, 2, 4, 8):
        out.append(Config("delta", _cp(ts, ("delta",))))
    out.append(Config("delta", _cp(4, ("delta",)), nbytes=CHUNK_BYTES + 2, whole_items=False))
    for ts, bits in ((4, 10), (8, 23)):
        out.append(Config("trunc_prec", _cp(ts, ("trunc_prec",), filters_meta=(bits,)), data="floats"))
    out += [
        Config("pipeline", _cp(4, ("delta", "shuffle"), "always")),
        Config("pipeline", _cp(8, ("shuffle", "bitshuffle"))),
        Config("pipeline", _cp(4, ("trunc_prec", "shuffle"), filters_meta=(12, 0)), data="floats"),
        Config("pipeline", _cp(2, ("delta", "bitshuffle", "shuffle"), "auto")),
    ]
    for mode in ("never", "always", "auto", "forward_compat"):
        for ts in (1, 4, 16):
            out.append(Config("splitmode", _cp(ts, ("shuffle",), mode, clevel=9)))
    for ts in (3, 5, 7, 12, 17, 31, 33, 64, 100, 128, 200, 255):
        out.append(Config("typesize", _cp(ts, ("shuffle",), "auto")))
    for bs in (7, 100, 1000, 4096, 65536):
        out.append(Config("blocksize", _cp(4, ("shuffle",), "always", blocksize=bs)))
    for ts, bs in ((3, 1000), (4, 1001)):  # not a multiple of the typesize
        out.append(Config("blocksize", _cp(ts, ("shuffle",), blocksize=bs)))
    for clevel in (0, 1, 3, 9):
        out.append(Config("blocksize", _cp(8, ("shuffle",), "auto", clevel=clevel)))
    for meta in (1, 77, 255):
        out.append(Config("codec_meta", _cp(4, ("shuffle",), meta=meta)))
    out += [
        Config("memcpyed", _cp(4, ("shuffle",)), codec="memcpy"),
        Config("memcpyed", _cp(1), data="noise"),
        Config("memcpyed", _cp(4, ("shuffle",), clevel=0)),
        Config("memcpyed", _cp(1), nbytes=20),
        Config("runs", _cp(4, ("shuffle",)), data="run"),
        Config("runs", _cp(1), data="zeros"),
        Config("runs", _cp(8, ("bitshuffle",), "always"), data="zeros"),
    ]
    return out


def families(configs: list[Config]) -> list[str]:
    """Family names in first-seen order."""
    return list(dict.fromkeys(c.family for c in configs))
