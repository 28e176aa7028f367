"""Regenerate the golden vectors of the installed python-blosc2 major and merge them into the manifest."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import numpy as np
from udcodec.adapters.protocol import (
    Adapter,
    Container,
    DParams,
)
from udcodec.golden.manifest import (
    LIBRARY,
    MANIFEST_NAME,
    READINGS,
    CodecSpec,
    Content,
    Entry,
    FilterSpec,
    GoldenError,
    GoldenMismatch,
    Kind,
    NDGeometry,
    Reading,
    Special,
    VectorParams,
    default_golden_dir,
    load_manifest,
    reading_of,
    write_manifest,
)
from udcodec.golden.recipes import RECIPES
from udcodec.golden.vectors import (
    decode_vector,
    expected_bytes,
    nd_create_params,
    path_sha256,
    reading_bytes,
    sha256_hex,
    verify_file,
)

# ---- the generator ------------------------------------------------------------------------------

#: Codecs the vectors use; all importable from the udcodec package. Ids 248..251, which the
#: test suite leaves free, so the vectors decode in a process whose blosc2 registry is in use.
CODECS: Mapping[str, CodecSpec] = {
    "zlib": CodecSpec("udzlib", 248, 1, "udcodec.examples.zlib_codec:encoder", "udcodec.examples.zlib_codec:decoder"),
    "rle": CodecSpec("udrle", 249, 1, "udcodec.examples.rle:encoder", "udcodec.examples.rle:decoder"),
    "arange": CodecSpec("udarange", 250, 1, "udcodec.examples.arange:encoder", "udcodec.examples.arange:decoder"),
    "memcpy": CodecSpec("udmemcpy", 251, 1, "udcodec.testcodecs:memcpy_encoder", "udcodec.testcodecs:forbidden_decoder"),
}

#: User filters the vectors use (``Plan.filters`` names them by id). Ids 240..241, which the test suite leaves free.
UFILTERS: Mapping[int, FilterSpec] = {
    240: FilterSpec(240, "udcodec.examples.bytedelta_filter:forward", "udcodec.examples.bytedelta_filter:backward"),
    241: FilterSpec(241, "udcodec.testcodecs:xor_position_forward", "udcodec.testcodecs:xor_position_backward"),
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
    #: kind "ndarray": (shape, chunks, blocks, dtype); typesize and blocksize follow from them
    nd: tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], str] | None = None
    #: written with ``SChunk.fill_special`` (a VALUE special repeats the recipe's first item)
    special: Special | None = None
    #: the first python-blosc2 major that writes it (2.x's ``fill_special`` takes no value)
    since: int = 2


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
    # user filters (register_filter), alone and beside builtin filters, and where no block goes through them
    Plan("zlib-ufilter-bytedelta-ts4", "chunk", "zlib", "smooth-i32", 4096, 4, ("240",), (4,)),
    Plan("zlib-shuffle-ufilters-ts4-bs1000", "chunk", "zlib", "smooth-i32", 4096, 4, ("shuffle", "241", "240"),
         (0, 9, 1), blocksize=1000),
    Plan("memcpy-ufilter-ts2", "chunk", "memcpy", "ramp-u16", 2048, 2, ("241", "bitshuffle"), (3, 0)),
    Plan("zlib-ufilter-clevel0-ts4", "chunk", "zlib", "smooth-i32", 2048, 4, ("240",), (4,), clevel=0),
    Plan("frame-zlib-ufilter-3chunks", "frame", "zlib", "smooth-i32", 6144, 4, ("240", "shuffle"), (4, 0),
         chunksize=2048),
    # NDArrays (asarray(..., urlpath=...)): chunks padded to whole blocks, blocks of C-order sub-arrays
    Plan("nd-zlib-f8-7x10", "ndarray", "zlib", "quarters-f64", 7 * 10 * 8, 8, ("shuffle",), blocksize=2 * 3 * 8,
         codec_meta=3, nd=((7, 10), (5, 7), (2, 3), "<f8")),
    Plan("nd-rle-i4-3x4x5", "ndarray", "rle", "smooth-i32", 3 * 4 * 5 * 4, 4, blocksize=1 * 2 * 3 * 4,
         nd=((3, 4, 5), (2, 3, 4), (1, 2, 3), "<i4")),
    # special chunks (SChunk.fill_special) in containers of a codec whose decoder must never be called
    Plan("special-zero-ts4", "chunk", "memcpy", "zeros", 4000, 4, special="zero"),
    Plan("special-nan-f4", "chunk", "memcpy", "nan-f32", 4000, 4, special="nan"),
    Plan("special-nan-f8", "chunk", "memcpy", "nan-f64", 4000, 8, special="nan"),
    Plan("special-uninit-ts8", "chunk", "memcpy", "zeros", 4000, 8, special="uninit"),
    Plan("special-value-f8", "chunk", "memcpy", "pi-f64", 4000, 8, special="value", since=3),
    Plan("frame-special-zero-ts2-4chunks", "frame", "memcpy", "zeros", 4000, 2, ("shuffle",), chunksize=1024,
         special="zero"),
    Plan("frame-special-nan-f4-4chunks", "frame", "memcpy", "nan-f32", 4000, 4, chunksize=1024, special="nan"),
    Plan("frame-special-nan-f8-4chunks", "frame", "memcpy", "nan-f64", 4000, 8, chunksize=1024, special="nan"),
    Plan("frame-special-uninit-3chunks", "frame", "memcpy", "zeros", 3000, 4, chunksize=1024, special="uninit"),
    Plan("frame-special-value-f8-4chunks", "frame", "memcpy", "pi-f64", 4000, 8, chunksize=1024, special="value",
         since=3),
    # NDArrays of special chunks: blosc2.zeros (ZERO) and blosc2.full (VALUE, NaN among them); blosc2.empty
    # writes the same ZERO chunks as zeros
    Plan("nd-zeros-f8-7x10", "ndarray", "memcpy", "zeros", 7 * 10 * 8, 8, blocksize=2 * 3 * 8,
         nd=((7, 10), (5, 7), (2, 3), "<f8"), special="zero"),
    Plan("nd-full-pi-f8-7x10", "ndarray", "memcpy", "pi-f64", 7 * 10 * 8, 8, blocksize=2 * 3 * 8,
         nd=((7, 10), (5, 7), (2, 3), "<f8"), special="value"),
    Plan("nd-full-nan-f4-3x4x5", "ndarray", "memcpy", "nan-f32", 3 * 4 * 5 * 4, 4, blocksize=1 * 2 * 3 * 4,
         nd=((3, 4, 5), (2, 3, 4), (1, 2, 3), "<f4"), special="value"),
)

_SUFFIX = {"chunk": ".chunk", "frame": ".b2frame", "sframe": ".b2frame", "ndarray": ".b2nd"}


@dataclass
class GenerateReport:
    """What :func:`generate` did. ``changed`` is refused unless ``force`` (then nothing is written)."""

    library_version: str
    directory: Path
    library: str = "python-blosc2"
    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)  # entry unchanged, file missing or damaged: rewritten
    overwritten: list[str] = field(default_factory=list)  # changed and forced
    changed: list[tuple[str, str, str]] = field(default_factory=list)  # refused: (name, old sha256, new sha256)

    @property
    def refused(self) -> bool:
        return bool(self.changed)

    def lines(self) -> list[str]:
        out = [f"{self.library} {self.library_version} -> {self.directory}"]
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
    frame = plan.kind in ("frame", "sframe")
    chunksize = plan.chunksize if frame else None
    params = VectorParams(codec=CODECS[plan.codec].id, codec_meta=plan.codec_meta, clevel=plan.clevel,
                          typesize=plan.typesize, blocksize=plan.blocksize, splitmode=plan.splitmode,
                          filters=plan.filters, filters_meta=plan.filters_meta, chunksize=chunksize,
                          nchunks=-(-plan.nbytes // plan.chunksize) if frame and plan.chunksize else None)
    ufilters = tuple(UFILTERS[int(f)] for f in plan.filters if f.isdigit())
    return Entry(name=f"{prefix}-{plan.short}", kind=plan.kind, file=f"{prefix}/{plan.short}{_SUFFIX[plan.kind]}",
                 sha256=sha, library=LIBRARY, library_version=version, params=params, codec=CODECS[plan.codec],
                 content=Content(plan.recipe, plan.nbytes, sha256_hex(content)), ufilters=ufilters,
                 ndarray=NDGeometry(*plan.nd) if plan.nd is not None else None, special=plan.special)


def _build(adapter: Adapter, plan: Plan, entry: Entry, out: Path) -> None:
    """Write the vector of ``entry`` at ``out`` with ``adapter``; check it decodes to the content."""
    data = expected_bytes(entry)
    cparams, dparams = entry.params.cparams(), DParams(nthreads=1)
    if entry.ndarray is not None and plan.special is not None:
        _nd_special(adapter, entry, plan.special, data, out)
    elif entry.ndarray is not None:
        g = entry.ndarray
        array = np.frombuffer(data, dtype=g.dtype).reshape(g.shape)
        adapter.nd_create(array, g.chunks, g.blocks, nd_create_params(entry), dparams, urlpath=str(out)).close()
    elif plan.special is not None:
        frame = plan.kind != "chunk"
        container = adapter.create(cparams, dparams, chunksize=entry.chunksize, urlpath=str(out) if frame else None,
                                   contiguous=True)
        try:
            fill_special(adapter, container, plan.special, len(data) // plan.typesize, data[:plan.typesize])
            if not frame:
                out.write_bytes(container.get_chunk(0))
        finally:
            container.close()
    elif plan.kind == "chunk":
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


def fill_special(adapter: Adapter, container: Container, special: Special, nitems: int, value: bytes) -> None:
    """``SChunk.fill_special(nitems, SpecialValue.<special>[, value])`` on python-blosc2's own container."""
    module: Any = cast(Any, adapter).module  # python-blosc2 itself (a ModuleAdapter)
    kind = module.SpecialValue[special.upper()]
    native = container.native()
    if special == "value":
        native.fill_special(nitems, kind, value)
    else:
        native.fill_special(nitems, kind)


