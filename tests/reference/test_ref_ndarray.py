"""The reference's NDArray (``udcodec.reference.ndarray``): layout, indexing, persistence, the b2nd metalayer."""

from __future__ import annotations

import math

import numpy as np
import pytest
import udcodec.reference as ref
from udcodec.reference import b2ndmeta
from udcodec.reference.frame import FrameFormatError
from udcodec.reference.ndarray import pack, unpack

CP = {"codec": 200, "nthreads": 1, "filters": [0] * 6}
LAYOUTS = [
    ((6, 10), "<i4", (4, 6), (2, 3)),
    ((7, 10), "<f8", (5, 7), (2, 3)),
    ((100,), "<u2", (40,), (10,)),
    ((3, 4, 5), "<f4", (2, 3, 4), (1, 2, 3)),
    ((), "<f8", (), ()),
]


def _array(shape, dtype):
    return np.arange(math.prod(shape), dtype=dtype).reshape(shape)


def test_block_layout_is_c_order_sub_blocks() -> None:
    chunk = np.arange(24, dtype="<i4").reshape(4, 6)
    buf = pack(chunk, (2, 3)).view("<i4")
    assert buf[:6].tolist() == [0, 1, 2, 6, 7, 8]  # block (0, 0): rows 0-1, columns 0-2
    assert buf[6:12].tolist() == [3, 4, 5, 9, 10, 11]  # block (0, 1)
    assert np.array_equal(unpack(buf.tobytes(), np.dtype("<i4"), (4, 6), (2, 3)), chunk)


