"""Helpers for the harness tests that run ``udcodec`` as a subprocess (fixtures: ``conftest.py``)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from udcodec.reports import validate_report

#: ``module:attribute`` of a test adapter: the reference, except that id 256 is accepted silently
#: (REG-ID-OUT-OF-RANGE fails, REG-RETURNS-NONE and the rest pass).
ACCEPTS256 = "udcodec_test_adapters:Accepts256"
#: ``module:attribute`` of a test adapter: the reference, describing itself as python-blosc2 2.7.1 (so a
#: clause limited to other python-blosc2 versions does not apply to it).
BLOSC2_27 = "udcodec_test_adapters:Blosc2Line27"
#: ``module:attribute`` of a test adapter: the reference, except that ``register_codec`` touches the file
#: ``$UDCODEC_TEST_STARTED`` names (when set) and then sleeps 60 s, so a test can interrupt a running check.
SLEEPS = "udcodec_test_adapters:SleepsInRegister"
#: ``module:attribute`` of a test adapter: as ``ACCEPTS256``, under the reference's own name.
NAMED_LIKE_THE_REFERENCE = "udcodec_test_adapters:NamedLikeTheReference"
#: ``module:attribute`` of a test adapter: ``register_codec`` writes 4 MB of binary to stderr and aborts
#: (when ``$UDCODEC_TEST_CRASH`` is set) or raises with a 20 MiB message that holds a lone surrogate and a NUL between ``HEAD-OF-MESSAGE`` and
#: ``TAIL-OF-MESSAGE``.
LOUD = "udcodec_test_adapters:LoudFailure"
#: ``module:attribute`` of a test adapter that exists but fails to load (a missing dependency).
FAILS_TO_LOAD = "udcodec_test_adapters:FailsToLoad"
ADAPTERS_MODULE = '''\
import dataclasses
import os
import pathlib
import time

from udcodec.adapters.reference import ReferenceAdapter


class Accepts256(ReferenceAdapter):
    """register_codec silently accepts id 256."""

    adapter_name = "accepts256"

    def register_codec(self, codec_name, id, encoder=None, decoder=None, version=1):
        if type(id) is int and id == 256:
            return None
        return super().register_codec(codec_name, id, encoder, decoder, version)


class Blosc2Line27(ReferenceAdapter):
    """The reference, calling itself python-blosc2 2.7.1."""

    adapter_name = "blosc2-27"

    def info(self):
        return dataclasses.replace(super().info(), implementation="python-blosc2", version="2.7.1")


class SleepsInRegister(ReferenceAdapter):
    """register_codec touches $UDCODEC_TEST_STARTED (when set), then sleeps."""

    adapter_name = "sleeps"

    def register_codec(self, codec_name, id, encoder=None, decoder=None, version=1):
        started = os.environ.get("UDCODEC_TEST_STARTED")
        if started:
            pathlib.Path(started).touch()
            time.sleep(60)
        return super().register_codec(codec_name, id, encoder, decoder, version)


class LoudFailure(ReferenceAdapter):
    """register_codec floods stderr with binary, then aborts or raises a 20 MiB message."""

    adapter_name = "loud"

    def register_codec(self, codec_name, id, encoder=None, decoder=None, version=1):
        os.write(2, bytes(range(256)) * (4 * 1024 * 1024 // 256))
        if os.environ.get("UDCODEC_TEST_CRASH"):
            os.abort()
        raise RuntimeError("HEAD-OF-MESSAGE \\udcff \\x00 " + "x" * (20 * 1024 * 1024) + " TAIL-OF-MESSAGE")


class NamedLikeTheReference(ReferenceAdapter):
    """A port's adapter that keeps the reference's name, and accepts id 256."""

    def register_codec(self, codec_name, id, encoder=None, decoder=None, version=1):
        if type(id) is int and id == 256:
            return None
        return super().register_codec(codec_name, id, encoder, decoder, version)


class FailsToLoad:
    def __init__(self):
        raise ImportError("a dependency of this adapter is not installed")
'''

Udcodec = Callable[..., subprocess.CompletedProcess[str]]


def read_report(path: Path) -> dict[str, Any]:
    """A JSON report, validated against the schema."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    validate_report(data)
    return data


def run_udcodec(
    env: dict[str, str], *args: str, cwd: Path | None = None, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    """``udcodec ARGS`` as ``python -m udcodec.cli ARGS`` in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "udcodec.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
