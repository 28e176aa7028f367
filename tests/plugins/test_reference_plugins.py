"""The reference loads compiled codec and filter plugins as c-blosc2 does, and python-blosc2 reads what it writes."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import udcodec.reference as ref
from tinyplugin import FILTER_SOURCE, build
from udcodec.contract import load_contract
from udcodec.engine.runner import execute
from udcodec.outcomes import Outcome
from udcodec.profiles import get_profile

CODEC_ID, FILTER_ID = 201, 230


@pytest.fixture
def site(plugins: Path) -> Iterator[Path]:
    """The plugin folder (``plugins``), with the reference's registry empty before and after."""
    ref._reset_registry()
    yield plugins
    ref._reset_registry()


def _data() -> np.ndarray:
    return np.repeat(np.arange(40, dtype=np.int32), 250)


def test_a_codec_plugin_round_trips_and_its_frame_opens_in_python_blosc2(site: Path, tmp_path: Path) -> None:
    build(site, "udctiny")
    ref.register_codec("udctiny", CODEC_ID)
    data, path = _data(), tmp_path / "tiny.b2frame"
    schunk = ref.SChunk(chunksize=data.nbytes, cparams={"codec": CODEC_ID, "typesize": 4}, urlpath=str(path), mode="w")
    schunk.append_data(data)
    assert schunk.cbytes < data.nbytes / 2, "the run-length plugin compressed nothing: it was not called"
    assert np.array_equal(np.frombuffer(schunk.decompress_chunk(0), np.int32), data)
    pytest.importorskip("blosc2")
    code = ("import sys, numpy as np, blosc2; blosc2.register_codec('udctiny', 201); "
            "s = blosc2.open(sys.argv[1]); d = np.frombuffer(s.decompress_chunk(0), np.int32); "
            "print(s.cparams.codec if hasattr(s.cparams, 'codec') else s.cparams['codec'], int(d.sum()))")
    got = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, env=os.environ,
                         check=True)
    assert got.stdout.split()[-1] == str(int(data.sum()))


def test_a_plugin_gets_the_chunks_parameters(site: Path) -> None:
    build(site, "udcecho", "ECHO_PARAMS")
    ref.register_codec("udcecho", CODEC_ID)
    schunk = ref.SChunk(chunksize=4096, cparams=ref.CParams(
        codec=CODEC_ID, codec_meta=7, clevel=6, typesize=2, blocksize=1024, splitmode=ref.SplitMode.NEVER_SPLIT,
        filters=[ref.Filter.SHUFFLE], filters_meta=[0], nthreads=1))
    schunk.append_data(bytes(range(256)) * 16)
    chunk = schunk.get_chunk(0)
    first = chunk[32 + 4 * 4 + 4:][:10]  # the first block's stream: after the header, 4 block starts, its size
    # typesize, clevel, split mode, last filter slot, meta, codec id, a super-chunk?, chunk is the block, blocksize, length
    assert list(first) == [2, 6, 2, 0, 7, CODEC_ID, 0, 1, 1024 & 0xFF, 1024 & 0xFF]


@pytest.mark.parametrize(("define", "words"), [
    ("NO_INFO", "exports no `info` symbol"),
    ("WRONG_NAMES", "which the library does not define"),
    ("UNRESOLVED", "undefined symbol: blosc2_udcodec_no_such_function"),
])
def test_a_broken_plugin_fails_its_first_use_with_one_clear_error(site: Path, define: str, words: str) -> None:
    build(site, "udcbroken", define)
    ref.register_codec("udcbroken", CODEC_ID)
    schunk = ref.SChunk(chunksize=4096, cparams={"codec": CODEC_ID, "typesize": 1})
    with pytest.raises(RuntimeError) as caught:
        schunk.append_data(np.zeros(4096, np.uint8) + 3)
    assert "'udcbroken' (id 201)" in str(caught.value) and words in str(caught.value)
    assert schunk.nchunks == 0


