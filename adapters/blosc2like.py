"""A generic adapter for any module exposing python-blosc2's public user-codec API.

The module must provide ``register_codec``, ``ucodecs_registry``, optionally ``register_filter`` and ``asarray``
and ``full`` (NDArray), ``SChunk``, ``CParams``, ``DParams``, ``Filter``, ``SplitMode``, ``open``, ``compress2`` and ``decompress2`` with
python-blosc2 4.x semantics. A port author adapts such a module with a three-line subclass::

    from udcodec.adapters.blosc2like import ModuleAdapter

    class MyPortAdapter(ModuleAdapter):
        module_name = adapter_name = "myport"

tries every operation once with ``udcodec smoke --adapter mypkg.myadapter:MyPortAdapter``, and
runs the harness with ``--adapter mypkg.myadapter:MyPortAdapter``. The same class can be
made in one line with :func:`for_module`: ``MyPortAdapter = for_module("myport")``.

Every operation calls the module directly and lets its exceptions through unchanged.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import operator
from collections.abc import Callable, Mapping
from enum import Enum
from types import ModuleType
from typing import Any, ClassVar, Literal

import numpy as np
from udcodec.adapters.protocol import (
    CAPABILITIES,
    FILTER_IDS,
    FILTER_NAMES,
    NOT_GIVEN,
    SPLITMODE_IDS,
    SPLITMODE_NAMES,
    AdapterInfo,
    CParams,
    DParams,
    NotGiven,
    given,
)

#: Capabilities that need a module attribute: (capability, attribute).
_OPTIONAL = (("user_filters", "register_filter"), ("ndarray", "asarray"))
#: The operators of :meth:`ModuleNDContainer.expression`, applied as users write them (``array + 1``).
_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {"+": operator.add, "-": operator.sub, "*": operator.mul}
#: The names :class:`ModuleAdapter` uses on every module, and those it uses with dataclass parameters; a capability's
#: own names (``_OPTIONAL``, ``full`` beside ``asarray``, ``compress2``/``decompress2``) only where it is declared.
REQUIRED_NAMES = ("register_codec", "ucodecs_registry", "SChunk", "open", "Filter", "SplitMode")
DATACLASS_NAMES = ("CParams", "DParams")


#: How a module spells parameters: dataclass instances (3.x/4.x) or plain dicts (2.x).
ParamStyle = Literal["dataclass", "dict"]


def _takes(function: Any, parameter: str) -> bool:
    """Whether ``function`` has ``parameter`` (True when its signature cannot be read)."""
    try:
        return parameter in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return True


def _field(native: Any, key: str, default: Any = None) -> Any:
    """Read ``key`` from native params that may be a mapping or an object."""
    if isinstance(native, Mapping):
        return native.get(key, default)
    return getattr(native, key, default)


def _int(value: Any) -> int:
    """An enum member or an int as a plain int."""
    return int(value.value) if isinstance(value, Enum) else int(value)


class ModuleContainer:
    """The :class:`~udcodec.adapters.protocol.Container` view of a module's ``SChunk``."""

    def __init__(self, adapter: ModuleAdapter, schunk: Any) -> None:
        self._adapter = adapter
        self._schunk: Any = schunk

    def _sc(self) -> Any:
        if self._schunk is None:
            raise RuntimeError("container already closed")
        return self._schunk

    @property
    def nchunks(self) -> int:
        schunk = self._sc()
        if not hasattr(schunk, "nchunks"):  # python-blosc2 2.0.0: every chunk but the last is full
            return -(-int(schunk.nbytes) // int(schunk.chunksize)) if schunk.chunksize else 0
        return int(schunk.nchunks)

    def append(self, data: bytes) -> int:
        """Append ``data`` unchanged (bytes keep the SChunk's own typesize)."""
        return int(self._sc().append_data(data))

    def append_chunk(self, chunk: bytes) -> int:
        schunk = self._sc()
        if not hasattr(schunk, "append_chunk"):  # python-blosc2 2.x/3.x
            return int(schunk.insert_chunk(self.nchunks, chunk))
        return int(schunk.append_chunk(chunk))

    def get_chunk(self, index: int) -> bytes:
        return bytes(self._sc().get_chunk(index))

    def decompress_chunk(self, index: int) -> bytes:
        return bytes(self._sc().decompress_chunk(index))

    def decompress_chunk_into(self, index: int, dst: Any) -> None:
        self._sc().decompress_chunk(index, dst)

    def get_slice(self, start: int, stop: int) -> bytes:
        return bytes(self._sc().get_slice(start, stop))

    def get_item(self, key: int | slice) -> bytes:
        return bytes(self._sc()[key])

    def set_item(self, key: int | slice, data: bytes) -> None:
        self._sc()[key] = data

    def cparams(self) -> CParams:
        return self._adapter.neutral_cparams(self._sc().cparams)

    def dparams(self) -> DParams:
        return self._adapter.neutral_dparams(self._sc().dparams)

    def update_cparams(self, cparams: CParams) -> None:
        """Assign the SChunk's params with the given fields changed (what users write on each line)."""
        schunk = self._sc()
        schunk.cparams = self._adapter.updated(schunk.cparams, self._adapter.cparams_fields(cparams))

    def update_dparams(self, dparams: DParams) -> None:
        schunk = self._sc()
        schunk.dparams = self._adapter.updated(schunk.dparams, self._adapter.dparams_fields(dparams))

    def native(self) -> Any:
        return self._schunk

    def close(self) -> None:
        """Drop the SChunk (Blosc2 frames are written through on every append)."""
        schunk, self._schunk = self._schunk, None
        closer = getattr(schunk, "close", None)
        if callable(closer):
            closer()


class ModuleNDContainer:
    """The :class:`~udcodec.adapters.protocol.NDContainer` view of a module's ``NDArray``."""

    def __init__(self, adapter: ModuleAdapter, array: Any) -> None:
        self._adapter = adapter
        self._array: Any = array

    def _nd(self) -> Any:
        if self._array is None:
            raise RuntimeError("array already closed")
        return self._array

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(int(n) for n in self._nd().shape)

    @property
    def chunks(self) -> tuple[int, ...]:
        return tuple(int(n) for n in self._nd().chunks)

    @property
    def blocks(self) -> tuple[int, ...]:
        return tuple(int(n) for n in self._nd().blocks)

    @property
    def dtype(self) -> str:
        return str(np.dtype(self._nd().dtype).str)

    def read(self, key: Any = ...) -> np.ndarray:
        return np.asarray(self._nd()[key])

    def write(self, key: Any, value: Any) -> None:
        self._nd()[key] = value

    def sum(self, axis: int | None = None) -> Any:
        got = self._nd().sum() if axis is None else self._nd().sum(axis=axis)
        return got if isinstance(got, np.ndarray | np.generic) else np.asarray(got[()] if hasattr(got, "shape") else got)

    def expression(self, op: str, operand: Any) -> np.ndarray:
        other = operand.native() if isinstance(operand, ModuleNDContainer) else operand
        return np.asarray(_OPERATORS[op](self._nd(), other)[:])

    def slice(self, key: Any) -> ModuleNDContainer:
        return ModuleNDContainer(self._adapter, self._nd().slice(key))

    def copy(self, urlpath: str | None = None) -> ModuleNDContainer:
        return ModuleNDContainer(self._adapter, self._nd().copy() if urlpath is None else self._nd().copy(urlpath=urlpath))

    def save(self, urlpath: str) -> None:
        self._nd().save(urlpath)

    def schunk(self) -> ModuleContainer:
        return self._adapter.wrap(self._nd().schunk)

    def cparams(self) -> CParams:
        return self._adapter.neutral_cparams(self._nd().schunk.cparams)

    def dparams(self) -> DParams:
        return self._adapter.neutral_dparams(self._nd().schunk.dparams)

    def native(self) -> Any:
        return self._array

    def close(self) -> None:
        """Drop the array (frames are written through on every write)."""
        self._array = None


class ModuleAdapter:
    """Adapter for a module with python-blosc2's public user-codec API (4.x spelling).

    Subclasses set :attr:`module_name` (and usually :attr:`name`); differences in spelling
    are switched by :attr:`param_style` and the hooks :meth:`_compress2` and :meth:`_decompress2`.
    Parameters left out (:data:`~udcodec.adapters.protocol.NOT_GIVEN`) are left out of the call.
    """

    module_name: ClassVar[str] = ""
    #: Adapter name for reports (default: the module name). Kept off the class attribute
    #: ``name`` so that the class itself does not pass for an Adapter instance.
    adapter_name: ClassVar[str] = ""
    implementation: ClassVar[str] = ""
    #: Whether the module runs a registered plugin's compiled library with a c-blosc2 super-chunk (capability
    #: ``plugin_libraries``): python-blosc2 does; a port says so by setting it.
    runs_plugin_libraries: ClassVar[bool] = False
    name: str
    param_style: ParamStyle = "dataclass"

    def __init__(self, module: ModuleType | None = None) -> None:
        if module is None:
            if not self.module_name:
                raise TypeError(f"{type(self).__name__} must set module_name or be given a module")
            try:
                module = importlib.import_module(self.module_name)
            except ImportError as exc:
                raise ImportError(
                    f"{type(self).__name__} needs the module {self.module_name!r}, "
                    f"which is not importable: {exc}"
                ) from exc
        self._configure(module)
        missing = [n for n in REQUIRED_NAMES + (DATACLASS_NAMES if self.param_style == "dataclass" else ())
                   if not hasattr(module, n)]
        if hasattr(module, "asarray") and not hasattr(module, "full"):
            missing.append("full (beside asarray: the ndarray capability)")
        if missing:
            raise AttributeError(f"module {module.__name__!r} lacks {', '.join(missing)}, which "
                                 f"{type(self).__name__} (a ModuleAdapter) uses")
        self.module: ModuleType = module
        self.name = self.adapter_name or module.__name__

    def _configure(self, module: ModuleType) -> None:
        """Adapt to ``module`` before its names are checked (a subclass sets :attr:`param_style` here)."""

    # -- description ---------------------------------------------------------------------
    def info(self) -> AdapterInfo:
        version = str(getattr(self.module, "__version__", "unknown"))
        impl = self.implementation or self.module.__name__
        return AdapterInfo(name=self.name, implementation=impl, version=version)

    def capabilities(self) -> frozenset[str]:
        missing = {cap for cap, attr in _OPTIONAL if not hasattr(self.module, attr)}
        if "user_filters" in missing or not _takes(self.module.register_filter, "name"):
            missing.add("filter_plugins")  # python-blosc2 before 2.2.6: register_filter(id, forward, backward)
        if not (hasattr(self.module, "compress2") and hasattr(self.module, "decompress2")):
            missing.add("outside_container")
        if not self.runs_plugin_libraries:
            missing.add("plugin_libraries")
        array = getattr(self.module, "NDArray", None)
        if "ndarray" in missing or not hasattr(array, "sum"):
            missing.add("nd_reductions")  # python-blosc2 2.x's NDArray has no sum
        if "ndarray" in missing or not hasattr(array, "__add__"):
            missing.add("nd_expressions")
        if "ndarray" in missing or not (hasattr(array, "slice") and hasattr(array, "copy")):
            missing.add("nd_copies")
        if "ndarray" in missing or not hasattr(array, "save"):
            missing.add("nd_save")  # python-blosc2 2.x
        return CAPABILITIES - missing

    # -- parameter translation -----------------------------------------------------------
    def _filter(self, name: str) -> Any:
        if name.isdigit():  # a user-defined filter, named by its id
            return int(name)
        if name in FILTER_IDS:
            return self.module.Filter(FILTER_IDS[name])
        return self.module.Filter[name.upper()]  # e.g. "bytedelta"; KeyError if unknown

    def cparams_fields(self, cparams: CParams) -> dict[str, Any]:
        """The given compression params as keyword arguments in the module's vocabulary (none left out are)."""
        fields = cparams.given_fields()
        if "splitmode" in fields:
            fields["splitmode"] = self.module.SplitMode(SPLITMODE_IDS[fields["splitmode"]])
        if "filters" in fields:
            fields["filters"] = [self._filter(f) for f in fields["filters"]]
            if not fields.get("filters_meta"):
                fields["filters_meta"] = [0] * len(fields["filters"])
        if "filters_meta" in fields:
            fields["filters_meta"] = list(fields["filters_meta"])
        return fields

    def dparams_fields(self, dparams: DParams) -> dict[str, Any]:
        """The given decompression params as keyword arguments."""
        return {"nthreads": dparams.nthreads} if given(dparams.nthreads) else {}

    def native_cparams(self, cparams: CParams) -> Any:
        fields = self.cparams_fields(cparams)
        return fields if self.param_style == "dict" else self.module.CParams(**fields)

    def native_dparams(self, dparams: DParams) -> Any:
        fields = self.dparams_fields(dparams)
        return fields if self.param_style == "dict" else self.module.DParams(**fields)

    def updated(self, native: Any, fields: dict[str, Any]) -> Any:
        """``native`` params with ``fields`` changed: a partial dict (2.x) or a replaced dataclass."""
        if self.param_style == "dict":
            return fields
        return dataclasses.replace(native, **fields)

    def param_kwargs(self, cparams: CParams | NotGiven | None = NOT_GIVEN,
                     dparams: DParams | NotGiven = NOT_GIVEN) -> dict[str, Any]:
        """``cparams=``/``dparams=`` keyword arguments for the params that are given."""
        kwargs: dict[str, Any] = {}
        if isinstance(cparams, CParams):
            kwargs["cparams"] = self.native_cparams(cparams)
        if isinstance(dparams, DParams):
            kwargs["dparams"] = self.native_dparams(dparams)
        return kwargs

    def neutral_cparams(self, native: Any) -> CParams:
        """Native params back to neutral form.

        Empty (``nofilter``) filter slots are dropped (all empty gives ``("nofilter",)``), and
        ``filters_meta`` is ``()`` when every kept meta is 0.
        """
        filters: list[str] = []
        metas: list[int] = []
        raw_meta = list(_field(native, "filters_meta", None) or [])
        for i, f in enumerate(_field(native, "filters", None) or []):
            fid = _int(f)
            if fid == 0:
                continue
            fname = FILTER_NAMES.get(fid)
            if fname is None:
                fname = f.name.lower() if isinstance(f, Enum) else str(fid)
            filters.append(fname)
            metas.append(int(raw_meta[i]) if i < len(raw_meta) else 0)
        smode = _int(_field(native, "splitmode", SPLITMODE_IDS["auto"]))
        return CParams(
            codec=_int(_field(native, "codec")),
            codec_meta=int(_field(native, "codec_meta", 0)),
            clevel=int(_field(native, "clevel", 5)),
            typesize=int(_field(native, "typesize", 1)),
            nthreads=int(_field(native, "nthreads", 1)),
            blocksize=int(_field(native, "blocksize", 0)),
            splitmode=SPLITMODE_NAMES.get(smode, str(smode)),
            filters=tuple(filters) or ("nofilter",),
            filters_meta=tuple(metas) if any(metas) else (),
        )

    def neutral_dparams(self, native: Any) -> DParams:
        return DParams(nthreads=int(_field(native, "nthreads", 1)))

    # -- operations ----------------------------------------------------------------------
    def register_codec(
        self,
        codec_name: Any,
        id: Any,
        encoder: Any = None,
        decoder: Any = None,
        version: Any = 1,
    ) -> Any:
        """Call ``module.register_codec`` with exactly these arguments."""
        return self.module.register_codec(codec_name, id, encoder, decoder, version)

    def registry(self) -> dict[Any, Any]:
        return dict(self.module.ucodecs_registry)

    def register_filter(self, id: Any, forward: Any = None, backward: Any = None, name: Any = None) -> Any:
        """Call ``module.register_filter`` as users do: the name only when given (before 2.2.6 there is none)."""
        if name is None:
            return self.module.register_filter(id, forward, backward)
        return self.module.register_filter(id, forward, backward, name)

    def wrap(self, schunk: Any) -> ModuleContainer:
        """Wrap a native SChunk as a protocol container."""
        return ModuleContainer(self, schunk)

    def create(
        self,
        cparams: CParams | NotGiven,
        dparams: DParams | NotGiven,
        chunksize: int,
        urlpath: str | None = None,
        contiguous: bool | NotGiven = NOT_GIVEN,
    ) -> ModuleContainer:
        """``SChunk(chunksize=..., [cparams=...], [dparams=...], [urlpath=..., mode="w"], [contiguous=...])``: only
        what is given."""
        kwargs: dict[str, Any] = self.param_kwargs(cparams, dparams)
        if isinstance(contiguous, bool):
            kwargs["contiguous"] = contiguous
        if urlpath is not None:
            kwargs.update(urlpath=urlpath, mode="w")
        return self.wrap(self.module.SChunk(chunksize=chunksize, **kwargs))

    def open(
        self,
        urlpath: str,
        dparams: DParams | NotGiven = NOT_GIVEN,
        cparams: CParams | NotGiven | None = NOT_GIVEN,
        mode: str | NotGiven = NOT_GIVEN,
    ) -> ModuleContainer:
        """``module.open(urlpath, [mode=...], [cparams=...], [dparams=...])``: only what is given."""
        kwargs = self.param_kwargs(cparams, dparams)
        if isinstance(mode, str):
            kwargs["mode"] = mode
        return self.wrap(self.module.open(urlpath, **kwargs))

    def nd_create(
        self,
        array: np.ndarray,
        chunks: tuple[int, ...] | NotGiven,
        blocks: tuple[int, ...] | NotGiven,
        cparams: CParams | NotGiven,
        dparams: DParams | NotGiven,
        urlpath: str | None = None,
        contiguous: bool | NotGiven = NOT_GIVEN,
    ) -> ModuleNDContainer:
        """``module.asarray(array, [chunks=...], [blocks=...], [cparams=...], [dparams=...], [urlpath=..., mode="w"],
        [contiguous=...])``."""
        kwargs = self._nd_kwargs(chunks, blocks, cparams, dparams, urlpath)
        if isinstance(contiguous, bool):
            kwargs["contiguous"] = contiguous
        return ModuleNDContainer(self, self.module.asarray(array, **kwargs))

    def nd_full(
        self,
        shape: tuple[int, ...],
        fill_value: Any,
        dtype: np.dtype[Any],
        chunks: tuple[int, ...] | NotGiven,
        blocks: tuple[int, ...] | NotGiven,
        cparams: CParams | NotGiven,
        dparams: DParams | NotGiven,
        urlpath: str | None = None,
    ) -> ModuleNDContainer:
        """``module.full(shape, fill_value, dtype=dtype, [chunks=...], [blocks=...], [cparams=...], [dparams=...],
        [urlpath=..., mode="w"])``."""
        kwargs = self._nd_kwargs(chunks, blocks, cparams, dparams, urlpath)
        return ModuleNDContainer(self, self.module.full(shape, fill_value, dtype=dtype, **kwargs))

    def _nd_kwargs(self, chunks: tuple[int, ...] | NotGiven, blocks: tuple[int, ...] | NotGiven,
                   cparams: CParams | NotGiven, dparams: DParams | NotGiven, urlpath: str | None) -> dict[str, Any]:
        """The keyword arguments of an NDArray constructor, with only what is given."""
        kwargs: dict[str, Any] = self.param_kwargs(cparams, dparams)
        if isinstance(chunks, tuple):
            kwargs["chunks"] = chunks
        if isinstance(blocks, tuple):
            kwargs["blocks"] = blocks
        if urlpath is not None:
            kwargs.update(urlpath=urlpath, mode="w")
        return kwargs

    def nd_open(
        self,
        urlpath: str,
        dparams: DParams | NotGiven = NOT_GIVEN,
        cparams: CParams | NotGiven | None = NOT_GIVEN,
        mode: str | NotGiven = NOT_GIVEN,
    ) -> ModuleNDContainer:
        """``module.open(urlpath, ...)`` as :meth:`open`; TypeError unless it returns an NDArray."""
        kwargs = self.param_kwargs(cparams, dparams)
        if isinstance(mode, str):
            kwargs["mode"] = mode
        opened = self.module.open(urlpath, **kwargs)
        if not hasattr(opened, "shape") or not hasattr(opened, "schunk"):
            raise TypeError(f"open({urlpath!r}) returned a {type(opened).__name__}, not an NDArray")
        return ModuleNDContainer(self, opened)

    def _compress2(self, data: bytes, cparams: CParams) -> Any:
        return self.module.compress2(data, **self.param_kwargs(cparams))

    def _decompress2(self, chunk: bytes, dparams: DParams | NotGiven) -> Any:
        return self.module.decompress2(chunk, **self.param_kwargs(dparams=dparams))

    def compress_outside(self, data: bytes, cparams: CParams) -> bytes:
        return bytes(self._compress2(data, cparams))

    def decompress_outside(self, chunk: bytes, dparams: DParams | NotGiven = NOT_GIVEN) -> bytes:
        return bytes(self._decompress2(chunk, dparams))

    def compress_outside_spellings(self, data: bytes, cparams: CParams) -> dict[str, Callable[[], Any]]:
        """``compress2`` with a CParams object (dataclass modules only), a dict and flat keyword arguments."""
        fields = self.cparams_fields(cparams)
        compress2 = self.module.compress2
        spellings: dict[str, Callable[[], Any]] = {}
        if self.param_style == "dataclass":
            spellings["compress2(src, cparams=CParams(...))"] = lambda: compress2(data, cparams=self.module.CParams(**fields))
        spellings["compress2(src, cparams={...})"] = lambda: compress2(data, cparams=dict(fields))
        spellings["compress2(src, **fields)"] = lambda: compress2(data, **fields)
        return spellings

    def decompress_outside_spellings(self, chunk: bytes, dparams: DParams) -> dict[str, Callable[[], Any]]:
        """``decompress2`` with a DParams object (dataclass modules only), a dict and flat keywords (dparams left out
        is ``decompress_outside(chunk)``: its thread count is the host's default, THREAD-OUTSIDE's to judge)."""
        fields = self.dparams_fields(dparams)
        decompress2 = self.module.decompress2
        spellings: dict[str, Callable[[], Any]] = {}
        if self.param_style == "dataclass":
            spellings["decompress2(src, dparams=DParams(...))"] = lambda: decompress2(chunk, dparams=self.module.DParams(**fields))
        spellings["decompress2(src, dparams={...})"] = lambda: decompress2(chunk, dparams=dict(fields))
        spellings["decompress2(src, **fields)"] = lambda: decompress2(chunk, **fields)
        return spellings

    def is_container(self, obj: Any) -> bool:
        return isinstance(obj, self.module.SChunk)

    def match_format_of(self, other: AdapterInfo) -> None:
        """Nothing to do: a blosc2-like module writes its own one chunk format."""


def for_module(module_name: str, name: str | None = None) -> type[ModuleAdapter]:
    """A :class:`ModuleAdapter` subclass for ``module_name`` (instantiate with no arguments)."""
    cls_name = f"{module_name.rpartition('.')[2].title().replace('_', '')}Adapter"
    attrs = {
        "module_name": module_name,
        "adapter_name": name or module_name,
        "__module__": __name__,
    }
    return type(cls_name, (ModuleAdapter,), attrs)
