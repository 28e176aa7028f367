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
"""

from udcodec.golden.generate import CODECS, PLANS, GenerateReport, Plan, generate
from udcodec.golden.manifest import (
    Entry,
    GoldenError,
    GoldenMismatch,
    Manifest,
    default_golden_dir,
    load_manifest,
    write_manifest,
)
from udcodec.golden.recipes import RECIPES
from udcodec.golden.vectors import (
    decode_vector,
    expected_bytes,
    path_sha256,
    read_chunk,
    tree_sha256,
    verify_content,
    verify_file,
)

__all__ = [
    "CODECS", "PLANS", "RECIPES", "Entry", "GenerateReport", "GoldenError", "GoldenMismatch", "Manifest", "Plan",
    "decode_vector", "default_golden_dir", "expected_bytes", "generate", "load_manifest", "path_sha256",
    "read_chunk", "tree_sha256", "verify_content", "verify_file", "write_manifest",
]
