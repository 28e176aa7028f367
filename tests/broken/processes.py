"""Hosts that take the process down: a segfault, a hang, an abrupt exit."""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from typing import Any

from udcodec.adapters.protocol import CParams, DParams
from udcodec.adapters.reference import ReferenceAdapter

#: Written to fd 2 just before the crash (as C code would); the crash's stderr tail must hold it.
CRASH_MARKER = "broken-host: about to dereference NULL"
#: Written through ``sys.stderr`` just before the crash (as Python code would).
PY_CRASH_MARKER = "broken-host: sys.stderr before the crash"


class SegfaultingAdapter(ReferenceAdapter):
    """``register_codec`` reads address 0 (a real SIGSEGV)."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        print(PY_CRASH_MARKER, file=sys.stderr, flush=True)
        os.write(2, (CRASH_MARKER + "\n").encode())
        return ctypes.string_at(0)


class HangingAdapter(ReferenceAdapter):
    """``create`` blocks forever."""

    def create(
        self,
        cparams: CParams,
        dparams: DParams,
        chunksize: int,
        urlpath: str | None = None,
        contiguous: bool = True,
    ) -> Any:
        threading.Event().wait()


class ExitingAdapter(ReferenceAdapter):
    """``register_codec`` ends the process with ``os._exit(3)``."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        os._exit(3)


class SegfaultsOnConstructionAdapter(ReferenceAdapter):
    """The constructor reads address 0 (a real SIGSEGV before any operation)."""

    def __init__(self) -> None:
        os.write(2, (CRASH_MARKER + "\n").encode())
        ctypes.string_at(0)
