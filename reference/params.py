"""Compression/decompression parameters mirroring python-blosc2 4.x (``CParams``, ``DParams``, enums).

Defaults are blosc2 4.x's, except ``nthreads``, which defaults to ``None``: left out, resolved by the
container (:func:`udcodec.reference.threads.resolve`: 1 for a Python codec, else the default thread
count). A ``CParams`` remembers which fields its caller gave (``given_fields``): ``open`` changes only
those, so ``open(path, cparams=CParams(nthreads=1))`` never replaces the stored codec.
One field is the reference's own: ``blosc2_target`` (last, so blosc2's positional order is kept).
Validation lives in :func:`validate_cparams` / :func:`validate_dparams`, so that building a dataclass
is cheap and every container entry point (creation, setters, ``open``) validates the same way.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any

from . import compat

MAX_FILTERS = 6
"""Number of filter slots in a Blosc2 pipeline."""
MAX_TYPESIZE = 255
"""Larger typesizes are treated as 1 by the block splitter (as in c-blosc2)."""
MAXBLOCKSIZE = 536866816
"""c-blosc2's BLOSC2_MAXBLOCKSIZE (also its maximum typesize)."""
MAX_BUFFERSIZE = 2**31 - 1 - 32
"""Largest chunk payload (BLOSC2_MAX_BUFFERSIZE)."""
USER_CODEC_MIN = 160
USER_CODEC_MAX = 255
BLOSC2_TARGETS = (2, 3, 4)
"""python-blosc2 major versions whose chunk bytes the reference can reproduce (see ``CParams.blosc2_target``)."""
DEFAULT_BLOSC2_TARGET = 4


class Codec(enum.IntEnum):
    """Codec ids (values as in blosc2 4.x)."""

    BLOSCLZ = 0
    LZ4 = 1
    LZ4HC = 2
    ZLIB = 4
    ZSTD = 5
    NDLZ = 32
    ZFP_ACC = 33
    ZFP_PREC = 34
    ZFP_RATE = 35
    OPENHTJ2K = 36
    GROK = 37
    OPENZL = 38
    J2K = 39
    HTJ2K = 40


class Filter(enum.IntEnum):
    """Filter ids (values as in blosc2 4.x)."""

    NOFILTER = 0
    SHUFFLE = 1
    BITSHUFFLE = 2
    DELTA = 3
    TRUNC_PREC = 4
    NDCELL = 32
    NDMEAN = 33
    BYTEDELTA = 35
    INT_TRUNC = 36


class SplitMode(enum.IntEnum):
    """Block split modes (values as in blosc2 4.x / c-blosc2)."""

    ALWAYS_SPLIT = 1
    NEVER_SPLIT = 2
    AUTO_SPLIT = 3
    FORWARD_COMPAT_SPLIT = 4


class Tuner(enum.IntEnum):
    """Tuner ids (only STUNE's automatic blocksize is implemented)."""

    STUNE = 0
    BTUNE = 32


def _default_filters() -> list[int]:
    return [int(Filter.NOFILTER)] * (MAX_FILTERS - 1) + [int(Filter.SHUFFLE)]


def _default_filters_meta() -> list[int]:
    return [0] * MAX_FILTERS


@dataclass
class CParams:
    """Compression parameters (field names, order and defaults as blosc2 4.x; ``nthreads=None``: left out)."""

    codec: Codec | int = Codec.ZSTD
    codec_meta: int = 0
    clevel: int = 5
    use_dict: bool = False
    typesize: int = 8
    nthreads: int | None = None
    blocksize: int = 0
    splitmode: SplitMode = SplitMode.AUTO_SPLIT
    filters: list[Filter | int] = field(default_factory=_default_filters)
    filters_meta: list[int] = field(default_factory=_default_filters_meta)
    tuner: Tuner = Tuner.STUNE
    blosc2_target: int = DEFAULT_BLOSC2_TARGET
    """Reference only: the python-blosc2 major version (2, 3 or 4) whose chunk bytes to reproduce.

    4 (blosc2 4.x, c-blosc2 3.x) is the default.  2 and 3 (c-blosc2 2.x) write identical chunks and
    differ from 4 in: SHUFFLE ignores ``filters_meta`` (4.x shuffles in groups of that many bytes);
    DELTA in the first block references the raw block, not its filtered input (4.x), so DELTA after
    another filter does not round-trip there; the header records the effective blocksize (4.x records
    the requested one, capped at nbytes, even when it was rounded down to a multiple of the typesize);
    a chunk whose header and block starts do not fit is memcpyed after a failed compression, keeping
    the filter/split/codec flags (4.x memcpys up front, flags 0x07).  Decoding follows the same target
    (only SHUFFLE with non-zero ``filters_meta`` decodes differently).  Not stored in frames.
    """

    def __post_init__(self) -> None:
        self.filters, self.filters_meta = pad_pipeline(self.filters, self.filters_meta)


