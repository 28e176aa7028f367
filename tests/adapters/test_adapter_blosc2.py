"""The blosc2-like adapters against the installed python-blosc2 (and the reference, once usable)."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from enum import IntEnum
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import adapter_smoke as smoke
import pytest
from udcodec.adapters.blosc2like import ModuleAdapter, for_module
from udcodec.adapters.protocol import NOT_GIVEN, Adapter, CParams, DParams


def _has(module: str, attr: str) -> bool:
    try:
        return hasattr(importlib.import_module(module), attr)
    except Exception:  # noqa: BLE001 - anything short of a usable module means skip
        return False


HAS_BLOSC2 = _has("blosc2", "register_codec")
HAS_REFERENCE = _has("udcodec.reference", "register_codec")
needs_blosc2 = pytest.mark.skipif(not HAS_BLOSC2, reason="python-blosc2 is not importable")
SPECS = [
    pytest.param("blosc2", marks=needs_blosc2),
    pytest.param(
        "reference",
        marks=pytest.mark.skipif(not HAS_REFERENCE, reason="udcodec.reference is not ready"),
    ),
]


@pytest.fixture(params=SPECS)
def adapter(request: pytest.FixtureRequest) -> Any:
    yield smoke.load(request.param)
    smoke.SEEN.clear()


@pytest.mark.parametrize("check", sorted(smoke.CHECKS))
def test_smoke(adapter: Adapter, check: str, tmp_path: Path) -> None:
    try:
        smoke.CHECKS[check](adapter, tmp_path)
    except NotImplementedError as exc:  # the reference is still growing; blosc2 never raises it
        if adapter.name != "reference":
            raise
        pytest.skip(f"not implemented by the reference yet: {exc}")


@needs_blosc2
def test_loader_instantiates_blosc2_adapter() -> None:
    from udcodec.adapters.blosc2 import Blosc2Adapter

    adapter = smoke.load("blosc2")
    assert isinstance(adapter, Blosc2Adapter) and isinstance(adapter, Adapter)
    info = adapter.info()
    assert (info.name, info.implementation) == ("blosc2", "python-blosc2")
    assert info.version == importlib.import_module("blosc2").__version__


@needs_blosc2
def test_register_id_159_raises_blosc2s_own_valueerror() -> None:
    adapter = smoke.load("blosc2")
    with pytest.raises(ValueError) as via:
        adapter.register_codec("low", 159, smoke.memcpy_encoder, smoke.memcpy_decoder)
    with pytest.raises(ValueError) as direct:
        importlib.import_module("blosc2").register_codec("low", 159, None, None)
    assert via.value.args == direct.value.args
    raised_in = Path(str(via.traceback[-1].path))
    assert "blosc2" in str(raised_in) and raised_in.name != "blosc2like.py", raised_in


def test_blosc2_adapter_without_blosc2(monkeypatch: pytest.MonkeyPatch) -> None:
    from udcodec.adapters.blosc2 import Blosc2Adapter

    monkeypatch.setitem(sys.modules, "blosc2", None)
    with pytest.raises(ImportError, match="needs python-blosc2"):
        Blosc2Adapter()


def test_adapter_modules_import_without_blosc2() -> None:
    code = (
        "import sys; sys.modules['blosc2'] = None\n"
        "import udcodec.adapters.blosc2, udcodec.adapters.blosc2like, udcodec.adapters.reference\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_for_module_missing_module() -> None:
    cls = for_module("udcodec_no_such_port", "port")
    assert issubclass(cls, ModuleAdapter) and cls.adapter_name == "port"
    with pytest.raises(ImportError, match="udcodec_no_such_port"):
        cls()


@pytest.mark.skipif(
    not HAS_BLOSC2 or not _has("blosc2", "CParams"), reason="needs python-blosc2 >= 3"
)
def test_for_module_drives_a_blosc2_like_module(tmp_path: Path) -> None:
    adapter = for_module("blosc2", "b2like")()
    assert adapter.info().name == "b2like" and adapter.param_style == "dataclass"
    smoke.check_roundtrip_zlib(adapter, tmp_path)
    smoke.check_update_params(adapter, tmp_path)


class _Filter(IntEnum):
    NOFILTER = 0
    SHUFFLE = 1
    DELTA = 3
    BYTEDELTA = 35


class _SplitMode(IntEnum):
    ALWAYS_SPLIT = 1
    NEVER_SPLIT = 2
    AUTO_SPLIT = 3
    FORWARD_COMPAT_SPLIT = 4


def _fake_adapter(style: str) -> ModuleAdapter:
    fake = SimpleNamespace(
        __name__="fake", Filter=_Filter, SplitMode=_SplitMode, CParams=dict, DParams=dict,
        register_codec=None, ucodecs_registry={}, SChunk=None, open=None,
    )
    adapter = ModuleAdapter(cast(Any, fake))
    adapter.param_style = cast(Any, style)
    return adapter


@pytest.mark.parametrize("style", ["dict", "dataclass"])
def test_params_round_trip_through_native(style: str) -> None:
    adapter = _fake_adapter(style)
    for cp in [
        CParams(codec=200),
        CParams(codec=201, codec_meta=4, clevel=9, typesize=8, blocksize=4096, splitmode="auto"),
        CParams(codec=202, filters=("shuffle", "delta"), filters_meta=(0, 3)),
        CParams(codec=203, filters=("bytedelta",), splitmode="forward_compat"),
    ]:
        native = adapter.native_cparams(cp)
        assert native["filters"][0] is _Filter[cp.filters[0].upper()]
        assert adapter.neutral_cparams(native) == cp
    assert adapter.neutral_dparams(adapter.native_dparams(DParams(nthreads=3))) == DParams(3)


def test_neutral_cparams_drops_empty_filter_slots() -> None:
    native = {
        "codec": _Filter.SHUFFLE,  # any enum: read back as its int value
        "filters": [0, 0, 0, 0, _Filter.SHUFFLE, 99],
        "filters_meta": [0, 0, 0, 0, 0, 7],
        "splitmode": _SplitMode.NEVER_SPLIT,
    }
    got = _fake_adapter("dict").neutral_cparams(native)
    assert (got.codec, got.filters, got.filters_meta) == (1, ("shuffle", "99"), (0, 7))


def test_parameters_left_out_are_left_out_of_the_call() -> None:
    adapter = _fake_adapter("dict")
    assert adapter.native_cparams(CParams.only(codec=200, typesize=4)) == {"codec": 200, "typesize": 4}
    assert adapter.native_cparams(CParams(codec=200, nthreads=NOT_GIVEN))["codec"] == 200
    assert "nthreads" not in adapter.native_cparams(CParams(codec=200, nthreads=NOT_GIVEN))
    assert adapter.native_dparams(DParams(nthreads=NOT_GIVEN)) == {}
    assert adapter.param_kwargs(NOT_GIVEN, NOT_GIVEN) == adapter.param_kwargs(None) == {}
    assert adapter.param_kwargs(CParams.only(nthreads=1), DParams(1)) == {"cparams": {"nthreads": 1},
                                                                         "dparams": {"nthreads": 1}}
    assert CParams.only(nthreads=1).given_fields() == {"nthreads": 1}
    with pytest.raises(TypeError):
        CParams.only(no_such_field=1)


def test_natural_calls_touch_no_process_wide_setting(adapter: Adapter, tmp_path: Path) -> None:
    """open(path) and a partial update pass only what they are given; the default thread count stays."""
    module = cast(Any, adapter).module
    before = module.nthreads
    path = str(tmp_path / "builtin.b2frame")
    written = adapter.create(CParams(codec=4, typesize=4, clevel=5), DParams(1), 4096, urlpath=path)
    written.append(bytes(range(256)) * 16)
    written.close()
    opened = adapter.open(path)
    assert opened.decompress_chunk(0) == bytes(range(256)) * 16
    assert (opened.cparams().codec, opened.cparams().typesize) == (4, 4)
    opened.close()
    appending = adapter.open(path, mode="a")
    appending.update_cparams(CParams.only(clevel=1))
    assert (appending.cparams().codec, appending.cparams().typesize, appending.cparams().clevel) == (4, 4, 1)
    appending.close()
    assert module.nthreads == before


def test_compress_outside_spellings(adapter: Adapter) -> None:
    """Each spelling reaches compress2: with builtin ZLIB every one writes a chunk that decompresses.

    (Which codec the chunk records is CONT-COMPRESS-SPELLINGS's business: 2.x ignores a cparams dict.)"""
    data = bytes(range(256)) * 16
    spellings = adapter.compress_outside_spellings(data, CParams(codec=4, typesize=1))
    dataclass_style = getattr(adapter, "param_style", "dataclass") == "dataclass"
    assert ("compress2(src, cparams=CParams(...))" in spellings) == dataclass_style
    assert {"compress2(src, cparams={...})", "compress2(src, **fields)"} <= set(spellings)
    for spelling, call in spellings.items():
        chunk = bytes(call())
        assert adapter.decompress_outside(chunk, DParams(nthreads=1)) == data, spelling


def test_decompress_outside_spellings(adapter: Adapter) -> None:
    """Each spelling reaches decompress2: a builtin ZLIB chunk decompresses through every one."""
    data = bytes(range(256)) * 16
    chunk = adapter.compress_outside(data, CParams(codec=4, typesize=1))
    spellings = adapter.decompress_outside_spellings(chunk, DParams(nthreads=1))
    dataclass_style = getattr(adapter, "param_style", "dataclass") == "dataclass"
    assert ("decompress2(src, dparams=DParams(...))" in spellings) == dataclass_style
    assert {"decompress2(src, dparams={...})", "decompress2(src, **fields)"} <= set(spellings)
    for spelling, call in spellings.items():
        assert bytes(call()) == data, spelling


@pytest.mark.parametrize("style", ["dict", "dataclass"])
def test_user_filters_are_named_by_id(style: str) -> None:
    from udcodec.adapters.protocol import user_filter_name

    adapter = _fake_adapter(style)
    cp = CParams(codec=200, filters=(user_filter_name(160), "shuffle", "255"), filters_meta=(9, 0, 1))
    native = adapter.native_cparams(cp)
    assert native["filters"][0] == 160 and native["filters"][2] == 255
    assert adapter.neutral_cparams(native) == cp
    with pytest.raises(ValueError):
        user_filter_name(159)


@pytest.mark.parametrize("spec", SPECS)
def test_register_filter_passes_arguments_through(spec: str, tmp_path: Path) -> None:
    from udcodec import testcodecs as tc

    adapter = smoke.load(spec)
    assert "user_filters" in adapter.capabilities()
    with pytest.raises(ValueError):  # the implementation's own error, unchanged
        adapter.register_filter(159, tc.reverse_forward, tc.reverse_backward)
    fid = 254
    module = cast(Any, adapter).module
    if fid not in module.ufilters_registry:
        adapter.register_filter(fid, tc.reverse_forward, tc.reverse_backward)
    assert module.ufilters_registry[fid] == (tc.reverse_forward, tc.reverse_backward)


def _port(**names: Any) -> Any:
    """A module with the names every ModuleAdapter uses (placeholders), and ``names``."""
    from udcodec.adapters.blosc2like import DATACLASS_NAMES, REQUIRED_NAMES

    return SimpleNamespace(__name__="port", **dict.fromkeys(REQUIRED_NAMES + DATACLASS_NAMES, object()), **names)


def test_a_module_lacking_a_name_the_adapter_uses_fails_to_load_naming_it() -> None:
    """The README had listed neither Filter nor SplitMode: a port without them failed 66 clauses as the host's, on an
    AttributeError raised in the adapter."""
    module = _port(asarray=object())
    del module.SplitMode, module.Filter
    with pytest.raises(AttributeError, match=r"module 'port' lacks Filter, SplitMode, full \(beside asarray"):
        ModuleAdapter(module)


def test_module_without_register_filter_lacks_the_capability() -> None:
    adapter = ModuleAdapter(_port())
    assert "user_filters" not in adapter.capabilities() and "persistence" in adapter.capabilities()


def test_register_filter_without_a_name_lacks_filter_plugins() -> None:
    def register_filter(id: int, forward: Any, backward: Any) -> None:  # python-blosc2 before 2.2.6
        raise AssertionError("not called")

    adapter = ModuleAdapter(_port(register_filter=register_filter))
    assert "user_filters" in adapter.capabilities() and "filter_plugins" not in adapter.capabilities()
    with_name = ModuleAdapter(_port(register_filter=lambda id, f, b, name=None: None))
    assert "filter_plugins" in with_name.capabilities()


def test_module_without_asarray_lacks_the_ndarray_capability() -> None:
    adapter = ModuleAdapter(_port())
    assert "ndarray" not in adapter.capabilities()


@pytest.mark.parametrize("spec", SPECS)
def test_ndarrays_through_asarray_and_open(spec: str, tmp_path: Path) -> None:
    """nd_create passes only what is given (chunks, blocks, params, urlpath with mode='w'); nd_open gives back
    the NDArray with its geometry, and refuses a frame that is not one; contiguous=False makes a sparse frame."""
    import numpy as np
    from udcodec.testcodecs import zlib_decoder, zlib_encoder

    adapter = smoke.load(spec)
    adapter.register_codec("ndz", 201, zlib_encoder, zlib_decoder)
    array = np.arange(70, dtype="<f8").reshape(7, 10)
    path = str(tmp_path / "a.b2nd")
    nd = adapter.nd_create(array, (5, 7), (2, 3), CParams.only(codec=201, codec_meta=4, nthreads=1), DParams(1),
                           urlpath=path)
    assert (nd.shape, nd.chunks, nd.blocks, nd.dtype) == ((7, 10), (5, 7), (2, 3), "<f8")
    assert (nd.cparams().codec, nd.cparams().codec_meta, nd.cparams().typesize, nd.cparams().blocksize) == (201, 4, 8, 48)
    assert nd.schunk().nchunks == 4 and np.array_equal(nd.read((slice(2, 6), 3)), array[2:6, 3])
    nd.write((slice(5, 7), slice(None)), -1.0)
    nd.close()
    written = CParams.only(codec=201, codec_meta=4, typesize=8, blocksize=48, nthreads=1)
    back = adapter.nd_open(path, DParams(1), written)
    assert back.read(...)[6].tolist() == [-1.0] * 10 and back.blocks == (2, 3)
    assert os.path.isfile(path)  # contiguous left out: a frame file
    sparse = str(tmp_path / "sparse.b2nd")
    adapter.nd_create(array, (5, 7), (2, 3), CParams.only(codec=201, codec_meta=4, nthreads=1), DParams(1),
                      urlpath=sparse, contiguous=False).close()
    assert os.path.isfile(os.path.join(sparse, "chunks.b2frame"))
    assert np.array_equal(adapter.nd_open(sparse, DParams(1), written).read(...), array)
    in_memory = adapter.nd_create(array, NOT_GIVEN, NOT_GIVEN, CParams.only(codec=201, nthreads=1), DParams(1))
    assert np.array_equal(in_memory.read(...), array) and in_memory.shape == (7, 10)
    plain = str(tmp_path / "s.b2frame")
    adapter.create(CParams(codec=201), DParams(1), chunksize=8, urlpath=plain).close()
    with pytest.raises(TypeError, match="not an NDArray"):
        adapter.nd_open(plain, DParams(1), CParams(codec=201))
    smoke.SEEN.clear()


@pytest.mark.parametrize("spec", SPECS)
def test_ndarrays_through_full(spec: str, tmp_path: Path) -> None:
    """nd_full passes shape, fill value and dtype, and only what else is given: one repeated value in the
    geometry asked for, persisted and reopened, then written into with the codec."""
    import numpy as np
    from udcodec.testcodecs import zlib_decoder, zlib_encoder

    adapter = smoke.load(spec)
    adapter.register_codec("ndz", 202, zlib_encoder, zlib_decoder)
    path = str(tmp_path / "full.b2nd")
    nd = adapter.nd_full((7, 10), 3, np.dtype("<f4"), (5, 7), (2, 3), CParams.only(codec=202, nthreads=1),
                         DParams(1), urlpath=path)
    assert (nd.shape, nd.chunks, nd.blocks, nd.dtype) == ((7, 10), (5, 7), (2, 3), "<f4")
    assert nd.read(...).tolist() == [[3.0] * 10] * 7
    nd.close()
    written = CParams.only(codec=202, typesize=4, blocksize=24, nthreads=1)
    back = adapter.nd_open(path, DParams(1), written, mode="a")
    back.write((slice(0, 1), slice(None)), 1.5)
    assert back.read(...)[:2].tolist() == [[1.5] * 10, [3.0] * 10] and back.cparams().codec == 202
    in_memory = adapter.nd_full((4,), 9, np.dtype("<i2"), NOT_GIVEN, NOT_GIVEN, NOT_GIVEN, NOT_GIVEN)
    assert in_memory.read(...).tolist() == [9] * 4 and in_memory.dtype == "<i2"
    smoke.SEEN.clear()


@pytest.mark.parametrize("spec", SPECS)
def test_create_leaves_contiguous_out(spec: str, tmp_path: Path) -> None:
    """create() with contiguous left out passes none, as users write SChunk(...): separate chunks in memory, a
    frame file when persisted (python-blosc2's defaults), and what is given is passed."""
    adapter = smoke.load(spec)
    in_memory = adapter.create(CParams(codec=5, typesize=4, nthreads=1), DParams(1), chunksize=400)
    assert in_memory.native().contiguous is False
    path = tmp_path / "c.b2frame"
    persisted = adapter.create(CParams(codec=5, typesize=4, nthreads=1), DParams(1), chunksize=400, urlpath=str(path))
    persisted.append(bytes(400))
    assert persisted.native().contiguous is True and path.is_file()
    assert adapter.create(CParams(codec=5, nthreads=1), DParams(1), chunksize=400, contiguous=True).native().contiguous
    smoke.SEEN.clear()
