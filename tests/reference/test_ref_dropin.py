"""Where the contract is silent the reference accepts what python-blosc2 4.x accepts: each leniency
is run on both (``host``) and must behave the same; ``strict()`` refuses the leniencies."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
import udcodec.reference as ref
from udcodec.reference import compat, registry

blosc2 = pytest.importorskip("blosc2")

ZLIB = {"codec": 4, "typesize": 4, "nthreads": 1}  # a builtin codec both hosts implement


@pytest.fixture(params=["reference", "blosc2"])
def host(request):
    return ref if request.param == "reference" else blosc2


def filled(host, n_items: int, chunk_items: int = 1000, **kw):
    s = host.SChunk(chunksize=4 * chunk_items, cparams=dict(ZLIB), **kw)
    s[0:n_items] = np.arange(n_items, dtype=np.int32)
    return s


def pipeline(s) -> tuple[list[int], list[int]]:
    """The SChunk's filters (as ints: python-blosc2's Filter is no IntEnum) and filters_meta."""
    cp = s.cparams
    return [int(getattr(f, "value", f)) for f in cp.filters], list(cp.filters_meta)


def items(s) -> np.ndarray:
    out = np.empty(len(s), dtype=np.int32)
    assert s.get_slice(out=out) is None
    return out


# ---- integer parameters given as floats -----------------------------------------------------
def test_float_sizes_are_truncated_like_blosc2(host):
    s = host.SChunk(chunksize=8000.0, cparams=host.CParams(blocksize=800.0, typesize=4.0, clevel=5.0, nthreads=1),
                    dparams={"nthreads": 1.0})
    cp = s.cparams
    assert (s.chunksize, cp.blocksize, cp.typesize, cp.clevel, s.dparams.nthreads) == (8000, 800, 4, 5, 1)
    s = host.SChunk(chunksize=8000.5, cparams={"blocksize": 800.5, "typesize": 4})
    assert (s.chunksize, s.cparams.blocksize) == (8000, 800)


def test_float_codec_ids_stay_refused_at_registration():
    with pytest.raises(TypeError):  # REG-ID-TYPE (python-blosc2 accepts 170.0: a recorded divergence)
        ref.register_codec("f", 170.0, lambda *a: 0, lambda *a: 0)
    with pytest.raises(TypeError):  # REG-VERSION-TYPE
        ref.register_codec("f", 170, lambda *a: 0, lambda *a: 0, version=1.0)


@pytest.mark.parametrize("how", ["context", "env"])
def test_strict_refuses_float_sizes(monkeypatch, how):
    if how == "env":
        monkeypatch.setenv(compat.ENV_VAR, "1")
    with ref.strict() if how == "context" else contextlib.nullcontext():
        with pytest.raises(TypeError, match="blocksize"):
            ref.SChunk(chunksize=8000, cparams=ref.CParams(blocksize=800.0))
        with pytest.raises(ValueError, match="chunksize"):
            ref.SChunk(chunksize=8000.0)
    monkeypatch.setenv(compat.ENV_VAR, "0")
    assert ref.SChunk(chunksize=8000.0, cparams={"blocksize": 800.0}).cparams.blocksize == 800


# ---- dict parameters ------------------------------------------------------------------------
def test_without_a_typesize_the_data_item_size_is_used(host):
    assert host.SChunk(chunksize=100).typesize == 1
    assert host.SChunk(chunksize=100, cparams={"codec": 4}).typesize == 1
    s = host.SChunk(data=np.arange(10, dtype=np.int32), cparams={"codec": 4, "nthreads": 1})
    assert (s.typesize, len(s)) == (4, 10)
    assert host.SChunk(chunksize=100, cparams=host.CParams(nthreads=1)).typesize == 8  # the CParams default


def test_unknown_dict_keys_are_ignored_at_creation(host):
    s = host.SChunk(chunksize=4000, cparams={**ZLIB, "no_such_field": 1}, dparams={"nthreads": 1, "nope": 2})
    assert (s.cparams.typesize, s.dparams.nthreads) == (4, 1)


def test_strict_refuses_unknown_dict_keys():
    with ref.strict(), pytest.raises(TypeError, match="no_such_field"):
        ref.SChunk(chunksize=4000, cparams={**ZLIB, "no_such_field": 1})
    s = ref.SChunk(chunksize=4000, cparams=dict(ZLIB))
    with pytest.raises(TypeError, match="no_such_field"):  # python-blosc2 takes no dict here at all
        s.cparams = {"no_such_field": 1}


# ---- short filter lists ---------------------------------------------------------------------
def test_short_filter_lists_take_the_first_slots(host):
    nofilter = [0] * 5
    s = host.SChunk(chunksize=4000, cparams=host.CParams(filters=[host.Filter.SHUFFLE], filters_meta=[0]))
    assert pipeline(s) == ([1, *nofilter], [0] * 6)
    cp = host.CParams(nthreads=1)
    cp.filters = [host.Filter.BITSHUFFLE]  # set after creation, as the tutorial does
    cp.filters_meta = [3]
    s = host.SChunk(chunksize=4000, cparams=cp)
    assert pipeline(s) == ([2, *nofilter], [3, 0, 0, 0, 0, 0])
    s = host.SChunk(chunksize=4000, cparams={"filters": (2,)})
    assert pipeline(s) == ([2, *nofilter], [0] * 6)
    s.cparams = cp
    assert pipeline(s)[0] == [2, *nofilter]


def test_bad_filter_lists_are_refused(host):
    with pytest.raises(ValueError):
        host.CParams(filters=[0] * 7)
    with pytest.raises(ValueError):
        host.CParams(filters=[1, 3], filters_meta=[0])


# ---- a dynamic plugin registered twice ------------------------------------------------------
def test_a_plugin_registered_twice_is_refused_where_the_contract_speaks():
    """PLUG-ID-SHARED: one id space, so the same plugin twice is refused (python-blosc2 accepts it; the
    upstream test doing so is an exception in tests/upstream/exceptions.yaml)."""
    ref.register_codec("plug", 250, version=3)
    with pytest.raises(ValueError, match="250"):
        ref.register_codec("plug", 250, version=4)
    assert registry.plugin(250).version == 3 and registry.codec_version(250) == 3
    ref.register_codec("pyc", 251, lambda *a: 0, lambda *a: 0)
    with pytest.raises(ValueError, match="251"):  # Python codecs: REG-ID-DUPLICATE
        ref.register_codec("pyc", 251, lambda *a: 0, lambda *a: 0)


# ---- schunk[a:b] = data, cratio -------------------------------------------------------------
def test_setitem_fills_overwrites_and_appends(host):
    s = host.SChunk(chunksize=4000, cparams=dict(ZLIB))
    assert s.cratio == 0.0
    s[0:3000] = np.arange(3000, dtype=np.int32)
    assert (s.nchunks, len(s)) == (3, 3000)
    expect = np.arange(3000, dtype=np.int32)
    s[900:1100] = np.full(200, 7, dtype=np.int32)  # across a chunk boundary
    expect[900:1100] = 7
    s[2900:3300] = -np.arange(400, dtype=np.int32)  # overwrite and append
    expect = np.concatenate([expect[:2900], -np.arange(400, dtype=np.int32)])
    s[-1:] = np.array([5], dtype=np.int32)
    expect[-1] = 5
    s[0:2] = np.ones(4, dtype=np.int32)  # extra items are ignored
    expect[0:2] = 1
    assert (s.nchunks, len(s)) == (4, 3300)
    np.testing.assert_array_equal(items(s), expect)
    assert s.cratio == pytest.approx(s.nbytes / s.cbytes) and s.cratio > 1


@pytest.mark.parametrize("bad, exc", [("s[3001:3002]", ValueError), ("s[0:10]", ValueError),
                                      ("s[0:10:2]", IndexError), ("s[10:5]", ValueError), ("s[5:5]", ValueError)])
def test_setitem_refusals(host, bad, exc):
    s = filled(host, 3000)
    before = items(s)
    with pytest.raises(exc):
        exec(f"{bad} = np.ones(5, dtype=np.int32)", {"s": s, "np": np})
    np.testing.assert_array_equal(items(s), before)


def test_setitem_extends_a_short_last_chunk():
    # python-blosc2 4.14.1 aborts the process here ("corrupted size vs. prev_size"): reference only
    s = filled(ref, 2500)
    s[2400:2800] = np.full(400, -1, dtype=np.int32)
    assert [len(s.decompress_chunk(i)) for i in range(s.nchunks)] == [4000, 4000, 3200]
    expect = np.concatenate([np.arange(2400, dtype=np.int32), np.full(400, -1, dtype=np.int32)])
    np.testing.assert_array_equal(items(s), expect)
    s[7] = np.array([70], dtype=np.int32)  # an int key (python-blosc2 4.14.1: AttributeError)
    assert items(s)[7] == 70


@pytest.mark.parametrize("contiguous", [True, False])
def test_setitem_rewrites_a_persisted_schunk_that_blosc2_reads(tmp_path, contiguous):
    path = str(tmp_path / ("f.b2frame" if contiguous else "d.b2frame"))
    s = ref.SChunk(chunksize=4000, cparams=dict(ZLIB), urlpath=path, contiguous=contiguous, mode="w")
    s[0:3500] = np.arange(3500, dtype=np.int32)
    expect = np.arange(3500, dtype=np.int32)
    s[1000:2000] = np.zeros(1000, dtype=np.int32)  # chunk 1 becomes a special (zeros) chunk
    expect[1000:2000] = 0
    s[3400:4000] = np.full(600, 9, dtype=np.int32)  # fills the short last chunk, then appends
    expect = np.concatenate([expect[:3400], np.full(600, 9, dtype=np.int32)])
    s[1500:1501] = np.array([3], dtype=np.int32)  # chunk 1 is stored again
    expect[1500] = 3
    s.close()
    for opener in (ref.open, blosc2.open):
        r = opener(path, mode="r")
        assert (r.nchunks, len(r)) == (4, 4000)
        np.testing.assert_array_equal(items(r), expect)
    if not contiguous:  # four stored chunks, no file left behind by the chunk that was zeros for a while
        assert len(list((tmp_path / "d.b2frame").glob("*.chunk"))) == 4


def test_is_wasm(host):
    assert host.IS_WASM is False


@pytest.mark.parametrize("make", [
    pytest.param(lambda h: h.empty((100,), cparams={"chunks": (10,)}), id="chunks-in-cparams"),
    pytest.param(lambda h: h.zeros((100,), cparams={"blocks": (10,)}), id="blocks-in-cparams"),
    pytest.param(lambda h: h.SChunk(chunksize=800, mode="r"), id="read-mode-without-urlpath"),
    pytest.param(lambda h: h.decompress2(h.compress2(b""), dst=bytearray(0)), id="decompress2-into-no-room"),
])
def test_calls_blosc2_refuses_are_refused(host, make):
    """python-blosc2 4.x's own tests (test_empty, test_schunk, test_compress2) expect these ValueErrors."""
    with pytest.raises(ValueError):
        make(host)


