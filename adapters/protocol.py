"""The adapter protocol: every operation a check may ask of an implementation under test.

Checks speak only this vocabulary. Parameters are neutral dataclasses
(:class:`CParams`, :class:`DParams`) that each adapter translates into its own
spelling (python-blosc2 2.x dicts, 3.x/4.x dataclasses, a port's own API).

An adapter that cannot perform an operation leaves the matching capability out of
:meth:`Adapter.capabilities`; checks that need it are then reported as ``skip``.
Operations must raise the implementation's own exceptions unchanged: the checks judge them.

Every parameter can be left out: a field (or a whole ``cparams``/``dparams``) set to
:data:`NOT_GIVEN` is not passed to the implementation, which then applies its own default, as
when a user leaves the argument out. The harness's own defaults below are explicit values;
checks that make the natural call say ``NOT_GIVEN`` (or build params with :meth:`CParams.only`).
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol, TypeVar, runtime_checkable

import numpy as np

#: Codec callback signature: (input, output, meta, container) -> size in bytes.
Callback = Callable[[np.ndarray, np.ndarray, int, Any], Any]
#: User filter signature: forward/backward(input, output, meta, container); the return value is ignored.
FilterCallback = Callable[[np.ndarray, np.ndarray, int, Any], Any]

#: Every capability name the harness knows. Checks declare which ones they need.
CAPABILITIES: frozenset[str] = frozenset(
    {
        "persistence",  # create(urlpath=...) and open(); reopen in a fresh process
        "update_params",  # Container.update_cparams / update_dparams
        "outside_container",  # compress_outside / decompress_outside and their spellings
        "plugins",  # register_codec(name, id) with encoder=decoder=None
        "plugin_libraries",  # runs a registered plugin's compiled library with a c-blosc2 super-chunk in its cparams
        "filters",  # CParams.filters other than ("nofilter",)
        "splitmode",  # CParams.splitmode other than "auto"
        "append_chunk",  # Container.append_chunk: store a compressed chunk as is
        "item_indexing",  # Container.get_item / set_item: container[key] (= data) with an int or a slice, as in Python
        "sparse",  # create/nd_create(urlpath=..., contiguous=False) and open() of a sparse frame directory
        "user_filters",  # register_filter and user filter ids (160..255, named "160".."255") in CParams.filters
        "filter_plugins",  # register_filter(id, None, None, name): a dynamic filter plugin
        "ndarray",  # nd_create / nd_full / nd_open: NDArray containers (a super-chunk with the b2nd metalayer)
        "nd_reductions",  # NDContainer.sum: array.sum(axis) as users call it
        "nd_expressions",  # NDContainer.expression: (array + 1)[:] as users write it (a lazy expression)
        "nd_copies",  # NDContainer.slice / copy: array.slice(key), array.copy([urlpath=...]) as new NDArrays
        "nd_save",  # NDContainer.save: array.save(urlpath)
    }
)

def unknown_capabilities(capabilities: Iterable[str]) -> list[str]:
    """The names of ``capabilities`` that are not in :data:`CAPABILITIES`, sorted."""
    return sorted(set(capabilities) - CAPABILITIES)


#: The APIs an adapter may drive (:attr:`AdapterInfo.api`).
APIS: frozenset[str] = frozenset({"python", "c"})

#: Filter names in the neutral vocabulary, with Blosc2's filter ids. A user-defined filter (capability
#: ``user_filters``) is named by its id in decimal: ``"160"`` (see :func:`user_filter_name`).
FILTER_IDS: Mapping[str, int] = {
    "nofilter": 0,
    "shuffle": 1,
    "bitshuffle": 2,
    "delta": 3,
    "trunc_prec": 4,
}
#: Split mode names in the neutral vocabulary, with Blosc2's enum values.
SPLITMODE_IDS: Mapping[str, int] = {
    "always": 1,
    "never": 2,
    "auto": 3,
    "forward_compat": 4,
}
#: The neutral names by id: the inverse of :data:`FILTER_IDS` and :data:`SPLITMODE_IDS`.
FILTER_NAMES: Mapping[int, str] = {v: k for k, v in FILTER_IDS.items()}
SPLITMODE_NAMES: Mapping[int, str] = {v: k for k, v in SPLITMODE_IDS.items()}


class NotGiven:
    """The type of :data:`NOT_GIVEN`: a parameter the call leaves out (one instance, falsy)."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


