"""The ``cblosc2`` adapter: c-blosc2's C API through ctypes, over the python-blosc2 wheel's libblosc2.

Struct layouts against a C compiler's, the protocol operations, the mapping of error codes and
callback failures, the Python-API-only clauses as ``n/a``, and every recorded divergence
reproduced by its ctypes snippet.
"""

from __future__ import annotations

import ctypes
import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import adapter_smoke as smoke
import numpy as np
import pytest
import yaml

try:
    from udcodec.adapters import cblosc2_lib as C

    C.library_path()
    HAS_LIB = True
except ImportError:
    HAS_LIB = False

pytestmark = pytest.mark.skipif(not HAS_LIB, reason="no libblosc2 (python-blosc2's wheel) to load")

EXPECTATIONS = Path(__file__).resolve().parents[2] / "adapters" / "expectations" / "cblosc2.yaml"
STRUCTS = {"blosc2_cparams": "CParamsC", "blosc2_dparams": "DParamsC", "blosc2_storage": "StorageC",
           "blosc2_codec": "CodecC", "blosc2_filter": "FilterC"}


@pytest.fixture
def adapter() -> Any:
    yield smoke.load("cblosc2")
    smoke.SEEN.clear()


def test_struct_layouts_match_the_header(tmp_path: Path) -> None:
    """Every field offset and struct size of cblosc2_lib equals what a C compiler makes of blosc2.h."""
    cc = shutil.which("cc") or shutil.which("gcc")
    include = C.library_path().parent.parent / "include"
    if cc is None or not (include / "blosc2.h").exists():
        pytest.skip("needs a C compiler and the wheel's include/blosc2.h")
    types = {**{c: getattr(C, py) for c, py in STRUCTS.items()}, "blosc2_schunk": C.SChunkC,
             "b2nd_array_t": C.B2ndArrayC, "struct chunk_cache_s": C.ChunkCacheC}
    lines = ["#include <stdio.h>", "#include <stddef.h>", '#include "blosc2.h"', '#include "b2nd.h"', "int main(void) {"]
    for ctype, pytype in types.items():
        if ctype != "blosc2_schunk":  # declared only up to dctx: offsets, not the size
            lines.append(f'printf("{ctype} size %zu\\n", sizeof({ctype}));')
        for name, *_ in pytype._fields_:
            lines.append(f'printf("{ctype} {name} %zu\\n", offsetof({ctype}, {name}));')
    source = tmp_path / "layout.c"
    source.write_text("\n".join([*lines, "return 0; }"]) + "\n", encoding="utf-8")
    exe = tmp_path / "layout"
    subprocess.run([cc, f"-I{include}", f"-I{include / 'blosc2'}", "-fsyntax-only", str(source)], check=True)
    # blosc2.h defines static inline helpers that call the library: link it.
    subprocess.run([cc, f"-I{include}", f"-I{include / 'blosc2'}", str(source), "-o", str(exe),
                    f"-L{C.library_path().parent}", "-lblosc2", f"-Wl,-rpath,{C.library_path().parent}"], check=True)
    expected = {}
    for line in subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.splitlines():
        ctype, name, value = line.rsplit(" ", 2)
        expected[ctype, name] = int(value)
    got = {}
    for ctype, pytype in types.items():
        if ctype != "blosc2_schunk":
            got[ctype, "size"] = ctypes.sizeof(pytype)
        for name, *_ in pytype._fields_:
            got[ctype, name] = getattr(pytype, name).offset
    assert got == expected


@pytest.mark.parametrize("check", sorted(set(smoke.CHECKS) - {"errors_pass_through"}))
def test_protocol_operations(adapter: Any, check: str, tmp_path: Path) -> None:
    smoke.CHECKS[check](adapter, tmp_path)


def test_info_names_the_c_api(adapter: Any) -> None:
    info = adapter.info()
    assert (info.implementation, info.api) == ("c-blosc2", "c")
    assert info.version[0].isdigit()


def test_error_codes_become_exceptions(adapter: Any) -> None:
    """C's codes surface as the table says; values C cannot hold are refused before C sees them."""
    cid = smoke.register(adapter, "memcpy")
    with pytest.raises(C.CBlosc2ValueError) as low:
        adapter.register_codec("low", 159, smoke.memcpy_encoder, smoke.memcpy_decoder)
    with pytest.raises(C.CBlosc2ValueError) as dup:
        adapter.register_codec("dup", cid, smoke.memcpy_encoder, smoke.memcpy_decoder)
    assert low.value.code is not None and low.value.code < 0 and dup.value.code is not None
    assert "blosc2_register_codec failed: BLOSC2_ERROR_" in str(dup.value)
    with pytest.raises(ValueError, match="uint8_t") as high:
        adapter.register_codec("high", 256, smoke.memcpy_encoder, smoke.memcpy_decoder)
    assert not isinstance(high.value, C.CBlosc2Error)
    with pytest.raises(C.CBlosc2RuntimeError, match="blosc2_schunk_open failed: NULL"):
        adapter.open("/nonexistent/udcodec.b2frame", smoke.DParams())
    assert isinstance(C.error_for("f", -15), OSError) and isinstance(C.error_for("f", -3), RuntimeError)
    assert set(C.ERROR_NAMES) == set(range(-37, 0))


def test_a_failing_callback_is_the_cause_and_nothing_is_stored(adapter: Any) -> None:
    def encoder(input: Any, output: Any, meta: int, container: Any) -> int:
        raise KeyError("from the encoder")

    cid = smoke.next_id(adapter)
    adapter.register_codec("raises", cid, encoder, smoke.memcpy_decoder)
    container = adapter.create(smoke.params(cid), smoke.DParams(), smoke.CHUNK)
    with pytest.raises(C.CBlosc2Error) as caught:
        container.append(smoke.DATA[: smoke.CHUNK])
    assert isinstance(caught.value.__cause__, KeyError)
    assert container.nchunks == 0


