"""NDArray frames between the reference and the real python-blosc2 (4.x), both ways: same chunk and
metalayer bytes for the same data and parameters, values equal when either opens the other's frame."""

from __future__ import annotations

import math

import numpy as np
import pytest
import udcodec.reference as ref
from ref_helpers import zlib_decoder, zlib_encoder

blosc2 = pytest.importorskip("blosc2")
if not hasattr(blosc2, "CParams"):
    pytest.skip("python-blosc2 2.x: its NDArray frames are checked by INTEROP-NDARRAY-FRAME and the golden vectors",
                allow_module_level=True)

CID = 200
PARAMS = {"codec": CID, "codec_meta": 3, "clevel": 5, "nthreads": 1, "splitmode": 2, "filters": [0, 0, 0, 0, 0, 1]}
LAYOUTS = [
    ((6, 10), "<i4", (4, 6), (2, 3)),
    ((7, 10), "<f8", (5, 7), (2, 3)),
    ((100,), "<u2", (40,), (10,)),
    ((3, 4, 5), "<f4", (2, 3, 4), (1, 2, 3)),
]


@pytest.fixture(autouse=True)
def both_registered():
    ref.register_codec("zc", CID, zlib_encoder, zlib_decoder)
    if CID not in blosc2.ucodecs_registry:
        blosc2.register_codec("zc", CID, zlib_encoder, zlib_decoder)


def _b2_params(dtype, blocks):
    """python-blosc2's params as written (3.x/4.x reopen an NDArray with a Python codec only with all of them)."""
    fields = {**PARAMS, "splitmode": blosc2.SplitMode(2), "filters": [blosc2.Filter(f) for f in PARAMS["filters"]],
              "typesize": np.dtype(dtype).itemsize, "blocksize": math.prod(blocks) * np.dtype(dtype).itemsize}
    return blosc2.CParams(**fields), blosc2.DParams(nthreads=1)


def _header_metalayers(path) -> bytes:
    data = open(path, "rb").read()
    return data[87:int.from_bytes(data[11:15], "big")]


@pytest.mark.parametrize(("shape", "dtype", "chunks", "blocks"), LAYOUTS)
def test_same_bytes_and_values_both_ways(tmp_path, shape, dtype, chunks, blocks) -> None:
    a = np.arange(math.prod(shape), dtype=dtype).reshape(shape)
    cp, dp = _b2_params(dtype, blocks)
    theirs = blosc2.asarray(a, chunks=chunks, blocks=blocks, cparams=cp, dparams=dp,
                            urlpath=str(tmp_path / "b.b2nd"), mode="w")
    ours = ref.asarray(a, chunks=chunks, blocks=blocks, cparams=dict(PARAMS), urlpath=tmp_path / "r.b2nd", mode="w")
    assert ours.schunk.nchunks == theirs.schunk.nchunks
    for i in range(ours.schunk.nchunks):
        assert ours.schunk.get_chunk(i) == bytes(theirs.schunk.get_chunk(i)), f"chunk {i}"
    assert _header_metalayers(tmp_path / "r.b2nd") == _header_metalayers(tmp_path / "b.b2nd")
    read_by_ref = ref.open(tmp_path / "b.b2nd")
    assert isinstance(read_by_ref, ref.NDArray) and np.array_equal(read_by_ref[...], a)
    read_by_b2 = blosc2.open(str(tmp_path / "r.b2nd"), cparams=cp, dparams=dp)
    assert isinstance(read_by_b2, blosc2.NDArray) and np.array_equal(read_by_b2[...], a)
    assert (read_by_b2.chunks, read_by_b2.blocks) == (chunks, blocks)


def test_slices_written_by_one_read_by_the_other(tmp_path) -> None:
    a = np.arange(99, dtype="<i8").reshape(9, 11)
    cp, dp = _b2_params("<i8", (2, 2))
    path = str(tmp_path / "a.b2nd")
    ref.asarray(a, chunks=(4, 5), blocks=(2, 2), cparams=dict(PARAMS), urlpath=path, mode="w")
    theirs = blosc2.open(path, mode="a", cparams=cp, dparams=dp)
    theirs[2:5, :] = -1
    a[2:5, :] = -1
    ours = ref.open(path, mode="a")
    assert np.array_equal(ours[...], a)
    ours[6:8, 3:9] = 42
    a[6:8, 3:9] = 42
    assert np.array_equal(blosc2.open(path, cparams=cp, dparams=dp)[...], a)


def test_zeros_and_full_write_the_same_chunks(tmp_path) -> None:
    for make in (lambda m: m.zeros((100,), dtype="<i2", chunks=(40,), blocks=(10,)),
                 lambda m: m.full((100,), 7, dtype="<i2", chunks=(40,), blocks=(10,))):
        ours, theirs = make(ref), make(blosc2)
        assert [ours.schunk.get_chunk(i) for i in range(3)] == [bytes(theirs.schunk.get_chunk(i)) for i in range(3)]


def test_sparse_ndarrays_both_ways(tmp_path) -> None:
    """contiguous=False: a directory with the b2nd metalayer in its index, written and rewritten by either side."""
    a = np.arange(60, dtype="<i4").reshape(6, 10)
    cp, dp = _b2_params("<i4", (2, 3))
    ref.asarray(a, chunks=(4, 6), blocks=(2, 3), cparams=dict(PARAMS), urlpath=tmp_path / "r", mode="w",
                contiguous=False)
    blosc2.asarray(a, chunks=(4, 6), blocks=(2, 3), cparams=cp, dparams=dp, urlpath=str(tmp_path / "b"), mode="w",
                   contiguous=False)
    theirs = blosc2.open(str(tmp_path / "r"), cparams=cp, dparams=dp)
    assert isinstance(theirs, blosc2.NDArray) and np.array_equal(theirs[...], a)
    ours = ref.open(tmp_path / "b", mode="a")
    assert isinstance(ours, ref.NDArray) and not ours.schunk.contiguous
    ours[1:5, 2:9] = 0
    a[1:5, 2:9] = 0
    assert np.array_equal(blosc2.open(str(tmp_path / "b"), cparams=cp, dparams=dp)[...], a)


def test_an_empty_array_python_blosc2_wrote_opens(tmp_path) -> None:
    """python-blosc2 gives an array of extent 0 chunks and blocks of extent 0 too: opening it divided by zero."""
    path = str(tmp_path / "empty.b2nd")
    blosc2.asarray(np.zeros((0, 5), "f4"), urlpath=path, mode="w")
    got = ref.open(path)
    assert got.shape == (0, 5) and got[...].shape == (0, 5) and got[...].dtype == np.float32
