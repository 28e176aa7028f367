"""A codec's declared data domain: what input it accepts, and how exactly it gives it back.

A codec (Python or plugin) declares it in a small YAML file validated by ``schemas/domain.schema.json``
and passed to ``udcodec check-codec --domain PATH``. Clauses that would drive the codec outside it
report ``n/a`` with the reason; CODEC-OUTSIDE-DOMAIN checks that input outside it fails clearly.
Domain files for published plugins ship in ``udcodec/domains/`` (``--domain openzl`` names one).
A user filter declares the typesizes it works under the same way (``udcodec check-filter --domain PATH``,
``schemas/filter-domain.schema.json``): :class:`FilterDomain`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

#: Container kinds a domain may name: CODEC-ROUNDTRIP drives both (NDArrays through ``Adapter.nd_create``);
#: the other codec clauses drive ``schunk`` only.
CONTAINERS = ("schunk", "ndarray")
DRIVEN_CONTAINER = "schunk"


class DomainError(ValueError):
    """A domain file is missing or malformed; the message names the file and the field."""


@dataclass(frozen=True)
class Tolerance:
    """How far a lossy codec's output may be from its input (every given bound must hold)."""

    max_abs_error: float | None = None
    psnr: float | None = None  # dB, at least
    bits: int | None = None  # the low bits of each item that may differ

    def problem(self, got: bytes, want: bytes, dtype: str) -> str | None:
        """Why ``got`` is not within tolerance of ``want`` read as ``dtype``, or None."""
        if len(got) != len(want):
            return f"{len(got)} bytes came back for {len(want)}"
        kind = np.dtype(dtype)
        if kind.kind not in "iuf" or not want:
            return None if got == want else "the bytes differ and the dtype has no numeric error"
        a = np.frombuffer(got, dtype=kind).astype(np.float64)
        b = np.frombuffer(want, dtype=kind).astype(np.float64)
        err = np.abs(a - b)
        worst = float(np.nanmax(err)) if err.size else 0.0
        if self.max_abs_error is not None and worst > self.max_abs_error:
            return f"max abs error {worst:g} > {self.max_abs_error:g}"
        if self.bits is not None and worst >= 2 ** self.bits:
            return f"max abs error {worst:g} reaches past the low {self.bits} bits"
        if self.psnr is not None and worst > 0:
            peak = float(np.iinfo(kind).max) if kind.kind in "iu" else float(np.nanmax(np.abs(b)) or 1.0)
            psnr = 10 * math.log10(peak ** 2 / float(np.mean(err ** 2)))
            if psnr < self.psnr:
                return f"PSNR {psnr:.1f} dB < {self.psnr:g} dB"
        return None


@dataclass(frozen=True)
class Domain:
    """The input a codec accepts; ``None`` for a field means "anything the harness drives"."""

    source: str  # the file, or the name of a shipped domain
    codec: str | None = None
    containers: tuple[str, ...] = CONTAINERS
    shape: dict[str, Any] = field(default_factory=dict)
    dtypes: tuple[str, ...] | None = None
    typesizes: tuple[int, ...] | None = None
    filters: tuple[tuple[str, ...], ...] | None = None
    splitmodes: tuple[str, ...] | None = None
    metas: tuple[int, ...] | None = None
    generators: tuple[str, ...] | None = None
    tolerance: Tolerance | None = None  # None: lossless
    max_threads: int | None = None  # the most threads a plugin may be run on (None: any)
    notes: str = ""

    @property
    def lossless(self) -> bool:
        return self.tolerance is None

    @property
    def drivable(self) -> bool:
        """Whether the SChunk clauses can drive the codec inside the domain (an SChunk container)."""
        return DRIVEN_CONTAINER in self.containers

    def accepts_dtype(self, dtype: str) -> bool:
        kind = np.dtype(dtype)
        if self.dtypes is not None and kind not in {np.dtype(d) for d in self.dtypes}:
            return False
        return self.typesizes is None or kind.itemsize in self.typesizes

    def keep(self, axis: str, values: Sequence[Any]) -> list[Any]:
        """The ``values`` of ``axis`` (dtypes, filters, splitmodes, metas, contents) inside the domain."""
        if axis == "dtypes":
            return [v for v in values if self.accepts_dtype(v)]
        allowed: Any = {"filters": self.filters, "splitmodes": self.splitmodes, "metas": self.metas,
                        "contents": self.generators}[axis]
        if allowed is None:
            return list(values)
        if axis == "filters":
            return [v for v in values if tuple(v) in allowed]
        return [v for v in values if v in allowed]

    def describe(self, axis: str) -> str:
        """The domain's bound on ``axis``, for messages."""
        if axis == "dtypes":
            parts = ([f"dtypes {', '.join(self.dtypes)}"] if self.dtypes is not None else []) + (
                [f"typesizes {', '.join(map(str, self.typesizes))}"] if self.typesizes is not None else [])
            return " and ".join(parts) or "any dtype"
        if axis == "filters":
            return "filter pipelines " + ", ".join("+".join(f) for f in self.filters) if self.filters else "any filters"
        value: tuple[Any, ...] | None = {"splitmodes": self.splitmodes, "metas": self.metas,
                                          "contents": self.generators}[axis]
        return f"{axis} {', '.join(map(str, value))}" if value is not None else f"any {axis}"

    def not_drivable_reason(self) -> str:
        return (f"the codec's domain ({self.source}) accepts only {', '.join(self.containers)} containers "
                f"({self._shape_text()}); this clause drives SChunk containers only (CODEC-ROUNDTRIP drives NDArrays)")

    def _shape_text(self) -> str:
        return ", ".join(f"{k}: {v}" for k, v in self.shape.items()) or "any shape"


