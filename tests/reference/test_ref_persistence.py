"""Frame persistence (contiguous file and sparse directory): reopen in a fresh process, append after
reopen, special chunks, errors."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import udcodec.reference as ref
from ref_helpers import cparams

HERE = os.path.dirname(__file__)


def run_fresh(code: str) -> str:
    prog = f"import sys; sys.path.insert(0, {HERE!r})\n" + textwrap.dedent(code)
    res = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return res.stdout


@pytest.mark.parametrize("contiguous", [True, False], ids=["cframe", "sframe"])
def test_reopen_in_fresh_process(tmp_path, zcodec, contiguous):
    p = str(tmp_path / "a.b2frame")
    data = np.arange(25_000, dtype=np.int32)
    s = ref.SChunk(chunksize=40_000, data=data, cparams=cparams(codec_meta=5), urlpath=p, contiguous=contiguous,
                   mode="w")
    assert s.nchunks == 3
    # no close(): data must already be on disk after each append
    out = run_fresh(f"""
        import numpy as np
        import udcodec.reference as ref
        from ref_helpers import zlib_encoder, zlib_decoder
        ref.register_codec("zcodec", 200, zlib_encoder, zlib_decoder)
        s = ref.open({p!r})
        assert s.nchunks == 3 and s.nbytes == 100_000 and s.chunksize == 40_000
        assert s.contiguous is {contiguous}
        assert s.cparams.codec == 200 and s.cparams.codec_meta == 5 and s.typesize == 4
        assert s[:] == np.arange(25_000, dtype=np.int32).tobytes()
        print("OK")
    """)
    assert out.strip() == "OK"


def test_fresh_process_without_registration_names_id(tmp_path, zcodec):
    p = str(tmp_path / "b.b2frame")
    s = ref.SChunk(chunksize=4000, cparams=cparams(), urlpath=p, mode="w")
    s.append_data(np.arange(1000, dtype=np.int32))
    out = run_fresh(f"""
        import udcodec.reference as ref
        s = ref.open({p!r})
        try:
            s.decompress_chunk(0)
        except RuntimeError as e:
            print("RuntimeError", e)
    """)
    assert out.startswith("RuntimeError") and "200" in out


@pytest.mark.parametrize("contiguous", [True, False], ids=["cframe", "sframe"])
def test_append_after_reopen_and_special_chunks(tmp_path, zcodec, contiguous):
    p = str(tmp_path / "c.b2frame")
    s = ref.SChunk(chunksize=4000, cparams=cparams(), urlpath=p, contiguous=contiguous, mode="w")
    s.append_data(np.arange(1000, dtype=np.int32))
    s.append_data(np.zeros(1000, dtype=np.int32))  # special-zero: not stored, coded in the offset
    s.close()
    a = ref.open(p, mode="a")
    a.append_data(np.full(1000, 3, dtype=np.int32))
    a.append_data(np.arange(10, dtype=np.int32))
    a.close()
    r = ref.open(p)
    expect = np.concatenate([np.arange(1000), np.zeros(1000), np.full(1000, 3), np.arange(10)]).astype(np.int32)
    assert r.nchunks == 4 and r[:] == expect.tobytes()
    assert r.decompress_chunk(1) == bytes(4000)
    if not contiguous:  # the zero chunk has no file: stored chunks are numbered 0, 1, 2
        assert sorted(os.listdir(p)) == ["00000000.chunk", "00000001.chunk", "00000002.chunk", "chunks.b2frame"]


def test_empty_frame_roundtrip(tmp_path, zcodec):
    p = str(tmp_path / "e.b2frame")
    ref.SChunk(chunksize=4000, cparams=cparams(), urlpath=p, mode="w").close()
    r = ref.open(p)
    assert r.nchunks == 0 and r.nbytes == 0 and r[:] == b""


@pytest.mark.parametrize("contiguous", [True, False], ids=["cframe", "sframe"])
def test_cparams_update_is_persisted(tmp_path, zcodec, contiguous):
    p = str(tmp_path / "u.b2frame")
    s = ref.SChunk(chunksize=4000, cparams=cparams(), urlpath=p, contiguous=contiguous, mode="w")
    s.append_data(np.arange(1000, dtype=np.int32))
    s.cparams = {"codec_meta": 99}
    s.close()
    assert ref.open(p).cparams.codec_meta == 99


def test_open_overrides_and_thread_check(tmp_path, zcodec):
    p = str(tmp_path / "o.b2frame")
    ref.SChunk(chunksize=4000, cparams=cparams(), urlpath=p, mode="w").close()
    with pytest.raises(ValueError, match="thread"):
        ref.open(p, dparams={"nthreads": 4})
    assert ref.open(p, cparams={"clevel": 1}).cparams.clevel == 1


def test_mode_rules_and_remove_urlpath(tmp_path, zcodec):
    p = str(tmp_path / "m.b2frame")
    ref.SChunk(chunksize=4000, cparams=cparams(), urlpath=p, mode="w").close()
    with pytest.raises(FileExistsError):
        ref.SChunk(chunksize=4000, cparams=cparams(), urlpath=p, mode="a")
    with pytest.raises(ValueError):
        ref.open(p, mode="w")
    with pytest.raises(ValueError):
        ref.SChunk(chunksize=4000, urlpath=str(tmp_path / "new"), mode="r")
    ref.remove_urlpath(p)
    assert not os.path.exists(p)
    ref.remove_urlpath(p)  # missing: no error
    d = tmp_path / "dir.b2frame"
    d.mkdir()
    (d / "x").write_bytes(b"1")
    ref.remove_urlpath(str(d))
    assert not d.exists()
    with pytest.raises(FileNotFoundError):
        ref.open(p)


def test_not_a_frame(tmp_path):
    p = tmp_path / "junk"
    p.write_bytes(b"hello world" * 20)
    with pytest.raises(ref.FrameFormatError, match="not a Blosc2"):
        ref.open(str(p))
    with pytest.raises(ref.FrameFormatError, match="no chunks.b2frame"):
        ref.open(str(tmp_path))  # a directory that is not a sparse frame


def test_failed_append_leaves_file_unchanged(tmp_path):
    ref.register_codec("bad", 201, lambda i, o, m, s: -5, lambda i, o, m, s: o.size)
    p = str(tmp_path / "f.b2frame")
    s = ref.SChunk(chunksize=4000, cparams=cparams(codec=201), urlpath=p, mode="w")
    before = open(p, "rb").read()
    with pytest.raises(ValueError, match="-5"):
        s.append_data(np.random.default_rng(0).integers(0, 255, 4000, dtype=np.uint8))
    assert open(p, "rb").read() == before and s.nchunks == 0


@pytest.mark.parametrize("contiguous", [True, False], ids=["frame", "sparse"])
def test_two_handles_on_one_file_see_each_others_writes(tmp_path, contiguous: bool) -> None:
    """python-blosc2 reads chunks from disk; the reference keeps them in memory and rewrites the frame from them.
    A write through one handle was lost at the other's next write (a sparse frame was left naming removed chunk
    files), and each handle read what it had held."""
    path = str(tmp_path / "a.b2nd")
    a = ref.asarray(np.zeros((8, 8), "i4"), chunks=(4, 4), blocks=(2, 2), urlpath=path, mode="w",
                    contiguous=contiguous)
    b = ref.open(path, mode="a")
    b[0, 0] = 1
    assert a[0, 0] == 1  # a reads what b wrote
    a[7, 7] = 2
    assert b[7, 7] == 2 and b[0, 0] == 1
    del a, b
    c = ref.open(path)
    assert c[0, 0] == 1 and c[7, 7] == 2


def test_a_write_from_another_process_is_read_and_kept(tmp_path) -> None:
    path = str(tmp_path / "s.b2frame")
    s = ref.SChunk(chunksize=8, data=bytes(16), urlpath=path, mode="w")
    writer = ("import udcodec.reference as ref\n"
              f"t = ref.open({path!r}, mode='a')\n"
              "t.append_data(bytes(range(8)))\n")
    subprocess.run([sys.executable, "-c", writer], check=True, timeout=60)
    assert s.nchunks == 3 and s.decompress_chunk(2) == bytes(range(8))
    s.append_data(b"\x07" * 8)
    again = ref.open(path)
    assert again.nchunks == 4 and again.decompress_chunk(2) == bytes(range(8))
