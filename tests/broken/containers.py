"""Hosts whose containers lose, corrupt or misattribute data, or take what they must refuse."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from udcodec.adapters.blosc2like import ModuleContainer
from udcodec.adapters.protocol import CParams, DParams
from udcodec.adapters.reference import ReferenceAdapter
from udcodec.reference import chunkformat

from ._base import ContainerHost

VERSIONLZ_BYTE, UDCODEC_BYTE, CODEC_META_BYTE = 1, 22, 23


def _flip_last(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 0xFF]) if data else data


# -- outside a container -------------------------------------------------------------------------


class CompressesOutsideContainerAdapter(ReferenceAdapter):
    """User codecs compress outside a container (through a throw-away one)."""

    def compress_outside(self, data: bytes, cparams: CParams) -> bytes:
        container = self.create(cparams, DParams(nthreads=1), chunksize=len(data))
        container.append(data)
        return container.get_chunk(0)


class DecompressesOutsideContainerAdapter(ReferenceAdapter):
    """User-codec chunks decompress outside a container (callbacks get None as container)."""

    def decompress_outside(self, chunk: bytes, dparams: DParams) -> bytes:
        return chunkformat.decompress_chunk(chunk, None)


# -- codec identity ------------------------------------------------------------------------------


class _MetalessHeaders(ModuleContainer):
    def get_chunk(self, index: int) -> bytes:
        chunk = bytearray(super().get_chunk(index))
        chunk[CODEC_META_BYTE] = 0
        return bytes(chunk)


class HeaderWithoutMetaAdapter(ContainerHost):
    """Chunk headers do not record the codec meta (the byte is 0)."""

    container_class = _MetalessHeaders


class _VersionlessHeaders(ModuleContainer):
    def get_chunk(self, index: int) -> bytes:
        chunk = bytearray(super().get_chunk(index))
        chunk[VERSIONLZ_BYTE] = 1
        return bytes(chunk)


class HeaderWithoutVersionAdapter(ContainerHost):
    """Chunk headers record version 1 whatever version the codec was registered with."""

    container_class = _VersionlessHeaders


class _CurrentCodecDecoding(ModuleContainer):
    def decompress_chunk(self, index: int) -> bytes:
        chunk = bytearray(super().get_chunk(index))
        current = self.cparams()
        chunk[UDCODEC_BYTE], chunk[CODEC_META_BYTE] = current.codec, current.codec_meta
        return chunkformat.decompress_chunk(bytes(chunk), self.native())


class DecodesWithCurrentCodecAdapter(ContainerHost):
    """Chunks are decoded with the container's current codec and meta, not the recorded ones."""

    container_class = _CurrentCodecDecoding


class _LastChunkLost(ModuleContainer):
    @property
    def nchunks(self) -> int:
        return max(super().nchunks - 1, 0)


class ReopenLosesLastChunkAdapter(ReferenceAdapter):
    """A reopened container has lost its last chunk."""

    def open(
        self, urlpath: str, dparams: DParams, cparams: CParams | None = None
    ) -> ModuleContainer:
        return _LastChunkLost(self, super().open(urlpath, dparams, cparams).native())


class _AnonymousReadErrors(ModuleContainer):
    def decompress_chunk(self, index: int) -> bytes:
        failed = False
        try:
            return super().decompress_chunk(index)
        except Exception:  # noqa: BLE001 - the breakage
            failed = True
        if failed:
            raise RuntimeError("cannot decompress chunk: codec not available")
        return b""


class MissingCodecUnnamedAdapter(ReferenceAdapter):
    """Reading a reopened container without its codec fails without naming the codec id."""

    def open(
        self, urlpath: str, dparams: DParams, cparams: CParams | None = None
    ) -> ModuleContainer:
        return _AnonymousReadErrors(self, super().open(urlpath, dparams, cparams).native())


# -- round trip ----------------------------------------------------------------------------------


class _LastByteFlipped(ModuleContainer):
    def decompress_chunk(self, index: int) -> bytes:
        return _flip_last(super().decompress_chunk(index))


class FlipsLastByteAdapter(ContainerHost):
    """Every decompressed chunk comes back with its last byte flipped."""

    container_class = _LastByteFlipped


class SkipsUnfilteringAdapter(ReferenceAdapter):
    """Filters are applied when compressing but never undone when decompressing."""

    def __init__(self) -> None:
        super().__init__()
        from udcodec.reference import filters

        filters.backward = lambda block, *args, **kw: block


class _StreamsReversed:
    """numpy, except that ``concatenate`` (the reassembly of a split block) reverses its inputs."""

    def __getattr__(self, name: str) -> Any:
        return getattr(np, name)

    @staticmethod
    def concatenate(arrays: Any, *args: Any, **kw: Any) -> Any:
        return np.concatenate(list(arrays)[::-1], *args, **kw)


class ReversesSplitStreamsAdapter(ReferenceAdapter):
    """A split block's streams are put back together in reverse order."""

    def __init__(self) -> None:
        super().__init__()
        chunkformat.np = _StreamsReversed()


class _LastItemDropped(ModuleContainer):
    def get_slice(self, start: int, stop: int) -> bytes:
        data = super().get_slice(start, stop)
        return data[: -self.cparams().typesize] if data else data


class SliceDropsLastItemAdapter(ContainerHost):
    """``get_slice`` is off by one: the last item of the range is missing."""

    container_class = _LastItemDropped


# -- threads -------------------------------------------------------------------------------------


class AllowsThreadsAtCreationAdapter(ReferenceAdapter):
    """Creating a container with nthreads > 1 succeeds (silently run with one thread)."""

    def create(
        self,
        cparams: CParams,
        dparams: DParams,
        chunksize: int,
        urlpath: str | None = None,
        contiguous: bool = True,
    ) -> ModuleContainer:
        single = dataclasses.replace(cparams, nthreads=1)
        return super().create(single, DParams(nthreads=1), chunksize, urlpath, contiguous)


class _ThreadUpdatesIgnored(ModuleContainer):
    def update_cparams(self, cparams: CParams) -> None:
        try:
            super().update_cparams(cparams)
        except ValueError:
            pass  # the breakage: refused, but the caller is told nothing

    def update_dparams(self, dparams: DParams) -> None:
        try:
            super().update_dparams(dparams)
        except ValueError:
            pass


class SwallowsThreadUpdateErrorAdapter(ContainerHost):
    """Updating parameters to nthreads > 1 appears to succeed (the refusal is swallowed)."""

    container_class = _ThreadUpdatesIgnored


# -- interoperability ----------------------------------------------------------------------------


class _ShuffleFlagDropped(ModuleContainer):
    def append_chunk(self, chunk: bytes) -> int:
        flags_byte = 2
        patched = bytearray(chunk)
        patched[flags_byte] &= ~0x01  # forget the chunk's own shuffle flag: trust the container instead
        return super().append_chunk(bytes(patched))


class IgnoresForeignShuffleFlagAdapter(ContainerHost):
    """Chunks appended as they are lose their shuffle flag, as if the host trusted its own cparams."""

    container_class = _ShuffleFlagDropped


class WritesFixedBlocksizeAdapter(ReferenceAdapter):
    """An automatic block size is always 4 KiB: valid chunks, but not the bytes Blosc2 writes."""

    def create(self, cparams: CParams, dparams: DParams, chunksize: int, urlpath: str | None = None,
               contiguous: bool = True) -> ModuleContainer:
        if cparams.blocksize == 0:
            cparams = dataclasses.replace(cparams, blocksize=4096)
        return super().create(cparams, dparams, chunksize, urlpath, contiguous)
