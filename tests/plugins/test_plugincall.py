"""The direct caller of compiled plugins (``udcodec.plugincall``): guarded outputs and the parameters it passes."""

from __future__ import annotations

import ctypes
import subprocess
import sys
from pathlib import Path

import pytest
from tinyplugin import build
from udcodec.plugincall import MARGIN, GuardedBuffer

LINUX = sys.platform.startswith("linux")


def test_writes_inside_the_output_are_not_an_overrun() -> None:
    with GuardedBuffer(10) as out:
        ctypes.memset(out.start, 0x11, 10)
        assert out.overrun() is None and out.read() == b"\x11" * 10


def test_a_write_past_the_end_says_where() -> None:
    with GuardedBuffer(10, slack=32) as out:
        ctypes.memset(out.start + 12, 0x11, 3)
        assert out.overrun() == "wrote 3 byte(s) past the end of its 10-byte output (first at output[12])"


def test_a_write_before_the_start_says_where() -> None:
    with GuardedBuffer(10) as out:
        ctypes.memset(out.start - 2, 0x11, 1)
        assert out.overrun() == "wrote 1 byte(s) before the start of its output (first at output[-2])"


@pytest.mark.skipif(not LINUX, reason="the inaccessible page is mapped on Linux only")
def test_a_write_past_the_margin_faults_on_the_guard_page() -> None:
    code = ("import ctypes\nfrom udcodec.plugincall import GuardedBuffer, MARGIN\nout = GuardedBuffer(10)\n"
            "ctypes.memset(out.start + 10 + MARGIN - 1, 1, 1)\nprint('margin ok', flush=True)\n"
            "ctypes.memset(out.start + 10 + MARGIN, 1, 1)\nprint('not reached')\n")
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert got.returncode < 0 and got.stdout.strip() == "margin ok", (got.returncode, got.stdout, got.stderr)
    assert MARGIN >= 64


@pytest.mark.slow
def test_the_encoder_gets_the_params_c_blosc2_passes(plugins: Path) -> None:
    """Built with ECHO_PARAMS, the encoder writes back what it read from blosc2_cparams, in a fresh interpreter."""
    pytest.importorskip("blosc2")
    build(plugins, "udcecho", "ECHO_PARAMS")
    code = ("import numpy as np\nfrom udcodec.plugincall import PluginCodec\n"
            "enc, dec = PluginCodec.load('udcecho', 203).pair(4, splitmode='always', filters=('shuffle',))\n"
            "out = np.zeros(300, dtype=np.uint8)\n"
            "n = enc(np.arange(300, dtype=np.uint8), out, 7, None)\nprint(n, out[:n].tolist())\n")
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert got.returncode == 0, got.stderr
    # typesize 4, clevel 5, ALWAYS_SPLIT (1), SHUFFLE (1) last, meta 7, codec 203, a super-chunk, chunk = input,
    # blocksize 300 and in_len 300 (low bytes 44)
    assert got.stdout.split(None, 1) == ["10", f"{[4, 5, 1, 1, 7, 203, 1, 1, 44, 44]}\n"]
