"""Adapter for c-blosc2 itself, driven through its C API with ctypes (adapter name ``cblosc2``).

It loads the ``libblosc2`` shipped in the python-blosc2 wheel (see :mod:`udcodec.adapters.cblosc2_lib`)
and is the worked example for a host whose API is not python-blosc2's:

* ``register_codec`` fills a ``blosc2_codec`` struct and calls ``blosc2_register_codec``. The
  Python encoder/decoder are wrapped in ``CFUNCTYPE`` callbacks that get numpy ``uint8`` views of
  C's input and output buffers, the meta as an ``int``, and the :class:`CContainer` whose super-chunk
  is compressing (``cparams->schunk`` / ``dparams->schunk``), or None outside a container. A callback
  that raises, or returns something that is not an int of C's ``int`` range, returns
  ``BLOSC2_ERROR_FAILURE`` to C; the exception becomes the ``__cause__`` of the error the failing
  call raises. Callbacks, names and structs are kept referenced for the life of the process, as
  c-blosc2 keeps the pointers. ``encoder=decoder=None`` registers NULL callbacks, which c-blosc2
  resolves as a dynamic plugin named ``codec_name``.
* Values a C caller could not write (an id or version outside ``uint8_t``, a name that is not text
  or holds a NUL, a callback that is not callable) are refused here with ``TypeError`` /
  ``ValueError``, before C sees them; the clauses about that Python-level behaviour are marked
  ``python_api`` in the spec and are ``n/a`` on this adapter.
* C's negative ``BLOSC2_ERROR_*`` codes (and NULL pointers) become :class:`CBlosc2Error`
  subclasses of ``ValueError``, ``OSError`` or ``RuntimeError`` (table in ``cblosc2_lib``).
* ``nthreads`` is passed to C unchanged. c-blosc2 then calls Python callbacks from its worker
  threads; each call takes the GIL (ctypes does), so they run one at a time.
* There is no registry to read in C: :meth:`CBlosc2Adapter.registry` lists what this adapter
  registered successfully, ``{id: (name, encoder, decoder)}``.
* NDArrays are b2nd arrays (:class:`CNDContainer`): ``b2nd_create_ctx`` over a ``blosc2_storage`` as
  :meth:`CBlosc2Adapter.create` fills one, then ``b2nd_from_cbuffer``, ``b2nd_full`` or ``b2nd_open``. The C API
  has no sums, expressions or copies of python-blosc2's kind: those capabilities are not declared.

All neutral -> C parameter translation is in :func:`c_cparams` / :func:`c_dparams`.
"""

from __future__ import annotations

import ctypes
import shutil
import weakref
from collections.abc import Callable
from ctypes import POINTER, byref, c_bool, c_int32, c_void_p
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from udcodec.adapters import cblosc2_lib as C
from udcodec.adapters.protocol import (
    FILTER_IDS,
    FILTER_NAMES,
    NOT_GIVEN,
    SPLITMODE_IDS,
    SPLITMODE_NAMES,
    USER_FILTER_IDS,
    AdapterInfo,
    CParams,
    DParams,
    NotGiven,
    given,
)

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
FAILURE = -1  # BLOSC2_ERROR_FAILURE


