"""The golden-vector manifest: its model, validating loader and writer."""

from __future__ import annotations

import importlib
import os
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any, Literal, cast

import jsonschema
import numpy as np
import yaml
from udcodec.adapters.protocol import Adapter, Callback, CParams
from udcodec.contract import (
    StrictValidator,
    bundled_schema,
    refuse_odd_yaml,
    yaml_lines,
    yaml_problem,
)

MANIFEST_NAME = "manifest.yaml"
FORMAT_VERSION = 1
Kind = Literal["chunk", "frame", "sframe", "ndarray"]
Special = Literal["zero", "nan", "uninit", "value"]
LIBRARY = "python-blosc2"

#: How releases read a chunk whose SHUFFLE has a nonzero filters_meta; no header field records which one wrote
#: it. The python-blosc2 releases are measured (``udcodec history --only INTEROP-GOLDEN``), see :func:`reading_of`.
READINGS = {
    "shuffle-meta-repeats": "SHUFFLE undone filters_meta + 1 times (c-blosc2 ran it in a loop, undocumented, up to "
                            "2.13): python-blosc2 2.0.0 - 2.2.4",
    "shuffle-meta-ignored": "SHUFFLE as if filters_meta were 0 (c-blosc2's blosc2.h says so from 2.14): "
                            "python-blosc2 2.2.5 - 4.0.0",
    "shuffle-meta-groups": "SHUFFLE moves bytes in groups of filters_meta bytes (c-blosc2 3.x): python-blosc2 4.1.0 on",
}

#: libyaml's loader when PyYAML has it (ten times faster), else the pure-Python one.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: The manifest's structure; :func:`load_manifest` checks the rules across fields.
SCHEMA = bundled_schema("golden-manifest.schema.json")
_VALIDATOR = StrictValidator(SCHEMA)


class GoldenError(Exception):
    """A malformed manifest or vector directory: the message names file, line, entry and field."""

    def __init__(self, file: str, line: int | None, entry: str, field: str, problem: str) -> None:
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {entry}: {field}: {problem}")
        self.file, self.line, self.entry, self.field, self.problem = file, line, entry, field, problem


class GoldenMismatch(Exception):
    """A vector's file or recipe does not match its manifest entry (the manifest itself is well formed)."""

    def __init__(self, entry: str, field: str, problem: str) -> None:
        super().__init__(f"{entry}: {field}: {problem}")
        self.entry, self.field, self.problem = entry, field, problem

# ---- the manifest model -------------------------------------------------------------------------

@dataclass(frozen=True)
class VectorParams:
    """Neutral compression parameters a vector was written with (``chunksize``/``nchunks``: frames)."""

    codec: int
    codec_meta: int
    clevel: int
    typesize: int
    blocksize: int  # 0: automatic
    splitmode: str  # a key of protocol.SPLITMODE_IDS
    filters: tuple[str, ...]  # keys of protocol.FILTER_IDS, pipeline order
    filters_meta: tuple[int, ...]  # () or one per filter
    chunksize: int | None = None
    nchunks: int | None = None

    def cparams(self) -> CParams:
        """The adapter protocol's :class:`CParams` (``nthreads=1``)."""
        return CParams(codec=self.codec, codec_meta=self.codec_meta, clevel=self.clevel,
                       typesize=self.typesize, nthreads=1, blocksize=self.blocksize,
                       splitmode=self.splitmode, filters=self.filters, filters_meta=self.filters_meta)

    @property
    def several_meanings(self) -> bool:
        """Whether c-blosc2 releases read chunks of these params in several ways (:data:`READINGS`)."""
        return any(f == "shuffle" and m for f, m in zip(self.filters, self.filters_meta, strict=False))


@dataclass(frozen=True)
class NDGeometry:
    """What an ``ndarray`` vector holds: an array of ``shape`` and ``dtype`` in chunks of ``chunks`` and blocks of ``blocks``."""

    shape: tuple[int, ...]
    chunks: tuple[int, ...]
    blocks: tuple[int, ...]
    dtype: str  # a NumPy dtype string, e.g. "<f8"

    @property
    def itemsize(self) -> int:
        return int(self.dtype[2:])  # the schema holds dtype to byte order, kind, size


