"""Frames on disk against the real python-blosc2 4.x: BloscLZ offsets chunks, sparse frames, bad files.

Both directions, contiguous and sparse, 1..40 chunks, special chunks, a short last chunk, appends
after reopening, and malformed files that must raise ``FrameFormatError``.
"""

from __future__ import annotations

import os
import struct

import numpy as np
import pytest
import udcodec.reference as ref
from ref_helpers import zlib_decoder, zlib_encoder
from udcodec.reference import blosclz
from udcodec.reference import frame as rframe
from udcodec.reference import sframe as rsframe
from udcodec.reference.chunkformat import FORMAT_BLOSCLZ, ChunkHeader

blosc2 = pytest.importorskip("blosc2")

CID = 200
ITEMS = 1000  # int32 items per chunk
CHUNKSIZE = 4 * ITEMS
NCHUNKS = [1, 3, 4, 5, 17, 40]


@pytest.fixture(autouse=True)
def both_registered():
    ref.register_codec("zc", CID, zlib_encoder, zlib_decoder)
    if CID not in blosc2.ucodecs_registry:
        blosc2.register_codec("zc", CID, zlib_encoder, zlib_decoder)


def r_cparams(**kw):
    return dict(codec=CID, codec_meta=7, nthreads=1, typesize=4, **kw)


def b_cparams():
    return blosc2.CParams(codec=CID, codec_meta=7, nthreads=1, typesize=4)


def chunk_data(i: int, kind: str = "data") -> np.ndarray:
    if kind == "zeros":
        return np.zeros(ITEMS, np.int32)
    return (np.arange(ITEMS, dtype=np.int32) * (i + 1)) % 1013