def _uint8(what: str, value: Any) -> int:
    """``value`` as C's ``uint8_t``, or the TypeError/ValueError a binding raises for it."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{what} must be an int (C uint8_t), not {type(value).__name__}")
    if not 0 <= int(value) <= 255:
        raise ValueError(f"{what} {value} does not fit C's uint8_t")
    return int(value)


def c_cparams(cparams: CParams, schunk: int | None = None, base: C.CParamsC | None = None) -> C.CParamsC:
    """Neutral compression params as a ``blosc2_cparams``; fields left out (``NOT_GIVEN``) keep ``base``'s
    values (default: the library's defaults), as a C caller who does not set them."""
    cp: C.CParamsC = C.load().blosc2_get_blosc2_cparams_defaults() if base is None else base
    g = cparams.given_fields()
    for field, name in (("codec", "compcode"), ("codec_meta", "compcode_meta"), ("clevel", "clevel")):
        if field in g:
            setattr(cp, name, _uint8(field, g[field]))
    for field in ("typesize", "nthreads", "blocksize"):
        if field in g:
            setattr(cp, field, g[field])
    if "splitmode" in g:
        cp.splitmode = SPLITMODE_IDS[g["splitmode"]]
    if "filters" in g or "filters_meta" in g:
        filters = [_filter_id(f) for f in g["filters"]] if "filters" in g else [f for f in cp.filters if f]
        metas = list(g.get("filters_meta") or ()) or [0] * len(filters)
        if len(filters) > C.MAX_FILTERS or len(metas) != len(filters):
            raise ValueError(f"at most {C.MAX_FILTERS} filters, each with one meta: {cparams.filters}, {cparams.filters_meta}")
        for i in range(C.MAX_FILTERS):
            cp.filters[i] = filters[i] if i < len(filters) else 0
            cp.filters_meta[i] = (metas[i] & 0xFF) if i < len(metas) else 0
    cp.schunk = schunk
    return cp


def _filter_id(name: str) -> int:
    """A neutral filter name's id: a builtin's, or a user filter's (named by its id, ``"160"``)."""
    if name in FILTER_IDS:
        return FILTER_IDS[name]
    if name.isdigit() and int(name) in USER_FILTER_IDS:
        return int(name)
    raise ValueError(f"unknown filter {name!r}")


def _c_string(what: str, value: Any) -> bytes:
    """``value`` as a C string (``char *``): str or bytes without NUL."""
    if isinstance(value, str):
        value = value.encode()
    elif not isinstance(value, bytes):
        raise TypeError(f"{what} must be str or bytes (C char *), not {type(value).__name__}")
    if b"\0" in value:
        raise ValueError(f"{what} holds a NUL byte, which a C string cannot")
    return value


def _c_functions(**functions: Any) -> None:
    """TypeError for a function that is neither callable nor None (a C function pointer or NULL)."""
    for what, fn in functions.items():
        if fn is not None and not callable(fn):
            raise TypeError(f"{what} must be callable or None (a C function pointer or NULL)")


def c_dparams(dparams: DParams | NotGiven, schunk: int | None = None) -> C.DParamsC:
    """Neutral decompression params as a ``blosc2_dparams``, from the library's defaults (``nthreads`` if given;
    dparams left out are the defaults, as a C caller who does not set them)."""
    dp: C.DParamsC = C.load().blosc2_get_blosc2_dparams_defaults()
    if isinstance(dparams, DParams) and given(dparams.nthreads):
        dp.nthreads = dparams.nthreads
    dp.schunk = schunk
    return dp


def neutral_cparams(cp: Any) -> CParams:
    """A ``blosc2_cparams`` (or super-chunk) back in neutral form; empty filter slots are dropped."""
    pairs = [(int(f), int(m)) for f, m in zip(cp.filters, cp.filters_meta, strict=True) if f]
    return CParams(
        codec=int(cp.compcode),
        codec_meta=int(cp.compcode_meta),
        clevel=int(cp.clevel),
        typesize=int(cp.typesize),
        nthreads=int(getattr(cp, "nthreads", 1)),
        blocksize=int(cp.blocksize),
        splitmode=SPLITMODE_NAMES.get(int(cp.splitmode), str(int(cp.splitmode))),
        filters=tuple(FILTER_NAMES.get(f, str(f)) for f, _ in pairs) or ("nofilter",),
        filters_meta=tuple(m for _, m in pairs) if any(m for _, m in pairs) else (),
    )


#: Process-wide state, like the library's: codecs registered through this adapter (id -> (name,
#: encoder, decoder)), what C holds pointers to (structs, names, callbacks), the live containers by
#: super-chunk address, and the exceptions callbacks raised during the current C call.
_REGISTRY: dict[Any, Any] = {}
_KEEP: list[Any] = []
_CONTAINERS: weakref.WeakValueDictionary[int, CContainer] = weakref.WeakValueDictionary()
_CALLBACK_ERRORS: list[BaseException] = []


class _FreedWhenCollected:
    """Frees what nobody closed when it is collected (nothing else holds the library's pointer)."""

    def close(self) -> None:
        raise NotImplementedError

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001, S110 - at interpreter exit the library may be gone already
            pass


class CContainer(_FreedWhenCollected):
    """A ``blosc2_schunk*`` as a protocol container; also what callbacks receive as their fourth argument."""

    def __init__(self, adapter: CBlosc2Adapter, schunk: Any, owned: bool = True) -> None:
        self._adapter = adapter
        self._ptr: Any = schunk
        self._owned = owned  # False: a b2nd array's super-chunk, freed with the array
        self.address = ctypes.cast(schunk, c_void_p).value or 0
        adapter._containers[self.address] = self

    def _sc(self) -> Any:
        if self._ptr is None:
            raise RuntimeError("container already closed")
        return self._ptr

    @property
    def nchunks(self) -> int:
        return int(self._sc().contents.nchunks)

    def append(self, data: bytes) -> int:
        buf = bytes(data)
        return int(self._adapter.call("blosc2_schunk_append_buffer", self._sc(), buf, len(buf)))

    def append_chunk(self, chunk: bytes) -> int:
        buf = ctypes.create_string_buffer(bytes(chunk), len(chunk))
        return int(self._adapter.call("blosc2_schunk_append_chunk", self._sc(), buf, True))

    def get_chunk(self, index: int) -> bytes:
        ptr, needs_free = c_void_p(), c_bool()
        size = self._adapter.call("blosc2_schunk_get_chunk", self._sc(), index, byref(ptr), byref(needs_free))
        try:
            return ctypes.string_at(ptr.value, size) if ptr.value else b""
        finally:
            if needs_free.value:
                C.free(ptr.value)

    def decompress_chunk(self, index: int) -> bytes:
        nbytes = chunk_nbytes(self._adapter, self.get_chunk(index))
        out = ctypes.create_string_buffer(max(nbytes, 1))
        got = self._adapter.call("blosc2_schunk_decompress_chunk", self._sc(), index, out, nbytes)
        return out.raw[:got]

    def decompress_chunk_into(self, index: int, dst: Any) -> None:
        view = memoryview(dst).cast("B")
        buffer = (ctypes.c_char * len(view)).from_buffer(view)
        self._adapter.call("blosc2_schunk_decompress_chunk", self._sc(), index, buffer, len(view))

    def get_item(self, key: int | slice) -> bytes:
        raise NotImplementedError("C has no indexing operator: a C caller reads items with blosc2_schunk_get_slice_buffer")

    def set_item(self, key: int | slice, data: bytes) -> None:
        raise NotImplementedError("C has no indexing operator: a C caller writes items with blosc2_schunk_set_slice_buffer")

    def get_slice(self, start: int, stop: int) -> bytes:
        sc = self._sc().contents
        typesize = int(sc.typesize)
        # The protocol slices as Python does (a stop past the end is the end); the C call refuses such a stop.
        stop = min(stop, int(sc.nbytes) // typesize)
        nbytes = max(stop - start, 0) * typesize
        out = ctypes.create_string_buffer(max(nbytes, 1))
        self._adapter.call("blosc2_schunk_get_slice_buffer", self._sc(), start, stop, out)
        return out.raw[:nbytes]

    def cparams(self) -> CParams:
        ptr = POINTER(C.CParamsC)()
        self._adapter.call("blosc2_schunk_get_cparams", self._sc(), byref(ptr))
        try:
            return neutral_cparams(ptr.contents)
        finally:
            C.free(ctypes.cast(ptr, c_void_p).value)

    def dparams(self) -> DParams:
        ptr = POINTER(C.DParamsC)()
        self._adapter.call("blosc2_schunk_get_dparams", self._sc(), byref(ptr))
        try:
            return DParams(nthreads=int(ptr.contents.nthreads))
        finally:
            C.free(ctypes.cast(ptr, c_void_p).value)

    def update_cparams(self, cparams: CParams) -> None:
        """Replace the super-chunk's compression context and defaults, as a C caller does (no setter in the API).

        Fields left out keep the super-chunk's current values."""
        ptr = POINTER(C.CParamsC)()
        self._adapter.call("blosc2_schunk_get_cparams", self._sc(), byref(ptr))
        try:
            current = C.CParamsC.from_buffer_copy(ptr.contents)
        finally:
            C.free(ctypes.cast(ptr, c_void_p).value)
        cp = c_cparams(cparams, self.address, base=current)
        sc = self._sc().contents
        sc.cctx = self._adapter.new_context("blosc2_create_cctx", cp, sc.cctx)
        for name in ("compcode", "compcode_meta", "clevel", "typesize", "blocksize", "splitmode"):
            setattr(sc, name, getattr(cp, name))
        sc.filters[:] = cp.filters[:]
        sc.filters_meta[:] = cp.filters_meta[:]

    def update_dparams(self, dparams: DParams) -> None:
        """Replace the super-chunk's decompression context (library defaults for fields left out)."""
        sc = self._sc().contents
        sc.dctx = self._adapter.new_context("blosc2_create_dctx", c_dparams(dparams, self.address), sc.dctx)

    def native(self) -> Any:
        return self

    def close(self) -> None:
        """``blosc2_schunk_free`` (frames are written through on every append); a b2nd array's super-chunk is
        freed with its array (:meth:`CNDContainer.close`)."""
        ptr, self._ptr = self._ptr, None
        if ptr is not None:
            self._adapter._containers.pop(self.address, None)
            if self._owned:
                C.load().blosc2_schunk_free(ptr)


def _index(key: Any, shape: tuple[int, ...]) -> list[tuple[list[int], bool]]:
    """Basic indexing (ints, slices, one Ellipsis) as each dimension's indices and whether an int chose it."""
    parts = list(key) if isinstance(key, tuple) else [key]
    if any(p is Ellipsis for p in parts):
        at = next(i for i, p in enumerate(parts) if p is Ellipsis)
        parts[at:at + 1] = [slice(None)] * (len(shape) - len(parts) + 1)
    parts += [slice(None)] * (len(shape) - len(parts))
    if len(parts) != len(shape):
        raise IndexError(f"too many indices for an array of {len(shape)} dimension(s)")
    out: list[tuple[list[int], bool]] = []
    for part, n in zip(parts, shape, strict=True):
        if isinstance(part, slice):
            out.append((list(range(*part.indices(n))), False))
        elif isinstance(part, int | np.integer):
            i = int(part) + (n if int(part) < 0 else 0)
            if not 0 <= i < n:
                raise IndexError(f"index {int(part)} is out of bounds for a dimension of {n}")
            out.append(([i], True))
        else:
            raise TypeError(f"only ints, slices and Ellipsis index a b2nd array here, not {type(part).__name__}")
    return out


def _c_ints(ctype: Any, values: Any) -> Any:
    """``values`` as a C array of ``ctype`` (one entry at least: a 0-d array's shape is still a pointer)."""
    values = [int(v) for v in values]
    return (ctype * max(len(values), 1))(*values)


def _int64s(values: Any) -> Any:
    return _c_ints(ctypes.c_int64, values)


class CNDContainer(_FreedWhenCollected):
    """A ``b2nd_array_t*`` as a protocol NDContainer: reads and writes are ``b2nd_get_slice_cbuffer`` and
    ``b2nd_set_slice_cbuffer`` of the selection's bounding box (steps are taken in NumPy)."""

    def __init__(self, adapter: CBlosc2Adapter, array: Any) -> None:
        self._adapter = adapter
        self._ptr: Any = array
        self._schunk = CContainer(adapter, array.contents.sc, owned=False)

    def _arr(self) -> Any:
        if self._ptr is None:
            raise RuntimeError("array already closed")
        return self._ptr

    @property
    def shape(self) -> tuple[int, ...]:
        a = self._arr().contents
        return tuple(int(v) for v in a.shape[:a.ndim])

    @property
    def chunks(self) -> tuple[int, ...]:
        a = self._arr().contents
        return tuple(int(v) for v in a.chunkshape[:a.ndim])

    @property
    def blocks(self) -> tuple[int, ...]:
        a = self._arr().contents
        return tuple(int(v) for v in a.blockshape[:a.ndim])

    @property
    def dtype(self) -> str:
        return str(np.dtype(self._arr().contents.dtype.decode()).str)

    def read(self, key: Any = ...) -> np.ndarray:
        picks = _index(key, self.shape)
        dtype = np.dtype(self.dtype)
        if any(not idx for idx, _ in picks):
            box = np.empty(tuple(len(idx) for idx, _ in picks), dtype=dtype)
        else:
            start = [min(idx) for idx, _ in picks]
            stop = [max(idx) + 1 for idx, _ in picks]
            box = np.empty(tuple(b - a for a, b in zip(start, stop, strict=True)), dtype=dtype)
            self._adapter.call("b2nd_get_slice_cbuffer", self._arr(), _int64s(start), _int64s(stop),
                               box.ctypes.data, _int64s(box.shape), box.nbytes)
            box = box[np.ix_(*[np.array(idx) - a for (idx, _), a in zip(picks, start, strict=True)])]
        return box[tuple(0 if chosen else slice(None) for _, chosen in picks)]

    def write(self, key: Any, value: Any) -> None:
        picks = _index(key, self.shape)
        if any(len(idx) > 1 and idx[1] - idx[0] != 1 for idx, _ in picks):
            raise NotImplementedError("b2nd_set_slice_cbuffer writes a box: slices with a step are not written")
        if any(not idx for idx, _ in picks):
            return
        start = [idx[0] for idx, _ in picks]
        stop = [idx[-1] + 1 for idx, _ in picks]
        box = tuple(b - a for a, b in zip(start, stop, strict=True))
        squeezed = tuple(len(idx) for idx, chosen in picks if not chosen)
        data = np.asarray(np.broadcast_to(np.asarray(value, dtype=self.dtype), squeezed).reshape(box), order="C")
        self._adapter.call("b2nd_set_slice_cbuffer", data.ctypes.data, _int64s(box), data.nbytes, _int64s(start),
                           _int64s(stop), self._arr())

    def sum(self, axis: int | None = None) -> Any:
        raise NotImplementedError("the C API has no reductions (capability nd_reductions not declared)")

    def expression(self, op: str, operand: Any) -> np.ndarray:
        raise NotImplementedError("the C API has no lazy expressions (capability nd_expressions not declared)")

    def slice(self, key: Any) -> Any:
        raise NotImplementedError("not driven (capability nd_copies not declared)")

    def copy(self, urlpath: str | None = None) -> Any:
        raise NotImplementedError("not driven (capability nd_copies not declared)")

    def save(self, urlpath: str) -> None:
        raise NotImplementedError("not driven (capability nd_save not declared)")

    def schunk(self) -> CContainer:
        return self._schunk

    def cparams(self) -> CParams:
        return self._schunk.cparams()

    def dparams(self) -> DParams:
        return self._schunk.dparams()

    def native(self) -> Any:
        return self

    def close(self) -> None:
        """``b2nd_free``, which frees the array's super-chunk too."""
        ptr, self._ptr = self._ptr, None
        if ptr is not None:
            self._schunk.close()
            C.load().b2nd_free(ptr)


def chunk_nbytes(adapter: CBlosc2Adapter, chunk: bytes) -> int:
    """The uncompressed size a chunk's header records (``blosc2_cbuffer_sizes``)."""
    nbytes, cbytes, blocksize = c_int32(), c_int32(), c_int32()
    adapter.call("blosc2_cbuffer_sizes", chunk, byref(nbytes), byref(cbytes), byref(blocksize))
    return int(nbytes.value)


class CBlosc2Adapter:
    """c-blosc2's C API (the python-blosc2 wheel's ``libblosc2``) through ctypes."""

    adapter_name: ClassVar[str] = "cblosc2"
    #: Which API the adapter drives: clauses marked ``python_api`` in the spec are n/a on a C API.
    api: ClassVar[str] = "c"

    def __init__(self) -> None:
        self.lib = C.load()
        self.name = self.adapter_name
        # C's registry is the process's: every instance shares what was registered and created.
        self._registry = _REGISTRY
        self._keep = _KEEP
        self._containers = _CONTAINERS
        self._callback_errors = _CALLBACK_ERRORS

    # -- description ---------------------------------------------------------------------
    def info(self) -> AdapterInfo:
        version = self.lib.blosc2_get_version_string().decode()
        return AdapterInfo(name=self.name, implementation="c-blosc2", version=version, api=self.api)

    def capabilities(self) -> frozenset[str]:
        return frozenset({"persistence", "update_params", "outside_container", "plugins", "filters",
                          "splitmode", "append_chunk", "sparse", "user_filters", "filter_plugins", "ndarray",
                          "plugin_libraries"})

    # -- C calls -------------------------------------------------------------------------
    def call(self, name: str, *args: Any) -> Any:
        """Call ``name``; a negative result raises its :class:`CBlosc2Error` (caused by a failed callback, if any)."""
        self._callback_errors.clear()
        result = getattr(self.lib, name)(*args)
        if isinstance(result, int) and result < 0:
            raise self._error(name, result)
        return result

    def _error(self, name: str, code: int | None) -> C.CBlosc2Error:
        exc = C.error_for(name, code)
        if self._callback_errors:
            exc.__cause__ = self._callback_errors[0]
        self._callback_errors.clear()
        return exc

    def _pointer(self, name: str, *args: Any) -> Any:
        self._callback_errors.clear()
        result = getattr(self.lib, name)(*args)
        if not result:
            raise self._error(name, None)
        return result

    def new_context(self, creator: str, params: Any, old: int | None) -> int:
        """A new context from ``creator``; ``old`` (if any) is freed once the new one exists."""
        ctx = int(self._pointer(creator, params))
        if old:
            self.lib.blosc2_free_ctx(old)
        return ctx

    # -- callbacks -----------------------------------------------------------------------
    def _container_at(self, params: Any) -> CContainer | None:
        address = params.contents.schunk if params else None
        return self._containers.get(address) if address else None

    def _returned(self, result: Any) -> int:
        if isinstance(result, bool) or not isinstance(result, int | np.integer):
            raise TypeError(f"a codec callback must return an int (C int), not {type(result).__name__}")
        if not _INT_MIN <= int(result) <= _INT_MAX:
            raise ValueError(f"a codec callback returned {result}, outside C's int")
        return int(result)

    def _wrap(self, fn: Callable[..., Any], prototype: Any) -> Any:
        def callback(src: Any, src_len: int, dst: Any, dst_len: int, meta: int, params: Any, chunk: Any) -> int:
            try:
                inp = np.ctypeslib.as_array(src, (src_len,)) if src_len > 0 else np.zeros(0, np.uint8)
                inp.flags.writeable = False  # const uint8_t *input
                out = np.ctypeslib.as_array(dst, (dst_len,)) if dst_len > 0 else np.zeros(0, np.uint8)
                return self._returned(fn(inp, out, int(meta), self._container_at(params)))
            except BaseException as exc:  # noqa: BLE001 - C cannot take an exception; it gets an error code
                self._callback_errors.append(exc)
                return FAILURE

        return prototype(callback)

    # -- operations ----------------------------------------------------------------------
    def _wrap_filter(self, fn: Callable[..., Any], prototype: Any) -> Any:
        def callback(src: Any, dest: Any, size: int, meta: int, params: Any, _fid: int) -> int:
            try:
                inp = np.ctypeslib.as_array(src, (size,)) if size > 0 else np.zeros(0, np.uint8)
                inp.flags.writeable = False  # const uint8_t *
                out = np.ctypeslib.as_array(dest, (size,)) if size > 0 else np.zeros(0, np.uint8)
                fn(inp, out, int(meta), self._container_at(params))  # a Python filter's result is ignored
                return 0  # BLOSC2_ERROR_SUCCESS
            except BaseException as exc:  # noqa: BLE001 - C cannot take an exception; it gets an error code
                self._callback_errors.append(exc)
                return FAILURE

        return prototype(callback)

    def register_filter(self, id: Any, forward: Any = None, backward: Any = None, name: Any = None) -> Any:
        """Fill a ``blosc2_filter`` and call ``blosc2_register_filter``; None on success.

        Both functions None and a ``name``: a filter plugin, which c-blosc2 loads at first use.
        """
        cname = None if name is None else _c_string("name", name)
        _c_functions(forward=forward, backward=backward)
        ufilter = C.FilterC()
        ufilter.id = _uint8("id", id)
        ufilter.version = 1
        ufilter.name = cname
        ufilter.forward = self._wrap_filter(forward, C.FORWARD_CB) if forward is not None else C.FORWARD_CB()
        ufilter.backward = self._wrap_filter(backward, C.BACKWARD_CB) if backward is not None else C.BACKWARD_CB()
        self._keep.append((ufilter, cname, ufilter.forward, ufilter.backward))
        self.call("blosc2_register_filter", byref(ufilter))
        return None

    def _b2nd_ctx(self, shape: tuple[int, ...], dtype: np.dtype[Any], chunks: Any, blocks: Any, cparams: Any,
                  dparams: Any, urlpath: str | None, contiguous: Any) -> tuple[int, Any]:
        """``b2nd_create_ctx`` over a ``blosc2_storage`` as :meth:`create` fills one, the typesize the dtype's; and the
        storage, which must outlive the context."""
        if not (isinstance(chunks, tuple) and isinstance(blocks, tuple)):
            raise TypeError("b2nd_create_ctx needs chunk and block shapes: the C API computes none")
        if not isinstance(contiguous, bool):
            contiguous = urlpath is not None
        fields = cparams.given_fields() if isinstance(cparams, CParams) else {}
        cp = c_cparams(CParams.only(**{**fields, "typesize": dtype.itemsize}))
        dp = c_dparams(dparams if isinstance(dparams, DParams) else DParams(nthreads=NOT_GIVEN))
        storage = C.StorageC(contiguous=contiguous, urlpath=urlpath.encode() if urlpath is not None else None,
                             cparams=ctypes.pointer(cp), dparams=ctypes.pointer(dp))
        if urlpath is not None:
            _remove(urlpath)  # like mode="w"
        ctx = self._pointer("b2nd_create_ctx", byref(storage), len(shape), _int64s(shape), _c_ints(c_int32, chunks),
                            _c_ints(c_int32, blocks), dtype.str.encode(), C.DTYPE_NUMPY_FORMAT, None, 0)
        return int(ctx), (storage, cp, dp)

    def nd_create(self, array: Any, chunks: Any, blocks: Any, cparams: Any, dparams: Any,
                  urlpath: str | None = None, contiguous: Any = NOT_GIVEN) -> CNDContainer:
        """``b2nd_from_cbuffer`` with a context of ``b2nd_create_ctx``."""
        data = np.asarray(array, order="C")  # ascontiguousarray makes a 0-d array 1-d
        ctx, _storage = self._b2nd_ctx(data.shape, data.dtype, chunks, blocks, cparams, dparams, urlpath, contiguous)
        out = POINTER(C.B2ndArrayC)()
        try:
            self.call("b2nd_from_cbuffer", ctx, byref(out), data.ctypes.data, data.nbytes)
        finally:
            self.lib.b2nd_free_ctx(ctx)
        return CNDContainer(self, out)

    def nd_full(self, shape: Any, fill_value: Any, dtype: Any, chunks: Any, blocks: Any, cparams: Any, dparams: Any,
                urlpath: str | None = None) -> CNDContainer:
        """``b2nd_full``."""
        dt = np.dtype(dtype)
        value = np.array(fill_value, dtype=dt)
        ctx, _storage = self._b2nd_ctx(tuple(shape), dt, chunks, blocks, cparams, dparams, urlpath, NOT_GIVEN)
        out = POINTER(C.B2ndArrayC)()
        try:
            self.call("b2nd_full", ctx, byref(out), value.ctypes.data)
        finally:
            self.lib.b2nd_free_ctx(ctx)
        return CNDContainer(self, out)

    def nd_open(self, urlpath: str, dparams: Any = NOT_GIVEN, cparams: Any = NOT_GIVEN, mode: Any = NOT_GIVEN) -> Any:
        """``b2nd_open``, then given dparams/cparams replace its super-chunk's contexts, as :meth:`open` does.

        ``b2nd_open`` has no mode: the array is always open for reading and writing."""
        out = POINTER(C.B2ndArrayC)()
        self.call("b2nd_open", urlpath.encode(), byref(out))
        array = CNDContainer(self, out)
        if isinstance(dparams, DParams):
            array.schunk().update_dparams(dparams)
        if isinstance(cparams, CParams):
            array.schunk().update_cparams(cparams)
        return array

    def register_codec(self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1) -> Any:
        """Fill a ``blosc2_codec`` and call ``blosc2_register_codec``; None on success."""
        name = _c_string("codec_name", codec_name)
        _c_functions(encoder=encoder, decoder=decoder)
        codec = C.CodecC()
        codec.compcode = _uint8("id", id)
        codec.version = _uint8("version", version)
        codec.compname = name
        codec.complib = codec.compcode
        codec.encoder = self._wrap(encoder, C.ENCODER_CB) if encoder is not None else C.ENCODER_CB()
        codec.decoder = self._wrap(decoder, C.DECODER_CB) if decoder is not None else C.DECODER_CB()
        self._keep.append((codec, name, codec.encoder, codec.decoder))
        self.call("blosc2_register_codec", byref(codec))
        self._registry[int(id)] = (codec_name, encoder, decoder)
        return None

    def registry(self) -> dict[Any, Any]:
        return dict(self._registry)

    def create(self, cparams: CParams | NotGiven, dparams: DParams | NotGiven, chunksize: int,
               urlpath: str | None = None, contiguous: bool | NotGiven = NOT_GIVEN) -> CContainer:
        """``blosc2_schunk_new``; params left out are the library's defaults (a NULL storage field is the same), and
        ``contiguous`` left out is what a C caller sets for the storage it means: a frame file for a urlpath,
        separate chunks in memory (the storage default)."""
        if not isinstance(contiguous, bool):
            contiguous = urlpath is not None
        cp = c_cparams(cparams if isinstance(cparams, CParams) else CParams.only())
        dp = c_dparams(dparams if isinstance(dparams, DParams) else DParams(nthreads=NOT_GIVEN))
        storage = C.StorageC(contiguous=contiguous, urlpath=urlpath.encode() if urlpath is not None else None,
                             cparams=ctypes.pointer(cp), dparams=ctypes.pointer(dp))
        if urlpath is not None:
            _remove(urlpath)  # like mode="w"
        schunk = self._pointer("blosc2_schunk_new", byref(storage))
        schunk.contents.chunksize = chunksize  # fixed chunk size, as python-blosc2's SChunk(chunksize=...)
        return CContainer(self, schunk)

    def open(self, urlpath: str, dparams: DParams | NotGiven = NOT_GIVEN, cparams: CParams | NotGiven | None = NOT_GIVEN,
             mode: str | NotGiven = NOT_GIVEN) -> CContainer:
        """``blosc2_schunk_open``, then given dparams/cparams replace the contexts (fields left out keep theirs).

        C's open has no mode: the frame is always open for reading and appending, whatever ``mode`` says.
        """
        container = CContainer(self, self._pointer("blosc2_schunk_open", urlpath.encode()))
        if isinstance(dparams, DParams):
            container.update_dparams(dparams)
        if isinstance(cparams, CParams):
            container.update_cparams(cparams)
        return container

    def compress_outside(self, data: bytes, cparams: CParams) -> bytes:
        ctx = self.new_context("blosc2_create_cctx", c_cparams(cparams), None)
        try:
            out = ctypes.create_string_buffer(len(data) + C.MAX_OVERHEAD)
            size = self.call("blosc2_compress_ctx", ctx, bytes(data), len(data), out, len(out))
            if size == 0:
                raise C.error_for("blosc2_compress_ctx", -6)  # no room: BLOSC2_ERROR_WRITE_BUFFER
            return out.raw[:size]
        finally:
            self.lib.blosc2_free_ctx(ctx)

    def decompress_outside(self, chunk: bytes, dparams: DParams | NotGiven = NOT_GIVEN) -> bytes:
        nbytes = chunk_nbytes(self, chunk)
        ctx = self.new_context("blosc2_create_dctx", c_dparams(dparams), None)
        try:
            out = ctypes.create_string_buffer(max(nbytes, 1))
            size = self.call("blosc2_decompress_ctx", ctx, bytes(chunk), len(chunk), out, nbytes)
            return out.raw[:size]
        finally:
            self.lib.blosc2_free_ctx(ctx)

    def compress_outside_spellings(self, data: bytes, cparams: CParams) -> dict[str, Callable[[], Any]]:
        """The C API has one spelling: ``blosc2_compress_ctx`` with a context made from ``blosc2_cparams``."""
        return {"blosc2_compress_ctx(blosc2_create_cctx(cparams), ...)": lambda: self.compress_outside(data, cparams)}

    def decompress_outside_spellings(self, chunk: bytes, dparams: DParams) -> dict[str, Callable[[], Any]]:
        """One spelling: ``blosc2_decompress_ctx`` with a context made from ``blosc2_dparams``."""
        return {"blosc2_decompress_ctx(blosc2_create_dctx(dparams), ...)": lambda: self.decompress_outside(chunk, dparams)}

    def is_container(self, obj: Any) -> bool:
        return isinstance(obj, CContainer)

    def match_format_of(self, other: AdapterInfo) -> None:
        """Nothing to do: the library writes its one chunk format."""


def _remove(urlpath: str) -> None:
    """Remove a frame file or a sparse frame directory."""
    path = Path(urlpath)
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()