@dataclass(frozen=True)
class CodecSpec:
    """How to register the vector's user codec: ``register_codec(name, id, encoder, decoder, version)``."""

    name: str
    id: int
    version: int
    encoder: str  # "module:attribute", module inside the udcodec package
    decoder: str

    def load(self) -> tuple[Callback, Callback]:
        """Import and return ``(encoder, decoder)``."""
        return _resolve(self.encoder), _resolve(self.decoder)

    def register(self, adapter: Adapter) -> None:
        """Register the codec with ``adapter`` unless this very codec already holds its id.

        Raises ``ValueError`` if the id is taken by another codec (another name or callbacks).
        """
        encoder, decoder = self.load()
        held = adapter.registry().get(self.id)
        if held is None:
            adapter.register_codec(self.name, self.id, encoder, decoder, self.version)
            return
        found = tuple(held)[:3] if isinstance(held, tuple) else (getattr(held, "name", None),)
        if found[0] != self.name or (len(found) == 3 and (found[1], found[2]) != (encoder, decoder)):
            raise ValueError(f"codec id {self.id} is already registered to another codec ({found[0]!r})")


@dataclass(frozen=True)
class FilterSpec:
    """How to register one of the vector's user filters: ``register_filter(id, forward, backward)``."""

    id: int
    forward: str  # "module:attribute", module inside the udcodec package
    backward: str

    def load(self) -> tuple[Callback, Callback]:
        """Import and return ``(forward, backward)``."""
        return _resolve(self.forward), _resolve(self.backward)

    def register(self, adapter: Adapter) -> None:
        """Register the filter with ``adapter``, once per adapter: registering a taken id again is
        FILTER-DUPLICATE's to judge (c-blosc2 3.x crashes on it), not the decoding's. An id the same library
        already holds is kept (decoding shows whether it is this filter)."""
        done = _FILTERS_REGISTERED.setdefault(adapter, set())
        if self in done:
            return
        try:
            adapter.register_filter(self.id, *self.load())
        except ValueError as exc:
            if "already" not in str(exc) and "in use" not in str(exc):
                raise
        done.add(self)


#: The user filters :meth:`FilterSpec.register` registered with each adapter.
_FILTERS_REGISTERED: weakref.WeakKeyDictionary[Any, set[FilterSpec]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Content:
    """What a vector decodes to: ``RECIPES[recipe](nbytes, chunksize)``, whose sha256 is given."""

    recipe: str
    nbytes: int
    sha256: str


@dataclass(frozen=True)
class Reading:
    """What a vector of :attr:`VectorParams.several_meanings` decodes to under one of :data:`READINGS`."""

    name: str  # a key of READINGS
    sha256: str


def reading_of(version: str) -> str:
    """The :data:`READINGS` key of python-blosc2 ``version``, as measured with a filters_meta of 2."""
    release = tuple(int(p) if p.isdigit() else 0 for p in version.split(".")[:3])
    if release >= (4, 1):
        return "shuffle-meta-groups"
    return "shuffle-meta-ignored" if release >= (2, 2, 5) else "shuffle-meta-repeats"


@dataclass(frozen=True)
class Entry:
    """One golden vector."""

    name: str
    kind: Kind
    file: str  # relative POSIX path inside the golden directory (a directory for "sframe")
    sha256: str  # of the file bytes, or tree_sha256 of the directory
    library: str
    library_version: str
    params: VectorParams
    codec: CodecSpec
    content: Content
    ufilters: tuple[FilterSpec, ...] = ()
    ndarray: NDGeometry | None = None  # kind "ndarray" only
    #: every chunk a special chunk of this kind (SChunk.fill_special): zero, nan, uninit or value
    special: Special | None = None
    #: what the other :data:`READINGS` give, when ``params.several_meanings`` (content is the writer's)
    other_readings: tuple[Reading, ...] = ()

    def path(self, directory: Path | str | None = None) -> Path:
        """The vector's file (or directory) inside ``directory`` (default: the bundled one)."""
        return (Path(directory) if directory is not None else default_golden_dir()) / self.file

    @property
    def library_major(self) -> int:
        """The major version of the library that wrote the vector (4 for ``4.14.1``)."""
        return int(self.library_version.split(".")[0])

    @property
    def readings(self) -> dict[str, str]:
        """The sha256 of what the vector decodes to under each :data:`READINGS` key, its writer's (content) and the
        others, for params of several meanings; empty for the others."""
        if not self.other_readings:
            return {}
        return {reading_of(self.library_version): self.content.sha256} | {r.name: r.sha256 for r in self.other_readings}

    @property
    def chunksize(self) -> int:
        """The container chunksize: the entry's for frames, the content size for a chunk."""
        return self.params.chunksize if self.params.chunksize is not None else self.content.nbytes


@dataclass(frozen=True)
class Manifest:
    """The validated manifest of a golden directory."""

    directory: Path
    format: int
    entries: tuple[Entry, ...] = field(default_factory=tuple)

    @property
    def file(self) -> Path:
        return self.directory / MANIFEST_NAME

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, name: str) -> Entry:
        """The entry called ``name`` (KeyError if none)."""
        for entry in self.entries:
            if entry.name == name:
                return entry
        raise KeyError(name)

    def of_kind(self, *kinds: Kind) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.kind in kinds)


