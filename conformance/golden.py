"""Golden vectors: chunks and frames written by python-blosc2 with known user codecs.

The vectors live in ``spec/golden/`` (bundled as package data) next to ``manifest.yaml``, which
describes each one: how it was made (library version, neutral compression parameters, the codec
and how to register it) and what it decodes to (a named data *recipe*, its size and sha256).

Kinds of vector:

* ``chunk``: one Blosc2 chunk, exactly as ``SChunk.get_chunk`` returned it (a file);
* ``frame``: a contiguous frame (one file), an ``SChunk`` persisted with ``contiguous=True``;
* ``sframe``: a sparse frame (a directory), an ``SChunk`` persisted with ``contiguous=False``.

The ``sha256`` of a file is that of its bytes. That of a directory is :func:`tree_sha256`: the
sha256 of, for every regular file below it in sorted order of its relative POSIX path, the path
(UTF-8), a NUL byte, the file size as 8 bytes big-endian, and the file's bytes.

Recipes (:data:`RECIPES`) are part of the format: a recipe's bytes must never change (add a new
name instead). :func:`generate` rebuilds the vectors of the installed python-blosc2 major and
merges them into a manifest, refusing to overwrite a vector whose bytes changed unless forced.
Vector bytes also depend on the codec's own output (the zlib examples use the Python's zlib), so
regenerate on a platform that produced the committed ones.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any, Literal, cast

import numpy as np
import yaml
from udcodec.adapters.protocol import (
    FILTER_IDS,
    SPLITMODE_IDS,
    Adapter,
    AdapterInfo,
    Callback,
    CParams,
    DParams,
)
from udcodec.contract import yaml_lines

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


# ---- data recipes ---------------------------------------------------------------------------------

def _ramp(width: int) -> Callable[[int, int], bytes]:
    def ramp(nbytes: int, chunksize: int) -> bytes:
        items = np.arange(-(-nbytes // width), dtype=f"<u{width}")  # wraps modulo 2**(8*width)
        return items.tobytes()[:nbytes]

    ramp.__doc__ = f"Little-endian {8 * width}-bit items 0, 1, 2, ... (wrapping)."
    return ramp


def _smooth_i32(nbytes: int, chunksize: int) -> bytes:
    """Slowly growing little-endian int32 items ``i*i >> 10``."""
    i = np.arange(-(-nbytes // 4), dtype=np.int64)
    return ((i * i) >> 10).astype("<i4").tobytes()[:nbytes]


def _records3(nbytes: int, chunksize: int) -> bytes:
    """3-byte records ``(i mod 256, i >> 8 mod 256, 0x2a)``."""
    i = np.arange(-(-nbytes // 3), dtype=np.int64)
    rec = np.stack([i & 0xFF, (i >> 8) & 0xFF, np.full_like(i, 0x2A)], axis=1).astype(np.uint8)
    return rec.tobytes()[:nbytes]


def _quarters_f64(nbytes: int, chunksize: int) -> bytes:
    """Little-endian float64 items 0.0, 0.25, 0.5, ... (exact in binary)."""
    return (np.arange(-(-nbytes // 8), dtype=np.float64) / 4).astype("<f8").tobytes()[:nbytes]


def _runs(nbytes: int, chunksize: int) -> bytes:
    """Runs of lengths 1, 2, 5, 37, 300, 3, 700 (cycling) of the bytes ``53*k mod 256``."""
    lengths = np.array([1, 2, 5, 37, 300, 3, 700], dtype=np.int64)
    reps = -(-nbytes // int(lengths.sum())) if nbytes else 0
    counts = np.tile(lengths, reps)
    values = ((np.arange(counts.size, dtype=np.int64) * 53) % 256).astype(np.uint8)
    return np.repeat(values, counts).tobytes()[:nbytes]


def _noise(nbytes: int, chunksize: int) -> bytes:
    """Incompressible bytes: the low byte of a splitmix64-style hash of the index."""
    x = np.arange(nbytes, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(0x632BE59BD9B4E019)
    x ^= x >> np.uint64(29)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(32)
    return (x & np.uint64(0xFF)).astype(np.uint8).tobytes()


def _ramp32_zero_chunk2(nbytes: int, chunksize: int) -> bytes:
    """``ramp-u32`` with chunk 2 (of ``chunksize`` bytes) all zeros."""
    data = bytearray(_ramp(4)(nbytes, chunksize))
    data[2 * chunksize:3 * chunksize] = bytes(len(data[2 * chunksize:3 * chunksize]))
    return bytes(data)


#: Recipe name -> ``f(nbytes, chunksize) -> bytes`` (``chunksize``: the entry's, or nbytes for a chunk).
RECIPES: Mapping[str, Callable[[int, int], bytes]] = {
    "ramp-u8": _ramp(1),
    "ramp-u16": _ramp(2),
    "ramp-u32": _ramp(4),
    "ramp-u64": _ramp(8),
    "smooth-i32": _smooth_i32,
    "records3": _records3,
    "quarters-f64": _quarters_f64,
    "runs": _runs,
    "noise": _noise,
    "ramp-u32-zero-chunk2": _ramp32_zero_chunk2,
}


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


# ---- content and files ----------------------------------------------------------------------------

def expected_bytes(entry: Entry) -> bytes:
    """The decoded content of ``entry``, rebuilt from its recipe (not checked against its sha256)."""
    return RECIPES[entry.content.recipe](entry.content.nbytes, entry.chunksize)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tree_sha256(directory: Path) -> str:
    """The stable digest of a directory (see the module docstring)."""
    digest = hashlib.sha256()
    files = sorted((p for p in directory.rglob("*") if p.is_file()), key=lambda p: p.relative_to(directory).as_posix())
    for p in files:
        data = p.read_bytes()
        digest.update(p.relative_to(directory).as_posix().encode("utf-8") + b"\0")
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def path_sha256(path: Path) -> str:
    """sha256 of a file's bytes, or :func:`tree_sha256` of a directory."""
    return tree_sha256(path) if path.is_dir() else sha256_hex(path.read_bytes())


