"""Hosts that mishandle user-defined filters (``register_filter``), one realistic mistake each."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
from udcodec.adapters.blosc2like import ModuleContainer
from udcodec.adapters.protocol import CParams
from udcodec.adapters.reference import ReferenceAdapter
from udcodec.reference import chunkformat, plugins, ufilters

from .callbacks import _writable_alias

Fn = Callable[..., Any]


def _identity(inp: Any, out: Any, meta: Any, container: Any) -> None:
    out[:] = inp


class _WrapsFilters(ReferenceAdapter):
    """The reference, calling every Python filter through :meth:`call`."""

    def register_filter(self, id: Any, forward: Any = None, backward: Any = None, name: Any = None) -> Any:
        if callable(forward) and callable(backward):
            forward, backward = self._via(forward), self._via(backward)
        return super().register_filter(id, forward, backward, name)

    def _via(self, fn: Fn) -> Fn:
        def call(inp: Any, out: Any, meta: Any, container: Any) -> Any:
            return self.call(fn, inp, out, meta, container)

        return call

    def call(self, fn: Fn, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        return fn(inp, out, meta, container)


class UnvalidatedFilterRegistrationAdapter(ReferenceAdapter):
    """register_filter stores whatever it is given: any id, unpaired or non-callable functions."""

    def register_filter(self, id: Any, forward: Any = None, backward: Any = None, name: Any = None) -> Any:
        if forward is None and backward is None:
            return super().register_filter(id, forward, backward, name)
        ufilters.ufilters_registry[id] = (forward, backward)
        return None


class UnvalidatedFilterPluginNamesAdapter(ReferenceAdapter):
    """Filter plugin names are stored unchecked (None, empty, path-like)."""

    def register_filter(self, id: Any, forward: Any = None, backward: Any = None, name: Any = None) -> Any:
        if forward is None and backward is None:
            ufilters._plugins[int(id)] = name
            return None
        return super().register_filter(id, forward, backward, name)


class FilterIdRangeExclusiveAdapter(ReferenceAdapter):
    """register_filter rejects the lowest user id, 160 (an off-by-one lower bound)."""

    def register_filter(self, id: Any, forward: Any = None, backward: Any = None, name: Any = None) -> Any:
        if id == 160:
            raise ValueError("filter id must be between 161 and 255, got 160")
        return super().register_filter(id, forward, backward, name)


class OverwritesFilterIdAdapter(ReferenceAdapter):
    """Registering a taken filter id replaces the first filter."""

    def register_filter(self, id: Any, forward: Any = None, backward: Any = None, name: Any = None) -> Any:
        ufilters.ufilters_registry.pop(int(id), None)
        return super().register_filter(id, forward, backward, name)


class FilterGetsZeroMetaAdapter(_WrapsFilters):
    """Filters always get meta 0 instead of their slot's filters_meta."""

    def call(self, fn: Fn, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        return fn(inp, out, 0, container)


class UserFiltersLastAdapter(ReferenceAdapter):
    """User filters are moved behind the builtin ones (in the header too): slot order is not kept."""

    def native_cparams(self, cparams: CParams) -> Any:
        user = [(f, m) for f, m in zip(cparams.filters, cparams.filters_meta or (0,) * len(cparams.filters), strict=True)
                if f.isdigit()]
        builtin = [(f, m) for f, m in zip(cparams.filters, cparams.filters_meta or (0,) * len(cparams.filters),
                                          strict=True) if not f.isdigit()]
        moved = builtin + user
        return super().native_cparams(dataclasses.replace(cparams, filters=tuple(f for f, _ in moved),
                                                          filters_meta=tuple(m for _, m in moved)))


class IdentityFiltersAdapter(ReferenceAdapter):
    """Python filters are recorded in the pipeline but never run (an identity pair runs instead)."""

    def register_filter(self, id: Any, forward: Any = None, backward: Any = None, name: Any = None) -> Any:
        if callable(forward) and callable(backward):
            forward = backward = _identity
        return super().register_filter(id, forward, backward, name)


class FilterReturnMustBeNoneAdapter(_WrapsFilters):
    """A filter returning anything but None is treated as a failure."""

    def call(self, fn: Fn, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        rc = fn(inp, out, meta, container)
        if rc is not None:
            raise ValueError(f"filter returned {rc!r}")
        return rc


class SwallowsFilterExceptionAdapter(_WrapsFilters):
    """An exception in a filter is swallowed and the block passed through unfiltered."""

    def call(self, fn: Fn, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        try:
            return fn(inp, out, meta, container)
        except Exception:  # noqa: BLE001 - the breakage
            out[:] = inp
            return None


class SkipsUnregisteredFiltersAdapter(ReferenceAdapter):
    """A user filter id nobody registered is dropped from the pipeline instead of failing."""

    def native_cparams(self, cparams: CParams) -> Any:
        filters = tuple("nofilter" if f.isdigit() and int(f) not in ufilters.ufilters_registry else f
                        for f in cparams.filters)
        return super().native_cparams(dataclasses.replace(cparams, filters=filters))


class _UnfiltersMemcpyedContainer(ModuleContainer):
    def decompress_chunk(self, index: int) -> bytes:
        chunk = self.get_chunk(index)
        data = super().decompress_chunk(index)
        h = chunkformat.parse_header(chunk)
        if h.memcpyed:
            block = np.frombuffer(data, np.uint8)
            for f, meta in zip(reversed(h.filters), reversed(h.filters_meta), strict=True):
                if ufilters.is_user_filter(f):
                    block = ufilters.apply(f, 1, block, meta, self.native())
            data = block.tobytes()
        return data


class UnfiltersMemcpyedChunksAdapter(ReferenceAdapter):
    """Memcpyed chunks are passed to the filters' backward like compressed ones."""

    def wrap(self, schunk: Any) -> ModuleContainer:
        return _UnfiltersMemcpyedContainer(self, schunk)


class _ZerosAfterFiltersContainer(ModuleContainer):
    def append(self, data: bytes) -> int:
        chunk = bytearray(chunkformat.compress_chunk(np.frombuffer(bytes(data), np.uint8), self.native().cparams,
                                                     self.native()))
        nbytes, blocksize = (int.from_bytes(chunk[o:o + 4], "little") for o in (4, 8))
        body = chunk[32 + 4 * -(-nbytes // max(blocksize, 1)):]
        if not chunk[31] & 0x70 and body and not any(body):  # every filtered block a run of zeros: c-blosc2's test
            chunk[31] |= chunkformat.SPECIAL_ZERO << 4
            chunk[12:16] = (32).to_bytes(4, "little")
            del chunk[32:]
        return self.append_chunk(bytes(chunk))


class ZerosAfterFiltersAdapter(ReferenceAdapter):
    """A chunk whose filtered blocks are all zero runs is stored as a zeros chunk, as c-blosc2 stores it."""

    def wrap(self, schunk: Any) -> ModuleContainer:
        return _ZerosAfterFiltersContainer(self, schunk)


class _WritesIntoSourceContainer(ModuleContainer):
    def append(self, data: bytes) -> int:
        n = super().append(data)
        if isinstance(data, bytearray) and data:
            data[0] ^= 0xFF  # what a host cycling its buffers through the source leaves behind
        return n


class WritesIntoSourceAdapter(ReferenceAdapter):
    """Compressing writes into the caller's buffer."""

    def wrap(self, schunk: Any) -> ModuleContainer:
        return _WritesIntoSourceContainer(self, schunk)


class _ForgetsFiltersContainer(ModuleContainer):
    def decompress_chunk(self, index: int) -> bytes:
        chunk = bytearray(self.get_chunk(index))
        for slot in range(16, 22):
            if ufilters.is_user_filter(chunk[slot]):
                chunk[slot] = 0
        return chunkformat.decompress_chunk(bytes(chunk), self.native())


class ForgetsFiltersOnReopenAdapter(ReferenceAdapter):
    """A reopened container reads its chunks as if they had no user filters."""

    def open(self, urlpath: str, *args: Any, **kwargs: Any) -> ModuleContainer:
        opened = super().open(urlpath, *args, **kwargs)
        return _ForgetsFiltersContainer(self, opened.native())


class NoOpMissingFilterPluginAdapter(ReferenceAdapter):
    """A filter plugin that is not installed runs as an identity filter."""

    def register_filter(self, id: Any, forward: Any = None, backward: Any = None, name: Any = None) -> Any:
        if forward is None and backward is None:
            forward = backward = _identity
        return super().register_filter(id, forward, backward, name)


class IgnoresChunkFiltersAdapter(ReferenceAdapter):
    """Chunks are read as if their headers named no user filter (a host that only knows builtin filters)."""

    def wrap(self, schunk: Any) -> ModuleContainer:
        return _ForgetsFiltersContainer(self, schunk)


#: What a host that reads the flags' compressor format as a codec id decodes instead: codec id -> its real format.
_FORMAT_OF_CODEC_ID = {0: chunkformat.FORMAT_BLOSCLZ, 1: chunkformat.FORMAT_LZ4, 2: chunkformat.FORMAT_LZ4,
                       4: chunkformat.FORMAT_ZLIB, 5: chunkformat.FORMAT_ZSTD}


class _FormatAsCodecIdContainer(ModuleContainer):
    def decompress_chunk(self, index: int) -> bytes:
        chunk = bytearray(self.get_chunk(index))
        fmt = chunk[2] >> 5
        if fmt != chunkformat.FORMAT_UDCODEC and not chunk[2] & chunkformat.FLAG_MEMCPYED:
            if fmt not in _FORMAT_OF_CODEC_ID:
                raise ValueError(f"no builtin codec has id {fmt}")
            chunk[2] = (chunk[2] & 0x1F) | (_FORMAT_OF_CODEC_ID[fmt] << 5)
        return chunkformat.decompress_chunk(bytes(chunk), self.native())


class FormatAsCodecIdAdapter(ReferenceAdapter):
    """Builtin streams are decoded by the codec whose id is the flags' compressor format (ZLIB's format 3 is
    SNAPPY's id, ZSTD's format 4 is ZLIB's id); user-codec chunks read right."""

    def wrap(self, schunk: Any) -> ModuleContainer:
        return _FormatAsCodecIdContainer(self, schunk)


class FilterPluginGetsZeroMetaAdapter(ReferenceAdapter):
    """An installed filter plugin's forward and backward are called with meta 0, whatever the slot's filters_meta."""

    def __init__(self) -> None:
        super().__init__()
        run = plugins.FilterPlugin.run

        def zero_meta(plugin: Any, direction: int, fid: int, src: Any, out: Any, meta: int, params: Any) -> int:
            return run(plugin, direction, fid, src, out, 0, params)

        plugins.FilterPlugin.run = zero_meta  # type: ignore[method-assign]


class SharesFilterBuffersAdapter(ReferenceAdapter):
    """Forward and backward get the pipeline's own block as input (zero copy): in the first slot a writable view of
    the caller's NumPy array."""

    def __init__(self) -> None:
        super().__init__()
        original = ufilters.apply

        def apply(fid: int, direction: int, block: np.ndarray, meta: int, schunk: Any) -> np.ndarray:
            found = ufilters.lookup(fid)
            if isinstance(found, ufilters.FilterPlugin):
                return original(fid, direction, block, meta, schunk)
            out = np.zeros(block.size, dtype=np.uint8)
            found[direction](_writable_alias(block), out, int(meta) & 0xFF, schunk)  # the breakage: no copy
            return out

        ufilters.apply = apply  # type: ignore[assignment]
