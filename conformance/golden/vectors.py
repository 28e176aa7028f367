"""Golden vectors as files: digests, verification against the manifest, decoding with any adapter."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path, PurePosixPath

import numpy as np
from udcodec.adapters.protocol import (
    NOT_GIVEN,
    Adapter,
    CParams,
    DParams,
)
from udcodec.golden.manifest import READINGS, Entry, GoldenMismatch
from udcodec.golden.recipes import RECIPES

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
    try:
        if not path.exists():
            raise GoldenMismatch(entry.name, "file", f"{path} does not exist")
        if path.is_dir() != want_dir:
            raise GoldenMismatch(entry.name, "file", f"{path} should be a {'directory' if want_dir else 'file'}")
        odd = [p for p in (path.rglob("*") if want_dir else [path]) if p.is_symlink() or not (p.is_file() or p.is_dir())]
        if odd:  # a FIFO would block the read, a link lead outside or around in circles
            raise GoldenMismatch(entry.name, "file", f"{odd[0]} is no regular file or directory")
        found = path_sha256(path)
    except OSError as exc:
        raise GoldenMismatch(entry.name, "file", f"{path} cannot be read: {exc.strerror or exc}") from None
    if found != entry.sha256:
        raise GoldenMismatch(entry.name, "sha256", f"{path}: manifest {entry.sha256}, file {found}")


def verify_readings(entry: Entry, directory: Path | str | None = None) -> None:
    """Check that each of the entry's ``other_readings`` is what :func:`reading_bytes` computes."""
    for reading in entry.other_readings:
        found = sha256_hex(reading_bytes(entry, reading.name, directory))
        if found != reading.sha256:
            raise GoldenMismatch(entry.name, f"other_readings.{reading.name}", f"manifest {reading.sha256}, "
                                                                             f"computed {found}")


def verify_content(entry: Entry) -> None:
    """Check that the recipe rebuilds ``content.nbytes`` bytes with ``content.sha256``."""
    data = expected_bytes(entry)
    if len(data) != entry.content.nbytes:
        raise GoldenMismatch(entry.name, "content.nbytes", f"recipe gives {len(data)} bytes, manifest {entry.content.nbytes}")
    found = sha256_hex(data)
    if found != entry.content.sha256:
        raise GoldenMismatch(entry.name, "content.sha256", f"manifest {entry.content.sha256}, recipe {found}")


def nd_create_params(entry: Entry) -> CParams:
    """What ``asarray`` is given for an ``ndarray`` vector: its params without typesize and block size, which the
    array's item size and blocks set."""
    cp = entry.params.cparams()
    return CParams(**{**{f: getattr(cp, f) for f in cp.__dataclass_fields__}, "typesize": NOT_GIVEN,
                      "blocksize": NOT_GIVEN})


def read_chunk(entry: Entry, directory: Path | str | None = None) -> bytes:
    """The bytes of a ``chunk`` vector."""
    if entry.kind != "chunk":
        raise ValueError(f"{entry.name} is a {entry.kind}, not a chunk")
    return entry.path(directory).read_bytes()


def reading_bytes(entry: Entry, reading: str, directory: Path | str | None = None) -> bytes:
    """What a ``chunk`` vector whose pipeline is SHUFFLE alone decodes to under ``reading`` (a key of
    ``READINGS``): the bundled reference decodes it with the SHUFFLE taken out of its header, and each block is
    then unshuffled as that reading does."""
    from udcodec.reference import chunkformat, filters, registry

    if entry.kind != "chunk" or entry.params.filters != ("shuffle",) or entry.ufilters:
        raise ValueError(f"{entry.name}: readings are computed for a chunk whose pipeline is SHUFFLE alone")
    if reading not in READINGS:
        raise ValueError(f"unknown reading {reading!r} (known: {', '.join(READINGS)})")
    chunk = bytearray(read_chunk(entry, directory))
    header = chunkformat.parse_header(bytes(chunk))
    slot = header.filters.index(1)
    meta, typesize = header.filters_meta[slot], header.typesize
    chunk[_FILTERS_AT + slot] = 0  # NOFILTER: the reference returns the bytes the codec decoded
    codecs, versions = dict(registry.ucodecs_registry), dict(registry._versions)  # the caller's stay as they are
    registry.ucodecs_registry.pop(entry.codec.id, None)
    try:
        registry.register_codec(entry.codec.name, entry.codec.id, *entry.codec.load(), entry.codec.version)
        raw = np.frombuffer(chunkformat.decompress_chunk(bytes(chunk)), dtype=np.uint8)
    finally:
        registry.ucodecs_registry.clear()
        registry.ucodecs_registry.update(codecs)
        registry._versions.clear()
        registry._versions.update(versions)
    out = []
    for start in range(0, raw.size, header.blocksize):
        block = raw[start:start + header.blocksize]
        if reading == "shuffle-meta-groups":
            block = filters.unshuffle(block, meta or typesize)
        else:
            for _ in range(meta + 1 if reading == "shuffle-meta-repeats" else 1):
                block = filters.unshuffle(block, typesize)
        out.append(block.tobytes())
    return b"".join(out)


#: Where the extended chunk header holds its six filter ids.
_FILTERS_AT = 16


def decode_vector(adapter: Adapter, entry: Entry, directory: Path | str | None = None,
                  workdir: Path | str | None = None, *, register: bool = True,
                  open_with_params: bool = False) -> bytes:
    """Decode a vector with ``adapter``, registering its codec (and user filters) first; return every decoded byte.

    A chunk is appended as is (``Container.append_chunk``) to a container the adapter creates with
    the entry's parameters, then decompressed. A frame is
    copied into ``workdir`` (default: a temporary directory) and opened there with
    ``adapter.open``, so the golden files are never written to; every chunk is decompressed. A frame is
    opened with the plain ``open(path)``, or with ``open_with_params`` with the entry's parameters and one
    thread (a workaround, see ``udcodec.checks.common.OPEN_WITH_WRITTEN_PARAMS``). An ``ndarray`` is opened
    the same way with ``adapter.nd_open`` and read whole (``[...]``), its items' bytes in C order.
    ``register=False``: the codec is registered already. The content of an ``uninit`` special vector is
    undefined: it is returned as that many zero bytes (its recipe), so only its length is compared.
    The adapter reads as it reads everything: a vector of several meanings (``Entry.other_readings``) may come
    out as another reading than its writer's.
    """
    data = _decode(adapter, entry, directory, workdir, register=register, open_with_params=open_with_params)
    return bytes(len(data)) if entry.special == "uninit" else data


def _decode(adapter: Adapter, entry: Entry, directory: Path | str | None, workdir: Path | str | None, *,
            register: bool, open_with_params: bool) -> bytes:
    if register:
        entry.codec.register(adapter)
        for ufilter in entry.ufilters:
            ufilter.register(adapter)
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
        if entry.kind == "ndarray":
            nd = (adapter.nd_open(str(copy), dparams, entry.params.cparams()) if open_with_params
                  else adapter.nd_open(str(copy)))
            try:
                return np.ascontiguousarray(nd.read(...)).tobytes()
            finally:
                nd.close()
        opened = (adapter.open(str(copy), dparams, entry.params.cparams()) if open_with_params
                  else adapter.open(str(copy)))
        try:
            return b"".join(opened.decompress_chunk(i) for i in range(opened.nchunks))
        finally:
            opened.close()