#: A parameter left out of the call: the implementation applies its own default.
NOT_GIVEN: Final = NotGiven()

_T = TypeVar("_T")


def given(value: _T | NotGiven) -> bool:
    """Whether a parameter is given (not :data:`NOT_GIVEN`)."""
    return value is not NOT_GIVEN


def value_of(value: _T | NotGiven) -> _T:
    """A parameter that must be given (params the harness built itself); ValueError if it was left out."""
    if isinstance(value, NotGiven):
        raise ValueError("a parameter left out (NOT_GIVEN) where its value is needed")
    return value


#: Ids Blosc2 reserves for user-defined filters.
USER_FILTER_IDS = range(160, 256)


def user_filter_name(fid: int) -> str:
    """The neutral name of the user-defined filter ``fid`` in :attr:`CParams.filters`."""
    if fid not in USER_FILTER_IDS:
        raise ValueError(f"user filter ids are {USER_FILTER_IDS.start}..{USER_FILTER_IDS.stop - 1}, got {fid}")
    return str(fid)


@dataclass(frozen=True)
class CParams:
    """Compression parameters in the harness's neutral vocabulary; any field may be :data:`NOT_GIVEN`."""

    codec: int | NotGiven
    codec_meta: int | NotGiven = 0
    clevel: int | NotGiven = 5
    typesize: int | NotGiven = 1
    nthreads: int | NotGiven = 1
    blocksize: int | NotGiven = 0  # 0: automatic
    splitmode: str | NotGiven = "never"
    filters: tuple[str, ...] | NotGiven = ("nofilter",)
    filters_meta: tuple[int, ...] | NotGiven = ()

    @classmethod
    def only(cls, **fields: Any) -> CParams:
        """Params that give only ``fields`` and leave every other one out (a partial ``cparams``)."""
        return cls(**{f: fields.pop(f, NOT_GIVEN) for f in cls.__dataclass_fields__}, **fields)

    def given_fields(self) -> dict[str, Any]:
        """The fields that are given, by name."""
        return {f: getattr(self, f) for f in self.__dataclass_fields__ if given(getattr(self, f))}


@dataclass(frozen=True)
class DParams:
    """Decompression parameters in the harness's neutral vocabulary (``nthreads`` may be :data:`NOT_GIVEN`)."""

    nthreads: int | NotGiven = 1


@runtime_checkable
class Container(Protocol):
    """An SChunk-like container as the checks see it."""

    @property
    def nchunks(self) -> int: ...

    def append(self, data: bytes) -> int:
        """Append ``data`` as one chunk; return the new number of chunks."""

    def append_chunk(self, chunk: bytes) -> int:
        """Store a compressed chunk (Blosc2 chunk format) as is; return the new number of chunks."""

    def get_chunk(self, index: int) -> bytes:
        """The compressed chunk ``index`` exactly as stored (Blosc2 chunk format)."""

    def decompress_chunk(self, index: int) -> bytes: ...

    def decompress_chunk_into(self, index: int, dst: Any) -> None:
        """``decompress_chunk(index, dst)`` as users write it: chunk ``index``'s data written into ``dst``, a
        writable buffer the caller made (a bytearray or a NumPy array); one too small for the chunk is refused."""

    def get_slice(self, start: int, stop: int) -> bytes:
        """Items ``[start, stop)`` of the whole container, as bytes (items are typesize bytes)."""

    def get_item(self, key: int | slice) -> bytes:
        """``container[key]`` as users write it (capability ``item_indexing``): one item (an int; a negative one
        counts from the end) or a step-1 slice of items, as bytes."""

    def set_item(self, key: int | slice, data: bytes) -> None:
        """``container[key] = data`` as users write it (capability ``item_indexing``): items inside the container
        are overwritten, a slice past the end appends."""

    def cparams(self) -> CParams: ...

    def dparams(self) -> DParams: ...

    def update_cparams(self, cparams: CParams) -> None:
        """Set the given fields of ``cparams``; fields left out keep their current values."""

    def update_dparams(self, dparams: DParams) -> None:
        """Set the given fields of ``dparams``; fields left out keep their current values."""

    def native(self) -> Any:
        """The implementation's own container object (what callbacks should receive)."""

    def close(self) -> None:
        """Release the container; persisted data must be complete on disk afterwards."""


