"""Hosts whose ``register_codec`` breaks one argument rule."""

from __future__ import annotations

from typing import Any

from udcodec.adapters.reference import ReferenceAdapter

from ._base import CallbackHost


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class RefusesId255Adapter(ReferenceAdapter):
    """Off-by-one upper bound: id 255 is refused."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        if _is_int(id) and id == 255:
            raise ValueError("codec id must be between 160 and 254")
        return super().register_codec(codec_name, id, encoder, decoder, version)


class AcceptsId256Adapter(ReferenceAdapter):
    """Off-by-one upper bound: id 256 is accepted."""

    def __init__(self) -> None:
        super().__init__()
        from udcodec.reference import registry

        registry.USER_CODEC_MAX = 256


class IntConvertsFloatIdsAdapter(ReferenceAdapter):
    """Float ids are accepted by ``int()``-converting them."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        return super().register_codec(
            codec_name, int(id) if isinstance(id, float) else id, encoder, decoder, version
        )


class RejectsNumpyIdsAdapter(ReferenceAdapter):
    """Only exact ``int`` ids are accepted; NumPy integers are refused."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        if type(id) is not int:
            raise TypeError(f"codec id must be an int, got {type(id).__name__}")
        return super().register_codec(codec_name, id, encoder, decoder, version)


class OverwritesDuplicateIdAdapter(ReferenceAdapter):
    """Registering a taken id silently replaces the first codec."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        if _is_int(id):
            self.module.ucodecs_registry.pop(id, None)
        return super().register_codec(codec_name, id, encoder, decoder, version)


class LeavesPartialEntryAdapter(ReferenceAdapter):
    """A rejected registration still leaves an entry under its (valid, free) id."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        try:
            return super().register_codec(codec_name, id, encoder, decoder, version)
        except Exception:
            table = self.module.ucodecs_registry
            if _is_int(id) and 160 <= id <= 255 and id not in table:
                table[id] = (codec_name, encoder, decoder)
            raise


def _store_raw(inp: Any, out: Any, meta: Any, container: Any) -> int:
    return 0


def _copy_back(inp: Any, out: Any, meta: Any, container: Any) -> int:
    out[:] = inp
    return int(out.size)


class AcceptsUnpairedAdapter(ReferenceAdapter):
    """A missing encoder or decoder is filled in with a memcpy stand-in instead of being refused."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        if (encoder is None) != (decoder is None):
            encoder, decoder = encoder or _store_raw, decoder or _copy_back
        return super().register_codec(codec_name, id, encoder, decoder, version)


def _deferred(value: Any) -> Any:
    def call(*args: Any) -> Any:
        raise TypeError(f"{value!r} is not callable")

    return value if value is None or callable(value) else call


class AcceptsNonCallablesAdapter(ReferenceAdapter):
    """Non-callable encoders/decoders are accepted (they fail only when called)."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        return super().register_codec(
            codec_name, id, _deferred(encoder), _deferred(decoder), version
        )


class StringifiesNamesAdapter(ReferenceAdapter):
    """Codec names that are not str are accepted by ``str()``-converting them."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        name = codec_name if isinstance(codec_name, str) else str(codec_name)
        return super().register_codec(name, id, encoder, decoder, version)


class AcceptsEmptyNamesAdapter(ReferenceAdapter):
    """Empty names are accepted (defaulted); names with NUL too (NULs dropped)."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        if isinstance(codec_name, str):
            codec_name = codec_name.replace("\x00", "") or "unnamed"
        return super().register_codec(codec_name, id, encoder, decoder, version)


class TruncatesNamesAtNulAdapter(ReferenceAdapter):
    """Names are cut at their first NUL, as a copy into a C string cuts them, instead of being refused."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        if isinstance(codec_name, str):
            codec_name = codec_name.split("\x00")[0]
        return super().register_codec(codec_name, id, encoder, decoder, version)


class WrapsVersionAdapter(ReferenceAdapter):
    """Versions outside 0..255 are wrapped into a uint8 instead of being refused."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        return super().register_codec(
            codec_name, id, encoder, decoder, version % 256 if _is_int(version) else version
        )


class IntConvertsVersionAdapter(ReferenceAdapter):
    """Non-integer versions are accepted (``int()``-converted, None taken as 1)."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        if not _is_int(version):
            version = 1 if version is None else int(float(version))
        return super().register_codec(codec_name, id, encoder, decoder, version)


class ReturnsIdAdapter(ReferenceAdapter):
    """``register_codec`` returns the registered id instead of None."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        super().register_codec(codec_name, id, encoder, decoder, version)
        return id


class StoresWrappedCallbacksAdapter(CallbackHost):
    """The registry holds the host's wrappers instead of the user's encoder and decoder."""


class RemembersRejectedIdsAdapter(ReferenceAdapter):
    """A rejected registration reserves its id in hidden state: a corrected retry is refused."""

    def __init__(self) -> None:
        super().__init__()
        self._reserved: set[int] = set()

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        if _is_int(id) and id in self._reserved:
            raise ValueError(f"id {id} already in use")
        try:
            return super().register_codec(codec_name, id, encoder, decoder, version)
        except Exception:
            if _is_int(id):
                self._reserved.add(int(id))
            raise


class TruncatesFloatIdsAdapter(ReferenceAdapter):
    """A float id is accepted and truncated (180.5 registers codec 180), as a C conversion would."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        if isinstance(id, float):
            id = int(id)  # noqa: A001
        return super().register_codec(codec_name, id, encoder, decoder, version)


class VagueIdErrorsAdapter(ReferenceAdapter):
    """Id rejections say only that something was wrong, naming neither the id nor the range."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        try:
            return super().register_codec(codec_name, id, encoder, decoder, version)
        except ValueError as exc:
            if "codec id" in str(exc):
                raise ValueError("invalid codec id") from None
            raise