def test_an_array_in_an_index_is_refused_as_an_index_the_reference_does_not_take():
    """Fancy indexing is python-blosc2's, not the reference's: an array in the key gets the reference's own
    IndexError, not NumPy's 'truth value of an array is ambiguous' from comparing it with Ellipsis."""
    arr = ref.asarray(np.arange(10.0))
    for key in (np.array([1, 6]), (Ellipsis, np.array([True] * 5 + [False] * 5))):
        with pytest.raises(IndexError, match="only integers, slices and '...' index an NDArray"):
            arr[key]
        with pytest.raises(IndexError, match="only integers, slices and '...' index an NDArray"):
            arr[key] = 7.0


# ---- special chunks in frames ------------------------------------------------------------------
@pytest.mark.parametrize("where", ["memory", "contiguous", "frame", "sparse"])
def test_cbytes_and_special_chunks_as_blosc2(host, tmp_path, where):
    """A frame keeps a special chunk as a mark in its offsets (cbytes counts it 0) and hands back the special
    chunk it rebuilds; only an in-memory container of separate chunks counts and keeps the chunk as written."""
    urlpath = {"frame": str(tmp_path / "s.b2frame"), "sparse": str(tmp_path / "s.b2s")}.get(where)
    contiguous = where in ("contiguous", "frame")
    s = host.SChunk(chunksize=4000, urlpath=urlpath, contiguous=contiguous,
                    cparams={"codec": host.Codec.BLOSCLZ, "typesize": 4, "nthreads": 1})
    s.append_data(np.zeros(1000, dtype=np.int32))
    s.append_data(np.arange(1000, dtype=np.int32))
    stored = len(s.get_chunk(1))
    assert s.cbytes == stored + (32 if where == "memory" else 0)
    assert round(s.cratio, 3) == round(8000 / s.cbytes, 3)
    assert s.get_chunk(0).hex() == EXPECTED_ZEROS_CHUNK[where != "memory"]