def default_golden_dir() -> Path:
    """The bundled ``spec/golden`` directory (works from a source tree and an installed wheel)."""
    return Path(str(resources.files("udcodec.spec"))) / "golden"


def _resolve(target: str) -> Callback:
    module_name, _, attr = target.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        raise TypeError(f"{target} is not callable")
    fn: Callback = obj
    return fn


# ---- loading and validation ---------------------------------------------------------------------

_Path = tuple[str | int, ...]


def _dotted(path: _Path) -> str:
    """``("params", "filters", 1)`` -> ``params.filters[1]``."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".") or "<entry>"


_KINDS_OF_VALUE = {"integer": "an integer", "number": "a number", "string": "a string", "object": "a mapping",
                   "array": "a list", "boolean": "a boolean", "null": "empty"}


def _schema_problem(err: jsonschema.ValidationError) -> tuple[_Path, str]:
    """A schema violation as (path in the document, problem) in the manifest's own words."""
    path: _Path = tuple(err.absolute_path)
    value: Any = err.instance
    expected: Any = err.validator_value
    schema, rule = err.schema if isinstance(err.schema, dict) else {}, err.validator
    if rule == "required":
        missing = sorted(set(expected) - set(value))
        return (*path, missing[0]), "missing"
    if rule == "additionalProperties":
        extra = sorted(set(value) - set(schema.get("properties", {})), key=str)
        return (*path, str(extra[0])), f"unknown field (known: {', '.join(sorted(schema.get('properties', {})))})"
    if rule == "not":
        return path, f"unknown field ({schema.get('description', 'not allowed here')})"
    if rule == "type":
        kinds = [expected] if isinstance(expected, str) else list(expected)
        wanted = " or ".join(_KINDS_OF_VALUE.get(k, k) for k in kinds if k != "null")
        quote = " (quote it)" if "string" in kinds and isinstance(value, int | float) and not isinstance(value, bool) else ""
        got = repr(value) if not isinstance(value, dict | list) else type(value).__name__
        return path, f"must be {wanted}{quote}, got {got}"
    if rule in ("minimum", "maximum"):
        return path, f"{value} is out of range {schema.get('minimum', '')}..{schema.get('maximum', '')}"
    if rule == "enum":
        return path, f"{value!r} is not one of {', '.join(map(str, expected))}"
    if rule == "const":
        return path, f"must be {expected!r}, got {value!r}"
    if rule == "pattern":
        return path, f"{value!r} is not {schema.get('description', 'matching ' + str(expected))}"
    if rule == "minLength":
        return path, f"must be a non-empty string, got {value!r}"
    if rule in ("minItems", "maxItems"):
        return path, (f"must hold {schema.get('minItems', 0)}..{schema.get('maxItems', '')} "
                      f"{schema.get('description', 'items')}, got {len(value)}")
    return path, err.message


