"""SChunk semantics: callbacks contract, return-value checks, atomicity, threads, codec identity, round trips."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import udcodec.reference as ref
from ref_helpers import Recorder, cparams, zlib_decoder, zlib_encoder
from udcodec.reference import chunkformat as cf


def noisy(n, seed=0):
    return np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8)


def compressible(n):
    return (np.arange(n) // 7 % 251).astype(np.uint8)


def test_callback_arguments_and_thread():
    rec = Recorder()
    ref.register_codec("rec", 200, rec.encoder, rec.decoder)
    s = ref.SChunk(chunksize=40000, cparams=cparams(codec_meta=9, blocksize=4000, splitmode=ref.SplitMode.NEVER_SPLIT))
    s.append_data(compressible(40000))
    assert len(rec.enc_calls) == 10  # one per block (not split)
    for size, osize, meta, sch, tid, idt, odt, ic, oc, ind, ond in rec.enc_calls:
        assert size == osize == 4000 and meta == 9 and sch is s and tid == threading.get_ident()
        assert idt == odt == np.uint8 and ic and oc and ind == ond == 1
    assert s.decompress_chunk(0) == compressible(40000).tobytes()
    assert len(rec.dec_calls) == 10
    chunk = s.get_chunk(0)
    for size, osize, meta, sch, tid, cdata in rec.dec_calls:
        assert osize == 4000 and meta == 9 and sch is s and tid == threading.get_ident()
        assert cdata in chunk and size == len(cdata)


def test_split_streams_call_encoder_per_stream():
    rec = Recorder()
    ref.register_codec("rec", 200, rec.encoder, rec.decoder)
    s = ref.SChunk(chunksize=40000, cparams=cparams(blocksize=4000, splitmode=ref.SplitMode.ALWAYS_SPLIT))
    s.append_data(noisy(40000))
    assert [c[0] for c in rec.enc_calls] == [1000] * 40  # 10 blocks x typesize 4 streams
    assert s.decompress_chunk(0) == noisy(40000).tobytes()
    assert not (s.get_chunk(0)[2] & cf.FLAG_DONT_SPLIT)


@pytest.mark.parametrize("mode", [ref.SplitMode.AUTO_SPLIT, ref.SplitMode.FORWARD_COMPAT_SPLIT, ref.SplitMode.NEVER_SPLIT])
def test_user_codecs_do_not_split_unless_always(mode, zcodec):
    s = ref.SChunk(chunksize=40000, cparams=cparams(splitmode=mode))
    s.append_data(compressible(40000))
    assert s.get_chunk(0)[2] & cf.FLAG_DONT_SPLIT


def test_return_zero_stores_raw_and_decoder_never_called():
    calls = []
    ref.register_codec("raw", 200, lambda i, o, m, s: 0, lambda i, o, m, s: calls.append(1) or o.size)
    s = ref.SChunk(chunksize=100000, cparams=cparams(blocksize=10000))
    data = compressible(100000)
    s.append_data(data)
    assert s.decompress_chunk(0) == data.tobytes() and calls == []


def test_returned_size_full_stream_is_raw():
    calls = []

    sizes = []

    def enc(i, o, m, s):
        sizes.append((i.size, o.size))
        o[:] = 0xAB  # garbage the codec writes but declares incompressible
        return o.size if o.size == i.size else 0

    ref.register_codec("full", 200, enc, lambda i, o, m, s: calls.append(1) or o.size)
    s = ref.SChunk(chunksize=10000, cparams=cparams(typesize=1, filters=[0] * 6, blocksize=1000))
    data = noisy(10000)
    s.append_data(data)
    assert s.decompress_chunk(0) == data.tobytes() and calls == []
    # c-blosc2 rule: output is the stream size unless the chunk would outgrow nbytes + 32, then it
    # is what is left (here the 10th block); a chunk of raw streams ends up memcpyed.
    assert sizes[0] == (1000, 1000) and sizes[-1] == (1000, 10032 - (72 + 9 * 1004) - 4)
    assert ref.parse_header(s.get_chunk(0)).memcpyed


def test_only_returned_bytes_stored():
    def enc(i, o, m, s):
        o[:] = 0xEE
        o[:3] = [1, 2, 3]
        return 3

    seen = []

    def dec(i, o, m, s):
        seen.append(bytes(i))
        o[:] = 7
        return o.size

    ref.register_codec("three", 200, enc, dec)
    s = ref.SChunk(chunksize=1000, cparams=cparams(typesize=1, filters=[0] * 6))
    s.append_data(noisy(1000))
    chunk = s.get_chunk(0)
    assert 0xEE not in chunk[cf.EXTENDED_HEADER_LENGTH + 4:]
    assert s.decompress_chunk(0) == bytes([7]) * 1000
    assert seen == [b"\x01\x02\x03"]
    assert len(chunk) == 32 + 4 + 4 + 3


@pytest.mark.parametrize("bad, exc", [(-1, ValueError), (10**6, ValueError), (None, TypeError), (1.0, TypeError),
                                      ("3", TypeError), (True, TypeError), (np.bool_(False), TypeError),
                                      (2.5, TypeError)])
def test_bad_encoder_return_names_value_and_stores_nothing(bad, exc):
    ref.register_codec("bad", 233, lambda i, o, m, s: bad, zlib_decoder)
    s = ref.SChunk(chunksize=1000, cparams=cparams(codec=233, typesize=1))
    with pytest.raises(exc) as ei:
        s.append_data(noisy(1000))
    assert repr(bad) in str(ei.value) or str(bad) in str(ei.value)
    assert "233" in str(ei.value)
    assert s.nchunks == 0 and s.nbytes == 0 and s.cbytes == 0


def test_numpy_integer_return_accepted():
    ref.register_codec("npint", 200, lambda i, o, m, s: np.int32(0), zlib_decoder)
    s = ref.SChunk(chunksize=1000, cparams=cparams(typesize=1))
    s.append_data(noisy(1000))
    assert s.decompress_chunk(0) == noisy(1000).tobytes()


def test_encoder_exception_propagates_identity_and_nothing_stored(zcodec):
    err = KeyError("boom")
    n = {"calls": 0}

    def enc(i, o, m, s):
        n["calls"] += 1
        if n["calls"] == 13:  # third block of the second chunk
            raise err
        return zlib_encoder(i, o, m, s)

    ref.register_codec("explode", 201, enc, zlib_decoder)
    s = ref.SChunk(chunksize=40000, cparams=cparams(codec=201, blocksize=4000))
    s.append_data(compressible(40000))
    with pytest.raises(KeyError) as ei:
        s.append_data(compressible(40000))
    assert ei.value is err
    assert s.nchunks == 1 and s.nbytes == 40000


def test_decoder_exception_propagates_identity():
    err = ZeroDivisionError("dec")
    ref.register_codec("d", 200, zlib_encoder, lambda i, o, m, s: (_ for _ in ()).throw(err))
    s = ref.SChunk(chunksize=10000, cparams=cparams())
    s.append_data(compressible(10000))
    with pytest.raises(ZeroDivisionError) as ei:
        s.decompress_chunk(0)
    assert ei.value is err


@pytest.mark.parametrize("bad, exc", [(0, ValueError), (-1, ValueError), (99999, ValueError), (None, TypeError),
                                      (1.0, TypeError), (True, TypeError)])
def test_bad_decoder_return(bad, exc):
    ref.register_codec("d", 220, zlib_encoder, lambda i, o, m, s: bad)
    s = ref.SChunk(chunksize=10000, cparams=cparams(codec=220))
    s.append_data(compressible(10000))
    with pytest.raises(exc) as ei:
        s.decompress_chunk(0)
    assert str(bad) in str(ei.value) and "220" in str(ei.value)


# ---- threads ------------------------------------------------------------------------------------
@pytest.mark.parametrize("cp_threads, dp_threads", [(2, 1), (1, 2), (8, 8)])
def test_threads_rejected_at_creation(zcodec, cp_threads, dp_threads):
    with pytest.raises(ValueError, match="thread"):
        ref.SChunk(chunksize=100, cparams=cparams(nthreads=cp_threads), dparams={"nthreads": dp_threads})


def test_threads_rejected_on_update_and_params_unchanged(zcodec):
    s = ref.SChunk(chunksize=100, cparams=cparams(), dparams={"nthreads": 1})
    before_c, before_d = s.cparams, s.dparams
    with pytest.raises(ValueError):
        s.cparams = {"nthreads": 4}
    with pytest.raises(ValueError):
        s.cparams = ref.CParams(codec=200, nthreads=2, typesize=4)
    with pytest.raises(ValueError):
        s.dparams = {"nthreads": 3}
    with pytest.raises(ValueError):
        s.dparams = ref.DParams(nthreads=2)
    assert s.cparams == before_c and s.dparams == before_d


def test_switch_to_user_codec_with_threaded_dparams_rejected(zcodec):
    s = ref.SChunk(chunksize=100, cparams=dict(codec=ref.Codec.ZLIB, nthreads=4), dparams={"nthreads": 4})
    before = s.cparams
    with pytest.raises(ValueError):
        s.cparams = {"codec": 200, "nthreads": 1}
    assert s.cparams == before
    s.dparams = {"nthreads": 1}
    s.cparams = {"codec": 200, "nthreads": 1}
    assert s.cparams.codec == 200


def test_threads_allowed_for_builtin_and_plugins():
    ref.register_codec("plug", 240)
    ref.SChunk(chunksize=100, cparams=dict(codec=240, nthreads=4), dparams={"nthreads": 4})
    ref.SChunk(chunksize=100, cparams=dict(codec=ref.Codec.ZLIB, nthreads=4), dparams={"nthreads": 4})


def test_nthreads_left_out_follows_the_codec(zcodec):
    """Left out, nthreads is 1 with a Python codec and the default thread count otherwise."""
    assert ref.CParams().nthreads is None and ref.DParams().nthreads is None
    previous = ref.set_nthreads(4)
    try:
        assert ref.nthreads == 4
        s = ref.SChunk(chunksize=100, cparams=ref.CParams(codec=200, typesize=1))
        assert s.cparams.nthreads == 1 and s.dparams.nthreads == 1
        b = ref.SChunk(chunksize=100, cparams=ref.CParams(codec=ref.Codec.ZLIB))
        assert b.cparams.nthreads == 4 and b.dparams.nthreads == 4
        b.cparams = {"codec": 200}  # left out, the threads follow the new codec
        assert b.cparams.nthreads == 1 and b.dparams.nthreads == 1
        with pytest.raises(ValueError, match="multi-threading"):
            ref.SChunk(chunksize=100, cparams=ref.CParams(codec=200), dparams=ref.DParams(nthreads=2))
    finally:
        ref.set_nthreads(previous)


def test_open_with_partial_cparams_keeps_the_rest(zcodec, tmp_path):
    p = str(tmp_path / "c.b2frame")
    s = ref.SChunk(chunksize=100, cparams=ref.CParams(codec=200, typesize=4, codec_meta=3), urlpath=p, mode="w")
    s.append_data(bytes(100))
    s.close()
    o = ref.open(p, mode="a", cparams=ref.CParams(clevel=1))
    assert (o.cparams.codec, o.cparams.typesize, o.cparams.codec_meta, o.cparams.clevel) == (200, 4, 3, 1)


def test_params_getters_setters(zcodec):
    s = ref.SChunk(chunksize=100, cparams=ref.CParams(codec=200, typesize=4))
    assert isinstance(s.cparams, ref.CParams) and isinstance(s.dparams, ref.DParams)
    s.cparams = {"codec_meta": 5}
    assert s.cparams.codec_meta == 5 and s.cparams.codec == 200
    cp = s.cparams
    cp.codec_meta = 77  # a copy: mutating it does not change the container
    assert s.cparams.codec_meta == 5
    s.cparams = ref.CParams(codec=200, typesize=4, clevel=3)
    assert s.cparams.clevel == 3 and s.cparams.codec_meta == 0
    with pytest.raises(TypeError):
        s.cparams = {"no_such_field": 1}
    with pytest.raises(ValueError):
        s.cparams = {"clevel": 10}


# ---- container-only -----------------------------------------------------------------------------
def test_compress2_rejects_user_codecs(zcodec):
    with pytest.raises(ValueError, match="only be used inside an SChunk"):
        ref.compress2(b"x" * 1000, codec=200, typesize=1)
    with pytest.raises(ValueError, match="only be used inside an SChunk"):
        ref.compress2(b"x" * 1000, cparams=ref.CParams(codec=180, typesize=1))  # even unregistered ids


def test_decompress2_rejects_user_codec_chunks(zcodec):
    s = ref.SChunk(chunksize=10000, cparams=cparams())
    s.append_data(compressible(10000))
    with pytest.raises(ValueError, match="only be used inside an SChunk"):
        ref.decompress2(s.get_chunk(0))


def test_compress2_builtin_paths():
    data = compressible(50000).tobytes()
    c = ref.compress2(data, codec=ref.Codec.ZLIB, typesize=1, clevel=6)
    assert len(c) < len(data) and ref.decompress2(c) == data
    c0 = ref.compress2(data, codec=ref.Codec.ZSTD, clevel=0)
    assert ref.decompress2(c0) == data
    buf = bytearray(len(data))
    assert ref.decompress2(c, buf) is None and bytes(buf) == data
    for codec in (ref.Codec.ZSTD, ref.Codec.LZ4, ref.Codec.LZ4HC, ref.Codec.BLOSCLZ):
        c = ref.compress2(data, codec=codec, clevel=5)
        assert len(c) < len(data) and ref.decompress2(c) == data
    with pytest.raises(NotImplementedError, match="NDLZ"):
        ref.compress2(data, codec=ref.Codec.NDLZ)


# ---- codec identity -----------------------------------------------------------------------------
def test_chunk_records_codec_id_and_meta(zcodec):
    s = ref.SChunk(chunksize=10000, cparams=cparams(codec_meta=42))
    s.append_data(compressible(10000))
    h = ref.parse_header(s.get_chunk(0))
    assert h.compformat == 6 and h.udcodec == 200 and h.codec_meta == 42 and h.version == 5


def test_decoder_selected_by_chunk_not_cparams():
    seen = []
    ref.register_codec("a", 200, zlib_encoder, lambda i, o, m, s: seen.append(("a", m)) or zlib_decoder(i, o, m, s))
    ref.register_codec("b", 201, zlib_encoder, lambda i, o, m, s: seen.append(("b", m)) or zlib_decoder(i, o, m, s))
    s = ref.SChunk(chunksize=10000, cparams=cparams(codec=200, codec_meta=1, blocksize=10000))
    s.append_data(compressible(10000))
    s.cparams = {"codec": 201, "codec_meta": 2}
    s.append_data(compressible(10000))
    assert s.decompress_chunk(0) == s.decompress_chunk(1) == compressible(10000).tobytes()
    assert seen == [("a", 1), ("b", 2)]


def test_unregistered_codec_on_read_names_id(zcodec):
    s = ref.SChunk(chunksize=10000, cparams=cparams())
    s.append_data(compressible(10000))
    ref._reset_registry()
    with pytest.raises(RuntimeError, match="200"):
        s.decompress_chunk(0)


def test_unregistered_codec_on_write_names_id():
    s = ref.SChunk(chunksize=10000, cparams=cparams(codec=199))
    with pytest.raises(RuntimeError, match="199"):
        s.append_data(compressible(10000))
    assert s.nchunks == 0


# ---- chunking rules -------------------------------------------------------------------------------
def test_short_chunk_rules(zcodec):
    s = ref.SChunk(chunksize=4000, cparams=cparams())
    assert s.append_data(compressible(4000)) == 1
    assert s.append_data(compressible(1000)) == 2
    with pytest.raises(ValueError, match="short chunk"):
        s.append_data(compressible(4000))
    assert s.nchunks == 2
    t = ref.SChunk(chunksize=4000, cparams=cparams())
    with pytest.raises(ValueError, match="chunksize"):
        t.append_data(compressible(4001))


def test_data_argument_splits_into_chunks(zcodec):
    data = np.arange(2500, dtype=np.int32)
    s = ref.SChunk(chunksize=4000, data=data, cparams=cparams())
    assert s.nchunks == 3 and len(s) == 2500 and s.nbytes == 10000
    assert s[:] == data.tobytes()
    assert s[3:7] == data[3:7].tobytes() == s.get_slice(3, 7)
    assert s[-1] == data[-1:].tobytes()
    out = bytearray(16)
    assert s.get_slice(998, 1002, out) is None and bytes(out) == data[998:1002].tobytes()
    dst = bytearray(4000)
    assert s.decompress_chunk(1, dst) is None and bytes(dst) == data[1000:2000].tobytes()
    assert s.chunksize == 4000 and s.typesize == 4 and s.urlpath is None and s.contiguous is False  # blosc2: in memory means not contiguous


# ---- round trips ------------------------------------------------------------------------------------
ROUND_TRIP_SIZES = [0, 1, 7, 31, 32, 33, 1000, 4095, 65536 + 13, 300_001]


@pytest.mark.slow
@pytest.mark.parametrize("n", ROUND_TRIP_SIZES)
@pytest.mark.parametrize("split", list(ref.SplitMode))
@pytest.mark.parametrize("filters", [[0] * 6, [0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 2], [3, 1, 0, 0, 0, 0]])
@pytest.mark.parametrize("blocksize", [0, 1000])
def test_round_trip_matrix(zcodec, n, split, filters, blocksize):
    for typesize in (1, 4, 3):
        s = ref.SChunk(chunksize=max(n, 1), cparams=cparams(typesize=typesize, splitmode=split, filters=filters,
                                                              blocksize=blocksize))
        for data in (compressible(n), noisy(n, seed=n)):
            s2 = ref.SChunk(chunksize=max(n, 1), cparams=s.cparams)
            s2.append_data(data)
            assert s2.decompress_chunk(0) == data.tobytes()


def test_runs_and_zero_chunks(zcodec):
    s = ref.SChunk(chunksize=40000, cparams=cparams(typesize=4))
    s.append_data(np.zeros(40000, np.uint8))
    h = ref.parse_header(s.get_chunk(0))
    assert h.special == cf.SPECIAL_ZERO and h.cbytes == 32 and h.udcodec == 200
    s.append_data(np.full(40000, 7, np.uint8))
    assert s.decompress_chunk(0) == bytes(40000)
    assert s.decompress_chunk(1) == bytes([7]) * 40000


def test_clevel0_memcpy(zcodec):
    s = ref.SChunk(chunksize=1000, cparams=cparams(clevel=0))
    s.append_data(noisy(1000))
    h = ref.parse_header(s.get_chunk(0))
    assert h.memcpyed and h.cbytes == 1032 and h.udcodec == 200
    assert s.decompress_chunk(0) == noisy(1000).tobytes()


def test_unsupported_filter_raises_not_implemented(zcodec):
    with pytest.raises(NotImplementedError, match="filter 33"):  # NDMEAN (TRUNC_PREC is implemented)
        ref.SChunk(chunksize=100, cparams=cparams(filters=[33, 0, 0, 0, 0, 0]))


def test_append_data_returns_nchunks_and_rejects_read_only(tmp_path, zcodec):
    p = str(tmp_path / "x.b2frame")
    s = ref.SChunk(chunksize=1000, cparams=cparams(), urlpath=p, mode="w")
    assert s.append_data(compressible(1000)) == 1
    s.close()
    r = ref.open(p)
    with pytest.raises(ValueError, match="read-only"):
        r.append_data(compressible(1000))


@pytest.mark.slow
def test_64mib_roundtrip():
    """Eight 8 MiB chunks through a codec that stores every block raw (its speed: benchmarks/)."""
    ref.register_codec("copy", 200, lambda i, o, m, s: 0, zlib_decoder)
    data = compressible(64 * 2**20)
    s = ref.SChunk(chunksize=8 * 2**20, data=data, cparams=cparams(typesize=4, filters=[0, 0, 0, 0, 0, 1]))
    assert s.nchunks == 8
    assert s[:] == data.tobytes()