@pytest.mark.parametrize(("shape", "dtype", "chunks", "blocks"), LAYOUTS)
def test_asarray_roundtrip_and_geometry(zcodec, shape, dtype, chunks, blocks) -> None:
    a = _array(shape, dtype)
    arr = ref.asarray(a, chunks=chunks, blocks=blocks, cparams=CP)
    assert (arr.shape, arr.chunks, arr.blocks, arr.dtype, arr.ndim) == (shape, chunks, blocks, np.dtype(dtype), len(shape))
    assert np.array_equal(arr[...], a) and np.array_equal(arr[:] if shape else arr[()], a)
    padded = [-(-c // b) * b for c, b in zip(chunks, blocks, strict=True)]
    assert arr.schunk.typesize == a.itemsize
    assert arr.schunk.blocksize == math.prod(blocks) * a.itemsize
    assert arr.schunk.chunksize == math.prod(padded) * a.itemsize
    assert arr.cparams.codec == 200 and arr.schunk.nchunks == math.prod(-(-s // c) for s, c in zip(shape, chunks, strict=True))


def test_chunks_are_padded_with_zeros(zcodec) -> None:
    arr = ref.asarray(_array((7, 10), "<f8"), chunks=(5, 7), blocks=(2, 3), cparams=CP)
    last = np.frombuffer(arr.schunk.decompress_chunk(3), "<f8")
    assert last.size == 6 * 9 and last[:3].tolist() == [57.0, 58.0, 59.0] and not last[6:].any()


def test_slices_read_and_write(zcodec) -> None:
    a = _array((9, 11), "<i8")
    arr = ref.asarray(a, chunks=(4, 5), blocks=(2, 2), cparams=CP)
    assert np.array_equal(arr[2:7, 3:10], a[2:7, 3:10])
    assert np.array_equal(arr[::2, 1], a[::2, 1]) and arr[8, 10] == a[8, 10]
    assert np.array_equal(arr[..., -1], a[..., -1])
    arr[2:5, :] = -1
    a[2:5, :] = -1
    arr[7] = np.arange(11)
    a[7] = np.arange(11)
    arr[3] = np.full((1, 11), 5)  # leading 1s dropped, as NumPy and python-blosc2 do
    a[3] = np.full((1, 11), 5)
    assert np.array_equal(arr[...], a)
    with pytest.raises(ValueError):
        arr[3] = np.ones((2, 11))
    with pytest.raises(IndexError):
        arr[9, 0]
    with pytest.raises(IndexError):
        arr[::2] = 0


def test_persist_and_reopen(zcodec, tmp_path) -> None:
    path = tmp_path / "a.b2nd"
    a = _array((6, 10), "<i4")
    ref.asarray(a, chunks=(4, 6), blocks=(2, 3), cparams={**CP, "codec_meta": 3}, urlpath=path, mode="w")
    back = ref.open(path)
    assert isinstance(back, ref.NDArray) and back.chunks == (4, 6) and back.blocks == (2, 3)
    assert np.array_equal(back[...], a) and back.cparams.codec_meta == 3
    with pytest.raises(ValueError, match="read-only"):
        back[0, 0] = 1
    rw = ref.open(path, mode="a")
    rw[1:3, 4:8] = 0
    a[1:3, 4:8] = 0
    assert np.array_equal(ref.open(path)[...], a)


def test_plain_schunk_frames_open_as_schunks(zcodec, tmp_path) -> None:
    path = str(tmp_path / "s.b2frame")
    s = ref.SChunk(chunksize=8, cparams=CP, urlpath=path, mode="w")
    s.append_data(b"12345678")
    assert isinstance(ref.open(path), ref.SChunk)


def test_zeros_empty_full_are_special_chunks(tmp_path) -> None:
    z = ref.zeros((30, 30), chunks=(10, 30), blocks=(5, 10), urlpath=tmp_path / "z.b2nd", mode="w",
                  cparams={"codec": ref.Codec.ZLIB})
    assert not z[...].any() and z.dtype == np.float64 and z.schunk.cbytes == 0  # a frame counts special chunks 0, as blosc2 does
    assert not ref.empty((5,), dtype="i2")[...].any()
    f = ref.full((5, 4), 7, dtype="<i2", chunks=(2, 4), blocks=(1, 2))
    assert (f[...] == 7).all() and f.schunk.get_chunk(0)[32:] == b"\x07\x00"
    z[3:4, :] = 2.5  # a special chunk is recompressed when written
    assert z[...].sum() == 75.0 and isinstance(ref.open(tmp_path / "z.b2nd"), ref.NDArray)


def test_default_layout_fits_in_limits() -> None:
    arr = ref.zeros((3000, 3000), dtype="f8")
    assert all(b <= c <= max(s, 1) for b, c, s in zip(arr.blocks, arr.chunks, arr.shape, strict=True))
    assert math.prod(arr.blocks) * 8 <= 2**15


def test_metalayer_bytes_are_c_blosc2s() -> None:
    meta = b2ndmeta.B2ndMeta((6, 10), (4, 6), (2, 3), np.dtype("<i4"))
    data = b2ndmeta.serialize(meta)
    # fixarray(7), version 0, ndim 2, shape as int64, chunks and blocks as int32, dtype format 0, str32 dtype
    assert data.hex() == ("97000292d30000000000000006d3000000000000000a92d200000004d20000000692d200000002d200000003"
                          "00db000000033c6934")
    assert b2ndmeta.parse(data) == meta
    section = b2ndmeta.section({"b2nd": data})
    assert section[:20].hex() == "93cd0011de0001a462326e64d20000006bdc0001"
    assert b2ndmeta.layers_of(section) == {"b2nd": data}


def test_bad_layouts_and_metalayers_are_refused() -> None:
    with pytest.raises(ValueError, match="fit in chunks"):
        ref.zeros((10,), chunks=(4,), blocks=(5,))
    with pytest.raises(ValueError, match="dimensions"):
        ref.zeros((10, 2), chunks=(4,))
    with pytest.raises(ValueError, match="structured"):
        ref.zeros((3,), dtype=[("a", "<i4"), ("b", "<f8")])
    with pytest.raises(FrameFormatError, match="dtype format"):
        b2ndmeta.parse(bytes.fromhex("97000191d3000000000000000191d20000000191d20000000101db00000003") + b"<i4")
    with pytest.raises(TypeError, match="unexpected keyword"):
        ref.zeros((3,), chunkshape=(2,))


def test_arithmetic_is_lazy_and_reads_through_the_codec(zcodec) -> None:
    a = _array((6, 10), "<i4")
    arr = ref.asarray(a, chunks=(4, 6), blocks=(2, 3), cparams=CP)
    other = ref.asarray(a * 3, chunks=(3, 5), blocks=(1, 5), cparams=CP)  # another layout: values align, not chunks
    expr = (arr + 1) * 2 - other
    assert isinstance(expr, ref.LazyExpr) and expr.shape == (6, 10)
    assert np.array_equal(expr[:], (a + 1) * 2 - a * 3)
    assert np.array_equal((10 - arr)[2:4, 1], 10 - a[2:4, 1])  # the reflected operators keep the order
    assert np.array_equal((arr / 2)[...], a / 2) and np.array_equal((arr ** 2)[...], a ** 2)
    computed = (arr * arr).compute(chunks=(3, 5), blocks=(1, 5))
    assert isinstance(computed, ref.NDArray) and computed.chunks == (3, 5)
    assert np.array_equal(computed[...], a * a)
    with pytest.raises(ValueError, match="unknown operator"):
        ref.LazyExpr("%", arr, 2)


def test_slice_is_a_new_array_with_the_sources_params(zcodec) -> None:
    a = _array((6, 10), "<i4")
    arr = ref.asarray(a, chunks=(4, 6), blocks=(2, 3), cparams=CP, dparams={"nthreads": 1})
    part = arr.slice((slice(1, 5), slice(2, 9)))
    assert isinstance(part, ref.NDArray) and np.array_equal(part[...], a[1:5, 2:9])
    assert (part.cparams.codec, part.cparams.nthreads, part.dparams.nthreads) == (200, 1, 1)
    part[0, 0] = -1  # a copy: the source is not changed
    assert arr[1, 2] == a[1, 2]
    other = arr.slice(slice(0, 2), chunks=(1, 10), blocks=(1, 5))
    assert (other.chunks, other.blocks) == ((1, 10), (1, 5))