def test_a_slice_past_the_end_stops_at_the_end(adapter: Any) -> None:
    """The protocol slices as Python does; blosc2_schunk_get_slice_buffer itself refuses a stop past the end."""
    cid = smoke.next_id(adapter)
    adapter.register_codec("memcpy", cid, smoke.memcpy_encoder, smoke.memcpy_decoder)
    container = adapter.create(smoke.params(cid), smoke.DParams(), smoke.CHUNK)
    container.append(smoke.DATA[: smoke.CHUNK])
    items = smoke.CHUNK // 4  # typesize 4
    assert container.get_slice(items - 2, items + 5) == smoke.DATA[smoke.CHUNK - 8 : smoke.CHUNK]


def test_callbacks_get_numpy_views_meta_and_the_container(adapter: Any) -> None:
    seen: list[tuple[Any, ...]] = []

    def encoder(input: np.ndarray, output: np.ndarray, meta: int, container: Any) -> int:
        seen.append((input.dtype, input.flags.writeable, output.flags.writeable, meta, container))
        return smoke.memcpy_encoder(input, output, meta, container)

    cid = smoke.next_id(adapter)
    adapter.register_codec("seen", cid, encoder, smoke.memcpy_decoder)
    container = adapter.create(smoke.params(cid, codec_meta=7), smoke.DParams(), smoke.CHUNK)
    container.append(smoke.DATA[: smoke.CHUNK])
    assert seen and all(s[:4] == (np.uint8, False, True, 7) and s[4] is container for s in seen)
    outside = adapter.compress_outside(smoke.DATA[: smoke.CHUNK], smoke.params(cid))
    assert outside and seen[-1][4] is None  # no super-chunk: no container


def test_filters_get_numpy_views_meta_and_the_container_and_round_trip(adapter: Any) -> None:
    seen: list[tuple[Any, ...]] = []

    def forward(input: np.ndarray, output: np.ndarray, meta: int, container: Any) -> None:
        seen.append((input.dtype, input.flags.writeable, output.flags.writeable, input.size == output.size, meta,
                     container))
        output[:] = input + np.uint8(meta)

    def backward(input: np.ndarray, output: np.ndarray, meta: int, container: Any) -> None:
        output[:] = input - np.uint8(meta)

    adapter.register_filter(199, forward, backward)
    cparams = dataclasses.replace(smoke.params(4), filters=("199",), filters_meta=(9,))  # ZLIB after filter 199
    container = adapter.create(cparams, smoke.DParams(), smoke.CHUNK)
    data = smoke.DATA[: smoke.CHUNK]
    container.append(data)
    assert container.decompress_chunk(0) == data
    assert seen and all(s[:5] == (np.uint8, False, True, True, 9) and s[5] is container for s in seen)


def _entries() -> list[Any]:
    if not EXPECTATIONS.exists():
        return []
    entries = yaml.safe_load(EXPECTATIONS.read_text(encoding="utf-8"))["expectations"]
    return [pytest.param(e["reproduction"], id=e["clause"]) for e in entries]


@pytest.mark.slow
@pytest.mark.parametrize("snippet", _entries())
def test_every_divergence_reproduces(snippet: str, tmp_path: Path) -> None:
    """Each reproduction is a program that exits 0 exactly when c-blosc2 shows the divergence."""
    proc = subprocess.run([sys.executable, "-c", snippet], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


@pytest.mark.slow
def test_python_api_clauses_are_not_applicable_on_the_c_api(tmp_path: Path) -> None:
    """A real run: REG-ID-TYPE (python_api) is n/a on cblosc2 and checked on the reference; RT-CHUNKS passes on both."""
    report = tmp_path / "r.json"
    proc = subprocess.run([sys.executable, "-m", "udcodec.cli", "run", "--adapter", "cblosc2", "--adapter", "reference",
                           "--only", "REG-ID-TYPE", "--only", "RT-CHUNKS", "--profile", "dev", "--report-json", str(report)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    outcomes = {(r["adapter"], r["clause"]): (r["outcome"], r.get("message", ""))
                for r in json.loads(report.read_text(encoding="utf-8"))["results"]}
    assert outcomes["cblosc2", "REG-ID-TYPE"][0] == "n/a"
    assert "Python API only" in outcomes["cblosc2", "REG-ID-TYPE"][1]
    assert outcomes["reference", "REG-ID-TYPE"][0] == "pass"
    assert outcomes["cblosc2", "RT-CHUNKS"][0] == outcomes["reference", "RT-CHUNKS"][0] == "pass"


def test_the_shipped_expectations_are_the_default_and_name_applicable_clauses() -> None:
    """cblosc2.yaml is the adapter's default file; each entry names a host clause that is not python_api (those are n/a)."""
    from udcodec.adapters.loader import expectations_path
    from udcodec.contract import load_contract
    from udcodec.expectations.model import load_expectations

    assert expectations_path("cblosc2").read_bytes() == EXPECTATIONS.read_bytes()  # the installed copy, or this one
    expectations = load_expectations(EXPECTATIONS)
    assert expectations.adapter == "cblosc2" and expectations.entries
    clauses = {c.id: c for c in load_contract()}
    for entry in expectations.entries:
        clause = clauses[entry.clause]
        assert clause.subject == "host" and clause.python_api is None, entry.clause
        assert entry.reason.strip() and "\n" not in entry.reason.strip()


def test_a_library_of_another_c_blosc2_line_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(C, "_LIB", None)
    monkeypatch.setattr(C, "DECLARED_MAJOR", 99)
    with pytest.raises(ImportError, match="declares c-blosc2 99.x's structs"):
        C.load()