@dataclass
class DParams:
    """Decompression parameters (blosc2 4.x shape; ``nthreads=None``: left out)."""

    nthreads: int | None = None


def _remember_given(cls: type) -> None:
    """Make ``cls(...)`` record the names of the fields its caller gave (``given_fields``)."""
    names = [f.name for f in dataclasses.fields(cls)]
    init = cls.__init__  # type: ignore[misc]

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        object.__setattr__(self, "given_fields", frozenset(names[:len(args)]) | frozenset(kwargs))

    cls.__init__ = __init__  # type: ignore[misc]


_remember_given(CParams)
_remember_given(DParams)


def given_of(value: Any) -> dict[str, Any]:
    """The fields of a CParams/DParams its caller gave, by name."""
    return {name: getattr(value, name) for name in sorted(getattr(value, "given_fields", ()))}


def pad_pipeline(filters: Any, filters_meta: Any) -> tuple[Any, Any]:
    """Fill the filter slots as python-blosc2 4.x does: ``filters`` take the *first* slots.

    More than six filters, or fewer ``filters_meta`` than ``filters``, raise ValueError; extra
    ``filters_meta`` are dropped; the rest is padded with NOFILTER / 0.  Anything but a list or
    tuple is returned unchanged (validation names it).
    """
    if not isinstance(filters, (list, tuple)) or not isinstance(filters_meta, (list, tuple)):
        return filters, filters_meta
    if len(filters) > MAX_FILTERS:
        raise ValueError(f"filters must be a list of at most {MAX_FILTERS} filter ids, got {list(filters)!r}")
    if len(filters_meta) < len(filters):
        raise ValueError(f"filters_meta needs one value per filter: {len(filters)} filters, "
                         f"{len(filters_meta)} filters_meta ({list(filters_meta)!r})")
    pad = MAX_FILTERS - len(filters)
    return list(filters) + [Filter.NOFILTER] * pad, list(filters_meta[:len(filters)]) + [0] * pad


def _is_int(value: Any) -> bool:
    """True for Python/NumPy integers, False for bools (bool is not accepted as an integer)."""
    import numpy as np

    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def as_int(name: str, value: Any) -> int:
    """``value`` as an int; a float is truncated as python-blosc2 does, unless :func:`compat.strict`."""
    import numpy as np

    if _is_int(value):
        return int(value)
    if isinstance(value, (float, np.floating)) and not compat.is_strict():
        if not np.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
        return int(value)
    raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")


def _check_int(name: str, value: Any, lo: int, hi: int | None) -> int:
    ivalue = as_int(name, value)
    if ivalue < lo or (hi is not None and ivalue > hi):
        bound = f"between {lo} and {hi}" if hi is not None else f">= {lo}"
        raise ValueError(f"{name} must be {bound}, got {ivalue}")
    return ivalue


def _enum_or_int(enum_cls: type[enum.IntEnum], value: int) -> int:
    try:
        return enum_cls(value)
    except ValueError:
        return value


