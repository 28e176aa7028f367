"""Hosts whose reopened containers lose or replace what they were written with."""

from __future__ import annotations

import dataclasses
from typing import Any

from udcodec.adapters.blosc2like import ModuleContainer
from udcodec.adapters.protocol import NOT_GIVEN, CParams, DParams, NotGiven
from udcodec.adapters.reference import ReferenceAdapter


class _ReopenChangesCparams(ReferenceAdapter):
    """A reopened container's cparams are what :meth:`changed` makes of the stored ones."""

    def changed(self, cp: Any) -> Any:
        raise NotImplementedError

    def open(self, urlpath: str, dparams: DParams | NotGiven = NOT_GIVEN,
             cparams: CParams | NotGiven | None = NOT_GIVEN, mode: str | NotGiven = NOT_GIVEN) -> ModuleContainer:
        opened = super().open(urlpath, dparams, cparams, mode)
        opened.native()._cparams = self.changed(opened.native()._cparams)
        return opened


class ReopenForgetsCodecMetaAdapter(_ReopenChangesCparams):
    """A reopened container has codec meta 0: it reports it, and chunks appended after the reopen carry it."""

    def changed(self, cp: Any) -> Any:
        return dataclasses.replace(cp, codec_meta=0)


class ReopenAppendsWithoutMetaAdapter(ReferenceAdapter):
    """A reopened container reports the stored codec meta, but chunks appended after the reopen carry meta 0."""

    def open(self, urlpath: str, dparams: DParams | NotGiven = NOT_GIVEN,
             cparams: CParams | NotGiven | None = NOT_GIVEN, mode: str | NotGiven = NOT_GIVEN) -> ModuleContainer:
        opened = super().open(urlpath, dparams, cparams, mode)
        held = opened.cparams()
        opened.native()._cparams = dataclasses.replace(opened.native()._cparams, codec_meta=0)
        opened.cparams = lambda: held  # type: ignore[method-assign]
        return opened


class PartialCparamsReplaceAllAdapter(ReferenceAdapter):
    """``open`` with partial cparams resets every field left out to its default (the codec too)."""

    def open(self, urlpath: str, dparams: DParams | NotGiven = NOT_GIVEN,
             cparams: CParams | NotGiven | None = NOT_GIVEN, mode: str | NotGiven = NOT_GIVEN) -> ModuleContainer:
        if not isinstance(cparams, CParams):
            return super().open(urlpath, dparams, cparams, mode)
        opened = super().open(urlpath, dparams, NOT_GIVEN, mode)
        native = self.native_cparams(cparams)  # the fields given ...
        opened.native()._cparams = dataclasses.replace(native)  # ... and every default for the rest
        return opened


class ReopenForgetsFiltersMetaAdapter(_ReopenChangesCparams):
    """A reopened container has filters_meta all zeros, whatever the frame recorded (read from the wrong offset)."""

    def changed(self, cp: Any) -> Any:
        return dataclasses.replace(cp, filters_meta=[0] * len(cp.filters_meta))


class ReopenTypesizeByteAdapter(_ReopenChangesCparams):
    """A reopened container's typesize is the frame's modulo 256 (read as the chunk header's one byte holds it)."""

    def changed(self, cp: Any) -> Any:
        return dataclasses.replace(cp, typesize=cp.typesize & 0xFF or 1)


class ReopenFiltersMetaInt8Adapter(_ReopenChangesCparams):
    """Reopening a frame converts each stored filters_meta byte to a signed char and refuses the ones above 127,
    as python-blosc2 4.2 to 4.14 do: a TRUNC_PREC meta written negative (stored as its byte) cannot be reopened."""

    def changed(self, cp: Any) -> Any:
        if any(int(m) > 127 for m in cp.filters_meta):
            raise OverflowError("value too large to convert to int8_t")
        return cp


class ReopenAppendsOverStoredAdapter(ReferenceAdapter):
    """A reopened frame forgets how many bytes its chunks take: an append writes over the first chunk in the file."""

    def open(self, urlpath: str, dparams: DParams | NotGiven = NOT_GIVEN,
             cparams: CParams | NotGiven | None = NOT_GIVEN, mode: str | NotGiven = NOT_GIVEN) -> ModuleContainer:
        opened = super().open(urlpath, dparams, cparams, mode)
        opened.native()._stored_cbytes = 0
        return opened


class ReopenForgetsClevelAdapter(_ReopenChangesCparams):
    """A reopened container has the default clevel 5, whatever the frame recorded."""

    def changed(self, cp: Any) -> Any:
        return dataclasses.replace(cp, clevel=5)


class AssignedCparamsNotWrittenAdapter(ReferenceAdapter):
    """Assigned cparams reach the frame file only with the next chunk written, as in python-blosc2 and c-blosc2."""

    def create(self, *args: Any, **kwargs: Any) -> Any:
        container = super().create(*args, **kwargs)
        container.native()._sync_header = lambda: None
        return container


class ReadOnlyOpenWritesAdapter(ReferenceAdapter):
    """``open(path, mode='r')`` opens the frame for appending."""

    def open(self, urlpath: str, dparams: DParams | NotGiven = NOT_GIVEN,
             cparams: CParams | NotGiven | None = NOT_GIVEN, mode: str | NotGiven = NOT_GIVEN) -> ModuleContainer:
        return super().open(urlpath, dparams, cparams, "a" if mode == "r" else mode)


class ReadOnlyCloseRewritesAdapter(ReferenceAdapter):
    """A container opened with ``mode='r'`` refuses appends but rewrites its frame header on close (the same
    bytes: only the file's modification time shows the write)."""

    def open(self, urlpath: str, dparams: DParams | NotGiven = NOT_GIVEN,
             cparams: CParams | NotGiven | None = NOT_GIVEN, mode: str | NotGiven = NOT_GIVEN) -> ModuleContainer:
        container = super().open(urlpath, dparams, cparams, mode)
        schunk = container.native()
        rewrite, close = schunk._sync_header, schunk.close

        def close_and_rewrite() -> None:
            schunk._mode = "a"  # the breakage: the read-only mode is forgotten on close
            rewrite()
            close()

        schunk.close = close_and_rewrite
        return container


class ReadOnlyAppendChunkAdapter(ReferenceAdapter):
    """A container opened with ``mode='r'`` refuses appends of data but takes compressed chunks, and writes them."""

    def open(self, urlpath: str, dparams: DParams | NotGiven = NOT_GIVEN,
             cparams: CParams | NotGiven | None = NOT_GIVEN, mode: str | NotGiven = NOT_GIVEN) -> ModuleContainer:
        container = super().open(urlpath, dparams, cparams, mode)
        schunk = container.native()
        append_chunk = schunk.append_chunk

        def unchecked(chunk: bytes) -> int:
            kept, schunk._mode = schunk._mode, "a"  # the breakage: the mode is not checked for chunks
            try:
                return int(append_chunk(chunk))
            finally:
                schunk._mode = kept

        schunk.append_chunk = unchecked
        return container
