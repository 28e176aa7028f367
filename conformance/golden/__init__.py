"""Golden vectors: chunks, frames and NDArrays written by python-blosc2 with known user codecs.

The vectors live in ``spec/golden/`` (bundled as package data) next to ``manifest.yaml``, which
describes each one: how it was made (library version, neutral compression parameters, the codec
and how to register it) and what it decodes to (a named data *recipe*, its size and sha256).

Kinds of vector:

* ``chunk``: one Blosc2 chunk, exactly as ``SChunk.get_chunk`` returned it (a file);
* ``frame``: a contiguous frame (one file), an ``SChunk`` persisted with ``contiguous=True``;
* ``sframe``: a sparse frame (a directory), an ``SChunk`` persisted with ``contiguous=False``;
* ``ndarray``: an NDArray's frame (one file, ``asarray(..., urlpath=...)``), with its geometry in the entry.

The ``sha256`` of a file is that of its bytes. That of a directory is :func:`tree_sha256`: the
sha256 of, for every regular file below it in sorted order of its relative POSIX path, the path
(UTF-8), a NUL byte, the file size as 8 bytes big-endian, and the file's bytes.

Recipes (:data:`RECIPES`) are part of the format: a recipe's bytes must never change (add a new
name instead). :func:`generate` rebuilds the vectors of the installed python-blosc2 major and
merges them into a manifest, refusing to overwrite a vector whose bytes changed unless forced.
Vector bytes also depend on the codec's own output (the zlib examples use the Python's zlib), so
regenerate on a platform that produced the committed ones.

One combination of parameters has several meanings in the chunk format (:data:`READINGS`: SHUFFLE with a
nonzero filters_meta, which python-blosc2 2.0.0 - 2.2.4 undo meta + 1 times, 2.2.5 - 4.0.0 as if the meta were
0 and 4.1.0 on as a byte-group size, with nothing in the header to tell them apart). Such an entry also records, as
``other_readings``, what every reading but its writer's decodes it to.
"""

from udcodec.golden.generate import CODECS, PLANS, GenerateReport, Plan, generate, other_readings
from udcodec.golden.manifest import (
    READINGS,
    Entry,
    GoldenError,
    GoldenMismatch,
    Manifest,
    Reading,
    default_golden_dir,
    load_manifest,
    reading_of,
    write_manifest,
)
from udcodec.golden.recipes import RECIPES
from udcodec.golden.vectors import (
    decode_vector,
    expected_bytes,
    path_sha256,
    read_chunk,
    reading_bytes,
    tree_sha256,
    verify_content,
    verify_file,
)

__all__ = [
    "CODECS", "PLANS", "READINGS", "RECIPES", "Entry", "GenerateReport", "GoldenError", "GoldenMismatch", "Manifest",
    "Plan", "Reading", "decode_vector", "default_golden_dir", "expected_bytes", "generate", "load_manifest",
    "other_readings", "path_sha256", "read_chunk", "reading_bytes", "reading_of", "tree_sha256", "verify_content",
    "verify_file", "write_manifest",
]
