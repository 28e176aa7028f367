"""python-blosc2 4.14.1's user-codec tests, examples and tutorial, run unchanged on python-blosc2 and on
the reference (``upstream_run.py``); every failure on the reference is a documented exception."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from upstream_run import (
    EXCEPTIONS,
    FILES,
    PROVENANCE,
    SHIM,
    UPSTREAM,
    Exception_,
    Outcome,
    compare,
    load_exceptions,
    run_both,
    run_file,
    sha256,
    summary_line,
)


def provenance_hashes() -> dict[str, str]:
    """``path -> sha256`` from the table of PROVENANCE.md (rows: | `path` | `in sdist` | `sha256` |)."""
    rows = re.findall(r"^\| `([^`]+)` \| `[^`]+` \| `([0-9a-f]{64})` \|", PROVENANCE.read_text(), re.M)
    return dict(rows)


def test_committed_files_are_the_release_files():
    hashes = provenance_hashes()
    assert set(hashes) == {*FILES, "LICENSE.txt"}
    for rel, digest in hashes.items():
        assert sha256(UPSTREAM / rel) == digest, f"{rel} differs from the file in the sdist"


def test_exceptions_file_is_well_formed():
    entries, problems = load_exceptions()
    assert problems == []
    assert entries, "the exceptions file lists nothing"


def test_a_malformed_exceptions_file_is_reported(tmp_path):
    bad = tmp_path / "exceptions.yaml"
    bad.write_text(EXCEPTIONS.read_text().replace("clause: PLUG-ID-SHARED", "clause: NO-SUCH-CLAUSE", 1)
                   + '  - id: "examples/nowhere.py"\n    clause: REG-ID-RANGE\n    reason: "a\\nb"\n    failure: x\n'
                   + '  - {id: "examples/ucodecs.py", reason: no clause}\n'
                   + '  - {id: "examples/ucodecs.py", clause: REG-ID-RANGE, reason: r, failure: ""}\n')
    _entries, problems = load_exceptions(bad)
    assert any("NO-SUCH-CLAUSE" in p for p in problems)
    assert any("examples/nowhere.py is not in an upstream file" in p for p in problems)
    assert any("one line" in p for p in problems)
    assert any("needs exactly id, clause, reason and failure" in p for p in problems)
    assert any("failure must name a piece" in p for p in problems)


def test_compare_names_every_kind_of_problem():
    exc = {
        "f.py::stale": Exception_("f.py::stale", "REG-ID-RANGE", "r", "x"),
        "f.py::gone": Exception_("f.py::gone", "REG-ID-RANGE", "r", "x"),
        "f.py::expected": Exception_("f.py::expected", "REG-ID-RANGE", "r", "KeyError"),
        "f.py::other": Exception_("f.py::other", "REG-ID-RANGE", "r", "KeyError"),
    }
    b2 = [Outcome("f.py::ok", "pass"), Outcome("f.py::stale", "pass"), Outcome("f.py::expected", "pass"),
          Outcome("f.py::new", "pass"), Outcome("f.py::other", "pass"), Outcome("f.py::b2only", "fail", "boom")]
    ref = [Outcome("f.py::ok", "pass"), Outcome("f.py::stale", "pass"), Outcome("f.py::expected", "fail", "KeyError: 1"),
           Outcome("f.py::new", "fail", "TypeError"), Outcome("f.py::other", "fail", "ValueError: 2")]
    problems = compare("f.py", b2, ref, exc)
    assert problems == [
        "f.py::b2only ran on python-blosc2 only",
        "f.py::b2only does not pass on python-blosc2 (not run faithfully?): fail boom",
        "stale exception: f.py::stale passes on the reference (clause REG-ID-RANGE: r)",
        "f.py::new fails on the reference and is no documented exception: TypeError",
        "f.py::other fails on the reference for another reason than its exception ('KeyError' not in the "
        "message): ValueError: 2",
        "exception f.py::gone names no test that ran",
    ]
    assert compare("f.py", b2[:4], [*ref[:3], Outcome("f.py::new", "pass")],
                   {k: v for k, v in exc.items() if k == "f.py::expected"}) == []


@pytest.fixture
def blosc2_4():
    blosc2 = pytest.importorskip("blosc2")
    if not blosc2.__version__.startswith("4."):
        pytest.skip(f"the upstream files are python-blosc2 4.14.1's; python-blosc2 {blosc2.__version__} is installed")
    return blosc2


@pytest.mark.slow
@pytest.mark.parametrize("rel", FILES)
def test_upstream_file(rel, tmp_path, blosc2_4):
    """Passes on python-blosc2 4.x; on the reference too, apart from the documented exceptions."""
    exceptions, problems = load_exceptions()
    on_blosc2, on_reference = run_both(rel, tmp_path)
    assert on_blosc2, f"{rel} ran no test"
    print(summary_line(rel, on_blosc2, on_reference, exceptions))
    assert problems + compare(rel, on_blosc2, on_reference, exceptions) == []


BROKEN_SHIM = '''\
import sys

import numpy as np
import udcodec.reference as ref


class SChunk(ref.SChunk):
    def get_slice(self, start=0, stop=None, out=None):  # flips the last byte it returns
        data = bytearray(super().get_slice(start, stop))
        data[-1] ^= 0xFF
        if out is None:
            return bytes(data)
        np.frombuffer(memoryview(out).cast("B"), dtype=np.uint8)[:len(data)] = np.frombuffer(data, np.uint8)


ref.SChunk = SChunk
sys.modules[__name__] = ref
'''


#: The upstream test that registers one plugin twice: PLUG-ID-SHARED refuses it on the reference.
PLUGIN_TWICE = "tests/test_ucodecs.py::test_dynamic_ucodecs_error[cparams1-dparams1]"


@pytest.mark.slow
def test_a_broken_reference_fails_the_upstream_tests(tmp_path):
    shim = tmp_path / "shim"
    (shim / "blosc2").mkdir(parents=True)
    (shim / "blosc2" / "__init__.py").write_text(BROKEN_SHIM)
    outcomes = run_file("tests/test_ucodecs.py", "reference", tmp_path / "run", shim=shim)
    failed = {o.id for o in outcomes if o.outcome == "fail"} - {PLUGIN_TWICE}  # that one is an exception
    assert len(outcomes) == 16 and len(failed) == 12
    assert all("::test_ucodecs[" in oid for oid in failed)
    exceptions, _ = load_exceptions()
    problems = compare("tests/test_ucodecs.py", [Outcome(o.id, "pass") for o in outcomes], outcomes, exceptions)
    assert len(problems) == 12 and all("no documented exception" in p for p in problems)
    script = run_file("examples/ucodecs.py", "reference", tmp_path / "script", shim=shim)
    assert [o.outcome for o in script] == ["fail"]


def test_the_shim_is_the_reference(tmp_path):
    import subprocess
    import sys

    from upstream_run import SHIM, _env

    code = "import blosc2, udcodec.reference as r; assert blosc2 is r, blosc2; print(blosc2.SChunk.__module__)"
    proc = subprocess.run([sys.executable, "-c", code], env=_env("reference", SHIM), cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "udcodec.reference.schunk"
    assert Path(SHIM, "blosc2", "__init__.py").exists()


@pytest.mark.slow
def test_strict_mode_refuses_what_the_upstream_tests_rely_on(tmp_path, monkeypatch):
    """Under UDCODEC_REFERENCE_STRICT=1 the float blocksize is refused again (12 tests); with the plugin
    registered twice (refused in either mode, PLUG-ID-SHARED) 3 of the 16 pass."""
    monkeypatch.setenv("UDCODEC_REFERENCE_STRICT", "1")
    outcomes = run_file("tests/test_ucodecs.py", "reference", tmp_path)
    failed = {o.id.split("::")[1]: o.message for o in outcomes if o.outcome == "fail"}
    assert len(outcomes) == 16 and len(failed) == 13
    assert sum("blocksize must be an integer" in m for m in failed.values()) == 12
    assert "already registered" in failed["test_dynamic_ucodecs_error[cparams1-dparams1]"]


def test_the_shims_submodules_are_the_references_own():
    """``from blosc2.ndarray import NDArray`` (as python-blosc2's test_getitem writes) gives ``blosc2.NDArray``:
    a second copy of the module would hold other classes, and its registry another registry."""
    code = ("import blosc2, udcodec.reference as ref\n"
            "from blosc2.ndarray import NDArray\n"
            "from blosc2 import registry\n"
            "print(blosc2 is ref, NDArray is ref.NDArray, isinstance(blosc2.zeros((4,)), NDArray),"
            " registry is ref.registry)\n")
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(SHIM)},
                         capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["True"] * 4, out.stdout + out.stderr
