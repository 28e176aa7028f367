"""Hosts that take the process down: a segfault, a hang, an abrupt exit."""

from __future__ import annotations

import ctypes
import os
import sys
import threading
import time
from typing import Any

from udcodec.adapters.protocol import NOT_GIVEN, CParams, DParams, NotGiven
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
        contiguous: bool | NotGiven = NOT_GIVEN,
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


class HangsOnConstructionAdapter(ReferenceAdapter):
    """The constructor blocks forever."""

    def __init__(self) -> None:
        threading.Event().wait()


#: How much :class:`MemoryHogAdapter` holds at most: more than the default memory limit.
HOG_BYTES = 6 << 30


def hog_memory(total: int = HOG_BYTES, step: int = 256 << 20) -> int:
    """Hold ``total`` bytes in ``step``-sized blocks (zero pages: cheap until written), then let go."""
    held = [bytes(step) for _ in range(total // step)]
    return sum(map(len, held))


class MemoryHogAdapter(ReferenceAdapter):
    """``register_codec`` holds 6 GiB before registering (it passes when nothing limits its memory)."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        hog_memory()
        return super().register_codec(codec_name, id, encoder, decoder, version)


class SegfaultsOnOpenAdapter(ReferenceAdapter):
    """``open`` reads address 0: the check has written a frame into its temporary folder by then."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return ctypes.string_at(0)


class DiskFullAdapter(ReferenceAdapter):
    """``register_codec`` first writes to ``/dev/full``, which is always out of room (a real ENOSPC)."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        with open("/dev/full", "wb") as full:
            full.write(b"registry")
        return super().register_codec(codec_name, id, encoder, decoder, version)


#: What :class:`SpawningAdapter`'s children run: sleep, long enough to be found if left behind.
SLEEPER = "import time; time.sleep(600)"


def _sleeper(interpreter: bool) -> int:
    """A sleeping child: a new interpreter, or a fork of this one."""
    if interpreter:
        import subprocess

        return subprocess.Popen([sys.executable, "-c", SLEEPER]).pid
    pid = os.fork()
    if pid == 0:
        time.sleep(600)
        os._exit(0)
    return pid


def spawn_sleepers(count: int, interpreter: bool = True) -> list[int]:
    """Start ``count`` sleeping children and a daemon (double fork, reparented away), none waited for; their pids,
    the daemon's last."""
    pids = [_sleeper(interpreter) for _ in range(count)]
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the daemon's parent: fork again and leave
        os.close(rfd)
        daemon = _sleeper(interpreter)
        os.write(wfd, daemon.to_bytes(8, "little"))
        os._exit(0)
    os.close(wfd)
    os.waitpid(pid, 0)
    pids.append(int.from_bytes(os.read(rfd, 8), "little"))
    os.close(rfd)
    return pids


class SpawningAdapter(ReferenceAdapter):
    """``register_codec`` starts 50 sleeping children and a daemon and leaves them running (it still passes)."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        spawn_sleepers(50)
        return super().register_codec(codec_name, id, encoder, decoder, version)


class SessionLeavingAdapter(ReferenceAdapter):
    """``create`` starts a sleeping interpreter in a session of its own (``setsid``), marked with the environment's
    ``UDCODEC_TEST_MARK``, and leaves it running (it still passes)."""

    def create(self, *args: Any, **kwargs: Any) -> Any:
        import subprocess

        subprocess.Popen([sys.executable, "-c", SLEEPER, os.environ.get("UDCODEC_TEST_MARK", "")],
                         start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
        return super().create(*args, **kwargs)


class SpawningHangingAdapter(SpawningAdapter):
    """``register_codec`` starts sleeping children and a daemon, then blocks forever."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        spawn_sleepers(5)
        threading.Event().wait()


class SpawningAdapterOnLoad(ReferenceAdapter):
    """The constructor starts 5 sleeping children and a daemon and leaves them running."""

    def __init__(self) -> None:
        super().__init__()
        spawn_sleepers(5)