@runtime_checkable
class NDContainer(Protocol):
    """An NDArray as the checks see it: an n-dimensional array stored in a super-chunk (capability ``ndarray``)."""

    @property
    def shape(self) -> tuple[int, ...]: ...

    @property
    def chunks(self) -> tuple[int, ...]: ...

    @property
    def blocks(self) -> tuple[int, ...]: ...

    @property
    def dtype(self) -> str:
        """The NumPy dtype string, e.g. ``"<i4"``."""

    def read(self, key: Any = ...) -> np.ndarray:
        """``array[key]`` as a NumPy array (``...``: all of it; basic indexing with ints and slices)."""

    def write(self, key: Any, value: Any) -> None:
        """``array[key] = value`` (step 1 slices and ints)."""

    def sum(self, axis: int | None = None) -> Any:
        """``array.sum()`` or ``array.sum(axis=axis)`` as users call it (capability ``nd_reductions``): a NumPy
        scalar or array, as NumPy's sum of the items gives it."""

    def expression(self, op: str, operand: Any) -> np.ndarray:
        """``(array <op> operand)[:]`` as users write it (capability ``nd_expressions``): ``op`` one of ``+ - *``,
        ``operand`` a number or an :class:`NDContainer` of the same shape; the values as a NumPy array."""

    def slice(self, key: Any) -> NDContainer:
        """``array.slice(key)`` as users call it (capability ``nd_copies``): the selection as a new NDArray, made by
        the host with what it takes from this one (nothing else given)."""

    def copy(self, urlpath: str | None = None) -> NDContainer:
        """``array.copy()``, or ``array.copy(urlpath=urlpath)`` (capability ``nd_copies``): a new NDArray of these
        items, made by the host with what it takes from this one, persisted at ``urlpath`` if given."""

    def save(self, urlpath: str) -> None:
        """``array.save(urlpath)`` (capability ``nd_save``): a copy of the array persisted at ``urlpath``."""

    def schunk(self) -> Container:
        """The super-chunk that stores the array, as a :class:`Container`."""

    def cparams(self) -> CParams: ...

    def dparams(self) -> DParams: ...

    def native(self) -> Any:
        """The implementation's own NDArray object."""

    def close(self) -> None:
        """Release the array; persisted data must be complete on disk afterwards."""


@dataclass(frozen=True)
class AdapterInfo:
    """What the reports say about an implementation under test."""

    name: str
    implementation: str
    version: str
    python: str = field(default_factory=lambda: sys.version.split()[0])
    platform: str = field(default_factory=platform.platform)
    #: The API the adapter drives: ``"python"`` (a ``register_codec`` in Python) or ``"c"`` (a C API,
    #: as the ``cblosc2`` adapter). Clauses marked ``python_api`` in the spec are ``n/a`` on a C API.
    api: str = "python"