#: The zeros chunk of 1000 int32 (BLOSCLZ, SHUFFLE): as written (flags of the pipeline) and as a frame rebuilds it.
EXPECTED_ZEROS_CHUNK = {False: "05010504a00f0000a00f00002000000000000000000100000000000000000010",
                        True: "05010504a00f0000a00f00002000000000000000000000000000000000000010"}


def test_a_chunk_trunc_prec_makes_zero_runs_is_a_zeros_chunk_as_in_blosc2(host):
    """Behind the builtin filters zero runs stand for zeros: c-blosc2 stores such a chunk as a zeros chunk."""
    data = np.full(2000, 1e-3, dtype=np.float32).view(np.int32) & 0x7F  # tiny positive integers as float bits
    c = host.compress2(data, typesize=4, clevel=5, filters=[host.Filter.TRUNC_PREC, host.Filter.SHUFFLE],
                       filters_meta=[1, 0], nthreads=1)
    assert len(c) == 32 and c[31] >> 4 == 1, c.hex()


# ---- dictionaries ------------------------------------------------------------------------------
def test_dictionary_chunks_are_refused_clearly_not_called_corrupt(tmp_path):
    """A frame python-blosc2 wrote with use_dict=True is valid: the reference says it does not read such chunks."""
    urlpath = str(tmp_path / "dict.b2frame")
    s = blosc2.SChunk(chunksize=40000, urlpath=urlpath, mode="w",
                      cparams={"use_dict": True, "codec": blosc2.Codec.ZSTD, "typesize": 4, "nthreads": 1})
    for i in range(3):
        s.append_data(np.arange(10000, dtype=np.int32) * (i + 1))
    with pytest.raises(ref.FrameUnsupportedError, match=r"chunk 0 .*dictionary \(use_dict=True\)"):
        ref.open(urlpath)
    with pytest.raises(NotImplementedError, match=r"dictionary \(use_dict=True\)"):
        ref.decompress2(blosc2.compress2(np.arange(10000, dtype=np.int32), use_dict=True, codec=blosc2.Codec.ZSTD,
                                         typesize=4, nthreads=1))


def test_use_dict_is_refused_before_a_frame_is_written(tmp_path):
    urlpath = tmp_path / "new.b2frame"
    with pytest.raises(NotImplementedError, match="use_dict"):
        ref.SChunk(chunksize=100, urlpath=str(urlpath), mode="w", cparams={"use_dict": True})
    assert not urlpath.exists()


# ---- metalayers ----------------------------------------------------------------------------------
def test_meta_reads_the_b2nd_metalayer_as_blosc2(host, tmp_path):
    plain = host.SChunk(chunksize=100)  # kept: python-blosc2 4.14.1's meta of a collected SChunk segfaults
    assert "b2nd" not in plain.meta and len(plain.meta) == 0
    a = host.asarray(np.arange(10, dtype="<i8"), urlpath=str(tmp_path / "a.b2nd"), mode="w")
    assert list(a.schunk.meta) == ["b2nd"]
    assert a.schunk.meta["b2nd"] == [0, 1, [10], [10], [10], 0, "<i8"]
    opened = host.open(str(tmp_path / "a.b2nd"))  # kept, as above (4.14.1 reads no metalayer of a collected one)
    assert opened.schunk.meta["b2nd"] == [0, 1, [10], [10], [10], 0, "<i8"]