def verify_file(entry: Entry, directory: Path | str | None = None) -> None:
    """Check that the vector's file (or directory) exists, has the right type and its sha256.

    Raises :class:`GoldenMismatch` naming the entry, the field and both digests.
    """
    path = entry.path(directory)
    want_dir = entry.kind == "sframe"
    if not path.exists():
        raise GoldenMismatch(entry.name, "file", f"{path} does not exist")
    if path.is_dir() != want_dir:
        raise GoldenMismatch(entry.name, "file", f"{path} should be a {'directory' if want_dir else 'file'}")
    found = path_sha256(path)
    if found != entry.sha256:
        raise GoldenMismatch(entry.name, "sha256", f"{path}: manifest {entry.sha256}, file {found}")


def verify_content(entry: Entry) -> None:
    """Check that the recipe rebuilds ``content.nbytes`` bytes with ``content.sha256``."""
    data = expected_bytes(entry)
    if len(data) != entry.content.nbytes:
        raise GoldenMismatch(entry.name, "content.nbytes", f"recipe gives {len(data)} bytes, manifest {entry.content.nbytes}")
    found = sha256_hex(data)
    if found != entry.content.sha256:
        raise GoldenMismatch(entry.name, "content.sha256", f"manifest {entry.content.sha256}, recipe {found}")


def read_chunk(entry: Entry, directory: Path | str | None = None) -> bytes:
    """The bytes of a ``chunk`` vector."""
    if entry.kind != "chunk":
        raise ValueError(f"{entry.name} is a {entry.kind}, not a chunk")
    return entry.path(directory).read_bytes()


def decode_vector(adapter: Adapter, entry: Entry, directory: Path | str | None = None,
                  workdir: Path | str | None = None) -> bytes:
    """Decode a vector with ``adapter``, registering its codec first; return every decoded byte.

    A chunk is appended as is (``Container.append_chunk``) to a container the adapter creates with
    the entry's parameters, then decompressed. A frame is
    copied into ``workdir`` (default: a temporary directory) and opened there with
    ``adapter.open``, so the golden files are never written to; every chunk is decompressed.
    """
    entry.codec.register(adapter)
    match = getattr(adapter, "match_format_of", None)  # e.g. the reference reading as python-blosc2 2.x does
    if callable(match):
        match(AdapterInfo(name=entry.library, implementation=entry.library, version=entry.library_version))
    dparams = DParams(nthreads=1)
    if entry.kind == "chunk":
        container = adapter.create(entry.params.cparams(), dparams, chunksize=entry.content.nbytes)
        try:
            container.append_chunk(read_chunk(entry, directory))
            return container.decompress_chunk(0)
        finally:
            container.close()
    with tempfile.TemporaryDirectory(prefix="udcodec-golden-") as tmp:
        base = Path(workdir) if workdir is not None else Path(tmp)
        copy = base / PurePosixPath(entry.file).name
        source = entry.path(directory)
        if copy.is_dir():
            shutil.rmtree(copy)
        if source.is_dir():
            shutil.copytree(source, copy)
        else:
            shutil.copyfile(source, copy)
        opened = adapter.open(str(copy), dparams)
        try:
            return b"".join(opened.decompress_chunk(i) for i in range(opened.nchunks))
        finally:
            opened.close()


