"""Shared Hypothesis strategies and the JSON encoding of examples used for replay."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from udcodec.checks.api import decode_example, encode_example
from udcodec.strategies import CONTENTS, DTYPES, Layout, ids_in, ids_outside, layouts, make_data

FAST = settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@FAST
@given(layouts())
def test_default_layouts_respect_their_bounds(layout: Layout) -> None:
    assert layout.dtype in DTYPES and layout.content in CONTENTS
    assert layout.typesize == np.dtype(layout.dtype).itemsize
    assert 1 <= layout.chunk_items <= 4096
    assert layout.chunksize % layout.typesize == 0
    assert layout.blocksize == 0 or (
        layout.blocksize % layout.typesize == 0 and layout.blocksize <= layout.chunksize
    )
    assert layout.block_items in (0, 1, 7, 64, 256)
    assert 0 <= layout.nitems <= 3 * layout.chunk_items
    chunks = layout.chunks()
    assert len(chunks) == math.ceil(layout.nitems / layout.chunk_items)
    assert all(len(c) == layout.chunksize for c in chunks[:-1])
    if chunks:
        assert 0 < len(chunks[-1]) <= layout.chunksize
    assert b"".join(chunks) == layout.data()
    assert len(layout.data()) == layout.nitems * layout.typesize
    assert (layout.filters, layout.splitmode) == (("nofilter",), "never")


@FAST
@given(
    st.data(),
    st.integers(1, 64),
    st.integers(1, 5),
    st.lists(st.sampled_from([0, 1, 2, 8, 16, 32, 64, 100]), min_size=1, max_size=4),
)
def test_layouts_respect_given_bounds(
    data: st.DataObject, max_items: int, max_chunks: int, blocks: list[int]
) -> None:
    layout = data.draw(
        layouts(
            dtypes=["i4", "V3"],
            contents=["zeros"],
            filters=[["shuffle"], ["bitshuffle", "delta"]],
            splitmodes=["always", "auto"],
            max_chunk_items=max_items,
            max_chunks=max_chunks,
            block_items=blocks,
            allow_empty=False,
        )
    )
    assert layout.dtype in ("i4", "V3") and layout.content == "zeros"
    assert layout.filters in (("shuffle",), ("bitshuffle", "delta")) and layout.splitmode in (
        "always",
        "auto",
    )
    assert 1 <= layout.chunk_items <= max_items
    assert layout.block_items <= layout.chunk_items
    assert layout.block_items in blocks or layout.block_items == 0
    assert 1 <= len(layout.chunks()) <= max_chunks
    assert layout.nitems > 0
    assert layout.data() == bytes(layout.nitems * layout.typesize)


@pytest.mark.parametrize("kind", CONTENTS)
@pytest.mark.parametrize("dtype", ["u1", "i4", "c16", "V5"])
def test_make_data_is_deterministic_and_sized(kind: str, dtype: str) -> None:
    dt = np.dtype(dtype)
    for nitems in (0, 1, 7, 1000):
        a = make_data(kind, dt, nitems, seed=12345)
        assert isinstance(a, bytes)
        assert len(a) == nitems * dt.itemsize
        assert a == make_data(kind, dt, nitems, seed=12345)
    if kind == "zeros":
        assert make_data(kind, dt, 100, 1) == bytes(100 * dt.itemsize)
    elif kind in ("random", "arange", "random-runs"):
        assert make_data(kind, dt, 1000, 1) != make_data(kind, dt, 1000, 2), "the seed must matter"


def test_make_data_kinds_look_like_their_names() -> None:
    u1 = np.dtype("u1")
    runs = np.frombuffer(make_data("random-runs", u1, 4096, 3), np.uint8)
    assert (np.count_nonzero(np.diff(runs)) + 1) <= 4096 // 16 + 1
    sparse = np.frombuffer(make_data("sparse", u1, 5000, 3), np.uint8)
    assert 0 < np.count_nonzero(sparse) <= 5000 // 50
    random = np.frombuffer(make_data("random", u1, 5000, 3), np.uint8)
    assert len(np.unique(random)) > 200


def test_make_data_rejects_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="unknown data recipe"):
        make_data("no-such-recipe", np.dtype("u1"), 10, 0)


@FAST
@given(st.data())
def test_id_strategies(data: st.DataObject) -> None:
    assert 160 <= data.draw(ids_in(160, 255)) <= 255
    outside = data.draw(ids_outside(160, 255))
    assert not 160 <= outside <= 255


# -- examples as JSON ------------------------------------------------------------------------


def _roundtrip(value: object) -> object:
    encoded = encode_example(value)
    text = json.dumps(encoded, allow_nan=False)  # must be strict JSON
    return decode_example(json.loads(text))


@pytest.mark.parametrize(
    "value",
    [
        b"",
        b"\x00\xff\x10" * 100,
        bytearray(b"abc"),
        0,
        -(2**70),
        1.5,
        "text ü",
        None,
        True,
        [1, [2, b"x"]],
        (1, b"\x01", ("nested",)),
        {"a": 1, 2: b"two", (3, 4): [5]},
        {"__bytes__": "looks like a tag"},
    ],
    ids=repr,
)
def test_encode_decode_roundtrip_python_values(value: object) -> None:
    got = _roundtrip(value)
    expected = bytes(value) if isinstance(value, bytearray) else value
    assert got == expected
    assert type(got) is type(expected)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_encode_decode_non_finite_floats(value: float) -> None:
    got = _roundtrip(value)
    assert isinstance(got, float)
    assert (math.isnan(got) and math.isnan(value)) or got == value


@pytest.mark.parametrize("dtype", ["u1", "<i4", ">i8", "f4", "c16", "V3", "?", "<U3"])
def test_encode_decode_ndarrays(dtype: str) -> None:
    array = np.frombuffer(bytes(range(240)), dtype=np.uint8)[
        : (240 // np.dtype(dtype).itemsize) * np.dtype(dtype).itemsize
    ]
    array = array.view(dtype)
    if array.dtype.kind == "b":
        array = array.astype(bool)
    got = _roundtrip(array.reshape(-1, 1) if array.size % 2 else array.reshape(2, -1))
    assert isinstance(got, np.ndarray)
    want = array.reshape(-1, 1) if array.size % 2 else array.reshape(2, -1)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert got.tobytes() == want.tobytes()
    assert got.flags.writeable


@pytest.mark.parametrize(
    "value",
    [
        np.uint8(200),
        np.int64(-5),
        np.uint64(2**64 - 1),
        np.float32(1.5),
        np.float32(np.inf),
        np.bool_(True),
        np.float64(1.5),
        np.float64(np.nan),
        np.complex128(1 + 2j),
    ],
    ids=repr,
)
def test_encode_decode_numpy_scalars(value: np.generic) -> None:
    got = _roundtrip(value)
    assert type(got) is type(value)
    assert got.dtype == value.dtype  # type: ignore[attr-defined]
    assert got.tobytes() == value.tobytes()  # type: ignore[attr-defined]


def test_encode_decode_a_nested_tuple() -> None:
    value = (
        np.dtype("f8").str,
        np.arange(6, dtype="<f8").reshape(2, 3),
        {"nan": math.nan, "inf": -math.inf},
        b"\x00",
    )
    got = _roundtrip(value)
    assert isinstance(got, tuple) and got[0] == "<f8"
    np.testing.assert_array_equal(got[1], value[1])
    assert math.isnan(got[2]["nan"]) and got[2]["inf"] == -math.inf
    assert got[3] == b"\x00"


def test_unencodable_values_are_refused_on_replay() -> None:
    encoded = encode_example(object())
    assert "__repr__" in encoded
    with pytest.raises(ValueError, match="cannot replay"):
        decode_example(encoded)
