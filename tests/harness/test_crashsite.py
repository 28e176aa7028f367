"""Where a crash happened, as a crash report names it (``udcodec.crashsite``): from faulthandler's real output."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import udcodec.testcodecs
from udcodec.crashsite import crash_site


def _crash(tmp_path: Path, body: str) -> str:
    """The stderr of a script ``crashing.py`` that runs ``body`` under faulthandler and dies."""
    script = tmp_path / "crashing.py"
    script.write_text("import ctypes, faulthandler, os\nfaulthandler.enable()\n" + body, encoding="utf-8")
    got = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert got.returncode < 0, got
    return got.stderr


def test_an_abort_names_the_frame_and_what_the_process_printed_last(tmp_path: Path) -> None:
    tail = _crash(tmp_path, "def f():\n    os.write(2, b'free(): double free detected\\n')\n    os.abort()\nf()\n")
    assert crash_site(tail) == ' under crashing.py:5 in f, after it printed "free(): double free detected"'


def test_a_crash_in_the_standard_library_names_its_caller_too(tmp_path: Path) -> None:
    tail = _crash(tmp_path, "def read():\n    ctypes.string_at(0)\nread()\n")
    site = crash_site(tail)
    assert site.startswith(" under ctypes/__init__.py:"), site
    assert site.endswith(" in string_at, called from crashing.py:4 in read"), site


def test_the_harness_own_lines_are_not_the_last_words(tmp_path: Path) -> None:
    tail = _crash(tmp_path, "os.write(2, b'udcodec: doing: reading\\n')\nctypes.string_at(0)\n")
    assert "after it printed" not in crash_site(tail)


def test_a_harness_codec_is_named_with_the_host_frame_that_called_it() -> None:
    """A harness test codec crashing (a host handed it freed memory) is not the implementation's code: the report
    names the host's frame that called it too."""
    codec = Path(udcodec.testcodecs.__file__)
    host = Path(sysconfig.get_paths()["purelib"], "blosc2", "schunk.py")
    tail = ("udcodec: doing: appending\nFatal Python error: Segmentation fault\n\n"
            "Thread 0x00007f0000000001 (most recent call first):\n  File \"/x/threading.py\", line 1 in wait\n\n"
            "Current thread 0x00007f0000000002 (most recent call first):\n"
            f'  File "{codec}", line 35 in zlib_encoder\n  File "{host}", line 717 in append_data\n\n'
            "Extension modules: numpy.core._multiarray_umath (total: 1)\n")
    expected = " under udcodec/testcodecs.py:35 in zlib_encoder, called from blosc2/schunk.py:717 in append_data"
    assert crash_site(tail) == expected


def test_a_thread_without_python_code_and_a_cut_stack() -> None:
    no_python = "Fatal Python error: Segmentation fault\n\nCurrent thread 0x00007f0000000003 (most recent call first):\n  <no Python frame>\n"
    assert crash_site(no_python) == " in a thread running no Python code"
    assert crash_site("...cut\n  File \"x.py\", line 3 in f\n") == ""
    assert crash_site(None) == ""


def test_the_test_runner_is_not_named_as_the_caller() -> None:
    """A crash in C called from an adapter (harness code) has no implementation frame above it: pytest's frames, which
    run every check, are the harness's and are not named."""
    import _pytest.runner
    import udcodec.adapters.cblosc2

    tail = ("Fatal Python error: Floating point exception\n\nCurrent thread 0x00007f0000000004 (most recent call first):\n"
            f'  File "{udcodec.adapters.cblosc2.__file__}", line 443 in call\n'
            f'  File "{_pytest.runner.__file__}", line 184 in pytest_runtest_call\n\n')
    assert crash_site(tail) == " under udcodec/adapters/cblosc2.py:443 in call"
