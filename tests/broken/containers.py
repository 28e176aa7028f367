"""Hosts whose containers lose, corrupt or misattribute data, or take what they must refuse."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from udcodec.adapters.blosc2like import ModuleContainer
from udcodec.adapters.protocol import NOT_GIVEN, CParams, DParams, NotGiven
from udcodec.adapters.reference import ReferenceAdapter
from udcodec.reference import builtin_codecs, chunkformat, frame, registry, schunk

from ._base import ContainerHost, delta_blocks_alone
from .callbacks import _writable_alias

UDCODEC_BYTE, CODEC_META_BYTE = 22, 23


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


class _SwappedHeaders(ModuleContainer):
    def get_chunk(self, index: int) -> bytes:
        chunk = bytearray(super().get_chunk(index))
        chunk[UDCODEC_BYTE], chunk[CODEC_META_BYTE] = chunk[CODEC_META_BYTE], chunk[UDCODEC_BYTE]
        return bytes(chunk)


class HeaderSwapsCodecAndMetaAdapter(ContainerHost):
    """Chunk headers hold the codec id where the codec meta goes and the other way round."""

    container_class = _SwappedHeaders


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

    def open(self, urlpath: str, dparams: DParams | NotGiven = NOT_GIVEN,
             cparams: CParams | NotGiven | None = NOT_GIVEN, mode: str | NotGiven = NOT_GIVEN) -> ModuleContainer:
        return _LastChunkLost(self, super().open(urlpath, dparams, cparams, mode).native())


class FrameChunksKeepTrailingBytesAdapter(ReferenceAdapter):
    """A chunk read from a frame keeps every byte up to where the next chunk may start, not only its own: the
    data decodes (the header's cbytes bounds it), but get_chunk gives back more than was stored."""

    def __init__(self) -> None:
        super().__init__()

        def check_chunk(path: str, index: int, chunk: bytes, where: str, limit: int, expect: int | None) -> bytes:
            kept = checked(path, index, chunk, where, limit, expect)
            return kept + bytes(chunk[len(kept):limit])

        checked = frame.check_chunk
        frame.check_chunk = check_chunk


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

    def open(self, urlpath: str, dparams: DParams | NotGiven = NOT_GIVEN,
             cparams: CParams | NotGiven | None = NOT_GIVEN, mode: str | NotGiven = NOT_GIVEN) -> ModuleContainer:
        return _AnonymousReadErrors(self, super().open(urlpath, dparams, cparams, mode).native())


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


class _ChunkIndexClamped(ModuleContainer):
    def _clamped(self, index: int) -> int:
        return min(max(index, 0), self.nchunks - 1)

    def get_chunk(self, index: int) -> bytes:
        return super().get_chunk(self._clamped(index))

    def decompress_chunk(self, index: int) -> bytes:
        return super().decompress_chunk(self._clamped(index))


class ChunkIndexClampedAdapter(ContainerHost):
    """A chunk index past either end is clamped to the first or the last chunk instead of refused."""

    container_class = _ChunkIndexClamped


def _zeros_when_damaged(decode: Any) -> Any:
    def lenient(cdata: bytes, size: int) -> bytes:
        try:
            return decode(cdata, size)
        except ValueError:
            return bytes(size)

    lenient.lenient = True  # type: ignore[attr-defined]
    return lenient


class DamagedStreamsReadAsZerosAdapter(ReferenceAdapter):
    """A builtin codec's stream that does not decode to its whole block reads as a block of zeros."""

    def __init__(self) -> None:
        super().__init__()
        decoders = builtin_codecs.DECODERS_BY_FORMAT
        for fmt, decode in decoders.items():
            if not getattr(decode, "lenient", False):
                decoders[fmt] = _zeros_when_damaged(decode)


class _IntoWholeBuffer(ModuleContainer):
    def decompress_chunk_into(self, index: int, dst: Any) -> None:
        data = self.decompress_chunk(index)
        view = memoryview(dst).cast("B")
        view[:] = data[:len(view)].ljust(len(view), b"\0")


class ChunkIntoFillsWholeBufferAdapter(ContainerHost):
    """``decompress_chunk(i, dst)`` fills all of ``dst``: zeros past the chunk's bytes, and a buffer too small gets
    what fits instead of being refused."""

    container_class = _IntoWholeBuffer


class _PastEndZeroFilled(ModuleContainer):
    def get_slice(self, start: int, stop: int) -> bytes:
        data = super().get_slice(start, stop)
        return data.ljust((stop - start) * self.cparams().typesize, b"\0")


class SliceZeroFillsPastEndAdapter(ContainerHost):
    """``get_slice`` takes every chunk for full: items past the end of a short last chunk read as zeros."""

    container_class = _PastEndZeroFilled


class _DeltaSlicedAlone(ModuleContainer):
    def get_slice(self, start: int, stop: int) -> bytes:
        with delta_blocks_alone():
            return super().get_slice(start, stop)


class SliceUndoesDeltaAloneAdapter(ContainerHost):
    """``get_slice`` decodes the blocks a slice touches on their own: a DELTA block after the first is not undone
    against the first block (it never decodes it), so its items read wrong; whole chunks decode right."""

    container_class = _DeltaSlicedAlone


# -- threads -------------------------------------------------------------------------------------


class AllowsThreadsAtCreationAdapter(ReferenceAdapter):
    """Creating a container with nthreads > 1 succeeds (silently run with one thread)."""

    def create(
        self,
        cparams: CParams,
        dparams: DParams,
        chunksize: int,
        urlpath: str | None = None,
        contiguous: bool | NotGiven = NOT_GIVEN,
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


class _ShuffleMetaOneHigh(ModuleContainer):
    def append_chunk(self, chunk: bytes) -> int:
        patched = bytearray(chunk)
        first_filter, first_meta = 16, 24  # the extended header's filters and filters_meta
        for slot in range(6):
            if patched[first_filter + slot] == 1 and patched[first_meta + slot]:  # SHUFFLE with a meta
                patched[first_meta + slot] += 1
        return super().append_chunk(bytes(patched))


class ReadsShuffleMetaOneHighAdapter(ContainerHost):
    """A SHUFFLE filters_meta of an appended chunk is read one too high (neither reading the format allows)."""

    container_class = _ShuffleMetaOneHigh


class ReadsBlosc1BitshuffleAsShuffleAdapter(ReferenceAdapter):
    """A Blosc1 (16-byte) header's bitshuffle flag is read as byte shuffle."""

    def decompress_outside(self, chunk: bytes, dparams: DParams | NotGiven = NOT_GIVEN) -> bytes:
        flags = chunk[2]
        if flags & 0x05 == 0x04:  # a Blosc1 header (not both bits) with bitshuffle
            chunk = chunk[:2] + bytes([flags & ~0x04 | 0x01]) + chunk[3:]
        return super().decompress_outside(chunk, dparams)


class _NaNSpecialsAsF64(ModuleContainer):
    def decompress_chunk(self, index: int) -> bytes:
        h = chunkformat.parse_header(self.get_chunk(index))
        if h.special == chunkformat.SPECIAL_NAN and h.typesize == 4:
            return np.full(h.nbytes // 8, np.nan, dtype="<f8").tobytes()
        return super().decompress_chunk(index)


class ExpandsF32NaNChunksAsF64Adapter(ContainerHost):
    """A float32 NaN special chunk (SChunk.fill_special) is expanded as float64 NaNs."""

    container_class = _NaNSpecialsAsF64


class _DecodesSpecials(ModuleContainer):
    def decompress_chunk(self, index: int) -> bytes:
        h = chunkformat.parse_header(self.get_chunk(index))
        if h.special:
            _name, _encoder, decoder = registry.lookup(int(self.native().cparams.codec))
            decoder(np.zeros(1, np.uint8), np.zeros(h.nbytes, np.uint8), 0, self.native())
        return super().decompress_chunk(index)


class CallsDecoderOnSpecialChunksAdapter(ContainerHost):
    """Special chunks (zeros, NaN, a value, uninitialized) go through the container's decoder."""

    container_class = _DecodesSpecials


class _DefaultsLeftOut(ReferenceAdapter):
    """Fields of cparams left out take :attr:`defaults`, not the reference's own."""

    defaults: dict[str, Any] = {}

    def create(self, cparams: CParams | NotGiven, dparams: DParams | NotGiven, chunksize: int,
               urlpath: str | None = None, contiguous: bool | NotGiven = NOT_GIVEN) -> ModuleContainer:
        if isinstance(cparams, CParams):
            cparams = dataclasses.replace(cparams, **{k: v for k, v in self.defaults.items() if getattr(cparams, k) is NOT_GIVEN})
        return super().create(cparams, dparams, chunksize, urlpath, contiguous)


class DefaultsToAlwaysSplitAdapter(_DefaultsLeftOut):
    """A split mode left out is ALWAYS_SPLIT (python-blosc2 2.x's applied default), not the documented one."""

    defaults = {"splitmode": "always"}


class DefaultsTypesizeToOneAdapter(_DefaultsLeftOut):
    """A typesize left out is 1 (python-blosc2's for a dict without one), not the documented 8."""

    defaults = {"typesize": 1}


class DefaultsToNoFiltersAdapter(_DefaultsLeftOut):
    """Filters left out are no filters, not the documented SHUFFLE in the last slot."""

    defaults = {"filters": ("nofilter",), "filters_meta": ()}


class DefaultsCodecMetaToMinusOneAdapter(_DefaultsLeftOut):
    """A codec_meta left out is -1 stored in its byte (255), not the documented 0."""

    defaults = {"codec_meta": 255}


class WritesFixedBlocksizeAdapter(ReferenceAdapter):
    """An automatic block size is always 4 KiB: valid chunks, but not the bytes Blosc2 writes."""

    def create(self, cparams: CParams, dparams: DParams, chunksize: int, urlpath: str | None = None,
               contiguous: bool | NotGiven = NOT_GIVEN) -> ModuleContainer:
        if cparams.blocksize == 0:
            cparams = dataclasses.replace(cparams, blocksize=4096)
        return super().create(cparams, dparams, chunksize, urlpath, contiguous)


_MAKE_ENCODER = chunkformat._make_encoder


def _raw_user_streams(cp: Any, schunk: Any, *rest: Any) -> Any:
    encode = _MAKE_ENCODER(cp, schunk, *rest)
    if not chunkformat.is_user_codec(int(cp.codec)):
        return encode

    def raw(stream: Any, maxout: int) -> tuple[int, bytes]:
        encode(stream, maxout)
        return 0, b""  # the encoder ran; its output is dropped and the stream stored raw

    return raw


class _UserStreamsRaw(ModuleContainer):
    def append(self, data: bytes) -> int:
        chunkformat._make_encoder = _raw_user_streams  # type: ignore[assignment]
        try:  # only while this container writes: its peer in the same process writes as it should
            return super().append(data)
        finally:
            chunkformat._make_encoder = _MAKE_ENCODER


class StoresUserStreamsRawAdapter(ContainerHost):
    """User-codec streams are stored raw: valid chunks, but not the bytes Blosc2 writes, and only on the
    user-codec path (builtin-codec chunks are Blosc2's bytes)."""

    container_class = _UserStreamsRaw


# -- the caller's data, compress2 spellings, header fields ------------------------------------------


class FiltersInPlaceAdapter(ReferenceAdapter):
    """The filter pipeline writes its result back into the block it was given (the caller's array)."""

    def __init__(self) -> None:
        super().__init__()
        original = chunkformat._filters.forward

        def forward(block: Any, *args: Any, **kw: Any) -> Any:
            result = original(block, *args, **kw)
            alias = _writable_alias(block)
            if alias is not block:
                alias[:] = result
            return result

        chunkformat._filters.forward = forward  # type: ignore[assignment]


class DictCParamsIgnoredAdapter(ReferenceAdapter):
    """``compress2(src, cparams={...})`` ignores the dict and compresses with builtin ZLIB."""

    def __init__(self) -> None:
        super().__init__()
        original = self.module.compress2

        def compress2(src: Any, **kwargs: Any) -> bytes:
            if isinstance(kwargs.get("cparams"), dict):
                kwargs = {"cparams": {"codec": int(self.module.Codec.ZLIB), "typesize": 1, "nthreads": 1}}
            return bytes(original(src, **kwargs))

        self.module.compress2 = compress2


class FlatFieldsIgnoredAdapter(ReferenceAdapter):
    """``compress2(src, **fields)`` ignores the fields and tries its default codec, which this build lacks (NDLZ
    stands in): NotImplementedError instead of a refusal of the user codec."""

    def __init__(self) -> None:
        super().__init__()
        original = self.module.compress2

        def compress2(src: Any, **kwargs: Any) -> bytes:
            if "cparams" not in kwargs:
                kwargs = {"cparams": {"codec": int(self.module.Codec.NDLZ), "typesize": 1, "nthreads": 1}}
            return bytes(original(src, **kwargs))

        self.module.compress2 = compress2


class HeaderVersionOneAdapter(ReferenceAdapter):
    """Chunk headers always record codec version 1, whatever version the codec was registered with."""

    def __init__(self) -> None:
        super().__init__()
        chunkformat.registry.codec_version = lambda codec: 1  # type: ignore[assignment]


class HeaderWithoutDeltaFlagAdapter(ReferenceAdapter):
    """Chunk headers never set the flags byte's delta bit, though the filters slots record DELTA."""

    def __init__(self) -> None:
        super().__init__()
        original = chunkformat._filter_flags
        chunkformat._filter_flags = lambda filters: original(filters) & ~chunkformat.FLAG_DELTA  # type: ignore[assignment]


class DictDParamsDecodesUserChunksAdapter(ReferenceAdapter):
    """``decompress2(src, dparams={...})`` decodes a user-codec chunk through a throw-away container."""

    def __init__(self) -> None:
        super().__init__()
        original = self.module.decompress2

        def decompress2(src: Any, dst: Any = None, **kwargs: Any) -> Any:
            if isinstance(kwargs.get("dparams"), dict):
                return chunkformat.decompress_chunk(bytes(src), None)
            return original(src, dst, **kwargs)

        self.module.decompress2 = decompress2


class _ShuffleFlagDroppedOnWrite(ModuleContainer):
    def get_chunk(self, index: int) -> bytes:
        patched = bytearray(super().get_chunk(index))
        patched[2] &= ~0x01  # the chunk it hands out forgets its shuffle flag; its own reads use the stored one
        return bytes(patched)


class DropsShuffleFlagOnWriteAdapter(ContainerHost):
    """Chunks it writes lose their shuffle flag (a writer-side format bug): it reads its own data back
    correctly, another implementation does not."""

    container_class = _ShuffleFlagDroppedOnWrite


class _TypesizeKeptOnAssign(ModuleContainer):
    def update_cparams(self, cparams: CParams) -> None:
        # the breakage: an assigned typesize is silently dropped once the container holds a chunk
        if self.nchunks:
            cparams = dataclasses.replace(cparams, typesize=NOT_GIVEN)
        super().update_cparams(cparams)


class KeepsTypesizeOnAssignAdapter(ContainerHost):
    """cparams assigned to a container holding chunks keep its typesize, whatever typesize they give."""

    container_class = _TypesizeKeptOnAssign


class _NegativeItemOffByOne(ModuleContainer):
    def get_item(self, key: int | slice) -> bytes:
        if isinstance(key, int) and key < 0:
            key -= 1  # the breakage: counted from len - 1
        return super().get_item(key)


class NegativeItemOffByOneAdapter(ContainerHost):
    """``container[-i]`` reads the item before the one it names."""

    container_class = _NegativeItemOffByOne


class _PastEndDropped(ModuleContainer):
    def set_item(self, key: int | slice, data: bytes) -> None:
        n = len(self._sc())
        if isinstance(key, slice) and key.stop is not None and key.stop > n:  # the breakage: no append
            start = key.start or 0
            if start >= n:
                return
            key, data = slice(start, n), data[: (n - start) * self._sc().typesize]
        super().set_item(key, data)


class ItemWritesPastEndDroppedAdapter(ContainerHost):
    """``container[a:b] = data`` with ``b`` past the end writes only the items inside the container."""

    container_class = _PastEndDropped


class ItemWritesLastPieceDroppedAdapter(ReferenceAdapter):
    """Data appended in pieces of chunksize (``container[a:b] = data`` far past the end) loses its last, shorter
    piece."""

    def __init__(self) -> None:
        super().__init__()

        def append_buffer(self: Any, buf: np.ndarray, split: bool) -> None:
            cs = self._chunksize or buf.size or 1
            whole = buf[:buf.size - buf.size % cs] if split and buf.size > cs else buf
            append(self, whole, split)

        append = schunk.SChunk._append_buffer
        schunk.SChunk._append_buffer = append_buffer  # type: ignore[method-assign]

