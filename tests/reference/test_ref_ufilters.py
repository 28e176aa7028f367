"""User-defined filters in the reference (``register_filter``): registration, the pipeline, and byte-level
interop with python-blosc2 4.x in both directions (chunks and frames, user filters in any slot)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import udcodec.reference as ref
from udcodec import testcodecs as tc
from udcodec.reference import ufilters

FILTERS = {160: (tc.add_meta_forward, tc.add_meta_backward), 161: (tc.reverse_forward, tc.reverse_backward),
           162: (tc.xor_position_forward, tc.xor_position_backward)}
CODEC = 200
DATA = (np.arange(5000, dtype=np.int32) * 3).tobytes() + bytes(range(37))


@pytest.fixture
def registered() -> None:
    for fid, (fwd, bwd) in FILTERS.items():
        ref.register_filter(fid, fwd, bwd)
    ref.register_codec("zc", CODEC, tc.zlib_encoder, tc.zlib_decoder)


def ref_schunk(**cp: object) -> ref.SChunk:
    return ref.SChunk(chunksize=len(DATA), cparams=ref.CParams(**{"codec": CODEC, "nthreads": 1, **cp}))  # type: ignore[arg-type]


# -- registration ------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "exc"), [
    ((159, tc.reverse_forward, tc.reverse_backward), ValueError),
    ((256, tc.reverse_forward, tc.reverse_backward), ValueError),
    ((170.0, tc.reverse_forward, tc.reverse_backward), TypeError),
    (("170", tc.reverse_forward, tc.reverse_backward), TypeError),
    ((True, tc.reverse_forward, tc.reverse_backward), TypeError),
    ((170, tc.reverse_forward, None), ValueError),
    ((170, None, tc.reverse_backward), ValueError),
    ((170, 1, 2), TypeError),
    ((170, None, None), ValueError),  # a plugin needs its name
    ((170, None, None, "../evil"), ValueError),
    ((170, None, None, ""), ValueError),
    ((170, tc.reverse_forward, tc.reverse_backward, 5), TypeError),
])
def test_register_filter_rejects(args: tuple, exc: type[Exception]) -> None:
    with pytest.raises(exc):
        ref.register_filter(*args)
    assert ref.ufilters_registry == {} and ufilters._plugins == {}


def test_register_filter_ids_and_duplicates() -> None:
    ref.register_filter(160, tc.reverse_forward, tc.reverse_backward)
    ref.register_filter(np.uint8(255), tc.reverse_forward, tc.reverse_backward, name="last")
    assert set(ref.ufilters_registry) == {160, 255}
    assert ref.ufilters_registry[160] == (tc.reverse_forward, tc.reverse_backward)
    with pytest.raises(ValueError, match="already registered"):
        ref.register_filter(160, tc.add_meta_forward, tc.add_meta_backward)
    ref.register_filter(200, name="some_plugin")
    with pytest.raises(ValueError, match="already registered"):
        ref.register_filter(200, tc.reverse_forward, tc.reverse_backward)
    assert 200 not in ref.ufilters_registry


# -- the pipeline ------------------------------------------------------------------------------


@pytest.mark.usefixtures("registered")
@pytest.mark.parametrize("filters", [[160], [161, 1], [1, 161], [0, 0, 0, 0, 0, 162], [3, 160], [160, 3],
                                     [160, 161, 162], [2, 160, 1]])
def test_roundtrip_any_slot(filters: list[int]) -> None:
    s = ref_schunk(typesize=4, blocksize=1000, filters=filters, filters_meta=[9] * len(filters))
    s.append_data(DATA)
    assert s.decompress_chunk(0) == DATA
    assert list(ref.parse_header(s.get_chunk(0)).filters[: len(filters)]) == filters


def test_forward_and_backward_arguments() -> None:
    calls: list[tuple] = []

    def record(inp: np.ndarray, out: np.ndarray, meta: int, schunk: object) -> int:
        calls.append((inp.dtype, inp.shape, out.shape, inp.flags.writeable, meta, schunk))
        out[:] = inp
        return 12345  # ignored

    ref.register_filter(170, record, record)
    ref.register_codec("zc", CODEC, tc.zlib_encoder, tc.zlib_decoder)
    s = ref_schunk(typesize=4, blocksize=1000, filters=[1, 170], filters_meta=[0, 77])
    s.append_data(DATA[:4048])
    assert s.decompress_chunk(0) == DATA[:4048]
    assert [c[1] for c in calls] == [(1000,)] * 4 + [(48,)] + [(1000,)] * 4 + [(48,)]
    assert all(c[0] == np.uint8 and c[1] == c[2] and not c[3] and c[4] == 77 and c[5] is s for c in calls)


@pytest.mark.usefixtures("registered")
def test_memcpyed_chunks_never_call_filters() -> None:
    ref.register_filter(170, tc.failing_filter, tc.failing_filter)
    s = ref_schunk(typesize=4, clevel=0, filters=[170])
    s.append_data(DATA)
    assert s.decompress_chunk(0) == DATA
    with pytest.raises(tc.FilterBoom):
        ref_schunk(typesize=4, filters=[170]).append_data(DATA)


@pytest.mark.usefixtures("registered")
def test_nthreads_left_out_is_one_beside_python_filters(tmp_path) -> None:  # noqa: ANN001
    """Left out, nthreads is 1 when a Python filter is in the pipeline, whatever the codec (THREAD-DEFAULTS-FILTERS)."""
    previous = ref.set_nthreads(4)
    try:
        path = str(tmp_path / "f.b2frame")
        s = ref.SChunk(chunksize=len(DATA), cparams={"codec": ref.Codec.ZSTD, "typesize": 4, "filters": [161]},
                       urlpath=path, mode="w")
        assert s.cparams.nthreads == 1 and s.dparams.nthreads == 1
        s.append_data(DATA)
        opened = ref.open(path, mode="a")
        assert opened.cparams.nthreads == 1 and opened.dparams.nthreads == 1
        opened.append_data(DATA)
        assert opened.decompress_chunk(1) == DATA
        plain = ref.SChunk(chunksize=100, cparams={"codec": ref.Codec.ZSTD, "filters": [ref.Filter.SHUFFLE]})
        assert plain.cparams.nthreads == 4 and plain.dparams.nthreads == 4
    finally:
        ref.set_nthreads(previous)


@pytest.mark.usefixtures("registered")
def test_threads_container_only_and_unregistered() -> None:
    for cp, dp in (({"nthreads": 2}, {}), ({}, {"nthreads": 2})):
        with pytest.raises(ValueError, match="Python filters"):
            ref.SChunk(chunksize=100, cparams={"codec": ref.Codec.ZLIB, "filters": [160], **cp}, dparams=dp)
    with pytest.raises(ValueError, match="inside an SChunk"):
        ref.compress2(DATA, cparams=ref.CParams(codec=ref.Codec.ZLIB, filters=[161], nthreads=1))
    s = ref_schunk(typesize=4, filters=[161])
    s.append_data(DATA)
    with pytest.raises(ValueError, match="inside an SChunk"):
        ref.decompress2(s.get_chunk(0))
    with pytest.raises(RuntimeError, match="not registered"):
        ref_schunk(typesize=4, filters=[190]).append_data(DATA)
    ref.register_filter(191, name="nosuchfilter")
    with pytest.raises(RuntimeError, match="nosuchfilter"):
        ref_schunk(typesize=4, filters=[191]).append_data(DATA)


# -- interop with python-blosc2 4.x ------------------------------------------------------------

PIPELINES = [[160], [161, 1], [1, 161], [162, 3], [0, 0, 0, 0, 0, 160], [160, 161, 162, 1, 2], [4, 160],
             [160, 3], [3, 160], [2, 160, 1], [1, 160, 2]]


@pytest.fixture
def blosc2_registered(registered: None):  # noqa: ANN201
    blosc2 = pytest.importorskip("blosc2")
    if not blosc2.__version__.startswith("4."):
        pytest.skip("byte identity is pinned against python-blosc2 4.x")
    for fid, (fwd, bwd) in FILTERS.items():
        if fid not in blosc2.ufilters_registry:
            blosc2.register_filter(fid, fwd, bwd)
    if CODEC not in blosc2.ucodecs_registry:
        blosc2.register_codec("zc", CODEC, tc.zlib_encoder, tc.zlib_decoder)
    return blosc2


def _params(pipe: list[int], ts: int, bs: int, clevel: int) -> dict:
    meta = [9 if f >= 160 else (10 if f == 4 else 0) for f in pipe]
    return {"codec": CODEC, "clevel": clevel, "typesize": ts, "nthreads": 1, "blocksize": bs, "filters": list(pipe),
            "filters_meta": meta}


@pytest.mark.parametrize(("pipe", "ts", "bs", "clevel"),
                         [c for c in itertools.product(PIPELINES, [1, 4, 8], [0, 1000], [0, 5])
                          if 4 not in c[0] or c[1] in (4, 8)])
def test_chunks_byte_identical_both_ways(blosc2_registered, pipe: list[int], ts: int, bs: int, clevel: int) -> None:  # noqa: ANN001
    blosc2 = blosc2_registered
    data = DATA[: len(DATA) // ts * ts]
    b = blosc2.SChunk(chunksize=len(data), cparams=blosc2.CParams(**_params(pipe, ts, bs, clevel)),
                      dparams=blosc2.DParams(nthreads=1))
    b.append_data(bytearray(data))  # a copy: blosc2 may write into the source with 3+ filters
    r = ref.SChunk(chunksize=len(data), cparams=ref.CParams(**_params(pipe, ts, bs, clevel)))
    r.append_data(data)
    chunk_b, chunk_r = bytes(b.get_chunk(0)), bytes(r.get_chunk(0))
    assert chunk_b == chunk_r
    r.append_chunk(chunk_b)
    b.append_chunk(chunk_r)
    expected = r.decompress_chunk(0)  # TRUNC_PREC is lossy: compare with what the writer reads back
    assert r.decompress_chunk(1) == expected == bytes(b.decompress_chunk(1)) == bytes(b.decompress_chunk(0))
    if 4 not in pipe:
        assert expected == data


@pytest.mark.parametrize("contiguous", [True, False])
def test_frames_both_ways(blosc2_registered, tmp_path, contiguous: bool) -> None:  # noqa: ANN001
    blosc2 = blosc2_registered
    params = _params([161, 1, 160], 4, 1000, 5)
    pr, pb = str(tmp_path / "r.b2frame"), str(tmp_path / "b.b2frame")
    r = ref.SChunk(chunksize=4000, cparams=ref.CParams(**params), urlpath=pr, contiguous=contiguous, mode="w")
    b = blosc2.SChunk(chunksize=4000, cparams=blosc2.CParams(**params), dparams=blosc2.DParams(nthreads=1), urlpath=pb,
                      contiguous=contiguous, mode="w")
    for i in range(3):
        r.append_data(DATA[i * 4000:(i + 1) * 4000])
        b.append_data(bytearray(DATA[i * 4000:(i + 1) * 4000]))
    del r, b
    previous = blosc2.set_nthreads(1)  # 4.x open applies the global nthreads, refused with Python filters
    try:
        in_b = blosc2.open(pr, mode="r", dparams=blosc2.DParams(nthreads=1))
    finally:
        blosc2.set_nthreads(previous)
    in_r = ref.open(pb, mode="r")
    for i in range(3):
        assert bytes(in_b.decompress_chunk(i)) == in_r.decompress_chunk(i) == DATA[i * 4000:(i + 1) * 4000]
        assert bytes(in_b.get_chunk(i)) == in_r.get_chunk(i)
    assert list(in_r.cparams.filters[:3]) == [161, 1, 160]