# ---- the generator ------------------------------------------------------------------------------

#: Codecs the vectors use; all importable from the udcodec package. Ids 248..251, which the
#: test suite leaves free, so the vectors decode in a process whose blosc2 registry is in use.
CODECS: Mapping[str, CodecSpec] = {
    "zlib": CodecSpec("udzlib", 248, 1, "udcodec.examples.zlib_codec:encoder", "udcodec.examples.zlib_codec:decoder"),
    "rle": CodecSpec("udrle", 249, 1, "udcodec.examples.rle:encoder", "udcodec.examples.rle:decoder"),
    "arange": CodecSpec("udarange", 250, 1, "udcodec.examples.arange:encoder", "udcodec.examples.arange:decoder"),
    "memcpy": CodecSpec("udmemcpy", 251, 1, "udcodec.testcodecs:memcpy_encoder", "udcodec.testcodecs:forbidden_decoder"),
}


@dataclass(frozen=True)
class Plan:
    """One vector to generate (version independent; the name gets a ``b2v<major>-`` prefix)."""

    short: str
    kind: Kind
    codec: str  # key of CODECS
    recipe: str
    nbytes: int
    typesize: int = 1
    filters: tuple[str, ...] = ("nofilter",)
    filters_meta: tuple[int, ...] = ()
    splitmode: str = "never"
    blocksize: int = 0
    codec_meta: int = 0
    clevel: int = 5
    chunksize: int | None = None


#: The vectors each python-blosc2 major gets.
PLANS: tuple[Plan, ...] = (
    Plan("zlib-nofilter-ts1", "chunk", "zlib", "runs", 4096),
    Plan("zlib-noise-ts1", "chunk", "zlib", "noise", 2048),
    Plan("zlib-shuffle-ts4", "chunk", "zlib", "smooth-i32", 4096, 4, ("shuffle",)),
    Plan("zlib-shuffle-ts4-always", "chunk", "zlib", "smooth-i32", 4096, 4, ("shuffle",), splitmode="always"),
    Plan("zlib-shuffle-ts4-auto", "chunk", "zlib", "smooth-i32", 4096, 4, ("shuffle",), splitmode="auto"),
    Plan("zlib-bitshuffle-ts8", "chunk", "zlib", "quarters-f64", 4096, 8, ("bitshuffle",)),
    Plan("zlib-delta-ts2", "chunk", "zlib", "ramp-u16", 4096, 2, ("delta",)),
    Plan("zlib-delta-shuffle-ts4", "chunk", "zlib", "smooth-i32", 4096, 4, ("delta", "shuffle")),
    Plan("zlib-shuffle-ts3-bs999", "chunk", "zlib", "records3", 3072, 3, ("shuffle",), blocksize=999),
    Plan("zlib-meta9-ts4-bs1024", "chunk", "zlib", "smooth-i32", 4096, 4, ("shuffle",), blocksize=1024,
         codec_meta=9, clevel=9),
    # python-blosc2 4.x reads a SHUFFLE filters_meta as a byte-group size; 2.x/3.x ignore it.
    Plan("zlib-shuffle-meta2-ts4", "chunk", "zlib", "smooth-i32", 4096, 4, ("shuffle",), filters_meta=(2,)),
    Plan("zlib-shuffle-ts8-forward-compat", "chunk", "zlib", "ramp-u64", 4096, 8, ("shuffle",),
         splitmode="forward_compat"),
    Plan("rle-nofilter-ts1", "chunk", "rle", "runs", 4096),
    Plan("rle-shuffle-ts2-always", "chunk", "rle", "ramp-u16", 4096, 2, ("shuffle",), splitmode="always"),
    Plan("arange-ts1-meta1", "chunk", "arange", "ramp-u8", 2048, 1, codec_meta=1),
    Plan("arange-ts4-meta4-bs1024", "chunk", "arange", "ramp-u32", 4096, 4, blocksize=1024, codec_meta=4),
    Plan("arange-ts8-meta8", "chunk", "arange", "ramp-u64", 4096, 8, codec_meta=8),
    Plan("memcpy-nofilter-ts1", "chunk", "memcpy", "ramp-u8", 2048),
    Plan("memcpy-shuffle-ts4-always", "chunk", "memcpy", "smooth-i32", 2048, 4, ("shuffle",), splitmode="always"),
    Plan("frame-zlib-3chunks", "frame", "zlib", "smooth-i32", 6144, 4, ("shuffle",), chunksize=2048),
    Plan("frame-arange-6chunks-zero-short", "frame", "arange", "ramp-u32-zero-chunk2", 5 * 1024 + 512, 4,
         codec_meta=4, chunksize=1024),
    # 32 small chunks: enough offsets for c-blosc2 to BloscLZ-compress the offsets chunk.
    Plan("frame-rle-32chunks", "frame", "rle", "runs", 32 * 128 - 40, chunksize=128),
    Plan("sframe-zlib-delta-4chunks", "sframe", "zlib", "ramp-u16", 3500, 2, ("delta",), chunksize=1024),
)

