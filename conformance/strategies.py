"""Hypothesis strategies shared by every check family (extend here, don't fork)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

DTYPES = ("u1", "i2", "i4", "i8", "f4", "f8", "c16", "V3", "V5")
CONTENTS = ("random", "zeros", "arange", "runs", "sparse")
#: Block contents that probe a codec's corner cases (the codec checks draw from these).
ADVERSARIAL = (
    *CONTENTS, "constant", "typed_arange", "pattern", "float_specials", "smooth", "gradient", "text",
)
_WORDS = ("the", "codec", "block", "chunk", "Blosc2", "frame", "meta", "0x1F", "naïve", "\n", "  ", "{}")
_FLOAT_SPECIALS = (np.nan, np.inf, -np.inf, -0.0, 0.0, 5e-324, 1.7976931348623157e308, -1.0, 0.1)


def make_data(kind: str, dtype: np.dtype[Any], nitems: int, seed: int) -> bytes:
    """Deterministic buffer content of a given kind (cheap to generate at any size)."""
    nbytes = nitems * dtype.itemsize
    rng = np.random.default_rng(seed)
    if kind == "zeros":
        return bytes(nbytes)
    if kind == "random":
        return rng.integers(0, 256, nbytes, dtype=np.uint8).tobytes()
    if kind == "arange":
        return (np.arange(nbytes, dtype=np.uint64) * (seed % 7 + 1) + seed).astype("<u8").view(np.uint8)[::8][:nbytes].tobytes()
    if kind == "runs":
        values = rng.integers(0, 4, max(1, nbytes // 16 + 1), dtype=np.uint8)
        return np.repeat(values, 16)[:nbytes].tobytes()
    if kind == "sparse":
        out = np.zeros(nbytes, dtype=np.uint8)
        if nbytes:
            idx = rng.integers(0, nbytes, max(1, nbytes // 50))
            out[idx] = rng.integers(1, 256, idx.size, dtype=np.uint8)
        return out.tobytes()
    if kind in ADVERSARIAL:
        with np.errstate(all="ignore"):  # overflowing casts are part of the point
            return _adversarial(kind, dtype, nitems, rng)[:nbytes]
    raise ValueError(f"unknown data kind {kind!r}")


def _adversarial(kind: str, dtype: np.dtype[Any], nitems: int, rng: np.random.Generator) -> bytes:
    """The codec-probing kinds; numeric kinds are built in ``dtype`` when it is numeric, else in u1."""
    nbytes = nitems * dtype.itemsize
    numeric = dtype if dtype.kind in "uifc" else np.dtype("u1")
    count = nbytes // numeric.itemsize + 1
    if kind == "constant":
        return rng.integers(0, 256, dtype.itemsize, dtype=np.uint8).tobytes() * nitems
    if kind == "pattern":
        pattern = rng.integers(0, 256, int(rng.integers(1, 17)), dtype=np.uint8).tobytes()
        return pattern * (nbytes // len(pattern) + 1)
    if kind == "typed_arange":
        if numeric.kind in "ui":  # any start, any step (negative too), wrapping around the type's range
            bits = 8 * numeric.itemsize
            start, step = int(rng.integers(0, 2**63)), int(rng.integers(-(2**20), 2**20))
            mask = (1 << bits) - 1
            values = (np.arange(count, dtype=np.uint64) * np.uint64(step & 0xFFFFFFFFFFFFFFFF)
                      + np.uint64(start)) & np.uint64(mask)
            return values.astype(numeric.newbyteorder("=").str.replace("i", "u")).tobytes()
        origin, stride = rng.normal(0, 1e6), rng.choice([-1.0, 1.0]) * 10 ** rng.uniform(-6, 3)
        return (origin + np.arange(count) * stride).astype(numeric).tobytes()
    if kind == "float_specials":
        floats = np.dtype("f8") if numeric.kind not in "fc" else numeric
        values = rng.choice(np.array(_FLOAT_SPECIALS), nbytes // floats.itemsize + 1)
        return values.astype(floats).tobytes()
    if kind == "smooth":
        t = np.arange(count) / max(count, 1)
        signal = np.sin(2 * np.pi * rng.uniform(0.5, 8) * t) + 0.01 * rng.normal(size=count)
        return _scaled(signal, numeric)
    if kind == "gradient":
        width = int(rng.integers(1, 256))
        y, x = np.divmod(np.arange(count), width)
        image = x * rng.uniform(0, 2) + y * rng.uniform(0, 2) + rng.normal(0, 1, count)
        return _scaled(image / max(float(image.max()), 1.0), numeric)
    if kind == "text":
        words = rng.choice(np.array(_WORDS), nbytes // 3 + 1)
        return " ".join(words).encode()
    raise ValueError(f"unknown data kind {kind!r}")


def _scaled(values: np.ndarray, dtype: np.dtype[Any]) -> bytes:
    """``values`` (roughly in [-1, 1]) spread over the range of an integer ``dtype``, or as is for floats."""
    if dtype.kind in "ui":
        info = np.iinfo(dtype)
        span = (float(info.max) - float(info.min)) / 2
        return np.clip((values + 1) * span + float(info.min), info.min, info.max).astype(dtype).tobytes()
    return values.astype(dtype).tobytes()


@dataclass(frozen=True)
class Layout:
    """One container configuration plus the data to push through it."""

    dtype: str
    typesize: int
    chunk_items: int
    block_items: int  # 0: automatic
    nitems: int
    content: str
    seed: int
    filters: tuple[str, ...]
    splitmode: str

    @property
    def chunksize(self) -> int:
        return self.chunk_items * self.typesize

    @property
    def blocksize(self) -> int:
        return self.block_items * self.typesize

    def data(self) -> bytes:
        return make_data(self.content, np.dtype(self.dtype), self.nitems, self.seed)

    def chunks(self) -> list[bytes]:
        data = self.data()
        return [data[i : i + self.chunksize] for i in range(0, len(data), self.chunksize)]


@st.composite
def layouts(
    draw: st.DrawFn,
    *,
    dtypes: Sequence[str] = DTYPES,
    contents: Sequence[str] = CONTENTS,
    filters: Sequence[Sequence[str]] = (("nofilter",),),
    splitmodes: Sequence[str] = ("never",),
    max_chunk_items: int = 4096,
    max_chunks: int = 3,
    block_items: Sequence[int] = (0, 1, 7, 64, 256),
    allow_empty: bool = True,
) -> Layout:
    dtype = draw(st.sampled_from(list(dtypes)))
    typesize = np.dtype(dtype).itemsize
    chunk_items = draw(st.integers(1, max_chunk_items))
    blocks = draw(st.sampled_from([b for b in block_items if b <= chunk_items] or [0]))
    nchunks = draw(st.integers(0 if allow_empty else 1, max_chunks))
    last = draw(st.integers(1, chunk_items)) if nchunks else 0
    nitems = max(0, nchunks - 1) * chunk_items + last
    return Layout(
        dtype=dtype,
        typesize=typesize,
        chunk_items=chunk_items,
        block_items=blocks,
        nitems=nitems,
        content=draw(st.sampled_from(list(contents))),
        seed=draw(st.integers(0, 2**32 - 1)),
        filters=tuple(draw(st.sampled_from([tuple(f) for f in filters]))),
        splitmode=draw(st.sampled_from(list(splitmodes))),
    )


def ids_in(lo: int, hi: int) -> st.SearchStrategy[int]:
    """Codec ids in [lo, hi], edges included with high probability."""
    return st.one_of(st.sampled_from([lo, hi]), st.integers(lo, hi))


def ids_outside(lo: int, hi: int) -> st.SearchStrategy[int]:
    """Integers outside [lo, hi]: just outside, far outside, huge and negative."""
    return st.one_of(
        st.sampled_from([lo - 1, hi + 1, 0, -1, 2**31, 2**63, -(2**63), 2**64 + lo]),
        st.integers(max_value=lo - 1),
        st.integers(min_value=hi + 1),
    )
