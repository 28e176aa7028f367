"""Chunk byte identity with python-blosc2 4.x over the ``thorough`` configuration sweep (chunk_matrix.py).

Per family: every configuration is built by blosc2 and by the reference; the bytes must be equal
wherever both read their own chunk back to the data. Where blosc2 cannot (its known bugs), the
configuration is left out of the comparison, and python-blosc2's expectations must excuse RT-CONFIGS
for this version. Both chunks must decode in the other implementation to what their writer decodes
them to.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import udcodec.reference as ref
from chunk_matrix import (
    Written,
    build_chunk,
    compare_outputs,
    config,
    decode_chunk,
    host_cparams,
    matrix,
    register_codecs,
    written,
)
from udcodec.expectations.model import load_expectations
from udcodec.reference import chunkformat as cf
from udcodec.sweep import LARGE_TYPESIZES, families

blosc2 = pytest.importorskip("blosc2")
if int(blosc2.__version__.split(".")[0]) < 4:
    pytest.skip("byte identity is pinned against python-blosc2 4.x", allow_module_level=True)

EXPECTATIONS = Path(__file__).resolve().parents[2] / "adapters" / "expectations" / "blosc2.yaml"


@pytest.fixture(autouse=True)
def codecs():
    register_codecs(ref)
    register_codecs(blosc2)


@pytest.mark.slow
@pytest.mark.parametrize("family", families(matrix()))
def test_family_byte_identity_and_cross_decoding(family, capsys):
    configs = matrix([family])
    b_written = {c.label: written(blosc2, c) for c in configs}
    r_written = {c.label: written(ref, c) for c in configs}
    rates = compare_outputs(b_written, r_written, configs)
    problems = [f"bytes differ: {label}" for rate in rates.values() for label in rate.differing]
    unreadable = []
    for c in configs:
        bw, rw = b_written[c.label], r_written[c.label]
        if bw.chunk is None or rw.chunk is None:
            if not (bw.chunk is None and rw.chunk is None):
                problems.append(f"only one raised: {c.label}: blosc2 {bw.error or 'wrote'} / reference {rw.error or 'wrote'}")
            continue
        b, r = bw.chunk, rw.chunk
        # reference chunk -> blosc2 decodes it as the reference does (= the input unless lossy)
        if not rw.reads_back:
            problems.append(f"reference does not round-trip its own chunk: {c.label}")
        r_own = decode_chunk(ref, c, r)
        if decode_chunk(blosc2, c, r) != r_own:
            problems.append(f"blosc2 decodes the reference chunk differently: {c.label}")
        # blosc2 chunk -> the reference decodes it as blosc2 does (errors included)
        if not bw.reads_back:
            unreadable.append(c.label)
        b_own = decode_chunk(blosc2, c, b)
        r_dec = decode_chunk(ref, c, b)
        if isinstance(b_own, Exception):
            if not isinstance(r_dec, Exception):
                problems.append(f"blosc2 cannot decode its chunk but the reference can: {c.label}")
        elif r_dec != b_own:
            problems.append(f"reference decodes the blosc2 chunk differently: {c.label}")
    if unreadable and load_expectations(EXPECTATIONS).for_clause("RT-CONFIGS", "python-blosc2",
                                                                 blosc2.__version__) is None:
        problems.append(f"blosc2 {blosc2.__version__} cannot read back its own chunk, and its expectations do not "
                        f"excuse RT-CONFIGS: {unreadable[0]}")
    with capsys.disabled():
        for fam, rate in rates.items():
            print(f"\n[{family}] {fam}: byte-identical {rate}", end="")
    assert not problems, "\n".join(problems[:20]) + f"\n({len(problems)} problems)"


def test_matrix_covers_the_brief():
    configs = matrix()
    assert {c.cparams.typesize for c in configs if c.family == "typesize_all"} == set(range(1, 256)) | set(
        LARGE_TYPESIZES)
    assert {c.cparams.splitmode for c in configs} == {"always", "never", "auto", "forward_compat"}
    assert {c.cparams.clevel for c in configs} == set(range(10))
    assert {f for c in configs for f in c.cparams.filters} == {"nofilter", "shuffle", "bitshuffle", "delta",
                                                                 "trunc_prec"}
    assert any(sum(f != "nofilter" for f in c.cparams.filters) == 6 for c in configs)
    assert len({c.label for c in configs}) == len(configs) == 1916


def test_only_chunks_both_writers_read_back_are_compared():
    c1, c2, c3 = matrix(["codec_meta"])[:3]
    a = {c1.label: Written(b"x", reads_back=True), c2.label: Written(b"y"), c3.label: Written(None, "Err")}
    b = {c1.label: Written(b"z", reads_back=True), c2.label: Written(b"y", reads_back=True),
         c3.label: Written(None, "Err")}
    r = compare_outputs(a, b, [c1, c2, c3])["codec_meta"]
    assert (r.same, r.total, r.both_error, r.unreadable, r.differing) == (1, 2, 1, 1, [c1.label])
    assert str(r) == "1/2 (1 both raise) (1 left out: a host cannot read back its own chunk)"


# ---- TRUNC_PREC semantics ------------------------------------------------------------------------
@pytest.mark.parametrize(("typesize", "meta", "zeroed"), [(4, 10, 13), (4, 23, 0), (4, -5, 5), (4, -22, 22),
                                                         (8, 20, 32), (8, 52, 0), (8, -51, 51)])
def test_trunc_prec_masks_mantissa_bits(typesize, meta, zeroed):
    x = np.random.default_rng(3).standard_normal(256).astype(f"<f{typesize}")
    c = config("t", typesize, "never", ("trunc_prec",), filters_meta=(meta,), nbytes=x.nbytes)
    s = ref.SChunk(chunksize=x.nbytes, cparams=host_cparams(ref, c))
    s.append_data(x)
    got = np.frombuffer(s.decompress_chunk(0), f"<u{typesize}")
    mask = ~((1 << zeroed) - 1) & ((1 << 8 * typesize) - 1)
    assert np.array_equal(got, x.view(f"<u{typesize}") & mask)
    b = blosc2.SChunk(chunksize=x.nbytes, cparams=host_cparams(blosc2, c), dparams={"nthreads": 1})
    b.append_data(x)
    assert b.get_chunk(0) == s.get_chunk(0)


@pytest.mark.parametrize(("typesize", "meta"), [(4, 0), (4, 24), (4, -23), (8, 0), (8, 53), (8, -52), (2, 5), (1, 5),
                                             (16, 5)])
def test_trunc_prec_rejects_what_blosc2_rejects(typesize, meta):
    c = config("t", typesize, "never", ("trunc_prec",), filters_meta=(meta,), nbytes=64 * typesize, data="sine-scaled")
    assert isinstance(build_chunk(blosc2, c), Exception)
    with pytest.raises(ValueError, match="TRUNC_PREC"):
        cf.compress_chunk(c.make_data(), ref.CParams(**host_cparams(ref, c)), None)
    # memcpyed chunks never run the filter, in neither implementation
    tiny = config("t", typesize, "never", ("trunc_prec",), filters_meta=(meta,),
                  nbytes=typesize if typesize > 8 else 2 * typesize)
    assert build_chunk(ref, tiny) == build_chunk(blosc2, tiny)


# ---- versions -------------------------------------------------------------------------------------
VERSION_DIFFS = [
    # (config, what differs between blosc2 2.x/3.x and 4.x)
    (config("v", 12, "never", ("shuffle",), blocksize=288, nbytes=930, filters_meta=(2,)), "shuffle meta"),
    (config("v", 4, "never", ("shuffle", "shuffle"), blocksize=128, nbytes=524, filters_meta=(0, 2),
            data="sine-scaled"), "shuffle meta pipeline"),
    (config("v", 12, "never", ("delta", "delta"), blocksize=384, nbytes=1572, data="sine-scaled"), "delta dref"),
    (config("v", 4, "never", ("shuffle",), blocksize=1001, nbytes=3000, data="zeros"), "special-zero blocksize"),
    (config("v", 8, "never", ("nofilter",), blocksize=100, nbytes=3000, codec="odd-zlib", data="ramp-random-256"),
     "memcpy blocksize"),
    (config("v", 4, "always", ("shuffle",), blocksize=1, nbytes=1201), "memcpy flags"),
]


@pytest.mark.parametrize(("c", "what"), VERSION_DIFFS, ids=[w for _c, w in VERSION_DIFFS])
def test_blosc2_target_selects_the_version_specific_bytes(c, what):
    r4 = build_chunk(ref, c)
    r3 = build_chunk(ref, c, blosc2_target=3)
    assert r4 == build_chunk(blosc2, c)
    assert r3 != r4
    assert build_chunk(ref, c, blosc2_target=2) == r3
    data = c.make_data()
    assert decode_chunk(ref, c, r4) == data
    if what != "delta dref":  # 2.x/3.x chunks with DELTA after another filter do not round-trip
        assert decode_chunk(ref, c, r3, blosc2_target=3) == data


def test_blosc2_target_is_validated_and_defaults_to_4():
    assert ref.CParams().blosc2_target == 4
    with pytest.raises(ValueError, match="blosc2_target"):
        ref.SChunk(chunksize=100, cparams={"codec": 200, "blosc2_target": 5})


# ---- special chunks --------------------------------------------------------------------------------
SPECIALS = [(cf.SPECIAL_ZERO, "ZERO"), (cf.SPECIAL_NAN, "NAN"), (cf.SPECIAL_UNINIT, "UNINIT")]


@pytest.mark.parametrize(("special", "name"), SPECIALS)
@pytest.mark.parametrize(("typesize", "blocksize", "chunksize", "nitems", "splitmode"),
                         [(4, 0, 4000, 2500, "always"), (8, 96, 800, 250, "never"), (4, 0, 400000, 100000, "always"),
                          (8, 0, 400000, 50000, "auto")])
def test_special_chunks_both_directions(special, name, typesize, blocksize, chunksize, nitems, splitmode):
    c = config("s", typesize, splitmode, ("shuffle",), blocksize=blocksize, nbytes=chunksize)
    b = blosc2.SChunk(chunksize=chunksize, cparams=host_cparams(blosc2, c), dparams={"nthreads": 1})
    b.fill_special(nitems, getattr(blosc2.SpecialValue, name))
    cp = ref.CParams(**host_cparams(ref, c))
    for i in range(b.nchunks):
        bc = b.get_chunk(i)
        h = cf.parse_header(bc)
        assert cf.special_chunk(cp, special, h.nbytes) == bc
        expected = b.decompress_chunk(i)
        if special == cf.SPECIAL_NAN:
            got = np.frombuffer(cf.decompress_chunk(bc), f"<f{typesize}")
            assert np.isnan(got).all() and len(got) * typesize == len(expected)
        elif special != cf.SPECIAL_UNINIT:  # uninitialized contents are unspecified
            assert cf.decompress_chunk(bc) == expected


def test_special_value_chunk_both_directions():
    c = config("s", 8, "never", ("shuffle",), nbytes=800)
    b = blosc2.SChunk(chunksize=800, cparams=host_cparams(blosc2, c), dparams={"nthreads": 1})
    b.fill_special(250, blosc2.SpecialValue.VALUE, value=7)
    cp = ref.CParams(**host_cparams(ref, c))
    for i in range(b.nchunks):
        bc = b.get_chunk(i)
        value = np.int64(7).tobytes()
        assert cf.special_chunk(cp, cf.SPECIAL_VALUE, cf.parse_header(bc).nbytes, value=value) == bc
        assert cf.decompress_chunk(bc) == b.decompress_chunk(i)


def test_all_zero_data_gives_the_same_special_zero_chunk():
    for ts, sm in ((1, "always"), (4, "never"), (8, "auto"), (16, "forward_compat")):
        c = config("z", ts, sm, ("shuffle",), nbytes=ts * 1000, data="zeros")
        r = build_chunk(ref, c)
        assert r == build_chunk(blosc2, c) and len(r) == 32 and cf.parse_header(r).special == cf.SPECIAL_ZERO
    z = blosc2.zeros((1000,), dtype=np.float32)
    assert cf.decompress_chunk(z.schunk.get_chunk(0)) == bytes(4000)


def test_rates_are_finite_fractions():
    configs = matrix(["codec_meta", "codec_version"])
    rates = compare_outputs({c.label: written(blosc2, c) for c in configs},
                            {c.label: written(ref, c) for c in configs}, configs)
    assert all(0.0 <= r.rate <= 1.0 and not math.isnan(r.rate) for r in rates.values())
    assert sum(r.total + r.unreadable for r in rates.values()) == len(configs)


@pytest.mark.parametrize(("typesize", "clevel", "want"), [
    (16384, 5, 4 << 20),  # 64 KiB x 16384 = 1 GiB, capped at 4 MiB
    (32767, 1, 4 << 20),  # 32 KiB x 32767 still fits in int32
    (32768, 5, 32 * 1024),  # 64 KiB x 32768 = 2**31 wraps negative in c-blosc2's int32: the 32 KiB floor
    (65535, 9, 32 * 1024),  # 512 KiB x 65535 wraps negative too
    (65535, 1, 4 << 20),  # 32 KiB x 65535 < 2**31
])
def test_split_automatic_blocksize_wraps_like_c_blosc2(typesize: int, clevel: int, want: int) -> None:
    """c-blosc2 multiplies the split block size by the typesize in 32-bit arithmetic; python-blosc2 writes
    32 KiB blocks from typesize 32768 on (INTEROP-CHUNK-BYTES over the thorough sweep's large typesizes)."""
    cp = ref.CParams(codec=200, typesize=typesize, clevel=clevel, splitmode=ref.SplitMode.ALWAYS_SPLIT,
                     filters=[ref.Filter.SHUFFLE])
    nbytes = 8 << 20
    assert cf.compute_blocksize(cp, nbytes) == (want // typesize * typesize if want > typesize else want)
