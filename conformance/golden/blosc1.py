"""Blosc1 golden chunks: chunks with the 16-byte Blosc1 header, as c-blosc 1.x writes them.

c-blosc2 reads them (README_CHUNK_FORMAT.rst: "Blosc (as of version 1.0.0) has the following 16 byte header";
an extended header only "If both bit 0 and bit 2 are both set"), so a Blosc2 host decompresses them too.
They are written by the pinned python-blosc release (:data:`WRITER_VERSION`, PyPI ``blosc``, BSD-3-Clause,
bundling c-blosc 1.21) with builtin codecs only, and live in ``spec/golden/blosc1/`` beside their own
``manifest.yaml``; ``udcodec golden generate-blosc1`` (``tox -e golden-blosc1``) rewrites them. The content
of each is a golden data recipe (:data:`udcodec.golden.RECIPES`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml
from udcodec.contract import StrictValidator, bundled_schema
from udcodec.golden.generate import GenerateReport
from udcodec.golden.manifest import (
    Checker,
    GoldenError,
    GoldenMismatch,
    default_golden_dir,
    first_violation,
    read_yaml,
)
from udcodec.golden.recipes import RECIPES
from udcodec.golden.vectors import sha256_hex

#: The writer: PyPI's ``blosc`` (python-blosc), pinned; vectors of another release would differ in bytes.
WRITER = "python-blosc"
WRITER_VERSION = "1.11.4"
SUBDIR = "blosc1"
MANIFEST_NAME = "manifest.yaml"
SHUFFLES = {"noshuffle": 0, "shuffle": 1, "bitshuffle": 2}
#: c-blosc 1.x's split modes, set through its ``BLOSC_SPLITMODE`` environment variable.
SPLITMODES = {"forward_compat": "FORWARD_COMPAT", "never": "NEVER", "always": "ALWAYS"}
SCHEMA = bundled_schema("golden-blosc1.schema.json")
_VALIDATOR = StrictValidator(SCHEMA)


@dataclass(frozen=True)
class Blosc1Params:
    """How python-blosc was called: ``compress(data, typesize, clevel, shuffle, cname)`` after
    ``set_blocksize(blocksize)`` (0: automatic), under ``BLOSC_SPLITMODE``."""

    cname: str
    clevel: int
    shuffle: str  # a key of SHUFFLES
    typesize: int
    blocksize: int = 1024
    splitmode: str = "forward_compat"  # a key of SPLITMODES; c-blosc 1.x's default


@dataclass(frozen=True)
class Blosc1Entry:
    """One Blosc1 chunk: its file, the writer, its params and its content (a golden recipe)."""

    name: str
    file: str  # relative to the golden directory
    sha256: str
    writer: str
    writer_version: str
    clib_version: str
    params: Blosc1Params
    recipe: str
    nbytes: int
    content_sha256: str

    def path(self, directory: Path | str | None = None) -> Path:
        return (Path(directory) if directory is not None else default_golden_dir()) / self.file

    def expected(self) -> bytes:
        return RECIPES[self.recipe](self.nbytes, self.nbytes)

    def read(self, directory: Path | str | None = None) -> bytes:
        return self.path(directory).read_bytes()


#: (short name, params, recipe, nbytes). Blosc1 bit-shuffles only blocks of a multiple of 8 items and stores
#: the others as they are: 4400 bytes make 1100 items of 4 bytes, 550 of 8 in one block; in blocks of 1024
#: bytes the last holds 304 bytes (76 or 38 items). c-blosc 1.x keeps a forced block size only for blocks it
#: does not split (the header records the block size it used).
PLANS: tuple[tuple[str, Blosc1Params, str, int], ...] = (
    ("blosclz-noshuffle-ts1", Blosc1Params("blosclz", 5, "noshuffle", 1), "runs", 4400),
    ("blosclz-shuffle-ts4", Blosc1Params("blosclz", 5, "shuffle", 4), "smooth-i32", 4400),
    ("blosclz-shuffle-ts4-unsplit", Blosc1Params("blosclz", 5, "shuffle", 4, splitmode="never"), "smooth-i32", 4400),
    ("blosclz-bitshuffle-ts8", Blosc1Params("blosclz", 5, "bitshuffle", 8), "quarters-f64", 4400),
    ("lz4-noshuffle-ts4", Blosc1Params("lz4", 5, "noshuffle", 4), "smooth-i32", 4400),
    ("lz4-shuffle-ts8", Blosc1Params("lz4", 5, "shuffle", 8), "quarters-f64", 4400),
    ("lz4-bitshuffle-ts4", Blosc1Params("lz4", 5, "bitshuffle", 4), "smooth-i32", 4096),
    ("lz4-bitshuffle-ts1", Blosc1Params("lz4", 5, "bitshuffle", 1), "runs", 4400),
    ("lz4hc-shuffle-ts4", Blosc1Params("lz4hc", 9, "shuffle", 4), "smooth-i32", 4400),
    ("zlib-noshuffle-ts8-autoblock", Blosc1Params("zlib", 5, "noshuffle", 8, blocksize=0), "ramp-u64", 4400),
    ("zlib-shuffle-ts4-unsplit", Blosc1Params("zlib", 5, "shuffle", 4, splitmode="never"), "smooth-i32", 4400),
    ("zlib-bitshuffle-ts1", Blosc1Params("zlib", 5, "bitshuffle", 1), "runs", 4400),
    ("zlib-bitshuffle-ts8-unsplit", Blosc1Params("zlib", 9, "bitshuffle", 8, splitmode="never"), "quarters-f64", 4400),
    ("zstd-noshuffle-ts1", Blosc1Params("zstd", 5, "noshuffle", 1), "runs", 4400),
    ("zstd-shuffle-ts8", Blosc1Params("zstd", 5, "shuffle", 8), "ramp-u64", 4400),
    ("zstd-bitshuffle-ts4", Blosc1Params("zstd", 5, "bitshuffle", 4), "smooth-i32", 4400),
    ("memcpy-noshuffle-ts1", Blosc1Params("lz4", 0, "noshuffle", 1), "ramp-u8", 1000),
    ("memcpy-shuffle-ts4", Blosc1Params("blosclz", 0, "shuffle", 4), "smooth-i32", 1000),
    ("memcpy-bitshuffle-ts8", Blosc1Params("zstd", 0, "bitshuffle", 8), "quarters-f64", 1000),
)


def _writer() -> Any:
    """The pinned python-blosc, imported; GoldenError naming what is installed otherwise."""
    try:
        import blosc  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError as exc:
        raise GoldenError("blosc", None, "<writer>", "python-blosc",
                          f"is not installed: pip install 'blosc=={WRITER_VERSION}' ({exc})") from exc
    if blosc.__version__ != WRITER_VERSION:
        raise GoldenError("blosc", None, "<writer>", "python-blosc",
                          f"{blosc.__version__} is installed, the vectors are written by {WRITER_VERSION}")
    return blosc


def write_chunk(blosc: Any, params: Blosc1Params, data: bytes) -> bytes:
    """One Blosc1 chunk of ``data``, written by ``blosc`` (python-blosc) as ``params`` say."""
    before = os.environ.get("BLOSC_SPLITMODE")
    os.environ["BLOSC_SPLITMODE"] = SPLITMODES[params.splitmode]
    try:
        blosc.set_nthreads(1)
        blosc.set_blocksize(params.blocksize)
        return bytes(blosc.compress(data, typesize=params.typesize, clevel=params.clevel,
                                    shuffle=SHUFFLES[params.shuffle], cname=params.cname))
    finally:
        blosc.set_blocksize(0)
        if before is None:
            del os.environ["BLOSC_SPLITMODE"]
        else:
            os.environ["BLOSC_SPLITMODE"] = before


# ---- the manifest ---------------------------------------------------------------------------------

_HEADER = """\
# Blosc1 golden chunks: the 16-byte-header chunks c-blosc 1.x writes, for INTEROP-BLOSC1.
# Generated by `udcodec golden generate-blosc1` (udcodec.golden.blosc1); do not edit by hand.
# Written by python-blosc (PyPI `blosc`, BSD-3-Clause) with the c-blosc it bundles; builtin codecs only.
# content: the decompressed bytes are udcodec.golden.RECIPES[recipe](nbytes, nbytes).
"""


def _to_dict(e: Blosc1Entry) -> dict[str, Any]:
    p = e.params
    return {"name": e.name, "file": e.file, "sha256": e.sha256, "writer": e.writer,
            "writer_version": e.writer_version, "clib_version": e.clib_version,
            "params": {"cname": p.cname, "clevel": p.clevel, "shuffle": p.shuffle, "typesize": p.typesize,
                       "blocksize": p.blocksize, "splitmode": p.splitmode},
            "content": {"recipe": e.recipe, "nbytes": e.nbytes, "sha256": e.content_sha256}}


def load_blosc1(directory: Path | str | None = None) -> tuple[Blosc1Entry, ...]:
    """The Blosc1 vectors of ``directory`` (default: the bundled golden directory), validated.

    Raises :class:`GoldenError` naming file, line, entry and field for a malformed manifest.
    """
    path = (Path(directory) if directory is not None else default_golden_dir()) / SUBDIR / MANIFEST_NAME
    data, lines = read_yaml(path)
    violation = first_violation(str(path), data, lines, _VALIDATOR)
    if violation is not None:
        raise violation
    entries: list[Blosc1Entry] = []
    for i, raw in enumerate(cast(dict[str, Any], data)["vectors"] or []):
        p, c = raw["params"], raw["content"]
        if c["recipe"] not in RECIPES:
            raise Checker(str(path), lines, i, raw).fail(("content", "recipe"), f"{c['recipe']!r} is no golden recipe")
        entries.append(Blosc1Entry(raw["name"], raw["file"], raw["sha256"], raw["writer"], raw["writer_version"],
                                   raw["clib_version"], Blosc1Params(**p), c["recipe"], c["nbytes"], c["sha256"]))
    return tuple(entries)


def iter_problems(directory: Path | str | None = None) -> Iterator[GoldenMismatch]:
    """Every file or recipe of the Blosc1 vectors that does not match the manifest."""
    for e in load_blosc1(directory):
        path = e.path(directory)
        try:
            found = sha256_hex(path.read_bytes()) if path.is_file() and not path.is_symlink() else None
        except OSError as exc:
            yield GoldenMismatch(e.name, "file", f"{path} cannot be read: {exc.strerror or exc}")
            found = e.sha256
        if found is None:
            yield GoldenMismatch(e.name, "file", f"{path} is no regular file" if path.exists() else f"{path} does not exist")
        elif found != e.sha256:
            yield GoldenMismatch(e.name, "sha256", f"{path}: manifest {e.sha256}, file {found}")
        if sha256_hex(e.expected()) != e.content_sha256:
            yield GoldenMismatch(e.name, "content.sha256", f"manifest {e.content_sha256}, recipe {sha256_hex(e.expected())}")


def generate_blosc1(out_dir: Path | str | None = None, force: bool = False) -> GenerateReport:
    """(Re)write the Blosc1 vectors with the pinned python-blosc into ``out_dir`` (default: bundled).

    As :func:`udcodec.golden.generate`: a vector whose bytes changed is refused unless ``force``, and
    every vector is decompressed back by the writer before anything is written.
    """
    blosc = _writer()
    directory = Path(out_dir) if out_dir is not None else default_golden_dir()
    old = {e.name: e for e in load_blosc1(directory)} if (directory / SUBDIR / MANIFEST_NAME).exists() else {}
    clib = str(blosc.blosclib_version).split()[0]
    report = GenerateReport(library_version=f"{WRITER_VERSION} (c-blosc {clib})", directory=directory, library=WRITER)
    new: dict[str, tuple[Blosc1Entry, bytes]] = {}
    for short, params, recipe, nbytes in PLANS:
        data = RECIPES[recipe](nbytes, nbytes)
        chunk = write_chunk(blosc, params, data)
        if blosc.decompress(chunk) != data:
            raise RuntimeError(f"blosc1-{short}: python-blosc {WRITER_VERSION} does not decompress its own chunk")
        entry = Blosc1Entry(f"blosc1-{short}", f"{SUBDIR}/{short}.chunk", sha256_hex(chunk), WRITER, WRITER_VERSION,
                            clib, params, recipe, nbytes, sha256_hex(data))
        before = old.get(entry.name)
        if before is None:
            report.added.append(entry.name)
        elif before.sha256 == entry.sha256 and _to_dict(before) == _to_dict(entry):
            if before.path(directory).is_file() and sha256_hex(before.read(directory)) == before.sha256:
                report.unchanged.append(entry.name)
                continue
            report.repaired.append(entry.name)
        elif force:
            report.overwritten.append(entry.name)
        else:
            report.changed.append((entry.name, before.sha256, entry.sha256))
            continue
        new[entry.name] = (entry, chunk)
    if report.changed:
        return report
    (directory / SUBDIR).mkdir(parents=True, exist_ok=True)
    for entry, chunk in new.values():
        entry.path(directory).write_bytes(chunk)
    if new or not old:
        merged = {**old, **{name: e for name, (e, _) in new.items()}}
        body = yaml.safe_dump({"format": 1, "vectors": [_to_dict(merged[n]) for n in sorted(merged)]},
                              sort_keys=False, width=120)
        target = directory / SUBDIR / MANIFEST_NAME
        with tempfile.NamedTemporaryFile("w", dir=target.parent, delete=False, encoding="utf-8") as tmp:
            tmp.write(_HEADER + body)
        os.replace(tmp.name, target)
    return report