class Checker:
    """Raises GoldenError for one manifest entry: the rules across fields that the schema cannot say."""

    def __init__(self, file: str, lines: dict[tuple[Any, ...], int], index: int, raw: Any) -> None:
        self.file, self.lines, self.index = file, lines, index
        name = raw.get("name") if isinstance(raw, dict) else None
        self.label = name if isinstance(name, str) and name else f"vectors[{index}]"

    def fail(self, path: _Path, problem: str) -> GoldenError:
        line = None
        for n in range(len(path), -1, -1):
            line = self.lines.get(("vectors", self.index, *path[:n]))
            if line:
                break
        return GoldenError(self.file, line, self.label, _dotted(path), problem)


def first_violation(name: str, data: Any, lines: dict[tuple[Any, ...], int],
                    validator: jsonschema.protocols.Validator = _VALIDATOR) -> GoldenError | None:
    """The schema violation that comes first in the file, as the GoldenError naming it."""
    found = []
    for err in validator.iter_errors(data):
        path, problem = _schema_problem(err)
        line = next((lines[path[:n]] for n in range(len(path), -1, -1) if path[:n] in lines), 0)
        found.append((line, -len(path), path, problem))
    if not found:
        return None
    line, _, path, problem = min(found, key=lambda f: (f[0], f[1]))
    if len(path) >= 2 and path[0] == "vectors" and isinstance(path[1], int):
        return Checker(name, lines, path[1], data["vectors"][path[1]]).fail(path[2:], problem)
    return GoldenError(name, line or None, "<manifest>", _dotted(path) if path else "<document>", problem)