@dataclass(frozen=True)
class FilterDomain:
    """The containers a user filter works in: those of these typesizes, holding whole items (as typed data does)."""

    source: str  # the file
    filter: str
    typesizes: tuple[int, ...]
    notes: str = ""

    def whole_items(self, size: int) -> int | None:
        """The first declared typesize of which a block of ``size`` bytes holds whole items, or None."""
        return next((t for t in self.typesizes if size % t == 0), None)

    def describe(self) -> str:
        return f"typesizes {', '.join(map(str, self.typesizes))}, whole items ({self.source})"


def _schema(name: str = "domain") -> dict[str, Any]:
    text = resources.files("udcodec").joinpath(f"schemas/{name}.schema.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def shipped() -> dict[str, Path]:
    """The domain files shipped with the harness, by codec name."""
    folder = Path(str(resources.files("udcodec").joinpath("domains")))
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def _read(path: Path, where: str, schema: str, kind: str) -> Any:
    """The validated content of a domain file of ``kind`` ("codec" or "filter")."""
    from udcodec.contract import StrictValidator, safe_yaml

    try:
        data = safe_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        known = ", ".join(shipped()) or "none"
        raise DomainError(f"{where}: cannot read the domain file ({exc.strerror or exc}"
                          + (f"; shipped domains: {known})" if kind == "codec" else ")")) from None
    except yaml.YAMLError as exc:
        raise DomainError(f"{path}: not YAML: {str(exc).splitlines()[0]}") from None
    other = {"codec": "filter", "filter": "codec"}[kind]
    if isinstance(data, dict) and other in data and kind not in data:
        command = {"codec": "check-codec", "filter": "check-filter"}[other]
        raise DomainError(f"{path}: the domain of a {other} ({other}: {data[other]!r}); it is for udcodec {command}")
    problems = sorted(StrictValidator(_schema(schema)).iter_errors(data), key=lambda e: list(e.absolute_path))
    if problems:
        first = problems[0]
        where_in = ".".join(map(str, first.absolute_path)) or "(top level)"
        raise DomainError(f"{path}: {where_in}: {first.message}")
    return data


def load_filter_domain(where: str) -> FilterDomain:
    """Load a user filter's domain file; :class:`DomainError` names what is wrong."""
    data = _read(Path(where), where, "filter-domain", "filter")
    return FilterDomain(source=where, filter=str(data["filter"]), typesizes=tuple(data["typesizes"]),
                        notes=str(data.get("notes", "")))


def load_domain(where: str) -> Domain:
    """Load a domain file (a path, or the name of a shipped one); :class:`DomainError` names what is wrong."""
    path = Path(where)
    source = str(path)
    if not path.suffix and where in shipped():
        path, source = shipped()[where], where
    data = _read(path, where, "domain", "codec")
    for dtype in data.get("dtypes") or []:
        try:
            np.dtype(dtype)
        except TypeError:
            raise DomainError(f"{path}: dtypes: {dtype!r} is not a NumPy dtype") from None
    lossy = data.get("lossy")
    return Domain(
        source=source,
        codec=data.get("codec"),
        containers=tuple(data.get("containers", CONTAINERS)),
        shape=dict(data.get("shape") or {}),
        dtypes=_tuple(data.get("dtypes")),
        typesizes=_tuple(data.get("typesizes")),
        filters=tuple(tuple(f) for f in data["filters"]) if data.get("filters") is not None else None,
        splitmodes=_tuple(data.get("splitmodes")),
        metas=_tuple(data.get("metas")),
        generators=_tuple(data.get("generators")),
        tolerance=Tolerance(**lossy) if lossy else None,
        max_threads=data.get("max_threads"),
        notes=str(data.get("notes", "")),
    )


def _tuple(value: Any) -> tuple[Any, ...] | None:
    return None if value is None else tuple(value)