@runtime_checkable
class Adapter(Protocol):
    """An implementation of ``register_codec`` and its container, as the checks drive it.

    One adapter instance serves one check in one isolated process; the harness
    guarantees the implementation's codec registry is pristine when a check starts.
    """

    name: str

    def info(self) -> AdapterInfo: ...

    def capabilities(self) -> frozenset[str]: ...

    def register_codec(
        self,
        codec_name: Any,
        id: Any,
        encoder: Any = None,
        decoder: Any = None,
        version: Any = 1,
    ) -> Any:
        """Call the implementation's ``register_codec`` with exactly these arguments."""

    def registry(self) -> dict[Any, Any]:
        """A snapshot of the implementation's user-codec registry (id -> entry)."""

    def create(
        self,
        cparams: CParams | NotGiven,
        dparams: DParams | NotGiven,
        chunksize: int,
        urlpath: str | None = None,
        contiguous: bool | NotGiven = NOT_GIVEN,
    ) -> Container:
        """A new container; ``cparams``/``dparams``/``contiguous`` that are :data:`NOT_GIVEN` are left out of the
        call (python-blosc2 then makes a frame when persisted and separate chunks in memory)."""

    def open(
        self,
        urlpath: str,
        dparams: DParams | NotGiven = NOT_GIVEN,
        cparams: CParams | NotGiven | None = NOT_GIVEN,
        mode: str | NotGiven = NOT_GIVEN,
    ) -> Container:
        """Open a persisted container (capability ``persistence``) with only the arguments given.

        ``open(path)`` is the plain call; ``cparams=None`` is the same as leaving them out. Only the
        given fields of ``cparams``/``dparams`` are passed. ``mode`` left out is the implementation's
        default (python-blosc2 4.x: ``"r"``; 2.x/3.x: ``"a"``).
        """

    def compress_outside(self, data: bytes, cparams: CParams) -> bytes:
        """Compress with a user codec outside any container (capability ``outside_container``)."""

    def decompress_outside(self, chunk: bytes, dparams: DParams | NotGiven) -> bytes:
        """Decompress a chunk outside any container (capability ``outside_container``)."""

    def compress_outside_spellings(self, data: bytes, cparams: CParams) -> Mapping[str, Callable[[], Any]]:
        """Every way a caller can write ``compress_outside`` (capability ``outside_container``).

        Each value calls the implementation's one-shot compress with ``cparams`` spelt one way
        (e.g. ``"cparams=CParams(...)"``, ``"cparams={...}"``, ``"flat keywords"``) and returns its result.
        """

    def decompress_outside_spellings(self, chunk: bytes, dparams: DParams) -> Mapping[str, Callable[[], Any]]:
        """Every way a caller can write ``decompress_outside`` (capability ``outside_container``), as
        :meth:`compress_outside_spellings` does for compressing; each gives ``dparams`` (left out, the thread count is
        the host's default: ``decompress_outside(chunk, NOT_GIVEN)``)."""

    def is_container(self, obj: Any) -> bool:
        """Whether ``obj`` is (a view of) this implementation's container type."""

    def match_format_of(self, other: AdapterInfo) -> None:
        """Write and read chunks as ``other`` does, for the containers created afterwards.

        Optional in effect: an implementation with one chunk format does nothing (the default of
        :class:`~udcodec.adapters.blosc2like.ModuleAdapter`). One that can target several
        formats (the reference: python-blosc2 2.x, 3.x, 4.x) switches to ``other``'s. The byte
        identity check calls it on both sides; golden decoding does not (no host knows a file's writer).
        """

    def register_filter(self, id: Any, forward: Any = None, backward: Any = None, name: Any = None) -> Any:
        """Call the implementation's ``register_filter`` with exactly these arguments (capability ``user_filters``)."""

    def nd_create(
        self,
        array: np.ndarray,
        chunks: tuple[int, ...] | NotGiven,
        blocks: tuple[int, ...] | NotGiven,
        cparams: CParams | NotGiven,
        dparams: DParams | NotGiven,
        urlpath: str | None = None,
        contiguous: bool | NotGiven = NOT_GIVEN,
    ) -> NDContainer:
        """``asarray(array, chunks=..., blocks=..., cparams=..., dparams=..., [urlpath=..., mode="w"],
        [contiguous=...])`` with only what is given (capability ``ndarray``; ``contiguous=False`` with a
        urlpath: a sparse frame, capability ``sparse`` too); the implementation sets typesize and block size."""

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
    ) -> NDContainer:
        """``full(shape, fill_value, dtype=dtype, chunks=..., blocks=..., cparams=..., dparams=..., [urlpath=...,
        mode="w"])`` with only what is given (capability ``ndarray``): an array of one repeated value, which
        python-blosc2 stores as special chunks and compresses nothing for."""

    def nd_open(
        self,
        urlpath: str,
        dparams: DParams | NotGiven = NOT_GIVEN,
        cparams: CParams | NotGiven | None = NOT_GIVEN,
        mode: str | NotGiven = NOT_GIVEN,
    ) -> NDContainer:
        """``open(urlpath, ...)`` of a persisted NDArray (capabilities ``ndarray``, ``persistence``), as :meth:`open`."""


def protocol_members(protocol: type) -> tuple[str, ...]:
    """The public members a protocol class declares (methods, properties, attributes), in order."""
    names: dict[str, None] = {}
    for cls in reversed(protocol.__mro__):
        if cls in (object, Protocol) or cls.__module__ == "typing":
            continue
        for name in [*cls.__dict__.get("__annotations__", {}), *cls.__dict__]:
            if not name.startswith("_"):
                names[name] = None
    return tuple(names)


#: Every member of :class:`Adapter` (the attribute ``name`` and each operation).
ADAPTER_OPERATIONS: tuple[str, ...] = protocol_members(Adapter)
#: Every member of :class:`Container`.
CONTAINER_OPERATIONS: tuple[str, ...] = protocol_members(Container)
#: Every member of :class:`NDContainer`.
ND_CONTAINER_OPERATIONS: tuple[str, ...] = protocol_members(NDContainer)