def _entry(check: Checker, m: dict[str, Any]) -> Entry:
    """An entry the schema accepted, held to the rules across its fields."""
    file = m["file"]
    posix = PurePosixPath(file)
    if posix.is_absolute() or ".." in posix.parts or "\\" in file or str(posix) != file or file == MANIFEST_NAME:
        raise check.fail(("file",), f"{file!r} must be a normalized relative POSIX path inside the golden directory")
    p, c, d = m["params"], m["codec"], m["content"]
    if p["filters_meta"] and len(p["filters_meta"]) != len(p["filters"]):
        raise check.fail(("params", "filters_meta"), f"must be empty or hold one meta per filter ({len(p['filters'])})")
    frame = m["kind"] in ("frame", "sframe")
    params = VectorParams(codec=p["codec"], codec_meta=p["codec_meta"], clevel=p["clevel"], typesize=p["typesize"],
                          blocksize=p["blocksize"], splitmode=p["splitmode"], filters=tuple(p["filters"]),
                          filters_meta=tuple(p["filters_meta"]), chunksize=p["chunksize"] if frame else None,
                          nchunks=p["nchunks"] if frame else None)
    codec = CodecSpec(name=c["name"], id=c["id"], version=c["version"], encoder=c["encoder"], decoder=c["decoder"])
    if codec.id != params.codec:
        raise check.fail(("codec", "id"), f"{codec.id} differs from params.codec {params.codec}")
    for part in ("encoder", "decoder"):
        try:
            _resolve(getattr(codec, part))
        except Exception as exc:  # noqa: BLE001 - any import problem is the manifest's
            raise check.fail(("codec", part), f"cannot be imported: {type(exc).__name__}: {exc}") from exc
    ufilters = tuple(FilterSpec(f["id"], f["forward"], f["backward"]) for f in m.get("ufilters", ()))
    listed = {str(f.id) for f in ufilters}
    for i, name in enumerate(params.filters):
        if name.isdigit() and name not in listed:
            raise check.fail(("params", "filters", i), f"user filter {name} is not listed in ufilters")
    for i, f in enumerate(ufilters):
        for part in ("forward", "backward"):
            try:
                _resolve(getattr(f, part))
            except Exception as exc:  # noqa: BLE001 - any import problem is the manifest's
                raise check.fail(("ufilters", i, part), f"cannot be imported: {type(exc).__name__}: {exc}") from exc
    content = Content(recipe=d["recipe"], nbytes=d["nbytes"], sha256=d["sha256"])
    if params.chunksize is not None and params.nchunks is not None:
        need = -(-content.nbytes // params.chunksize)
        if need != params.nchunks:
            raise check.fail(("params", "nchunks"), f"{params.nchunks}, but content.nbytes {content.nbytes} "
                                                    f"in chunks of {params.chunksize} makes {need}")
    geometry = _geometry(check, m, params, content)
    special = m.get("special")
    if special is not None and m["kind"] == "sframe":
        raise check.fail(("special",), "no sparse frame vector holds special chunks")
    others = _other_readings(check, m, params)
    return Entry(name=m["name"], kind=cast(Kind, m["kind"]), file=file, sha256=m["sha256"], library=m["library"],
                 library_version=m["library_version"], params=params, codec=codec, content=content, ufilters=ufilters,
                 ndarray=geometry, special=special, other_readings=others)


def _other_readings(check: Checker, m: dict[str, Any], params: VectorParams) -> tuple[Reading, ...]:
    """The entry's ``other_readings``: given exactly for params of several meanings, one for every reading of
    :data:`READINGS` but the writer's."""
    raw = m.get("other_readings")
    if (raw is not None) != params.several_meanings:
        raise check.fail(("other_readings",), "given exactly when SHUFFLE has a nonzero filters_meta (c-blosc2 "
                                              "releases read such a chunk in several ways)")
    if raw is None:
        return ()
    want = [n for n in READINGS if n != reading_of(m["library_version"])]
    names = [r["name"] for r in raw]
    if names != want:
        raise check.fail(("other_readings",), f"must name {', '.join(want)} in this order (every reading but that of "
                                              f"the writer, python-blosc2 {m['library_version']}), got {', '.join(names)}")
    return tuple(Reading(r["name"], r["sha256"]) for r in raw)


def _geometry(check: Checker, m: dict[str, Any], params: VectorParams, content: Content) -> NDGeometry | None:
    """An ``ndarray`` vector's geometry, held to its params and content (and given for that kind only)."""
    raw = m.get("ndarray")
    if (raw is None) != (m["kind"] != "ndarray"):
        raise check.fail(("ndarray",), "given for every ndarray vector and for no other kind")
    if raw is None:
        return None
    g = NDGeometry(tuple(raw["shape"]), tuple(raw["chunks"]), tuple(raw["blocks"]), raw["dtype"])
    try:
        np.dtype(g.dtype)
    except TypeError:
        raise check.fail(("ndarray", "dtype"), f"{g.dtype!r} is no NumPy dtype") from None
    if not len(g.shape) == len(g.chunks) == len(g.blocks):
        raise check.fail(("ndarray",), "shape, chunks and blocks must have as many dimensions")
    if any(not 0 < b <= c for c, b in zip(g.chunks, g.blocks, strict=True)):
        raise check.fail(("ndarray", "blocks"), f"{list(g.blocks)} must be positive and fit in chunks {list(g.chunks)}")
    nitems = 1
    for n in g.shape:
        nitems *= n
    block = g.itemsize
    for n in g.blocks:
        block *= n
    if (params.typesize, params.blocksize, content.nbytes) != (g.itemsize, block, nitems * g.itemsize):
        raise check.fail(("ndarray",), f"typesize {params.typesize}, blocksize {params.blocksize} and content.nbytes "
                                       f"{content.nbytes} must be the item size {g.itemsize}, prod(blocks) * itemsize "
                                       f"{block} and prod(shape) * itemsize {nitems * g.itemsize}")
    return g


def read_yaml(path: Path) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """The data of the manifest at ``path`` and the line of each of its paths; GoldenError if unreadable."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldenError(name, None, "<manifest>", "<file>", f"cannot be read: {exc}") from exc
    try:
        node = yaml.compose(text, Loader=_LOADER)
        refuse_odd_yaml(node)
        data = yaml.SafeLoader("").construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        line, problem = yaml_problem(exc)
        raise GoldenError(name, line, "<manifest>", "<yaml>", problem) from exc
    except ValueError as exc:  # a scalar that resolves but cannot build
        raise GoldenError(name, None, "<manifest>", "<yaml>", " ".join(str(exc).split())) from exc
    return data, (dict(yaml_lines(node)) if node is not None else {})


def load_manifest(directory: Path | str | None = None) -> Manifest:
    """Load and validate ``directory/manifest.yaml`` (default: the bundled ``spec/golden``).

    The structure is checked against ``udcodec/schemas/golden-manifest.schema.json``, then the rules
    across fields, before anything is returned; the first problem raises :class:`GoldenError` naming
    the file, line, entry and field. Vector files are not read (see :func:`verify_file`).
    """
    directory = Path(directory) if directory is not None else default_golden_dir()
    name = str(directory / MANIFEST_NAME)
    data, lines = read_yaml(directory / MANIFEST_NAME)
    violation = first_violation(name, data, lines)
    if violation is not None:
        raise violation
    entries: list[Entry] = []
    names: dict[str, int] = {}
    files: dict[str, str] = {}
    for i, raw in enumerate(cast(dict[str, Any], data).get("vectors") or []):
        check = Checker(name, lines, i, raw)
        entry = _entry(check, raw)
        if entry.name in names:
            raise check.fail(("name",), f"duplicate name (first at vectors[{names[entry.name]}])")
        for other, owner in files.items():
            if entry.file == other or other.startswith(entry.file + "/") or entry.file.startswith(other + "/"):
                raise check.fail(("file",), f"{entry.file!r} overlaps the file {other!r} of {owner}")
        names[entry.name] = i
        files[entry.file] = entry.name
        entries.append(entry)
    return Manifest(directory=directory, format=FORMAT_VERSION, entries=tuple(entries))


class _Dumper(yaml.SafeDumper):
    """Block style, except lists of scalars in flow style (``filters: [shuffle]``)."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(not isinstance(x, (list, dict)) for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _represent_list)

_HEADER = """\
# Golden vectors: chunks and frames written by python-blosc2 with known user codecs.
# Generated by `udcodec golden generate` (udcodec.golden); do not edit by hand.
# sha256: of the file bytes; for an sframe (a directory), udcodec.golden.tree_sha256.
# content: the decoded bytes are udcodec.golden.RECIPES[recipe](nbytes, chunksize).
# other_readings: for a vector c-blosc2 releases read in several ways (udcodec.golden.READINGS), what
# each reading but its writer's decodes it to.
"""


def entry_to_dict(entry: Entry) -> dict[str, Any]:
    """The manifest form of ``entry``."""
    p = entry.params
    params: dict[str, Any] = {"codec": p.codec, "codec_meta": p.codec_meta, "clevel": p.clevel,
                              "typesize": p.typesize, "blocksize": p.blocksize, "splitmode": p.splitmode,
                              "filters": list(p.filters), "filters_meta": list(p.filters_meta)}
    if entry.kind in ("frame", "sframe"):
        params.update(chunksize=p.chunksize, nchunks=p.nchunks)
    c = entry.codec
    out: dict[str, Any] = {
        "name": entry.name, "kind": entry.kind, "file": entry.file, "sha256": entry.sha256,
        "library": entry.library, "library_version": entry.library_version, "params": params}
    if entry.ndarray is not None:
        g = entry.ndarray
        out["ndarray"] = {"shape": list(g.shape), "chunks": list(g.chunks), "blocks": list(g.blocks), "dtype": g.dtype}
    if entry.special is not None:
        out["special"] = entry.special
    if entry.ufilters:
        out["ufilters"] = [{"id": f.id, "forward": f.forward, "backward": f.backward} for f in entry.ufilters]
    out["codec"] = {"name": c.name, "id": c.id, "version": c.version, "encoder": c.encoder, "decoder": c.decoder}
    if entry.other_readings:
        out["other_readings"] = [{"name": r.name, "sha256": r.sha256} for r in entry.other_readings]
    out["content"] = {"recipe": entry.content.recipe, "nbytes": entry.content.nbytes, "sha256": entry.content.sha256}
    return out


def write_manifest(directory: Path, entries: list[Entry]) -> Path:
    """Write ``directory/manifest.yaml`` for ``entries`` (atomically)."""
    directory.mkdir(parents=True, exist_ok=True)
    body = yaml.dump({"format": FORMAT_VERSION, "vectors": [entry_to_dict(e) for e in entries]},
                     Dumper=_Dumper, sort_keys=False, width=120)
    path = directory / MANIFEST_NAME
    tmp = path.with_name(f".{MANIFEST_NAME}.tmp-{os.getpid()}")
    tmp.write_text(_HEADER + body, encoding="utf-8")
    os.replace(tmp, path)
    return path


