"""Named, deterministic data recipes: the one vocabulary of test data.

The Hypothesis strategies, the configuration sweep, the golden vectors and the test suite all take
their data from :func:`make_data`. A recipe name means one byte stream, forever: the same request
gives the same bytes in every process and release. The golden recipes (:data:`GOLDEN`) are part of
the golden manifest format, so their bytes must never change (add a new name instead).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.random  # noqa: F401 - imported lazily otherwise, by every check child that draws data


@dataclass(frozen=True)
class Request:
    """What a recipe may depend on. Recipes ignore what they do not use."""

    nbytes: int
    dtype: np.dtype[Any]  # the items' type; ``V<typesize>`` when only a typesize is known
    seed: int = 0
    chunksize: int = 0  # the container's chunk size (golden frames); 0: one chunk

    @property
    def typesize(self) -> int:
        return self.dtype.itemsize

    @property
    def nitems(self) -> int:
        return self.nbytes // self.typesize


Recipe = Callable[[Request], bytes]
RECIPES: dict[str, Recipe] = {}
RECIPE_DOCS: dict[str, str] = {}


def recipe(name: str, doc: str = "") -> Callable[[Recipe], Recipe]:
    """Register ``fn`` under ``name``; a name is taken once."""

    def register(fn: Recipe) -> Recipe:
        if name in RECIPES:
            raise ValueError(f"data recipe {name!r} is already defined")
        RECIPES[name] = fn
        RECIPE_DOCS[name] = doc or (fn.__doc__ or "").strip()
        return fn

    return register


def make_data(name: str, nbytes: int, *, typesize: int = 1, dtype: Any = None, seed: int = 0,
              chunksize: int = 0) -> bytes:
    """The bytes of recipe ``name`` for ``nbytes`` bytes of items of ``dtype`` (or of ``typesize`` bytes).

    A few recipes give fewer bytes when ``nbytes`` is no whole number of what they build (``text``,
    ``sine-linspace``); their streams stay as they always were.
    """
    try:
        fn = RECIPES[name]
    except KeyError:
        raise ValueError(f"unknown data recipe {name!r}") from None
    dt = np.dtype(dtype) if dtype is not None else np.dtype(f"V{typesize}")
    with np.errstate(all="ignore"):  # overflowing casts are part of some recipes' point
        return fn(Request(nbytes, dt, seed, chunksize))


# ---- golden recipes (frozen: the committed golden vectors' sha256 depend on them) -------------------

def _ramp(width: int) -> Recipe:
    def ramp(r: Request) -> bytes:
        items = np.arange(-(-r.nbytes // width), dtype=f"<u{width}")  # wraps modulo 2**(8*width)
        return items.tobytes()[: r.nbytes]

    return ramp


for _width in (1, 2, 4, 8):
    recipe(f"ramp-u{8 * _width}", f"Little-endian {8 * _width}-bit items 0, 1, 2, ... (wrapping).")(_ramp(_width))


@recipe("smooth-i32")
def _smooth_i32(r: Request) -> bytes:
    """Slowly growing little-endian int32 items ``i*i >> 10``."""
    i = np.arange(-(-r.nbytes // 4), dtype=np.int64)
    return ((i * i) >> 10).astype("<i4").tobytes()[: r.nbytes]


@recipe("records3")
def _records3(r: Request) -> bytes:
    """3-byte records ``(i mod 256, i >> 8 mod 256, 0x2a)``."""
    i = np.arange(-(-r.nbytes // 3), dtype=np.int64)
    rec = np.stack([i & 0xFF, (i >> 8) & 0xFF, np.full_like(i, 0x2A)], axis=1).astype(np.uint8)
    return rec.tobytes()[: r.nbytes]


@recipe("quarters-f64")
def _quarters_f64(r: Request) -> bytes:
    """Little-endian float64 items 0.0, 0.25, 0.5, ... (exact in binary)."""
    return (np.arange(-(-r.nbytes // 8), dtype=np.float64) / 4).astype("<f8").tobytes()[: r.nbytes]


@recipe("runs")
def _runs(r: Request) -> bytes:
    """Runs of lengths 1, 2, 5, 37, 300, 3, 700 (cycling) of the bytes ``53*k mod 256``."""
    lengths = np.array([1, 2, 5, 37, 300, 3, 700], dtype=np.int64)
    reps = -(-r.nbytes // int(lengths.sum())) if r.nbytes else 0
    counts = np.tile(lengths, reps)
    values = ((np.arange(counts.size, dtype=np.int64) * 53) % 256).astype(np.uint8)
    return np.repeat(values, counts).tobytes()[: r.nbytes]


@recipe("noise")
def _noise(r: Request) -> bytes:
    """Incompressible bytes: the low byte of a splitmix64-style hash of the index."""
    x = np.arange(r.nbytes, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(0x632BE59BD9B4E019)
    x ^= x >> np.uint64(29)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(32)
    return (x & np.uint64(0xFF)).astype(np.uint8).tobytes()


@recipe("ramp-u32-zero-chunk2")
def _ramp32_zero_chunk2(r: Request) -> bytes:
    """``ramp-u32`` with chunk 2 (of ``chunksize`` bytes) all zeros."""
    data = bytearray(RECIPES["ramp-u32"](r))
    cs = r.chunksize
    data[2 * cs:3 * cs] = bytes(len(data[2 * cs:3 * cs]))
    return bytes(data)


def _repeated(value: np.generic) -> Recipe:
    def repeated(r: Request) -> bytes:
        return (value.tobytes() * -(-r.nbytes // value.itemsize))[: r.nbytes]

    return repeated


# The contents of special chunks (SChunk.fill_special): c-blosc2's quiet NaNs, and a repeated value.
recipe("nan-f32", "Little-endian float32 quiet NaNs (0x7fc00000), as c-blosc2's NaN special chunks hold.")(
    _repeated(np.float32(np.nan).astype("<f4")))
recipe("nan-f64", "Little-endian float64 quiet NaNs (0x7ff8000000000000), as c-blosc2's NaN special chunks hold.")(
    _repeated(np.float64(np.nan).astype("<f8")))
recipe("pi-f64", "Little-endian float64 pi repeated.")(_repeated(np.float64(np.pi).astype("<f8")))

GOLDEN = ("ramp-u8", "ramp-u16", "ramp-u32", "ramp-u64", "smooth-i32", "records3", "quarters-f64", "runs", "noise",
          "ramp-u32-zero-chunk2", "zeros", "nan-f32", "nan-f64", "pi-f64")


# ---- seeded recipes (Hypothesis draws the seed); numeric ones are built in ``dtype`` when numeric ----

_WORDS = ("the", "codec", "block", "chunk", "Blosc2", "frame", "meta", "0x1F", "naïve", "\n", "  ", "{}")
_FLOAT_SPECIALS = (np.nan, np.inf, -np.inf, -0.0, 0.0, 5e-324, 1.7976931348623157e308, -1.0, 0.1)


def _rng(r: Request) -> np.random.Generator:
    return np.random.default_rng(r.seed)


def _numeric(r: Request) -> np.dtype[Any]:
    return r.dtype if r.dtype.kind in "uifc" else np.dtype("u1")


def _count(r: Request) -> int:
    return r.nbytes // _numeric(r).itemsize + 1


@recipe("zeros")
def _zeros(r: Request) -> bytes:
    """All zero bytes."""
    return bytes(r.nbytes)


@recipe("random")
def _random(r: Request) -> bytes:
    """Uniformly random bytes from ``seed``."""
    return _rng(r).integers(0, 256, r.nbytes, dtype=np.uint8).tobytes()


@recipe("arange")
def _arange(r: Request) -> bytes:
    """The low bytes of ``k * (seed % 7 + 1) + seed`` for byte index k."""
    n, seed = r.nbytes, r.seed
    return (np.arange(n, dtype=np.uint64) * (seed % 7 + 1) + seed).astype("<u8").view(np.uint8)[::8][:n].tobytes()


@recipe("random-runs")
def _random_runs(r: Request) -> bytes:
    """Runs of 16 equal bytes, each of a random value 0..3."""
    values = _rng(r).integers(0, 4, max(1, r.nbytes // 16 + 1), dtype=np.uint8)
    return np.repeat(values, 16)[: r.nbytes].tobytes()


@recipe("sparse")
def _sparse(r: Request) -> bytes:
    """Zeros with about one random non-zero byte in 50."""
    rng = _rng(r)
    out = np.zeros(r.nbytes, dtype=np.uint8)
    if r.nbytes:
        idx = rng.integers(0, r.nbytes, max(1, r.nbytes // 50))
        out[idx] = rng.integers(1, 256, idx.size, dtype=np.uint8)
    return out.tobytes()


@recipe("constant")
def _constant(r: Request) -> bytes:
    """One random item repeated."""
    return _rng(r).integers(0, 256, r.typesize, dtype=np.uint8).tobytes() * r.nitems


@recipe("pattern")
def _pattern(r: Request) -> bytes:
    """A random pattern of 1..16 bytes repeated."""
    rng = _rng(r)
    pattern = rng.integers(0, 256, int(rng.integers(1, 17)), dtype=np.uint8).tobytes()
    return (pattern * (r.nbytes // len(pattern) + 1))[: r.nbytes]


@recipe("typed_arange")
def _typed_arange(r: Request) -> bytes:
    """An arange in the items' type: integers from any start by any step (wrapping), floats at any scale."""
    rng, numeric, count = _rng(r), _numeric(r), _count(r)
    if numeric.kind in "ui":
        bits = 8 * numeric.itemsize
        start, step = int(rng.integers(0, 2**63)), int(rng.integers(-(2**20), 2**20))
        mask = (1 << bits) - 1
        values = (np.arange(count, dtype=np.uint64) * np.uint64(step & 0xFFFFFFFFFFFFFFFF)
                  + np.uint64(start)) & np.uint64(mask)
        return values.astype(numeric.newbyteorder("=").str.replace("i", "u")).tobytes()[: r.nbytes]
    origin, stride = rng.normal(0, 1e6), rng.choice([-1.0, 1.0]) * 10 ** rng.uniform(-6, 3)
    return (origin + np.arange(count) * stride).astype(numeric).tobytes()[: r.nbytes]