def plan(n: int, specials: bool, short: bool) -> list[np.ndarray]:
    """The chunks to append: every third chunk all zeros (special) if asked, the last one short."""
    parts = [chunk_data(i, "zeros" if specials and i % 3 == 1 else "data") for i in range(n)]
    if short:
        parts[-1] = parts[-1][: ITEMS // 3 + 1]
    return parts


def write_ref(path: str, parts: list[np.ndarray], contiguous: bool) -> None:
    s = ref.SChunk(chunksize=CHUNKSIZE, cparams=r_cparams(), dparams={"nthreads": 1}, urlpath=path,
                   contiguous=contiguous, mode="w")
    for x in parts:
        s.append_data(x)
    s.close()


def write_b2(path: str, parts: list[np.ndarray], contiguous: bool) -> None:
    s = blosc2.SChunk(chunksize=CHUNKSIZE, cparams=b_cparams(), dparams=blosc2.DParams(nthreads=1), urlpath=path,
                      contiguous=contiguous, mode="w")
    for x in parts:
        s.append_data(x)
    del s


def joined(parts: list[np.ndarray]) -> bytes:
    return b"".join(x.tobytes() for x in parts)


def b2_open(path: str, mode: str = "r"):
    return blosc2.open(path, mode=mode, cparams=b_cparams(), dparams=blosc2.DParams(nthreads=1))


def offsets_chunk_header(path: str) -> ChunkHeader:
    data = open(path, "rb").read()
    hlen, = struct.unpack_from(">i", data, rframe.HEADER_LEN_OFFSET)
    cbytes, = struct.unpack_from(">q", data, rframe.CBYTES_OFFSET)
    sparse = data[rframe.FRAME_TYPE_OFFSET] == rframe.FRAME_DIRECTORY
    return ref.parse_header(data[hlen + (0 if sparse else cbytes):])


# ---- BloscLZ decoder ------------------------------------------------------------------------------
BLZ_DATA = {
    "arange": np.arange(16_000, dtype=np.int32).tobytes(),
    "text": (b"the quick brown fox jumps over the lazy dog; " * 1500)[:64_000],
    "smallints": np.random.default_rng(3).integers(0, 4, 64_000, dtype=np.uint8).tobytes(),
    "far": np.random.default_rng(4).integers(0, 256, 12_000, dtype=np.uint8).tobytes() * 5,
    "runs": np.repeat(np.arange(200, dtype=np.uint8), 300).tobytes(),
}


@pytest.mark.parametrize("name", sorted(BLZ_DATA))
def test_blosclz_decodes_blosc2_streams(name, monkeypatch):
    data = BLZ_DATA[name]
    calls = []
    real = blosclz.decompress_exact
    monkeypatch.setattr(blosclz, "decompress_exact", lambda src, n: calls.append(n) or real(src, n))
    for clevel in (1, 5, 9):
        for typesize, filt in ((1, blosc2.Filter.NOFILTER), (4, blosc2.Filter.SHUFFLE), (8, blosc2.Filter.BITSHUFFLE)):
            for split in (blosc2.SplitMode.ALWAYS_SPLIT, blosc2.SplitMode.NEVER_SPLIT):
                c = blosc2.compress2(data, codec=blosc2.Codec.BLOSCLZ, clevel=clevel, typesize=typesize,
                                     filters=[filt], splitmode=split)
                assert ref.decompress2(c) == data, (clevel, typesize, filt, split)
    assert len(calls) >= 20  # streams really went through the BloscLZ decoder (not stored raw)


def test_blosclz_hand_made_streams():
    assert blosclz.decompress(b"\x22abc", 10) == b"abc"  # first control byte: marker bits + literal run
    # literal 'a', match of 5 at distance 1 (a run), literal 'z'
    assert blosclz.decompress(b"\x00a\x60\x00\x00z", 10) == b"aaaaaaz"
    # pattern repeat: 'abc', match of 7 at distance 3
    assert blosclz.decompress(b"\x02abc\xa0\x02\x00!", 20) == b"abc" + b"abcabca" + b"!"
    # long match: length 6 + 255 + 10 + 3 = 274 at distance 2
    assert blosclz.decompress(b"\x01xy\xe0\xff\x0a\x01\x00.", 400) == b"xy" * 138 + b"."
    # far match: distance 8192 + 3, length 5
    lit = bytes(range(256)) * 33  # 8448 bytes as 264 literal runs of 32
    stream = b"".join(b"\x1f" + lit[i:i + 32] for i in range(0, len(lit), 32))
    out = blosclz.decompress(stream + b"\x7f\xff\x00\x03\x00E", 9000)
    assert out == lit + lit[len(lit) - 8195:len(lit) - 8190] + b"E"
    with pytest.raises(blosclz.BloscLZError, match="ends with a match"):  # c-blosc2 drops a final match
        blosclz.decompress(stream + b"\x7f\xff\x00\x03", 9000)


@pytest.mark.parametrize("stream, why", [
    (b"\x05ab", "stream ends first"),
    (b"\x00a\x60\x05\x00z", "before the output start"),
    (b"\x00a\x60\x00", "truncated"),
    (b"\x00a\xe0\xff", "truncated"),
    (b"\x1f" + bytes(32), "overflows"),
])
def test_blosclz_rejects_bad_streams(stream, why):
    with pytest.raises(blosclz.BloscLZError, match=why):
        blosclz.decompress(stream, 16)


def test_blosclz_exact_size():
    with pytest.raises(blosclz.BloscLZError, match="expected 5"):
        blosclz.decompress_exact(b"\x02abc", 5)


# ---- blosc2 -> reference -------------------------------------------------------------------------
@pytest.mark.parametrize("contiguous", [True, False], ids=["cframe", "sframe"])
@pytest.mark.parametrize("n", NCHUNKS)
def test_blosc2_frame_opens_in_reference(tmp_path, contiguous, n):
    p = str(tmp_path / "b.b2frame")
    parts = plan(n, specials=n > 3, short=n % 2 == 1)
    write_b2(p, parts, contiguous)
    assert os.path.isdir(p) is not contiguous
    r = ref.open(p)
    assert (r.nchunks, r.nbytes, r.chunksize, r.contiguous) == (n, len(joined(parts)), CHUNKSIZE, contiguous)
    assert r.cparams.codec == CID and r.cparams.codec_meta == 7
    assert r[:] == joined(parts)
    assert r.decompress_chunk(n - 1) == parts[-1].tobytes()


def test_blosc2_compresses_offsets_chunks_the_reference_reads(tmp_path):
    """With many chunks c-blosc2 writes a BloscLZ + shuffle offsets chunk: the path under test."""
    for contiguous in (True, False):
        p = str(tmp_path / f"many{contiguous}.b2frame")
        parts = plan(40, specials=True, short=False)
        write_b2(p, parts, contiguous)
        h = offsets_chunk_header(p if contiguous else rsframe.index_path(p))
        assert not h.memcpyed and h.compformat == FORMAT_BLOSCLZ and h.nbytes == 40 * 8
        assert ref.open(p)[:] == joined(parts)


@pytest.mark.parametrize("contiguous", [True, False], ids=["cframe", "sframe"])
def test_blosc2_special_chunks(tmp_path, contiguous):
    p = str(tmp_path / "sp.b2frame")
    b = blosc2.SChunk(chunksize=CHUNKSIZE, cparams=blosc2.CParams(typesize=4, nthreads=1, codec=CID),
                      dparams=blosc2.DParams(nthreads=1), urlpath=p, contiguous=contiguous, mode="w")
    b.fill_special(6 * ITEMS, blosc2.SpecialValue.NAN)
    b.append_data(chunk_data(0))
    del b
    r = ref.open(p)
    assert r.nchunks == 7 and r[-1] == chunk_data(0)[-1:].tobytes()
    assert np.isnan(np.frombuffer(r[: 6 * ITEMS], np.float32)).all()
    for special in (blosc2.SpecialValue.ZERO, blosc2.SpecialValue.UNINIT):
        blosc2.remove_urlpath(p)
        b = blosc2.SChunk(chunksize=CHUNKSIZE, cparams=blosc2.CParams(typesize=4, nthreads=1),
                          urlpath=p, contiguous=contiguous, mode="w")
        b.fill_special(5 * ITEMS, special)
        del b
        r = ref.open(p)
        assert r.nchunks == 5 and r.nbytes == 5 * CHUNKSIZE
        if special == blosc2.SpecialValue.ZERO:
            assert r[:] == bytes(5 * CHUNKSIZE)


def test_blosc2_blosclz_data_chunks(tmp_path):
    p = str(tmp_path / "blz.b2frame")
    data = np.arange(30_000, dtype=np.int32) // 7
    blosc2.SChunk(chunksize=CHUNKSIZE * 2, data=data, cparams=blosc2.CParams(codec=blosc2.Codec.BLOSCLZ, typesize=4),
                  urlpath=p, mode="w")
    assert ref.open(p)[:] == data.tobytes()


# ---- reference -> blosc2 -------------------------------------------------------------------------
@pytest.mark.parametrize("contiguous", [True, False], ids=["cframe", "sframe"])
@pytest.mark.parametrize("n", NCHUNKS)
def test_reference_frame_opens_in_blosc2(tmp_path, contiguous, n):
    p = str(tmp_path / "r.b2frame")
    parts = plan(n, specials=n > 3, short=n % 2 == 1)
    write_ref(p, parts, contiguous)
    b = b2_open(p)
    assert (b.nchunks, b.nbytes, b.contiguous) == (n, len(joined(parts)), contiguous)
    assert b[:] == joined(parts)
    assert b.cparams.codec_meta == 7


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_sparse_layout_matches_blosc2(tmp_path, n):
    """Same file names, chunk files and index (memcpyed below 4 chunks, BloscLZ-compressed from 4 on)."""
    pr, pb = str(tmp_path / "r.b2frame"), str(tmp_path / "b.b2frame")
    parts = [chunk_data(0), chunk_data(1, "zeros"), chunk_data(2), chunk_data(3), chunk_data(4)][:n]
    write_ref(pr, parts, contiguous=False)
    write_b2(pb, parts, contiguous=False)
    names = sorted(os.listdir(pb))
    assert sorted(os.listdir(pr)) == names
    assert names == [f"{i:08X}.chunk" for i in range(n - (n > 1))] + ["chunks.b2frame"]
    for name in names:
        same = open(os.path.join(pr, name), "rb").read() == open(os.path.join(pb, name), "rb").read()
        assert same, name


def test_empty_frames_both_ways(tmp_path):
    for contiguous in (True, False):
        pb, pr = str(tmp_path / f"b{contiguous}"), str(tmp_path / f"r{contiguous}")
        write_b2(pb, [], contiguous)
        write_ref(pr, [], contiguous)
        assert b2_open(pr).nchunks == 0
        r = ref.open(pb, mode="a")  # blosc2 leaves the chunksize unset (-1) until the first append
        assert r.nchunks == 0 and r.chunksize == -1
        r.append_data(chunk_data(0))
        r.append_data(chunk_data(1))
        r.close()
        assert ref.open(pb).chunksize == CHUNKSIZE
        assert b2_open(pb)[:] == joined([chunk_data(0), chunk_data(1)])


# ---- appends after reopening, mixing writers -----------------------------------------------------
@pytest.mark.parametrize("contiguous", [True, False], ids=["cframe", "sframe"])
def test_reference_appends_to_blosc2_frame(tmp_path, contiguous):
    p = str(tmp_path / "mix.b2frame")
    first = plan(5, specials=True, short=False)
    write_b2(p, first, contiguous)
    a = ref.open(p, mode="a")
    more = [chunk_data(10), chunk_data(11, "zeros"), chunk_data(12)[:10]]
    for x in more:
        a.append_data(x)
    a.close()
    assert ref.open(p)[:] == joined(first + more)
    b = b2_open(p)
    assert b.nchunks == 8 and b[:] == joined(first + more)
    if not contiguous:  # the new stored chunks took the next file numbers
        assert sorted(os.listdir(p))[-3:] == ["00000003.chunk", "00000004.chunk", "chunks.b2frame"]


@pytest.mark.parametrize("contiguous", [True, False], ids=["cframe", "sframe"])
def test_blosc2_appends_to_reference_frame(tmp_path, contiguous):
    p = str(tmp_path / "mix.b2frame")
    first = plan(6, specials=True, short=False)
    write_ref(p, first, contiguous)
    b = b2_open(p, mode="a")
    more = [chunk_data(20), chunk_data(21)[:5]]
    for x in more:
        b.append_data(x)
    del b
    r = ref.open(p, mode="a")
    assert r.nchunks == 8 and r[:] == joined(first + more)


def test_append_keeps_metalayers_and_vlmetalayers(tmp_path):
    p = str(tmp_path / "meta.b2frame")
    b = blosc2.SChunk(chunksize=CHUNKSIZE, cparams=b_cparams(), dparams=blosc2.DParams(nthreads=1), urlpath=p,
                      mode="w", meta={"m1": [1, 2, 3]})
    b.vlmeta["v1"] = "hello"
    for i in range(5):
        b.append_data(chunk_data(i))
    del b
    a = ref.open(p, mode="a")
    a.append_data(chunk_data(5))
    a.close()
    assert open(p, "rb").read()[rframe.HAS_VLMETALAYERS_OFFSET] == 0xC3  # the header still says "has vlmeta"
    b = b2_open(p)
    assert b.nchunks == 6 and b[:] == joined([chunk_data(i) for i in range(6)])
    assert b.meta["m1"] == [1, 2, 3] and b.vlmeta["v1"] == "hello"


def test_remove_urlpath_removes_sparse_frame(tmp_path):
    p = str(tmp_path / "rm.b2frame")
    write_ref(p, plan(3, specials=False, short=False), contiguous=False)
    assert os.path.isdir(p)
    ref.remove_urlpath(p)
    assert not os.path.exists(p)


def test_mode_w_replaces_sparse_and_a_refuses(tmp_path):
    p = str(tmp_path / "w.b2frame")
    write_ref(p, plan(3, specials=False, short=False), contiguous=False)
    with pytest.raises(FileExistsError):
        ref.SChunk(chunksize=CHUNKSIZE, cparams=r_cparams(), urlpath=p, contiguous=False, mode="a")
    write_ref(p, plan(1, specials=False, short=False), contiguous=True)
    assert os.path.isfile(p) and ref.open(p).nchunks == 1


# ---- malformed files -----------------------------------------------------------------------------
def cframe_bytes(tmp_path, n: int = 6) -> tuple[str, bytes]:
    p = str(tmp_path / "good.b2frame")
    write_b2(p, plan(n, specials=True, short=True), contiguous=True)
    return p, open(p, "rb").read()


def expect_bad(path: str, match: str, named: str | None = None) -> None:
    """Opening ``path`` raises FrameFormatError matching ``match`` and naming ``named`` (default: path)."""
    with pytest.raises(ref.FrameFormatError, match=match) as info:
        ref.open(path)
    assert repr(named or path) in str(info.value)


def test_truncated_frames(tmp_path):
    _p, data = cframe_bytes(tmp_path)
    bad = str(tmp_path / "bad.b2frame")
    for cut in [0, 1, 20, 86, 87, 96, 97, 150, len(data) // 2, len(data) - 36, len(data) - 35, len(data) - 1]:
        open(bad, "wb").write(data[:cut])
        expect_bad(bad, "not a Blosc2|truncated")


def test_corrupted_offsets_and_trailer(tmp_path):
    p, data = cframe_bytes(tmp_path, n=12)
    hlen, = struct.unpack_from(">i", data, rframe.HEADER_LEN_OFFSET)
    cbytes, = struct.unpack_from(">q", data, rframe.CBYTES_OFFSET)
    off = hlen + cbytes
    bad = str(tmp_path / "bad.b2frame")

    def variant(pos: int, value: bytes, match: str) -> None:
        b = bytearray(data)
        b[pos:pos + len(value)] = value
        open(bad, "wb").write(bytes(b))
        expect_bad(bad, match)

    assert not ref.parse_header(data[off:]).memcpyed  # a BloscLZ offsets chunk
    variant(off + 12, struct.pack("<i", 10**6), "offsets chunk")  # its cbytes past the frame
    variant(off + 4, struct.pack("<i", 13 * 8), "offsets chunk")  # its nbytes: one entry too many
    variant(off + 40, b"\xff\xff\xff\xff\xff\xff", "offsets chunk")  # garbage in the compressed stream
    variant(len(data) - 23, b"\x00", "trailer")
    variant(len(data) - 22, struct.pack(">I", 10**6), "trailer")
    variant(rframe.FRAME_TYPE_OFFSET, b"\x01", "sparse frame index")
    variant(rframe.CBYTES_OFFSET, struct.pack(">q", cbytes + 8), "offsets chunk")
    # memcpyed offsets (reference writer): exact entries can be corrupted one by one
    pr = str(tmp_path / "r.b2frame")
    write_ref(pr, plan(6, specials=True, short=False), contiguous=True)
    data = open(pr, "rb").read()
    cbytes, = struct.unpack_from(">q", data, rframe.CBYTES_OFFSET)
    entries = hlen + cbytes + 32
    variant(entries, struct.pack("<q", cbytes), "outside the chunks section")
    variant(entries + 8, struct.pack("<Q", (1 << 63) | (3 << 56)), "special value 3")
    variant(entries + 16, struct.pack("<q", 1), "chunk 2")


def test_fuzzed_frames_raise_only_frame_format_error(tmp_path):
    """Random byte changes after the fixed header: the frame opens or raises FrameFormatError, nothing else."""
    _p, data = cframe_bytes(tmp_path, n=8)
    bad = str(tmp_path / "fuzz.b2frame")
    rng = np.random.default_rng(7)
    outcomes = {"ok": 0, "bad": 0}
    for _ in range(300):
        b = bytearray(data)
        for pos in rng.integers(rframe.HEADER_MINLEN, len(b), rng.integers(1, 4)):
            b[pos] = int(rng.integers(0, 256))
        open(bad, "wb").write(bytes(b))
        try:
            ref.open(bad)
            outcomes["ok"] += 1
        except ref.FrameFormatError as exc:
            assert repr(bad) in str(exc)
            outcomes["bad"] += 1
    assert outcomes["bad"] > 0


def test_bad_sparse_frames(tmp_path):
    p = str(tmp_path / "s.b2frame")
    write_b2(p, plan(5, specials=True, short=False), contiguous=False)
    os.remove(os.path.join(p, "00000002.chunk"))
    expect_bad(p, "00000002.chunk, which does not exist")
    write_b2(p, plan(5, specials=True, short=False), contiguous=False)
    with open(os.path.join(p, "00000001.chunk"), "r+b") as f:
        f.truncate(40)
    expect_bad(p, "chunk 2", named=os.path.join(p, "00000001.chunk"))
    write_b2(p, plan(5, specials=True, short=False), contiguous=False)
    index = rsframe.index_path(p)
    good = open(index, "rb").read()
    open(index, "wb").write(good[:-5])
    expect_bad(p, "truncated", named=index)
    os.remove(index)
    expect_bad(p, "no chunks.b2frame")
    # a contiguous frame where the index should be
    c = str(tmp_path / "c.b2frame")
    write_b2(c, plan(2, specials=False, short=False), contiguous=True)
    os.replace(c, index)
    expect_bad(p, "expected a sparse frame index", named=index)


def test_variable_size_chunks_are_read(tmp_path):
    """blosc2 switches the header chunksize to 0 once chunk sizes differ; the offsets chunk gives nchunks."""
    p = str(tmp_path / "var.b2frame")
    parts = [chunk_data(0), chunk_data(1)[:500], chunk_data(2), chunk_data(3)[:7]]
    write_b2(p, parts, contiguous=True)
    r = ref.open(p, mode="a")
    assert (r.nchunks, r.chunksize) == (4, 0) and r[:] == joined(parts)
    with pytest.raises(NotImplementedError, match="variable-size chunks"):
        r.append_data(chunk_data(4))
