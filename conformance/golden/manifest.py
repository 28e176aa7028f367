"""The golden-vector manifest: its model, validating loader and writer."""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any, Literal, cast

import yaml
from udcodec.adapters.protocol import (
    FILTER_IDS,
    SPLITMODE_IDS,
    Adapter,
    Callback,
    CParams,
)
from udcodec.contract import yaml_lines
from udcodec.golden.recipes import RECIPES

MANIFEST_NAME = "manifest.yaml"
FORMAT_VERSION = 1
KINDS = ("chunk", "frame", "sframe")
Kind = Literal["chunk", "frame", "sframe"]
LIBRARY = "python-blosc2"
USER_CODEC_IDS = range(160, 256)
MAX_FILTERS = 6

#: libyaml's loader when PyYAML has it (ten times faster), else the pure-Python one.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
_TARGET = re.compile(r"^udcodec(\.[A-Za-z_]\w*)+:[A-Za-z_]\w*$")


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
class Content:
    """What a vector decodes to: ``RECIPES[recipe](nbytes, chunksize)``, whose sha256 is given."""

    recipe: str
    nbytes: int
    sha256: str


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

    def path(self, directory: Path | str | None = None) -> Path:
        """The vector's file (or directory) inside ``directory`` (default: the bundled one)."""
        return (Path(directory) if directory is not None else default_golden_dir()) / self.file

    @property
    def library_major(self) -> int:
        """The major version of the library that wrote the vector (4 for ``4.14.1``)."""
        return int(self.library_version.split(".")[0])

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


class _Checker:
    """Reads one manifest entry field by field, raising GoldenError at the first problem."""

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

    def mapping(self, value: Any, path: _Path, required: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"must be a mapping, got {type(value).__name__}")
        for key in sorted(set(value) - required, key=str):
            raise self.fail((*path, str(key)), f"unknown field (known: {', '.join(sorted(required))})")
        for key in sorted(required - set(value)):
            raise self.fail((*path, key), "missing")
        return value

    def int_(self, value: Any, path: _Path, lo: int, hi: int | None = None) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(path, f"must be an integer, got {value!r}")
        if value < lo or (hi is not None and value > hi):
            raise self.fail(path, f"{value} is out of range {lo}..{'' if hi is None else hi}")
        return value

    def str_(self, value: Any, path: _Path, pattern: re.Pattern[str] | None = None,
             what: str = "") -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(path, f"must be a non-empty string, got {value!r}")
        if pattern is not None and not pattern.match(value):
            raise self.fail(path, f"{value!r} is not {what}")
        return value

    def choice(self, value: Any, path: _Path, choices: Any) -> str:
        if value not in choices:
            raise self.fail(path, f"{value!r} is not one of {', '.join(map(str, choices))}")
        return str(value)

    def list_(self, value: Any, path: _Path) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, f"must be a list, got {type(value).__name__}")
        return value