def _nd_special(adapter: Adapter, entry: Entry, special: Special, data: bytes, out: Path) -> None:
    """``blosc2.zeros`` (ZERO special chunks) or ``blosc2.full`` with the recipe's first item (VALUE ones)."""
    g = entry.ndarray
    assert g is not None
    native: Any = cast(Any, adapter)
    kwargs = native.param_kwargs(nd_create_params(entry), DParams(nthreads=1))
    geometry = {"dtype": g.dtype, "chunks": g.chunks, "blocks": g.blocks, "urlpath": str(out), "mode": "w"}
    if special == "zero":
        native.module.zeros(g.shape, **geometry, **kwargs)
    elif special == "value":
        native.module.full(g.shape, np.frombuffer(data[:g.itemsize], dtype=g.dtype)[0], **geometry, **kwargs)
    else:
        raise ValueError(f"no NDArray constructor writes {special} special chunks")


def _same(a: Entry, b: Entry) -> bool:
    return replace(a, library_version="", other_readings=()) == replace(b, library_version="", other_readings=())


def other_readings(entry: Entry, directory: Path | str | None = None) -> tuple[Reading, ...]:
    """What every reading of :data:`READINGS` but the writer's decodes ``entry`` to (:func:`reading_bytes`)."""
    return tuple(Reading(name, sha256_hex(reading_bytes(entry, name, directory)))
                 for name in READINGS if name != reading_of(entry.library_version))


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
            if int(version.split(".")[0]) < plan.since:
                continue
            codec = CODECS[plan.codec]
            codec.register(adapter)
            for fid in (int(f) for f in plan.filters if f.isdigit()):
                UFILTERS[fid].register(adapter)
            draft = _plan_entry(plan, prefix, version, "0" * 64, RECIPES[plan.recipe](plan.nbytes, plan.chunksize or plan.nbytes))
            out = Path(tmp) / draft.file
            out.parent.mkdir(parents=True, exist_ok=True)
            _build(adapter, plan, draft, out)
            entry = replace(draft, sha256=path_sha256(out))
            if entry.params.several_meanings:
                entry = replace(entry, other_readings=other_readings(entry, tmp))
            # the generator's own check (not a clause): registered above, read back with the written params
            decoded = decode_vector(adapter, entry, tmp, workdir=None, register=False, open_with_params=True)
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
