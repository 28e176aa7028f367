"""Hosts that do not implement the whole adapter protocol, or fail an operation outright.

``udcodec smoke`` and the adapter loader must name what is missing or raising.
"""

from __future__ import annotations

from typing import Any

from udcodec.adapters.blosc2like import ModuleContainer
from udcodec.adapters.reference import ReferenceAdapter


class _ContainerWithoutAppendChunk:
    """A port's container written without ``append_chunk``; the rest is the reference's."""

    def __init__(self, inner: ModuleContainer) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        if name == "append_chunk":
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return getattr(self._inner, name)


class NoAppendChunkAdapter(ReferenceAdapter):
    """Its containers have no ``append_chunk`` (though the capability is declared)."""

    def wrap(self, schunk: Any) -> Any:
        return _ContainerWithoutAppendChunk(ModuleContainer(self, schunk))


def _keyword_callbacks(codec_name: Any, id: Any, *, encoder: Any, decoder: Any, version: Any = 1) -> None:
    """A host whose ``register_codec`` takes the callbacks by keyword only."""


class RegisterCodecRaisesAdapter(ReferenceAdapter):
    """``register_codec`` passes the callbacks by position to a keyword-only host: TypeError."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        return _keyword_callbacks(codec_name, id, encoder, decoder, version)  # type: ignore[misc]


class WithoutOpenAdapter:
    """An adapter written from scratch that forgot ``open`` and ``match_format_of``.

    Everything else forwards to the reference adapter.
    """

    _hidden = ("open", "match_format_of")

    def __init__(self) -> None:
        self._inner = ReferenceAdapter()
        self.name = "without-open"

    def __getattr__(self, name: str) -> Any:
        if name in self._hidden:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return getattr(self._inner, name)


class NoPersistenceAdapter(ReferenceAdapter):
    """Not broken, a control: it does not declare ``persistence``, so ``open`` is skipped."""

    def capabilities(self) -> frozenset[str]:
        return super().capabilities() - {"persistence"}


class NoNDArraysAdapter(ReferenceAdapter):
    """Not broken, a control: it declares no NDArray capability, so every NDArray operation is skipped."""

    def capabilities(self) -> frozenset[str]:
        return frozenset(c for c in super().capabilities() if c != "ndarray" and not c.startswith("nd_"))


class MisspeltCapabilityAdapter(ReferenceAdapter):
    """Declares ``persistance`` for ``persistence``: its persistence clauses would be skipped without a word."""

    def capabilities(self) -> frozenset[str]:
        return super().capabilities() - {"persistence"} | {"persistance"}


class UnprintableInfoAdapter(ReferenceAdapter):
    """Describes itself with a lone surrogate, a newline and a NUL in its name and version (text read from bytes
    with surrogateescape, a version string with a build line)."""

    def info(self) -> Any:
        import dataclasses

        return dataclasses.replace(super().info(), name="port\udcff\nname\x00", version="1.0\ud800\nbuild 7")


class RegisterCodecRaisesHugeAdapter(ReferenceAdapter):
    """``register_codec`` raises with a 12-million-character message of NULs and lone surrogates (a buffer dumped
    into an error)."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        raise ValueError("big\x00\udc80" * 2_000_000)


class DecompressOutsideReturnsNoneAdapter(ReferenceAdapter):
    """``decompress_outside`` is a stub that returns None (a port's unfinished operation)."""

    def decompress_outside(self, chunk: Any, dparams: Any = None) -> Any:
        return None