_SUFFIX = {"chunk": ".chunk", "frame": ".b2frame", "sframe": ".b2frame"}


@dataclass
class GenerateReport:
    """What :func:`generate` did. ``changed`` is refused unless ``force`` (then nothing is written)."""

    library_version: str
    directory: Path
    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)  # entry unchanged, file missing or damaged: rewritten
    overwritten: list[str] = field(default_factory=list)  # changed and forced
    changed: list[tuple[str, str, str]] = field(default_factory=list)  # refused: (name, old sha256, new sha256)

    @property
    def refused(self) -> bool:
        return bool(self.changed)

    def lines(self) -> list[str]:
        out = [f"python-blosc2 {self.library_version} -> {self.directory}"]
        for name, old, new in self.changed:
            same = " (same bytes, other manifest fields)" if old == new else ""
            out.append(f"CHANGED {name}: old sha256 {old}, new sha256 {new}{same}")
        for label, names in (("added", self.added), ("overwritten", self.overwritten),
                             ("repaired", self.repaired), ("unchanged", self.unchanged)):
            if names:
                out.append(f"{label} ({len(names)}): {', '.join(names)}")
        if self.changed:
            out.append(f"refused: {len(self.changed)} vector(s) changed; nothing written (--force overwrites)")
        return out


def _plan_entry(plan: Plan, prefix: str, version: str, sha: str, content: bytes) -> Entry:
    frame = plan.kind != "chunk"
    chunksize = plan.chunksize if frame else None
    params = VectorParams(codec=CODECS[plan.codec].id, codec_meta=plan.codec_meta, clevel=plan.clevel,
                          typesize=plan.typesize, blocksize=plan.blocksize, splitmode=plan.splitmode,
                          filters=plan.filters, filters_meta=plan.filters_meta, chunksize=chunksize,
                          nchunks=-(-plan.nbytes // plan.chunksize) if frame and plan.chunksize else None)
    return Entry(name=f"{prefix}-{plan.short}", kind=plan.kind, file=f"{prefix}/{plan.short}{_SUFFIX[plan.kind]}",
                 sha256=sha, library=LIBRARY, library_version=version, params=params, codec=CODECS[plan.codec],
                 content=Content(plan.recipe, plan.nbytes, sha256_hex(content)))


def _build(adapter: Adapter, plan: Plan, entry: Entry, out: Path) -> None:
    """Write the vector of ``entry`` at ``out`` with ``adapter``; check it decodes to the content."""
    data = expected_bytes(entry)
    cparams, dparams = entry.params.cparams(), DParams(nthreads=1)
    if plan.kind == "chunk":
        container = adapter.create(cparams, dparams, chunksize=len(data))
        try:
            container.append(data)
            out.write_bytes(container.get_chunk(0))
        finally:
            container.close()
    else:
        container = adapter.create(cparams, dparams, chunksize=entry.chunksize, urlpath=str(out),
                                   contiguous=plan.kind == "frame")
        try:
            for start in range(0, len(data), entry.chunksize):
                container.append(data[start:start + entry.chunksize])
        finally:
            container.close()


def _same(a: Entry, b: Entry) -> bool:
    return replace(a, library_version="") == replace(b, library_version="")


def generate(out_dir: Path | str | None = None, force: bool = False, adapter: Adapter | None = None
             ) -> GenerateReport:
    """(Re)generate this python-blosc2 major's vectors into ``out_dir`` and merge its manifest.

    ``out_dir`` defaults to the bundled golden directory. Entries of other names (other majors)
    are kept untouched; an existing vector that comes out the same is left alone (its recorded
    library version too); new ones are added. If any existing vector's bytes or entry changed, the
    report lists it with old and new sha256 and nothing at all is written, unless ``force``.
    Every new vector is decoded back with the same library before anything is written.
    ``adapter`` defaults to ``load_adapter("blosc2")``.
    """
    from udcodec.adapters.loader import load_adapter

    directory = Path(out_dir) if out_dir is not None else default_golden_dir()
    if directory.exists() and not directory.is_dir():
        raise GoldenError(str(directory), None, "<manifest>", "<directory>", "is not a directory")
    existing = load_manifest(directory) if (directory / MANIFEST_NAME).exists() else None
    adapter = adapter if adapter is not None else load_adapter("blosc2")
    version = adapter.info().version
    prefix = f"b2v{version.split('.')[0]}"
    report = GenerateReport(library_version=version, directory=directory)
    old = {e.name: e for e in existing} if existing is not None else {}
    new: dict[str, Entry] = {}
    with tempfile.TemporaryDirectory(prefix="udcodec-golden-gen-") as tmp:
        staged: dict[str, Path] = {}
        for plan in PLANS:
            codec = CODECS[plan.codec]
            codec.register(adapter)
            draft = _plan_entry(plan, prefix, version, "0" * 64, RECIPES[plan.recipe](plan.nbytes, plan.chunksize or plan.nbytes))
            out = Path(tmp) / draft.file
            out.parent.mkdir(parents=True, exist_ok=True)
            _build(adapter, plan, draft, out)
            entry = replace(draft, sha256=path_sha256(out))
            decoded = decode_vector(adapter, entry, tmp, workdir=None)
            if decoded != expected_bytes(entry):
                raise RuntimeError(f"{entry.name}: python-blosc2 {version} does not decode its own vector back")
            staged[entry.name] = out
            before = old.get(entry.name)
            if before is None:
                report.added.append(entry.name)
                new[entry.name] = entry
            elif _same(before, entry):
                try:
                    verify_file(before, directory)
                    report.unchanged.append(entry.name)
                except GoldenMismatch:
                    report.repaired.append(entry.name)
                    new[entry.name] = before
            elif force:
                report.overwritten.append(entry.name)
                new[entry.name] = entry
            else:
                report.changed.append((entry.name, before.sha256, entry.sha256))
        if report.changed:
            return report
        for name, entry in new.items():
            _install(staged[name], entry.path(directory))
        if new or existing is None:
            merged = {**old, **new}
            write_manifest(directory, [merged[n] for n in sorted(merged)])
    return report


def _install(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_dir():
        shutil.rmtree(target)
    elif target.exists():
        target.unlink()
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copyfile(source, target)


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


# ---- the command line ---------------------------------------------------------------------------

def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser("golden", help="golden vectors: regenerate them with the installed python-blosc2, or verify them")
    golden_sub = p.add_subparsers(dest="golden_command", required=True)
    gen = golden_sub.add_parser("generate", help="write this python-blosc2 major's vectors and merge the manifest")
    gen.add_argument("--out", metavar="DIR", help="golden directory (default: the bundled spec/golden)")
    gen.add_argument("--force", action="store_true", help="overwrite vectors whose bytes changed")
    ver = golden_sub.add_parser("verify", help="check every vector's sha256 and every entry's recipe")
    ver.add_argument("--dir", metavar="DIR", help="golden directory (default: the bundled spec/golden)")
    return p


def cmd_golden(args: argparse.Namespace) -> int:
    """``udcodec golden generate|verify``: 0 ok, 1 refused or mismatches, 2 bad input."""
    try:
        if args.golden_command == "generate":
            from udcodec.adapters.loader import AdapterLoadError

            try:
                report = generate(args.out, force=args.force)
            except AdapterLoadError as exc:
                print(f"udcodec: {exc}", file=sys.stderr)
                return 2
            print("\n".join(report.lines()), file=sys.stderr if report.refused else sys.stdout)
            return 1 if report.refused else 0
        if args.dir is not None and not Path(args.dir).is_dir():
            print(f"udcodec: --dir {args.dir}: not a directory", file=sys.stderr)
            return 2
        manifest = load_manifest(args.dir)
    except GoldenError as exc:
        print(f"udcodec: malformed golden vectors: {exc}", file=sys.stderr)
        return 2
    problems = 0
    for entry in manifest:
        for check in (verify_file, verify_content):
            try:
                check(entry, manifest.directory) if check is verify_file else check(entry)
            except GoldenMismatch as exc:
                problems += 1
                print(f"MISMATCH {exc}")
    print(f"{len(manifest)} vectors in {manifest.directory}: {problems or 'no'} mismatch{'es' if problems != 1 else ''}")
    return 1 if problems else 0
