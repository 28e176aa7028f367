"""Chunk byte identity with python-blosc2 4.x over the configuration matrix (chunk_matrix.py).

Per family: every configuration is built by blosc2 and by the reference; the bytes must be equal
unless ``known_divergence`` names a blosc2 bug (its chunk does not decode back to the input); both
chunks must decode in the other implementation to what their writer decodes them to.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import udcodec.reference as ref
from chunk_matrix import (
    DELTA,
    FAMILIES,
    NEVER,
    SHUFFLE,
    TRUNC_PREC,
    build_chunk,
    cfg,
    compare_outputs,
    decode_chunk,
    iter_configs,
    known_divergence,
    make_data,
    register_codecs,
)
from udcodec.reference import chunkformat as cf

blosc2 = pytest.importorskip("blosc2")
if int(blosc2.__version__.split(".")[0]) < 4:
    pytest.skip("byte identity is pinned against python-blosc2 4.x", allow_module_level=True)


@pytest.fixture(autouse=True)
def codecs():
    register_codecs(ref)
    register_codecs(blosc2)


def _flags_memcpyed(chunk: bytes) -> bool:
    return bool(chunk[2] & cf.FLAG_MEMCPYED)


@pytest.mark.slow
@pytest.mark.parametrize("family", list(FAMILIES))
def test_family_byte_identity_and_cross_decoding(family, capsys):
    configs = iter_configs([family])
    b_chunks = {c.key: build_chunk(blosc2, c) for c in configs}
    r_chunks = {c.key: build_chunk(ref, c) for c in configs}
    rates = compare_outputs(b_chunks, r_chunks, configs)
    problems: list[str] = []
    for c in configs:
        b, r = b_chunks[c.key], r_chunks[c.key]
        known = known_divergence(c)
        if isinstance(b, Exception) or isinstance(r, Exception):
            if not (isinstance(b, Exception) and isinstance(r, Exception)):
                problems.append(f"only one raised: {c.key}: blosc2 {b!r} / reference {r!r}")
            continue
        if b != r and known is None:
            problems.append(f"bytes differ: {c.key}")
        data = make_data(c.data, c.nbytes, c.typesize)
        lossy = TRUNC_PREC in c.filters
        # reference chunk -> blosc2 decodes it as the reference does (= the input unless lossy)
        r_own = decode_chunk(ref, c, r)
        if r_own != (r_own if lossy else data):
            problems.append(f"reference does not round-trip its own chunk: {c.key}")
        if decode_chunk(blosc2, c, r) != r_own:
            problems.append(f"blosc2 decodes the reference chunk differently: {c.key}")
        # blosc2 chunk -> the reference decodes it as blosc2 does (errors included)
        b_own = decode_chunk(blosc2, c, b)
        r_dec = decode_chunk(ref, c, b)
        if isinstance(b_own, Exception):
            if not isinstance(r_dec, Exception):
                problems.append(f"blosc2 cannot decode its chunk but the reference can: {c.key}")
        elif r_dec != b_own:
            problems.append(f"reference decodes the blosc2 chunk differently: {c.key}")
    with capsys.disabled():
        for fam, rate in rates.items():
            known = sum(known_divergence(c) is not None for c in configs if c.family == fam)
            print(f"\n[{family}] {fam}: byte-identical {rate} ({known} with a known blosc2 bug)", end="")
    assert not problems, "\n".join(problems[:20]) + f"\n({len(problems)} problems)"


def test_matrix_covers_the_brief():
    configs = iter_configs()
    assert {c.typesize for c in configs if c.family == "typesize_all"} == set(range(1, 256))
    assert {c.splitmode for c in configs} == {1, 2, 3, 4}
    assert {c.clevel for c in configs} == set(range(10))
    assert {f for c in configs for f in c.filters} == {0, 1, 2, 3, 4}
    assert any(sum(f != 0 for f in c.filters) == 6 for c in configs)
    assert len({c.key for c in configs}) == len(configs)


# ---- TRUNC_PREC semantics ------------------------------------------------------------------------
@pytest.mark.parametrize(("typesize", "meta", "zeroed"), [(4, 10, 13), (4, 23, 0), (4, -5, 5), (4, -22, 22),
                                                         (8, 20, 32), (8, 52, 0), (8, -51, 51)])
def test_trunc_prec_masks_mantissa_bits(typesize, meta, zeroed):
    x = np.random.default_rng(3).standard_normal(256).astype(f"<f{typesize}")
    c = cfg("t", typesize, NEVER, [TRUNC_PREC], filters_meta=[meta], nbytes=x.nbytes)
    s = ref.SChunk(chunksize=x.nbytes, cparams=c.cparams(ref))
    s.append_data(x)
    got = np.frombuffer(s.decompress_chunk(0), f"<u{typesize}")
    mask = ~((1 << zeroed) - 1) & ((1 << 8 * typesize) - 1)
    assert np.array_equal(got, x.view(f"<u{typesize}") & mask)
    b = blosc2.SChunk(chunksize=x.nbytes, cparams=c.cparams(blosc2), dparams={"nthreads": 1})
    b.append_data(x)
    assert b.get_chunk(0) == s.get_chunk(0)


@pytest.mark.parametrize(("typesize", "meta"), [(4, 0), (4, 24), (4, -23), (8, 0), (8, -52), (2, 5), (16, 5)])
def test_trunc_prec_rejects_what_blosc2_rejects(typesize, meta):
    c = cfg("t", typesize, NEVER, [TRUNC_PREC], filters_meta=[meta], nbytes=64 * typesize, data="floats")
    assert isinstance(build_chunk(blosc2, c), Exception)
    with pytest.raises(ValueError, match="TRUNC_PREC"):
        cf.compress_chunk(make_data(c.data, c.nbytes, typesize), ref.CParams(**c.cparams(ref)), None)
    # memcpyed chunks never run the filter, in neither implementation
    tiny = cfg("t", typesize, NEVER, [TRUNC_PREC], filters_meta=[meta], nbytes=typesize if typesize > 8 else 2 * typesize)
    assert build_chunk(ref, tiny) == build_chunk(blosc2, tiny)


# ---- versions -------------------------------------------------------------------------------------
VERSION_DIFFS = [
    # (config, what differs between blosc2 2.x/3.x and 4.x)
    (cfg("v", 12, NEVER, [SHUFFLE], blocksize=288, nbytes=930, filters_meta=[2]), "shuffle meta"),
    (cfg("v", 4, NEVER, [SHUFFLE, SHUFFLE], blocksize=128, nbytes=524, filters_meta=[0, 2], data="floats"),
     "shuffle meta pipeline"),
    (cfg("v", 12, NEVER, [DELTA, DELTA], blocksize=384, nbytes=1572, data="floats"), "delta dref"),
    (cfg("v", 4, NEVER, [SHUFFLE], blocksize=1001, nbytes=3000, data="zeros"), "special-zero blocksize"),
    (cfg("v", 8, NEVER, [0], blocksize=100, nbytes=3000, codec="partial", data="mixed"), "memcpy blocksize"),
    (cfg("v", 4, 1, [SHUFFLE], blocksize=1, nbytes=1201), "memcpy flags"),
]


@pytest.mark.parametrize(("c", "what"), VERSION_DIFFS, ids=[w for _c, w in VERSION_DIFFS])
def test_blosc2_target_selects_the_version_specific_bytes(c, what):
    r4 = build_chunk(ref, c)
    r3 = build_chunk(ref, c, blosc2_target=3)
    assert r4 == build_chunk(blosc2, c)
    assert r3 != r4
    assert build_chunk(ref, c, blosc2_target=2) == r3
    data = make_data(c.data, c.nbytes, c.typesize)
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
                         [(4, 0, 4000, 2500, 1), (8, 96, 800, 250, 2), (4, 0, 400000, 100000, 1),
                          (8, 0, 400000, 50000, 3)])
def test_special_chunks_both_directions(special, name, typesize, blocksize, chunksize, nitems, splitmode):
    c = cfg("s", typesize, splitmode, [SHUFFLE], blocksize=blocksize, nbytes=chunksize)
    b = blosc2.SChunk(chunksize=chunksize, cparams=c.cparams(blosc2), dparams={"nthreads": 1})
    b.fill_special(nitems, getattr(blosc2.SpecialValue, name))
    cp = ref.CParams(**c.cparams(ref))
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
    c = cfg("s", 8, NEVER, [SHUFFLE], nbytes=800)
    b = blosc2.SChunk(chunksize=800, cparams=c.cparams(blosc2), dparams={"nthreads": 1})
    b.fill_special(250, blosc2.SpecialValue.VALUE, value=7)
    cp = ref.CParams(**c.cparams(ref))
    for i in range(b.nchunks):
        bc = b.get_chunk(i)
        value = np.int64(7).tobytes()
        assert cf.special_chunk(cp, cf.SPECIAL_VALUE, cf.parse_header(bc).nbytes, value=value) == bc
        assert cf.decompress_chunk(bc) == b.decompress_chunk(i)


def test_all_zero_data_gives_the_same_special_zero_chunk():
    for ts, sm in ((1, 1), (4, 2), (8, 3), (16, 4)):
        c = cfg("z", ts, sm, [SHUFFLE], nbytes=ts * 1000, data="zeros")
        r = build_chunk(ref, c)
        assert r == build_chunk(blosc2, c) and len(r) == 32 and cf.parse_header(r).special == cf.SPECIAL_ZERO
    z = blosc2.zeros((1000,), dtype=np.float32)
    assert cf.decompress_chunk(z.schunk.get_chunk(0)) == bytes(4000)


def test_rates_are_finite_fractions():
    configs = iter_configs(["codec"])
    rates = compare_outputs({c.key: build_chunk(blosc2, c) for c in configs},
                            {c.key: build_chunk(ref, c) for c in configs}, configs)
    assert all(0.0 <= r.rate <= 1.0 and not math.isnan(r.rate) for r in rates.values())
    assert sum(r.total for r in rates.values()) == len(configs)
