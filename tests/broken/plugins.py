"""Hosts that mishandle dynamic-plugin registrations (encoder and decoder None)."""

from __future__ import annotations

from typing import Any

from udcodec.adapters.reference import ReferenceAdapter
from udcodec.reference import registry


def _store_raw(inp: Any, out: Any, meta: Any, container: Any) -> int:
    return 0


def _never_called(inp: Any, out: Any, meta: Any, container: Any) -> int:
    raise AssertionError("blocks are stored raw; nothing to decode")


class FallsBackForMissingPluginAdapter(ReferenceAdapter):
    """A plugin that is not installed silently becomes a memcpy codec."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        if encoder is None and decoder is None:
            encoder, decoder = _store_raw, _never_called
        return super().register_codec(codec_name, id, encoder, decoder, version)


class UnvalidatedPluginNamesAdapter(ReferenceAdapter):
    """Plugin names are stored without validation (empty, path-like or not even str)."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        if encoder is None and decoder is None:
            registry._plugins[int(id)] = registry.PluginCodec(codec_name, int(id), int(version))
            return None
        return super().register_codec(codec_name, id, encoder, decoder, version)