def test_a_package_without_print_libpath_is_not_called_missing(site: Path) -> None:
    (site / "blosc2_udcnolib").mkdir()
    (site / "blosc2_udcnolib" / "__init__.py").write_text("")
    ref.register_codec("udcnolib", CODEC_ID)
    with pytest.raises(RuntimeError) as caught:
        ref.SChunk(chunksize=4096, cparams={"codec": CODEC_ID, "nthreads": 1}).append_data(b"x" * 4096)
    assert "not installed" not in str(caught.value)
    assert "blosc2_udcnolib.print_libpath() failed: AttributeError" in str(caught.value)


def test_a_plugin_that_is_not_installed_names_the_failed_search(site: Path) -> None:
    ref.register_codec("udcodec_absent", CODEC_ID)
    with pytest.raises(RuntimeError, match=r"it is not installed: libblosc2_udcodec_absent\.so is not on the library path and "
                                           r"blosc2_udcodec_absent\.print_libpath\(\) failed: ModuleNotFoundError"):
        ref.SChunk(chunksize=4096, cparams={"codec": CODEC_ID, "nthreads": 1}).append_data(b"x" * 4096)


def test_a_filter_plugin_round_trips_and_python_blosc2_reads_its_frame(site: Path, tmp_path: Path) -> None:
    build(site, "udcfilt", source=FILTER_SOURCE)
    ref.register_filter(FILTER_ID, None, None, "udcfilt")
    data, path = _data(), tmp_path / "filt.b2frame"
    schunk = ref.SChunk(chunksize=data.nbytes, cparams={"codec": ref.Codec.LZ4, "typesize": 4, "nthreads": 1,
                                                          "filters": [FILTER_ID], "filters_meta": [4]},
                        urlpath=str(path), mode="w")
    schunk.append_data(data)
    assert np.array_equal(np.frombuffer(schunk.decompress_chunk(0), np.int32), data)
    pytest.importorskip("blosc2")
    code = ("import sys, numpy as np, blosc2; blosc2.register_filter(230, None, None, 'udcfilt'); "
            "s = blosc2.open(sys.argv[1], dparams={'nthreads': 1}); print(int(np.frombuffer(s.decompress_chunk(0), np.int32).sum()))")
    got = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, env=os.environ,
                         check=True)
    assert got.stdout.split()[-1] == str(int(data.sum()))


def test_a_filter_plugin_forward_gets_the_containers_typesize(site: Path) -> None:
    build(site, "udcfecho", "ECHO_TYPESIZE", source=FILTER_SOURCE)
    ref.register_filter(FILTER_ID, None, None, "udcfecho")
    schunk = ref.SChunk(chunksize=4096, cparams={"codec": ref.Codec.LZ4, "typesize": 4, "nthreads": 1,
                                                 "filters": [FILTER_ID], "filters_meta": [0]})
    schunk.append_data(np.arange(1024, dtype=np.int32))
    # forward wrote the typesize into every byte; backward subtracts meta + 1
    assert set(schunk.decompress_chunk(0)) == {3}


@pytest.mark.parametrize("clause", ["PLUG-INSTALLED", "PLUG-NAME-NO-PATH", "FILTER-PLUGIN-INSTALLED",
                                    "FILTER-PLUGIN-NO-PATH"])
def test_without_a_working_c_compiler_the_compiling_clauses_say_why_they_are_not_applicable(
        clause: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    for name in ("cc", "gcc"):
        (fake / name).write_text("#!/bin/sh\necho 'cc: fatal error: no compiler here' >&2\nexit 1\n")
        (fake / name).chmod(0o755)
    monkeypatch.setenv("PATH", os.pathsep.join([str(fake), os.environ["PATH"]]))
    profile = dataclasses.replace(get_profile("dev"), derandomize=True)
    result = execute("reference", "reference", load_contract().get(clause), profile)
    assert result.outcome is Outcome.NOT_APPLICABLE, result.message
    assert "the C compiler failed" in result.message and "no compiler here" in result.message
