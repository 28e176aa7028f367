"""register_codec validation: every rejected call names the value and leaves the registry unchanged."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import udcodec.reference as ref
from ref_helpers import zlib_decoder, zlib_encoder
from udcodec.reference import registry


def snapshot():
    return copy.copy(ref.ucodecs_registry), registry.plugins(), dict(registry._versions)


def test_register_ok_shape():
    assert ref.register_codec("c1", 180, zlib_encoder, zlib_decoder) is None
    assert ref.ucodecs_registry[180] == ("c1", zlib_encoder, zlib_decoder)
    assert isinstance(ref.ucodecs_registry, dict)


@pytest.mark.parametrize("cid", [160, 255])
def test_bounds_inclusive(cid):
    ref.register_codec("c", cid, zlib_encoder, zlib_decoder)
    assert cid in ref.ucodecs_registry


def test_numpy_integer_id_stored_as_int():
    ref.register_codec("c", np.int64(190), zlib_encoder, zlib_decoder)
    (key,) = ref.ucodecs_registry
    assert key == 190 and type(key) is int


@pytest.mark.parametrize(
    "kwargs, exc, fragments",
    [
        (dict(id=True), TypeError, ["True"]),
        (dict(id=np.bool_(True)), TypeError, ["True"]),
        (dict(id=180.0), TypeError, ["180.0"]),
        (dict(id="180"), TypeError, ["'180'"]),
        (dict(id=None), TypeError, ["None"]),
        (dict(id=159), ValueError, ["159", "160", "255"]),
        (dict(id=256), ValueError, ["256", "160", "255"]),
        (dict(id=-1), ValueError, ["-1", "160", "255"]),
        (dict(encoder=None), ValueError, ["encoder", "decoder"]),
        (dict(decoder=None), ValueError, ["encoder", "decoder"]),
        (dict(encoder=42), TypeError, ["42"]),
        (dict(decoder="nope"), TypeError, ["nope"]),
        (dict(codec_name=b"bytes"), TypeError, ["bytes"]),
        (dict(codec_name=None), TypeError, ["None"]),
        (dict(codec_name=""), ValueError, ["empty"]),
        (dict(codec_name="a\x00b"), ValueError, ["NUL"]),
        (dict(version=True), TypeError, ["True"]),
        (dict(version=1.0), TypeError, ["1.0"]),
        (dict(version=-1), ValueError, ["-1", "255"]),
        (dict(version=256), ValueError, ["256", "255"]),
    ],
)
def test_rejections_leave_registry_unchanged(kwargs, exc, fragments):
    ref.register_codec("existing", 170, zlib_encoder, zlib_decoder)
    ref.register_codec("plug_existing", 171)
    before = snapshot()
    args = dict(codec_name="c", id=180, encoder=zlib_encoder, decoder=zlib_decoder, version=1)
    args.update(kwargs)
    with pytest.raises(exc) as ei:
        ref.register_codec(args["codec_name"], args["id"], args["encoder"], args["decoder"], args["version"])
    for frag in fragments:
        assert frag in str(ei.value)
    assert snapshot() == before


def test_long_and_non_ascii_names_are_registered_as_blosc2_registers_them():
    """A 31-character ASCII limit of the reference's own had failed check-codec's default name of a long module."""
    ref.register_codec("x" * 200, 180, zlib_encoder, zlib_decoder)
    ref.register_codec("c\u00f3dec_\u00fcn\u00ef", 181, zlib_encoder, zlib_decoder)
    assert ref.ucodecs_registry[180][0] == "x" * 200 and ref.ucodecs_registry[181][0] == "c\u00f3dec_\u00fcn\u00ef"


@pytest.mark.parametrize("registered_as_plugin", [False, True])
def test_duplicate_id_rejected(registered_as_plugin):
    if registered_as_plugin:
        ref.register_codec("plug", 200)
    else:
        ref.register_codec("first", 200, zlib_encoder, zlib_decoder)
    before = snapshot()
    with pytest.raises(ValueError, match="200"):
        ref.register_codec("second", 200, zlib_encoder, zlib_decoder)
    assert snapshot() == before


def test_version_bounds_and_header_byte(zcodec):
    ref.register_codec("v0", 201, zlib_encoder, zlib_decoder, version=0)
    ref.register_codec("v255", 202, zlib_encoder, zlib_decoder, version=255)
    for cid, ver in ((201, 0), (202, 255)):
        s = ref.SChunk(chunksize=4000, cparams=dict(codec=cid, typesize=4))
        s.append_data(np.arange(1000, dtype=np.int32))
        assert s.get_chunk(0)[1] == ver  # versionlz byte


@pytest.mark.parametrize("name", ["plug/../x", "a.b", "with space", "x-y", "a\\b"])
def test_plugin_name_must_be_identifier(name):
    before = snapshot()
    with pytest.raises(ValueError) as ei:
        ref.register_codec(name, 200)
    assert repr(name) in str(ei.value) or name in str(ei.value)
    assert snapshot() == before


def test_plugin_listed_and_unusable():
    ref.register_codec("my_plugin_1", 210)
    assert ref.ucodecs_registry[210] == ("my_plugin_1", None, None)  # listed, so the id shows as taken
    assert registry.plugin(210).name == "my_plugin_1"
    s = ref.SChunk(chunksize=1000, cparams=dict(codec=210, typesize=1))
    with pytest.raises(RuntimeError) as ei:
        s.append_data(bytes(range(200)) * 5)
    msg = str(ei.value)
    assert "my_plugin_1" in msg and "210" in msg and "not installed" in msg
    assert s.nchunks == 0 and s.nbytes == 0
    # even tiny (memcpyed) chunks are refused
    with pytest.raises(RuntimeError, match="210"):
        s.append_data(b"abc")
    assert s.nchunks == 0


def test_plugin_name_valid_identifier_chars():
    ref.register_codec("Abc_09", 211)
    assert registry.plugin(211).version == 1


def test_reset_registry():
    ref.register_codec("c", 180, zlib_encoder, zlib_decoder)
    ref.register_codec("p", 181)
    ref._reset_registry()
    assert ref.ucodecs_registry == {} and registry.plugins() == {}
    ref.register_codec("c", 180, zlib_encoder, zlib_decoder)  # id reusable after reset
