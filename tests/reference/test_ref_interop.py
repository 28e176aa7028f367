"""Format interop with the real python-blosc2 (4.x): chunks and frames in both directions."""

from __future__ import annotations

import numpy as np
import pytest
import udcodec.reference as ref
from ref_helpers import zlib_decoder, zlib_encoder

blosc2 = pytest.importorskip("blosc2")

CID = 200
CONFIGS = [
    # (typesize, splitmode, filters, blocksize, clevel)
    (4, 3, [0, 0, 0, 0, 0, 1], 0, 5),
    (4, 1, [0, 0, 0, 0, 0, 1], 0, 5),
    (4, 2, [0, 0, 0, 0, 0, 0], 0, 5),
    (8, 1, [0, 0, 0, 0, 0, 2], 4096, 5),
    (2, 4, [3, 1, 0, 0, 0, 0], 1000, 5),
    (1, 3, [0, 0, 0, 0, 0, 1], 0, 0),
    (3, 1, [0, 0, 0, 0, 0, 1], 999, 9),
]
DATASETS = {
    "arange": lambda n: np.arange(n // 4, dtype=np.int32).tobytes(),
    "noise": lambda n: np.random.default_rng(1).integers(0, 256, n, dtype=np.uint8).tobytes(),
    "zeros": lambda n: bytes(n),
    "runs": lambda n: bytes([5]) * (n // 2) + bytes(n - n // 2),
    "tiny": lambda n: b"abc",
}


@pytest.fixture(autouse=True)
def both_registered():
    ref.register_codec("zc", CID, zlib_encoder, zlib_decoder)
    if CID not in blosc2.ucodecs_registry:
        blosc2.register_codec("zc", CID, zlib_encoder, zlib_decoder)
    yield


def cp_pair(typesize, splitmode, filters, blocksize, clevel, meta=11):
    common = dict(codec=CID, codec_meta=meta, nthreads=1, typesize=typesize, blocksize=blocksize, clevel=clevel)
    r = dict(common, splitmode=splitmode, filters=filters)
    b = blosc2.CParams(**common, splitmode=blosc2.SplitMode(splitmode), filters=[blosc2.Filter(f) for f in filters])
    return r, b


def pair(config, chunksize):
    r_cp, b_cp = cp_pair(*config)
    r = ref.SChunk(chunksize=chunksize, cparams=r_cp, dparams={"nthreads": 1})
    b = blosc2.SChunk(chunksize=chunksize, cparams=b_cp, dparams=blosc2.DParams(nthreads=1))
    return r, b


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_chunks_cross_decode(config, dataset):
    n = 200_000
    data = DATASETS[dataset](n)
    r, b = pair(config, max(len(data), 1))
    r.append_data(data)
    b.append_data(data)
    rc, bc = r.get_chunk(0), b.get_chunk(0)
    # (1) reference chunk -> blosc2
    b2 = pair(config, max(len(data), 1))[1]
    b2.append_chunk(rc)
    assert b2.decompress_chunk(0) == data
    # (2) blosc2 chunk -> reference
    r2 = pair(config, max(len(data), 1))[0]
    r2.append_chunk(bc)
    assert r2.decompress_chunk(0) == data
    # header fields agree (cbytes too when the codec is deterministic, which zlib is)
    hr, hb = ref.parse_header(rc), ref.parse_header(bc)
    assert (hr.version, hr.versionlz, hr.flags, hr.typesize, hr.nbytes, hr.blocksize, hr.filters, hr.udcodec,
            hr.codec_meta, hr.filters_meta, hr.blosc2_flags) == \
           (hb.version, hb.versionlz, hb.flags, hb.typesize, hb.nbytes, hb.blocksize, hb.filters, hb.udcodec,
            hb.codec_meta, hb.filters_meta, hb.blosc2_flags)


def test_byte_identity_rate(capsys):
    """Measure (and require) byte identity of whole chunks over the configuration matrix."""
    total = same = 0
    for config in CONFIGS:
        for name in sorted(DATASETS):
            data = DATASETS[name](200_000)
            r, b = pair(config, max(len(data), 1))
            r.append_data(data)
            b.append_data(data)
            total += 1
            same += r.get_chunk(0) == b.get_chunk(0)
    with capsys.disabled():
        print(f"\nbyte-identical chunks: {same}/{total}")
    assert same == total


def test_blosc2_decodes_reference_chunk_with_other_meta():
    r, _b = pair(CONFIGS[0], 40000)
    seen = []

    def dec(i, o, meta, s):
        seen.append(meta)
        return zlib_decoder(i, o, meta, s)

    blosc2.ucodecs_registry[CID] = ("zc", zlib_encoder, dec)
    try:
        r.append_data(np.arange(10000, dtype=np.int32))
        b = pair(CONFIGS[0], 40000)[1]
        b.append_chunk(r.get_chunk(0))
        assert b.decompress_chunk(0) == np.arange(10000, dtype=np.int32).tobytes()
        assert seen and set(seen) == {11}
    finally:
        blosc2.ucodecs_registry[CID] = ("zc", zlib_encoder, zlib_decoder)


def test_builtin_zlib_chunks_interop():
    data = np.arange(50000, dtype=np.int32).tobytes()
    c = blosc2.compress2(data, codec=blosc2.Codec.ZLIB, typesize=4, clevel=5)
    assert ref.decompress2(c) == data
    rc = ref.compress2(data, codec=ref.Codec.ZLIB, typesize=4, clevel=5)
    assert blosc2.decompress2(rc) == data


def test_reference_frame_opens_in_blosc2(tmp_path):
    p = str(tmp_path / "ref.b2frame")
    r_cp, b_cp = cp_pair(*CONFIGS[0])
    s = ref.SChunk(chunksize=4000, cparams=r_cp, urlpath=p, mode="w")
    parts = [np.arange(1000, dtype=np.int32), np.zeros(1000, np.int32), np.arange(500, dtype=np.int32)]
    for x in parts:
        s.append_data(x)
    s.close()
    b = blosc2.open(p, mode="r", cparams=b_cp, dparams=blosc2.DParams(nthreads=1))
    assert b.nchunks == 3 and b.nbytes == 10000
    assert b[:] == b"".join(x.tobytes() for x in parts)
    assert b.cparams.codec_meta == 11 and b.typesize == 4


def test_blosc2_frame_opens_in_reference(tmp_path):
    p = str(tmp_path / "b2.b2frame")
    r_cp, b_cp = cp_pair(*CONFIGS[0])
    b = blosc2.SChunk(chunksize=4000, cparams=b_cp, dparams=blosc2.DParams(nthreads=1), urlpath=p, mode="w")
    parts = [np.arange(1000, dtype=np.int32), np.zeros(1000, np.int32), np.arange(500, dtype=np.int32)]
    for x in parts:
        b.append_data(x)
    del b
    r = ref.open(p)
    assert r.nchunks == 3 and r[:] == b"".join(x.tobytes() for x in parts)
    assert r.cparams.codec == CID and r.cparams.codec_meta == 11


def test_frame_header_and_trailer_match_blosc2(tmp_path):
    """Same codec output -> same frame bytes except nothing (header, chunks, offsets chunk, trailer)."""
    pr, pb = str(tmp_path / "r.b2frame"), str(tmp_path / "b.b2frame")
    r_cp, b_cp = cp_pair(*CONFIGS[0])
    r = ref.SChunk(chunksize=4000, cparams=r_cp, urlpath=pr, mode="w")
    b = blosc2.SChunk(chunksize=4000, cparams=b_cp, dparams=blosc2.DParams(nthreads=1), urlpath=pb, mode="w")
    for x in (np.arange(1000, dtype=np.int32), np.zeros(1000, np.int32), np.arange(500, dtype=np.int32)):
        r.append_data(x)
        b.append_data(x)
    r.close()
    del b
    assert open(pr, "rb").read() == open(pb, "rb").read()