def validate_cparams(cp: CParams) -> CParams:
    """Return a normalised copy of ``cp``; raise TypeError/ValueError naming any bad field."""
    if not isinstance(cp, CParams):
        raise TypeError(f"cparams must be a CParams or dict, got {type(cp).__name__}")
    codec = _check_int("codec", cp.codec, 0, 255)
    codec_meta = _check_int("codec_meta", cp.codec_meta, 0, 255)
    clevel = _check_int("clevel", cp.clevel, 0, 9)
    if not isinstance(cp.use_dict, (bool, int)):
        raise TypeError(f"use_dict must be a bool, got {cp.use_dict!r}")
    typesize = _check_int("typesize", cp.typesize, 1, MAXBLOCKSIZE)
    nthreads = None if cp.nthreads is None else _check_int("nthreads", cp.nthreads, 1, None)
    blocksize = _check_int("blocksize", cp.blocksize, 0, MAXBLOCKSIZE)
    splitmode_i = _check_int("splitmode", cp.splitmode, 1, 4)
    filters_in, fmeta_in = pad_pipeline(cp.filters, cp.filters_meta)  # fields may have been set after creation
    if not isinstance(filters_in, (list, tuple)) or len(filters_in) != MAX_FILTERS:
        raise ValueError(f"filters must be a list of at most {MAX_FILTERS} filter ids, got {cp.filters!r}")
    if not isinstance(fmeta_in, (list, tuple)) or len(fmeta_in) != MAX_FILTERS:
        raise ValueError(f"filters_meta must be a list of at most {MAX_FILTERS} ints, got {cp.filters_meta!r}")
    filters = [_enum_or_int(Filter, _check_int(f"filters[{i}]", f, 0, 255)) for i, f in enumerate(filters_in)]
    # python-blosc2 takes filters_meta as int8 (TRUNC_PREC reads it signed): -1 and 255 are the same byte
    fmeta = [_check_int(f"filters_meta[{i}]", m, -128, 255) & 0xFF for i, m in enumerate(fmeta_in)]
    tuner = _check_int("tuner", cp.tuner, 0, 255)
    target = _check_int("blosc2_target", cp.blosc2_target, min(BLOSC2_TARGETS), max(BLOSC2_TARGETS))
    return CParams(
        codec=_enum_or_int(Codec, codec),
        codec_meta=codec_meta,
        clevel=clevel,
        use_dict=bool(cp.use_dict),
        typesize=typesize,
        nthreads=nthreads,
        blocksize=blocksize,
        splitmode=SplitMode(splitmode_i),
        filters=filters,
        filters_meta=fmeta,
        tuner=Tuner(_enum_or_int(Tuner, tuner)),
        blosc2_target=target,
    )


def validate_dparams(dp: DParams) -> DParams:
    """Return a normalised copy of ``dp``."""
    if not isinstance(dp, DParams):
        raise TypeError(f"dparams must be a DParams or dict, got {type(dp).__name__}")
    return DParams(nthreads=None if dp.nthreads is None else _check_int("nthreads", dp.nthreads, 1, None))


def _from_mapping(cls: type, base: Any, mapping: dict[str, Any], ignore_unknown: bool = False) -> Any:
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(mapping) - names)
    if unknown and (not ignore_unknown or compat.is_strict()):
        raise TypeError(f"unknown {cls.__name__} field(s): {', '.join(unknown)} (known: {', '.join(sorted(names))})")
    mapping = {k: v for k, v in mapping.items() if k in names}
    return dataclasses.replace(base, **mapping) if base is not None else cls(**mapping)


def as_cparams(value: CParams | dict[str, Any] | None, base: CParams | None = None,
               ignore_unknown: bool = False, *, given_only: bool = False) -> CParams:
    """Turn ``value`` into a validated CParams: None -> ``base`` or defaults; dict -> update of ``base``;
    a CParams replaces ``base``, or with ``given_only`` (``open``) updates it with the fields its caller gave.

    ``ignore_unknown``: a dict's keys that name no field are dropped (as python-blosc2 does when it
    creates an SChunk) instead of raising TypeError, unless :func:`compat.strict`.
    """
    if value is None:
        cp = base if base is not None else CParams()
    elif isinstance(value, CParams) and base is not None and given_only:
        cp = _from_mapping(CParams, base, given_of(value))
    elif isinstance(value, CParams):
        cp = value
    elif isinstance(value, dict):
        cp = _from_mapping(CParams, base, value, ignore_unknown)
    else:
        raise TypeError(f"cparams must be a CParams, dict or None, got {type(value).__name__}")
    return validate_cparams(cp)


def as_dparams(value: DParams | dict[str, Any] | None, base: DParams | None = None,
               ignore_unknown: bool = False, *, given_only: bool = False) -> DParams:
    """Turn ``value`` into a validated DParams (dict -> update of ``base``; ``ignore_unknown`` and ``given_only``
    as for CParams)."""
    if value is None:
        dp = base if base is not None else DParams()
    elif isinstance(value, DParams) and base is not None and given_only:
        dp = _from_mapping(DParams, base, given_of(value))
    elif isinstance(value, DParams):
        dp = value
    elif isinstance(value, dict):
        dp = _from_mapping(DParams, base, value, ignore_unknown)
    else:
        raise TypeError(f"dparams must be a DParams, dict or None, got {type(value).__name__}")
    return validate_dparams(dp)