def _entry(check: _Checker, raw: Any) -> Entry:
    m = check.mapping(raw, (), {"name", "kind", "file", "sha256", "library", "library_version", "params",
                                "codec", "content"})
    name = check.str_(m["name"], ("name",), _NAME, "a lowercase name of letters, digits, '.' and '-'")
    kind = check.choice(m["kind"], ("kind",), KINDS)
    file = check.str_(m["file"], ("file",))
    posix = PurePosixPath(file)
    if posix.is_absolute() or ".." in posix.parts or "\\" in file or str(posix) != file or file == MANIFEST_NAME:
        raise check.fail(("file",), f"{file!r} must be a normalized relative POSIX path inside the golden directory")
    sha = check.str_(m["sha256"], ("sha256",), _HEX64, "64 lowercase hex digits")
    library = check.str_(m["library"], ("library",))
    version = m["library_version"]
    if isinstance(version, (int, float)) and not isinstance(version, bool):
        raise check.fail(("library_version",), f"must be a string (quote it), got {version!r}")
    version = check.str_(version, ("library_version",))

    frame = kind != "chunk"
    p = check.mapping(m["params"], ("params",),
                      {"codec", "codec_meta", "clevel", "typesize", "blocksize", "splitmode", "filters",
                       "filters_meta"} | ({"chunksize", "nchunks"} if frame else set()))
    filters = check.list_(p["filters"], ("params", "filters"))
    if not 1 <= len(filters) <= MAX_FILTERS:
        raise check.fail(("params", "filters"), f"must hold 1..{MAX_FILTERS} filters, got {len(filters)}")
    for i, f in enumerate(filters):
        check.choice(f, ("params", "filters", i), list(FILTER_IDS))
    fmeta = check.list_(p["filters_meta"], ("params", "filters_meta"))
    if fmeta and len(fmeta) != len(filters):
        raise check.fail(("params", "filters_meta"), f"must be empty or hold one meta per filter ({len(filters)})")
    for i, v in enumerate(fmeta):
        check.int_(v, ("params", "filters_meta", i), 0, 255)
    params = VectorParams(
        codec=check.int_(p["codec"], ("params", "codec"), 0, 255),
        codec_meta=check.int_(p["codec_meta"], ("params", "codec_meta"), 0, 255),
        clevel=check.int_(p["clevel"], ("params", "clevel"), 0, 9),
        typesize=check.int_(p["typesize"], ("params", "typesize"), 1, 255),
        blocksize=check.int_(p["blocksize"], ("params", "blocksize"), 0),
        splitmode=check.choice(p["splitmode"], ("params", "splitmode"), list(SPLITMODE_IDS)),
        filters=tuple(filters),
        filters_meta=tuple(fmeta),
        chunksize=check.int_(p["chunksize"], ("params", "chunksize"), 1) if frame else None,
        nchunks=check.int_(p["nchunks"], ("params", "nchunks"), 1) if frame else None,
    )

    c = check.mapping(m["codec"], ("codec",), {"name", "id", "version", "encoder", "decoder"})
    codec = CodecSpec(
        name=check.str_(c["name"], ("codec", "name")),
        id=check.int_(c["id"], ("codec", "id"), USER_CODEC_IDS.start, USER_CODEC_IDS.stop - 1),
        version=check.int_(c["version"], ("codec", "version"), 0, 255),
        encoder=check.str_(c["encoder"], ("codec", "encoder"), _TARGET, "a udcodec.<module>:<attribute>"),
        decoder=check.str_(c["decoder"], ("codec", "decoder"), _TARGET, "a udcodec.<module>:<attribute>"),
    )
    if codec.id != params.codec:
        raise check.fail(("codec", "id"), f"{codec.id} differs from params.codec {params.codec}")
    for part in ("encoder", "decoder"):
        try:
            _resolve(getattr(codec, part))
        except Exception as exc:  # noqa: BLE001 - any import problem is the manifest's
            raise check.fail(("codec", part), f"cannot be imported: {type(exc).__name__}: {exc}") from exc

    d = check.mapping(m["content"], ("content",), {"recipe", "nbytes", "sha256"})
    content = Content(
        recipe=check.choice(d["recipe"], ("content", "recipe"), sorted(RECIPES)),
        nbytes=check.int_(d["nbytes"], ("content", "nbytes"), 1),
        sha256=check.str_(d["sha256"], ("content", "sha256"), _HEX64, "64 lowercase hex digits"),
    )
    if params.chunksize is not None and params.nchunks is not None:
        need = -(-content.nbytes // params.chunksize)
        if need != params.nchunks:
            raise check.fail(("params", "nchunks"), f"{params.nchunks}, but content.nbytes {content.nbytes} "
                                                    f"in chunks of {params.chunksize} makes {need}")
    return Entry(name=name, kind=cast(Kind, kind), file=file, sha256=sha, library=library,
                 library_version=version, params=params, codec=codec, content=content)


def load_manifest(directory: Path | str | None = None) -> Manifest:
    """Load and validate ``directory/manifest.yaml`` (default: the bundled ``spec/golden``).

    Every entry is checked before anything is returned; the first problem raises
    :class:`GoldenError` naming the file, line, entry and field. Vector files are not read
    (see :func:`verify_file`).
    """
    directory = Path(directory) if directory is not None else default_golden_dir()
    path = directory / MANIFEST_NAME
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldenError(name, None, "<manifest>", "<file>", f"cannot be read: {exc}") from exc
    try:
        node = yaml.compose(text, Loader=_LOADER)
        data = yaml.SafeLoader("").construct_document(node) if node is not None else None
    except (yaml.YAMLError, ValueError) as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = str(exc).replace("\n", " ")
        raise GoldenError(name, mark.line + 1 if mark else None, "<manifest>", "<yaml>", problem) from exc
    lines = dict(yaml_lines(node)) if node is not None else {}
    if not isinstance(data, dict):
        raise GoldenError(name, 1, "<manifest>", "<document>", "must be a mapping with 'format' and 'vectors'")
    for key in sorted(set(data) - {"format", "vectors"}, key=str):
        raise GoldenError(name, lines.get((key,)), "<manifest>", str(key), "unknown field (known: format, vectors)")
    if data.get("format") != FORMAT_VERSION:
        raise GoldenError(name, lines.get(("format",)), "<manifest>", "format",
                          f"must be {FORMAT_VERSION}, got {data.get('format')!r}")
    raw_entries = data.get("vectors")
    if raw_entries is None:
        raw_entries = []
    if not isinstance(raw_entries, list):
        raise GoldenError(name, lines.get(("vectors",)), "<manifest>", "vectors", "must be a list")
    entries: list[Entry] = []
    names: dict[str, int] = {}
    files: dict[str, str] = {}
    for i, raw in enumerate(raw_entries):
        check = _Checker(name, lines, i, raw)
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
"""


def entry_to_dict(entry: Entry) -> dict[str, Any]:
    """The manifest form of ``entry``."""
    p = entry.params
    params: dict[str, Any] = {"codec": p.codec, "codec_meta": p.codec_meta, "clevel": p.clevel,
                              "typesize": p.typesize, "blocksize": p.blocksize, "splitmode": p.splitmode,
                              "filters": list(p.filters), "filters_meta": list(p.filters_meta)}
    if entry.kind != "chunk":
        params.update(chunksize=p.chunksize, nchunks=p.nchunks)
    c = entry.codec
    return {"name": entry.name, "kind": entry.kind, "file": entry.file, "sha256": entry.sha256,
            "library": entry.library, "library_version": entry.library_version, "params": params,
            "codec": {"name": c.name, "id": c.id, "version": c.version, "encoder": c.encoder, "decoder": c.decoder},
            "content": {"recipe": entry.content.recipe, "nbytes": entry.content.nbytes,
                        "sha256": entry.content.sha256}}


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


