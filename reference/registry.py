"""User-defined codec registry: :func:`register_codec`, ``ucodecs_registry`` and the plugin table.

Validation order is: type checks of every argument, then value checks, then the "already
registered" check; nothing is mutated until every check passed, so a rejected registration
leaves all tables untouched.  Python codecs and plugins share one id space: any second registration of
an id is refused (REG-ID-DUPLICATE, PLUG-ID-SHARED), a plugin registered again under the same name
too, where python-blosc2 accepts it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .params import USER_CODEC_MAX, USER_CODEC_MIN, _is_int
from .plugins import CodecPlugin

MIN_VERSION = 0
MAX_VERSION = 255
"""``version`` is stored in a ``uint8`` (it becomes the chunk header's ``versionlz`` byte)."""
PLUGIN_NAME_RE = re.compile(r"[A-Za-z0-9_]+")
"""Plugin names name a library to load: no path separators, dots or spaces."""

Callback = Callable[[Any, Any, int, Any], Any]

ucodecs_registry: dict[int, tuple[str, Callback | None, Callback | None]] = {}
"""Every registered codec: id -> (name, encoder, decoder), the shape of ``blosc2.ucodecs_registry``; a
dynamic plugin is listed too, as (name, None, None), so that one table shows which ids are taken."""


@dataclass(frozen=True)
class PluginCodec:
    """A registered dynamic-plugin codec (name + version), loaded on first use (:mod:`.plugins`)."""

    name: str
    id: int
    version: int


_plugins: dict[int, PluginCodec] = {}
_versions: dict[int, int] = {}


def register_codec(
    codec_name: str,
    id: int,  # noqa: A002 - blosc2's parameter name
    encoder: Callback | None = None,
    decoder: Callback | None = None,
    version: int = 1,
) -> None:
    """Register a user-defined codec (Python callbacks) or a dynamic plugin (both callbacks None).

    Raises TypeError for wrong argument types and ValueError for wrong values, always naming the
    offending value; the registry is unchanged after any error.
    """
    # --- types -----------------------------------------------------------------------------
    if not isinstance(codec_name, str):
        raise TypeError(f"codec_name must be a str, got {codec_name!r} ({type(codec_name).__name__})")
    if not _is_int(id):
        raise TypeError(f"codec id must be an integer, got {id!r} ({type(id).__name__})")
    if not _is_int(version):
        raise TypeError(f"codec version must be an integer, got {version!r} ({type(version).__name__})")
    if (encoder is None) != (decoder is None):
        raise ValueError(
            "both encoder and decoder must be given (Python codec), or none (dynamic plugin); "
            f"got encoder={encoder!r}, decoder={decoder!r}"
        )
    if encoder is not None and not callable(encoder):
        raise TypeError(f"encoder must be callable, got {encoder!r}")
    if decoder is not None and not callable(decoder):
        raise TypeError(f"decoder must be callable, got {decoder!r}")
    # --- values ----------------------------------------------------------------------------
    cid = int(id)
    if not USER_CODEC_MIN <= cid <= USER_CODEC_MAX:
        raise ValueError(f"codec id must be between {USER_CODEC_MIN} and {USER_CODEC_MAX} (inclusive), got {cid}")
    ver = int(version)
    if not MIN_VERSION <= ver <= MAX_VERSION:
        raise ValueError(f"codec version must be between {MIN_VERSION} and {MAX_VERSION} (uint8), got {ver}")
    if not codec_name:
        raise ValueError("codec_name must not be empty")
    if "\x00" in codec_name:
        raise ValueError(f"codec_name must not contain NUL characters, got {codec_name!r}")
    is_plugin = encoder is None
    if is_plugin and not PLUGIN_NAME_RE.fullmatch(codec_name):
        raise ValueError(
            f"plugin codec_name must match [A-Za-z0-9_]+ (it names a library to load), got {codec_name!r}"
        )
    if cid in ucodecs_registry or cid in _plugins:
        raise ValueError(f"codec id {cid} is already registered")
    # --- commit ----------------------------------------------------------------------------
    if is_plugin:
        _plugins[cid] = PluginCodec(codec_name, cid, ver)
        ucodecs_registry[cid] = (codec_name, None, None)
    else:
        assert encoder is not None and decoder is not None
        ucodecs_registry[cid] = (codec_name, encoder, decoder)
    _versions[cid] = ver


def is_python_ucodec(codec: int) -> bool:
    """True if ``codec`` is a registered Python user codec (threads are forbidden for those)."""
    return USER_CODEC_MIN <= int(codec) <= USER_CODEC_MAX and int(codec) in ucodecs_registry \
        and int(codec) not in _plugins


def codec_version(codec: int) -> int:
    """Registered version of a user codec (1 for builtins / unknown ids)."""
    return _versions.get(int(codec), 1)


def plugin(codec: int) -> PluginCodec | None:
    """The plugin entry registered under ``codec``, if any."""
    return _plugins.get(int(codec))


def plugins() -> dict[int, PluginCodec]:
    """A copy of the plugin table (id -> PluginCodec)."""
    return dict(_plugins)


def lookup(codec: int) -> tuple[str, Callback, Callback] | CodecPlugin:
    """(name, encoder, decoder) of a Python codec, the loaded plugin of a plugin codec, else RuntimeError.

    A plugin is loaded on its first lookup; RuntimeError names it, its id and why it cannot be loaded.
    """
    entry = ucodecs_registry.get(codec)
    if entry is not None and entry[1] is not None and entry[2] is not None:
        return entry[0], entry[1], entry[2]
    plug = _plugins.get(codec)
    if plug is not None:
        try:
            return CodecPlugin(plug.name)
        except RuntimeError as exc:
            raise RuntimeError(f"codec {plug.name!r} (id {codec}) is a dynamic plugin that cannot be loaded: {exc}") from None
    raise RuntimeError(f"user-defined codec id {codec} is not registered (register it with register_codec)")


def _reset_registry() -> None:
    """Forget every registered codec, filter and plugin.  For tests only (blosc2 has no equivalent)."""
    ucodecs_registry.clear()
    _plugins.clear()
    _versions.clear()
    from . import plugins, ufilters

    plugins._forget()

    ufilters._reset_registry()
