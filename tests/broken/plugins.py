"""Hosts that mishandle dynamic-plugin registrations (encoder and decoder None)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from udcodec.adapters.reference import ReferenceAdapter
from udcodec.reference import chunkformat, plugins, registry


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


class StoresUncompressedForMissingPluginAdapter(ReferenceAdapter):
    """A plugin that is not installed gets callbacks that fail with python-blosc2's 'Could not compress the
    data' only when called: a chunk stored without calling its codec (clevel 0) is written silently."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        if encoder is None and decoder is None:
            encoder = decoder = _could_not_compress
        return super().register_codec(codec_name, id, encoder, decoder, version)


def _could_not_compress(*_args: Any) -> int:
    raise RuntimeError("Could not compress the data")


class UnvalidatedPluginNamesAdapter(ReferenceAdapter):
    """Plugin names are stored without validation (empty, path-like or not even str)."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        if encoder is None and decoder is None:
            registry._plugins[int(id)] = registry.PluginCodec(codec_name, int(id), int(version))
            return None
        return super().register_codec(codec_name, id, encoder, decoder, version)


class SeparatePluginIdsAdapter(ReferenceAdapter):
    """Plugins live in a table of their own: no id is checked against the other kind, nor twice."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        if encoder is None and decoder is None and isinstance(id, int) and isinstance(codec_name, str):
            registry._plugins[id] = registry.PluginCodec(codec_name, id, int(version))
            return None
        hidden = registry._plugins.pop(int(id), None) if isinstance(id, int) else None
        try:
            return super().register_codec(codec_name, id, encoder, decoder, version)
        finally:
            if hidden is not None:
                registry._plugins[int(id)] = hidden


class ClaimsIdBeforeValidatingAdapter(ReferenceAdapter):
    """A plugin's id is entered in the plugin table before its arguments are validated, and stays there."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        try:
            return super().register_codec(codec_name, id, encoder, decoder, version)
        except (TypeError, ValueError):
            if encoder is None and decoder is None and isinstance(id, int):
                registry._plugins.setdefault(id, registry.PluginCodec(str(codec_name), id, 1))
            raise


class ShellLoadsPluginsAdapter(ReferenceAdapter):
    """Any plugin name is accepted; first use asks a shell to import ``blosc2_<name>`` to find its library."""

    def __init__(self) -> None:
        super().__init__()
        original = registry.lookup

        def lookup(codec: int) -> Any:
            plug = registry.plugin(codec)
            if plug is not None:
                subprocess.run(f'"{sys.executable}" -c "import blosc2_{plug.name}"', shell=True,  # noqa: S602
                               capture_output=True, check=False)
            return original(codec)

        registry.lookup = lookup

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        if encoder is None and decoder is None and isinstance(codec_name, str) and codec_name:
            super().register_codec("placeholder", id, None, None, version)
            registry._plugins[int(id)] = registry.PluginCodec(codec_name, int(id), int(version))
            return None
        return super().register_codec(codec_name, id, encoder, decoder, version)


class UnlistedPluginsAdapter(ReferenceAdapter):
    """Plugins are kept in the plugin table only; the public registry lists Python codecs alone."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        result = super().register_codec(codec_name, id, encoder, decoder, version)
        if encoder is None and decoder is None:
            registry.ucodecs_registry.pop(int(id), None)
        return result


class PluginGetsZeroMetaAdapter(ReferenceAdapter):
    """An installed plugin's encoder and decoder are called with meta 0, whatever the chunk's codec meta."""

    def __init__(self) -> None:
        super().__init__()
        call = plugins.CodecPlugin._call

        def zero_meta(fn: Any, src: Any, out: Any, meta: int, params: Any) -> int:
            return call(fn, src, out, 0, params)

        plugins.CodecPlugin._call = staticmethod(zero_meta)  # type: ignore[method-assign]


class PluginGetsNoBlocksizeAdapter(ReferenceAdapter):
    """An installed plugin's encoder gets blocksize 0 in its cparams, not the chunk's block size."""

    def __init__(self) -> None:
        super().__init__()
        make = chunkformat.cparams_c
        if getattr(make, "no_blocksize", False):
            return

        def no_blocksize(cp: Any, *, typesize: int, blocksize: int) -> Any:
            return make(cp, typesize=typesize, blocksize=0)

        no_blocksize.no_blocksize = True  # type: ignore[attr-defined]
        chunkformat.cparams_c = no_blocksize
