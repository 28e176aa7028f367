"""The reference's builtin codecs (BLOSCLZ, LZ4, LZ4HC, ZLIB, ZSTD) against the real python-blosc2 4.x.

Chunks either writes decode on the other, frames either writes open on the other, and the chunks are
byte-identical where the compression libraries give it:

* ZSTD (``zstandard`` and c-blosc2 both bundle zstd 1.5.7) and BLOSCLZ (the reference's own encoder
  makes c-blosc2's choices): always;
* LZ4HC from clevel 3 on: LZ4 1.10.0 (in c-blosc2) brought new algorithms for HC levels 1 and 2 that
  the ``lz4`` package's LZ4 1.9.4 does not have;
* LZ4 where every stream is at least 64 KiB: below that LZ4 1.10.0's fast compressor chooses
  differently from 1.9.4's;
* ZLIB: never asserted; c-blosc2 is built with zlib-ng, whose deflate writes other (valid) zlib streams
  than the zlib behind Python's ``zlib`` module.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
import udcodec.reference as ref
from udcodec.reference import blosclz, builtin_codecs
from udcodec.reference.chunkformat import parse_header

blosc2 = pytest.importorskip("blosc2")

CODECS = ["BLOSCLZ", "LZ4", "LZ4HC", "ZLIB", "ZSTD"]
RNG = np.random.default_rng(7)
DATASETS = {
    "arange": np.arange(60_000, dtype=np.int32),
    "floats": np.linspace(0, 100, 10_000),
    "small-ints": RNG.integers(0, 8, 20_000).astype(np.int32),
    "text": np.frombuffer(b"the quick brown fox jumps over the lazy dog; " * 1000, dtype=np.uint8),
    "noise": RNG.integers(0, 256, 20_000, dtype=np.uint8),
    "far-repeats": np.tile(RNG.integers(0, 256, 20_000, dtype=np.uint8), 3),
    "tiny": np.arange(10, dtype=np.uint8),
}
# (clevel, filter, splitmode)
CONFIGS = [(1, 1, 1), (3, 0, 2), (5, 1, 3), (9, 2, 1), (9, 1, 2)]


def identical_expected(codec: str, clevel: int, chunk: bytes) -> bool:
    h = parse_header(chunk)
    if codec in ("ZSTD", "BLOSCLZ"):
        return True
    if codec == "LZ4HC":
        return clevel >= 3
    if codec == "LZ4":
        if h.memcpyed or h.special:
            return True
        streams = h.blocksize // (1 if h.dont_split else h.typesize)
        leftover = h.nbytes % h.blocksize
        return min(streams, leftover or streams) >= 64 * 1024
    return False


def both_chunks(codec: str, arr: np.ndarray, clevel: int, filt: int, split: int) -> tuple[bytes, bytes]:
    kw = dict(clevel=clevel, typesize=arr.itemsize, nthreads=1)  # one thread: python-blosc2's block order is fixed
    ours = ref.compress2(arr, codec=ref.Codec[codec], filters=[filt], splitmode=split, **kw)
    theirs = blosc2.compress2(arr, codec=blosc2.Codec[codec], filters=[blosc2.Filter(filt)],
                              splitmode=blosc2.SplitMode(split), **kw)
    return ours, theirs


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "clevel{}-filter{}-split{}".format(*c))
@pytest.mark.parametrize("codec", CODECS)
def test_chunks_decode_both_ways(codec, config):
    identical = total = 0
    for name, arr in DATASETS.items():
        ours, theirs = both_chunks(codec, arr, *config)
        assert blosc2.decompress2(ours) == arr.tobytes(), f"python-blosc2 misreads the reference's {codec} chunk ({name})"
        assert ref.decompress2(theirs) == arr.tobytes(), f"the reference misreads python-blosc2's {codec} chunk ({name})"
        if identical_expected(codec, config[0], theirs):
            assert ours == theirs, f"{codec} {name}: the chunks differ"
            identical += 1
        total += 1
    if codec in ("ZSTD", "BLOSCLZ"):
        assert identical == total


def test_builtin_streams_really_compress():
    """Every codec really encodes (no stream stored raw) compressible data, in a format python-blosc2 names."""
    arr = DATASETS["arange"]
    for codec, fmt in [("BLOSCLZ", 0), ("LZ4", 1), ("LZ4HC", 1), ("ZLIB", 3), ("ZSTD", 4)]:
        chunk = ref.compress2(arr, codec=ref.Codec[codec], clevel=5, typesize=4)
        h = parse_header(chunk)
        assert not h.memcpyed and h.compformat == fmt and h.udcodec == ref.Codec[codec]
        assert len(chunk) < arr.nbytes / 10


def test_default_codec_is_zstd_and_schunk_frames_interop(tmp_path):
    """Default cparams (ZSTD) in both directions: the reference writes a frame python-blosc2 opens, and reads one
    python-blosc2 wrote."""
    data = np.arange(200_000, dtype=np.int64)
    ours = tmp_path / "ours.b2frame"
    s = ref.SChunk(chunksize=400_000, data=data, urlpath=str(ours), mode="w")
    assert parse_header(s.get_chunk(0)).udcodec == ref.Codec.ZSTD
    del s
    assert bytes(blosc2.open(str(ours))[:]) == data.tobytes()
    theirs = tmp_path / "theirs.b2frame"
    b = blosc2.SChunk(chunksize=400_000, data=data, urlpath=str(theirs), mode="w")
    del b
    assert bytes(ref.open(str(theirs))[:]) == data.tobytes()


@pytest.mark.parametrize("codec", CODECS)
def test_sparse_frames_interop(codec, tmp_path):
    data = np.linspace(0, 1, 50_000)
    for writer, reader, name in ((ref, blosc2, "ours"), (blosc2, ref, "theirs")):
        cparams = {"codec": writer.Codec[codec], "clevel": 7, "typesize": 8, "nthreads": 1}
        s = writer.SChunk(chunksize=100_000, data=data, urlpath=str(tmp_path / name), contiguous=False,
                          mode="w", cparams=cparams)
        del s
        assert bytes(reader.open(str(tmp_path / name))[:]) == data.tobytes(), f"{codec}: {name}"


def test_level_mappings():
    assert [builtin_codecs.zstd_level(c) for c in range(1, 10)] == [1, 3, 5, 7, 9, 11, 13, 15, 22]
    assert [builtin_codecs.lz4_acceleration(c) for c in range(1, 10)] == list(range(9, 0, -1))


def test_incompressible_streams_are_stored_raw_or_memcpyed():
    noise = DATASETS["noise"]
    for codec in CODECS:
        ours, theirs = both_chunks(codec, noise, 9, 0, 2)
        assert parse_header(ours).memcpyed == parse_header(theirs).memcpyed, codec
        assert len(ours) == len(theirs) == noise.nbytes + 32, codec


# ---- BloscLZ encoder ----------------------------------------------------------------------------
def test_blosclz_gives_up_as_c_blosc2_does():
    text = DATASETS["text"].tobytes()
    assert blosclz.compress(text[:15], 5, 1000) == b""  # shorter than 16 bytes
    assert blosclz.compress(text, 5, 65) == b""  # maxout below 66
    assert blosclz.compress(DATASETS["noise"].tobytes(), 9, 100_000) == b""  # the probe finds no gain
    full = blosclz.compress(text, 5, len(text))
    assert full and blosclz.compress(text, 5, len(full) - 1) == b""  # does not fit
    # c-blosc2 checks for room before each literal (2 bytes) and after each match (1 byte)
    assert blosclz.compress(text, 5, len(full) + 2) == full
    with pytest.raises(ValueError, match="clevel"):
        blosclz.compress(text, 0, 1000)


@pytest.mark.parametrize("clevel", range(1, 10))
def test_blosclz_round_trips(clevel):
    rng = np.random.default_rng(clevel)
    for size in (16, 17, 100, 1000, 70_000):
        for data in (rng.integers(0, 3, size, dtype=np.uint8).tobytes(), bytes(size),
                     (b"abcdefgh" * (size // 8 + 1))[:size], np.tile(rng.integers(0, 256, 9000, dtype=np.uint8),
                                                                   size // 9000 + 1)[:size].tobytes()):
            out = blosclz.compress(data, clevel, size)
            if out:
                assert out[0] >> 5 == 1 and blosclz.decompress_exact(out, size) == data


@pytest.mark.parametrize("nchunks", [4, 7, 120])
def test_frames_of_many_chunks_are_byte_identical(nchunks, tmp_path, monkeypatch):
    """From 4 chunks on c-blosc2 compresses a frame's offsets with BloscLZ; the reference's encoder writes the same."""
    encoded: list[int] = []
    real = blosclz.compress
    monkeypatch.setattr(blosclz, "compress", lambda *a: encoded.append(len(out := real(*a))) or out)
    cparams = {"clevel": 5, "typesize": 4, "nthreads": 1}
    files = []
    for host in (ref, blosc2):
        path = str(tmp_path / f"{host.__name__}.b2frame")
        s = host.SChunk(chunksize=4000, cparams=dict(cparams, codec=host.Codec.ZSTD), urlpath=path, mode="w")
        for i in range(nchunks):
            s.append_data(np.arange(i * 1000, (i + 1) * 1000, dtype=np.int32))
        del s
        files.append(open(path, "rb").read())
    assert files[0] == files[1]
    assert any(encoded) == (nchunks == 120)  # BloscLZ gives up on a few offsets: the chunk is memcpyed


def test_zstd_streams_near_their_output_capacity_are_c_blosc2s():
    """Streams of 25 bytes: zstd given c-blosc2's capacity (the stream size) writes other bytes than with room
    to spare, so the reference hands zstd that capacity instead of checking the size afterwards."""
    arr = np.concatenate([np.arange(1500, dtype=np.int32), RNG.integers(0, 2**31, 1500, dtype=np.int32)])
    kw = dict(clevel=5, typesize=4, blocksize=100, nthreads=1)
    ours = ref.compress2(arr, codec=ref.Codec.ZSTD, filters=[1], splitmode=1, **kw)
    theirs = blosc2.compress2(arr, codec=blosc2.Codec.ZSTD, filters=[blosc2.Filter.SHUFFLE],
                              splitmode=blosc2.SplitMode.ALWAYS_SPLIT, **kw)
    assert ours == theirs and ref.decompress2(theirs) == arr.tobytes()


@pytest.mark.parametrize("distance", [8191, 8192, 73724, 73725])
def test_blosclz_near_far_and_too_far_matches_are_c_blosc2s(distance):
    """Repeats at the near/far boundary (8192) and at the farthest distance c-blosc2 matches (73725 is too far);
    a compressible start keeps the entropy probe from giving up."""
    block = RNG.integers(0, 256, distance, dtype=np.uint8)
    arr = np.concatenate([(np.arange(20_000) % 7).astype(np.uint8), block, block[:5000]])
    kw = dict(clevel=9, typesize=1, blocksize=arr.size, nthreads=1)
    ours = ref.compress2(arr, codec=ref.Codec.BLOSCLZ, filters=[0], splitmode=2, **kw)
    theirs = blosc2.compress2(arr, codec=blosc2.Codec.BLOSCLZ, filters=[blosc2.Filter.NOFILTER],
                              splitmode=blosc2.SplitMode.NEVER_SPLIT, **kw)
    assert not parse_header(ours).memcpyed and ours == theirs


def test_a_missing_compression_library_is_named_when_its_codec_is_used(monkeypatch):
    """The reference imports without zstandard/lz4; using their codec names what is missing."""
    builtin_codecs._library.cache_clear()
    monkeypatch.setitem(sys.modules, "lz4.block", None)
    try:
        with pytest.raises(NotImplementedError, match=r"builtin codec LZ4HC needs .*lz4\.block"):
            ref.compress2(DATASETS["text"], codec=ref.Codec.LZ4HC, clevel=5)
        assert ref.decompress2(ref.compress2(DATASETS["text"], codec=ref.Codec.ZSTD)) == DATASETS["text"].tobytes()
    finally:
        builtin_codecs._library.cache_clear()