@recipe("float_specials")
def _float_specials(r: Request) -> bytes:
    """NaN, infinities, signed zeros, subnormals and extremes (in f8 unless the items are floats)."""
    numeric = _numeric(r)
    floats = np.dtype("f8") if numeric.kind not in "fc" else numeric
    values = _rng(r).choice(np.array(_FLOAT_SPECIALS), r.nbytes // floats.itemsize + 1)
    return values.astype(floats).tobytes()[: r.nbytes]


@recipe("smooth")
def _smooth(r: Request) -> bytes:
    """A noisy sine wave over the items' range."""
    rng, count = _rng(r), _count(r)
    t = np.arange(count) / max(count, 1)
    signal = np.sin(2 * np.pi * rng.uniform(0.5, 8) * t) + 0.01 * rng.normal(size=count)
    return _scaled(signal, _numeric(r))[: r.nbytes]


@recipe("gradient")
def _gradient(r: Request) -> bytes:
    """A noisy 2-D gradient image of random width, row by row."""
    rng, count = _rng(r), _count(r)
    width = int(rng.integers(1, 256))
    y, x = np.divmod(np.arange(count), width)
    image = x * rng.uniform(0, 2) + y * rng.uniform(0, 2) + rng.normal(0, 1, count)
    return _scaled(image / max(float(image.max()), 1.0), _numeric(r))[: r.nbytes]


@recipe("text")
def _text(r: Request) -> bytes:
    """Random words, spaces and newlines (UTF-8)."""
    words = _rng(r).choice(np.array(_WORDS), r.nbytes // 3 + 1)
    return " ".join(words).encode()[: r.nbytes]


def _scaled(values: np.ndarray, dtype: np.dtype[Any]) -> bytes:
    """``values`` (roughly in [-1, 1]) spread over the range of an integer ``dtype``, or as is for floats."""
    if dtype.kind in "ui":
        info = np.iinfo(dtype)
        span = (float(info.max) - float(info.min)) / 2
        return np.clip((values + 1) * span + float(info.min), info.min, info.max).astype(dtype).tobytes()
    return values.astype(dtype).tobytes()


# ---- sized recipes (configuration sweep): a function of nbytes and typesize ---------------------------

@recipe("run")
def _run(r: Request) -> bytes:
    """One run of the byte 0x5a."""
    return b"\x5a" * r.nbytes


@recipe("ones")
def _ones(r: Request) -> bytes:
    """One run of the byte 0x01."""
    return b"\x01" * r.nbytes


@recipe("ff")
def _ff(r: Request) -> bytes:
    """One run of the byte 0xff."""
    return b"\xff" * r.nbytes


@recipe("sized-random")
def _sized_random(r: Request) -> bytes:
    """``random`` seeded by the size: ``seed = nbytes * 1009 + typesize``."""
    return _random(Request(r.nbytes, r.dtype, r.nbytes * 1009 + r.typesize))


@recipe("sine-linspace")
def _sine_linspace(r: Request) -> bytes:
    """float32/float64 (typesize 4/8) items of a sine over [0, 40]."""
    dtype = {4: np.float32, 8: np.float64}.get(r.typesize)
    if dtype is None:
        raise ValueError(f"recipe 'sine-linspace' needs typesize 4 or 8, not {r.typesize}")
    return np.sin(np.linspace(0, 40, r.nitems)).astype(dtype).tobytes()


@recipe("counter-then-random")
def _counter_then_random(r: Request) -> bytes:
    """A little-endian counter per item in the first half (compressible), ``sized-random`` bytes after."""
    ts, items = r.typesize, r.nitems
    half = items // 2
    per_item = np.zeros((half, ts), dtype=np.uint8)
    counter = np.arange(half, dtype="<u8").view(np.uint8).reshape(half, 8)
    per_item[:, : min(ts, 8)] = counter[:, : min(ts, 8)]
    tail = np.random.default_rng(r.nbytes * 1009 + ts).integers(0, 256, r.nbytes - half * ts, dtype=np.uint8)
    return per_item.tobytes() + tail.tobytes()


def _index(r: Request) -> np.ndarray:
    return np.arange(r.nbytes, dtype=np.int64)


@recipe("ramp")
def _matrix_ramp(r: Request) -> bytes:
    """Byte k of item j is ``(7j + k) mod 251``: compressible, low bytes vary."""
    i, ts = _index(r), r.typesize
    return (((i // ts) * 7 + (i % ts)) % 251).astype(np.uint8).tobytes()


@recipe("sine-scaled")
def _sine_scaled(r: Request) -> bytes:
    """float32/float64 items ``1000 sin(0.01 k)`` for typesize 4/8, else bytes ``int(100 sin(0.05 i)) mod 256``."""
    if r.typesize in (4, 8):
        dt = np.float32 if r.typesize == 4 else np.float64
        x = np.sin(np.arange(r.nbytes // r.typesize + 1) * 0.01).astype(dt) * 1000
        return x.tobytes()[: r.nbytes]
    return ((np.sin(_index(r) * 0.05) * 100).astype(np.int64) % 256).astype(np.uint8).tobytes()


@recipe("runs16")
def _runs16(r: Request) -> bytes:
    """Item j holds ``j mod 200`` in its first byte, zeros in the others (shuffled high bytes are runs)."""
    i, ts = _index(r), r.typesize
    return np.where(i % ts == 0, (i // ts) % 200, 0).astype(np.uint8).tobytes()


@recipe("blockruns")
def _blockruns(r: Request) -> bytes:
    """Runs of 300 equal bytes, the value cycling through 0..3."""
    return ((_index(r) // 300) % 4).astype(np.uint8).tobytes()


@recipe("zeros_tail")
def _zeros_tail(r: Request) -> bytes:
    """``ramp`` over the first third, zeros after."""
    b = bytearray(r.nbytes)
    b[: r.nbytes // 3] = _matrix_ramp(Request(r.nbytes // 3, r.dtype))
    return bytes(b)


@recipe("ramp-random-256")
def _ramp_random_256(r: Request) -> bytes:
    """Alternating 256-byte pieces of ``random`` (from ``seed``) and ``ramp``."""
    noise = np.frombuffer(_random(r), np.uint8)
    ramp = np.frombuffer(_matrix_ramp(r), np.uint8)
    return np.where((_index(r) // 256) % 2 == 0, noise, ramp).astype(np.uint8).tobytes()


# ---- adversarial recipes (the catalogue, adversarial.yaml): shapes of data that broke real codecs ----

def _floats(r: Request) -> np.dtype[Any]:
    return r.dtype if r.dtype.kind == "f" else np.dtype("f8")


def _float_bits(r: Request, exponent: np.ndarray, mantissa: np.ndarray, sign: np.ndarray) -> bytes:
    """Floats of ``_floats(r)`` assembled from raw fields (``exponent`` biased)."""
    ft = _floats(r)
    width = 8 * ft.itemsize
    mbits = {16: 10, 32: 23, 64: 52}[width]
    ut = np.dtype(f"<u{ft.itemsize}")
    bits = ((sign.astype(np.uint64) << np.uint64(width - 1)) | (exponent.astype(np.uint64) << np.uint64(mbits))
            | (mantissa.astype(np.uint64) & np.uint64((1 << mbits) - 1)))
    return bits.astype(ut).tobytes()[: r.nbytes]


def _mantissas(r: Request, count: int) -> np.ndarray:
    mbits = {2: 10, 4: 23, 8: 52}[_floats(r).itemsize]
    return _rng(r).integers(1, 2**mbits, count, dtype=np.uint64)


@recipe("subnormals")
def _subnormals(r: Request) -> bytes:
    """Non-zero subnormal floats of random sign (f8 unless the items are floats)."""
    count = r.nbytes // _floats(r).itemsize + 1
    return _float_bits(r, np.zeros(count, dtype=np.uint64), _mantissas(r, count),
                       _rng(Request(0, r.dtype, r.seed + 1)).integers(0, 2, count, dtype=np.uint64))


@recipe("tiny-normals")
def _tiny_normals(r: Request) -> bytes:
    """Normal floats below 2**-98 (f4) or 2**-962 (f8) in magnitude: a block scale that overflows."""
    ft = _floats(r)
    count = r.nbytes // ft.itemsize + 1
    top = {2: 2, 4: 28, 8: 60}[ft.itemsize]  # biased exponents 1..top
    exponent = _rng(Request(0, r.dtype, r.seed + 2)).integers(1, top + 1, count, dtype=np.uint64)
    return _float_bits(r, exponent, _mantissas(r, count), np.zeros(count, dtype=np.uint64))


@recipe("nan-payloads")
def _nan_payloads(r: Request) -> bytes:
    """NaNs of both signs with random payloads, quiet and signaling, among a few ordinary values."""
    ft = _floats(r)
    count = r.nbytes // ft.itemsize + 1
    exponent = np.full(count, {2: 0x1F, 4: 0xFF, 8: 0x7FF}[ft.itemsize], dtype=np.uint64)
    sign = _rng(Request(0, r.dtype, r.seed + 3)).integers(0, 2, count, dtype=np.uint64)
    nans = np.frombuffer(_float_bits(Request(count * ft.itemsize, ft, r.seed), exponent, _mantissas(r, count), sign),
                         dtype=ft.newbyteorder("<")).copy()
    nans[::5] = np.arange(nans[::5].size)  # ordinary values between the NaNs
    return nans.tobytes()[: r.nbytes]


@recipe("random-then-repeat")
def _random_then_repeat(r: Request) -> bytes:
    """Random bytes (16/17 of the size: a long literal run), then the first bytes again (one long match)."""
    head = r.nbytes - r.nbytes // 17
    data = _random(Request(head, r.dtype, r.seed))
    return (data + data)[: r.nbytes]


@recipe("six-literals")
def _six_literals(r: Request) -> bytes:
    """Runs of 64 equal bytes separated by exactly 6 random bytes."""
    rng = _rng(r)
    piece = 70
    out = np.repeat(rng.integers(0, 256, r.nbytes // piece + 1, dtype=np.uint8), piece)
    literal = (np.arange(out.size) % piece) >= 64
    out[literal] = rng.integers(0, 256, int(literal.sum()), dtype=np.uint8)
    return out.tobytes()[: r.nbytes]


@recipe("yes-lines")
def _yes_lines(r: Request) -> bytes:
    """``y`` and a newline, repeated (the output of ``yes``)."""
    return (b"y\n" * (r.nbytes // 2 + 1))[: r.nbytes]


@recipe("late-match")
def _late_match(r: Request) -> bytes:
    """Random bytes whose last 11 repeat the first 11: a match that ends the block."""
    data = bytearray(_random(r))
    if r.nbytes >= 22:
        data[-11:] = data[:11]
    return bytes(data)


#: The adversarial catalogue and its schema.
CATALOGUE_FILE = Path(__file__).with_name("adversarial.yaml")
CATALOGUE_SCHEMA = Path(__file__).with_name("schemas") / "adversarial.schema.json"


@dataclass(frozen=True)
class Adversary:
    """One catalogue entry: data that made a real codec fail, and the public report of that failure."""

    id: str
    failure: str
    recipe: str
    items: int
    dtype: str
    seed: int
    issue: str

    @property
    def nbytes(self) -> int:
        return self.items * np.dtype(self.dtype).itemsize

    def data(self) -> bytes:
        return make_data(self.recipe, self.nbytes, dtype=self.dtype, seed=self.seed)


def load_catalogue(path: Path = CATALOGUE_FILE) -> tuple[Adversary, ...]:
    """The catalogue's entries, validated against its schema and the recipes (ValueError names the problem)."""
    import jsonschema
    import yaml

    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    schema = json.loads(CATALOGUE_SCHEMA.read_text(encoding="utf-8"))
    for problem in jsonschema.Draft202012Validator(schema).iter_errors(raw):
        where = "/".join(str(p) for p in problem.absolute_path) or "top level"
        raise ValueError(f"{path}: {where}: {problem.message}")
    entries = tuple(Adversary(id=e["id"], failure=e["failure"], recipe=e["recipe"], items=e["items"],
                              dtype=e.get("dtype", "u1"), seed=e.get("seed", 0), issue=e["issue"])
                    for e in raw["entries"])
    seen: set[str] = set()
    for entry in entries:
        if entry.recipe not in RECIPES:
            raise ValueError(f"{path}: entry {entry.id}: unknown data recipe {entry.recipe!r}")
        if entry.id in seen:
            raise ValueError(f"{path}: entry id {entry.id!r} appears twice")
        seen.add(entry.id)
    return entries


_CATALOGUE: list[tuple[Adversary, ...]] = []


def catalogue() -> tuple[Adversary, ...]:
    """The shipped catalogue (loaded once)."""
    if not _CATALOGUE:
        _CATALOGUE.append(load_catalogue())
    return _CATALOGUE[0]
