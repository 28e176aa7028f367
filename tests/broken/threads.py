"""Hosts that break the single-thread rule of Python codecs and filters at a door other than creation."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
import signal

from udcodec.adapters.blosc2like import ModuleContainer
from udcodec.adapters.protocol import NOT_GIVEN, CParams, DParams, NotGiven, given
from udcodec.adapters.reference import ReferenceAdapter
from udcodec.reference import chunkformat

from ._base import ContainerHost
from .containers import CompressesOutsideContainerAdapter

#: Codec ids below this are Blosc2's own (builtin and globally registered); user codecs take 160..255.
BUILTIN_CODECS_BELOW = 160


class DefaultThreadsFromCoresAdapter(ReferenceAdapter):
    """nthreads left out is the core count's default, also for a Python codec (python-blosc2's default)."""

    def create(self, cparams: CParams | NotGiven, dparams: DParams | NotGiven, chunksize: int,
               urlpath: str | None = None, contiguous: bool | NotGiven = NOT_GIVEN) -> ModuleContainer:
        cores = self.module.nthreads
        if isinstance(cparams, CParams) and cparams.nthreads is NOT_GIVEN:
            cparams = dataclasses.replace(cparams, nthreads=cores)
        if not isinstance(dparams, DParams) or dparams.nthreads is NOT_GIVEN:
            dparams = DParams(nthreads=cores)
        return super().create(cparams, dparams, chunksize, urlpath, contiguous)


class DefaultThreadsIgnoreFiltersAdapter(ReferenceAdapter):
    """nthreads left out is 1 only for a Python codec: beside a builtin codec it is the core count's default,
    Python filters or not (python-blosc2 3.x and 4.x)."""

    def create(self, cparams: CParams | NotGiven, dparams: DParams | NotGiven, chunksize: int,
               urlpath: str | None = None, contiguous: bool | NotGiven = NOT_GIVEN) -> ModuleContainer:
        if isinstance(cparams, CParams) and isinstance(cparams.codec, int) and cparams.codec < BUILTIN_CODECS_BELOW:
            cores = self.module.nthreads
            if cparams.nthreads is NOT_GIVEN:
                cparams = dataclasses.replace(cparams, nthreads=cores)
            if not isinstance(dparams, DParams) or dparams.nthreads is NOT_GIVEN:
                dparams = DParams(nthreads=cores)
        return super().create(cparams, dparams, chunksize, urlpath, contiguous)


class IgnoresThreadsAtOpenAdapter(ReferenceAdapter):
    """``open`` with nthreads > 1 succeeds (silently run with one thread)."""

    def open(self, urlpath: str, dparams: DParams | NotGiven = NOT_GIVEN,
             cparams: CParams | NotGiven | None = NOT_GIVEN, mode: str | NotGiven = NOT_GIVEN) -> ModuleContainer:
        if isinstance(dparams, DParams):
            dparams = DParams(nthreads=1)
        if isinstance(cparams, CParams):
            cparams = dataclasses.replace(cparams, nthreads=1)
        return super().open(urlpath, dparams, cparams, mode)


class _SwitchDropsThreads(ModuleContainer):
    def update_cparams(self, cparams: CParams) -> None:
        self._sc().dparams = {"nthreads": 1}  # the breakage: the threads are dropped, the caller told nothing
        super().update_cparams(dataclasses.replace(cparams, nthreads=1))


class SwitchDropsThreadsAdapter(ContainerHost):
    """Switching a multi-threaded container to a Python codec silently drops its threads instead of refusing."""

    container_class = _SwitchDropsThreads


class OpenKeepsWriterThreadsAdapter(ReferenceAdapter):
    """``open`` with the thread counts left out takes the ones the frame's writer recorded, not this process's
    defaults."""

    def open(self, urlpath: str, dparams: DParams | NotGiven = NOT_GIVEN,
             cparams: CParams | NotGiven | None = NOT_GIVEN, mode: str | NotGiven = NOT_GIVEN) -> ModuleContainer:
        from udcodec.reference import frame

        if isinstance(cparams, NotGiven) and isinstance(dparams, NotGiven) and not os.path.isdir(urlpath):
            info, _ = frame.read_frame(urlpath)
            cparams, dparams = CParams.only(nthreads=info.cparams.nthreads), DParams(nthreads=info.cparams.nthreads)
        return super().open(urlpath, dparams, cparams, mode)


class _DecodesInWorkers(ModuleContainer):
    def decompress_chunk(self, index: int) -> bytes:
        if self._sc().dparams.nthreads <= 1:
            return super().decompress_chunk(index)
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:  # the breakage: a worker decodes
            return pool.submit(super().decompress_chunk, index).result()


class ChunkDoorThreadsAdapter(ContainerHost):
    """A container with several threads decodes its chunks on a worker thread, whatever codec a chunk records."""

    container_class = _DecodesInWorkers


class DecodesOutsideInWorkersAdapter(ReferenceAdapter):
    """decompress2 with several threads, given or by default (the core count), decodes a chunk outside a container
    on a worker thread (Python codecs and filters included) instead of refusing it."""

    def decompress_outside(self, chunk: bytes, dparams: DParams | NotGiven = NOT_GIVEN) -> bytes:
        n = dparams.nthreads if isinstance(dparams, DParams) and given(dparams.nthreads) else self.module.nthreads
        if n <= 1:
            return super().decompress_outside(chunk, dparams)
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:  # the breakage: a worker decodes
            return pool.submit(chunkformat.decompress_chunk, chunk, None).result()


class DecompressOutsideCrashesAdapter(ReferenceAdapter):
    """decompress2 of any chunk outside a container kills the process, whatever its thread count: a crash that is
    CONT-DECOMPRESS-OUTSIDE's, not THREAD-OUTSIDE's."""

    def decompress_outside(self, chunk: bytes, dparams: DParams | NotGiven = NOT_GIVEN) -> bytes:
        os.kill(os.getpid(), signal.SIGSEGV)
        raise AssertionError("unreachable")


class RefusesOutsideThroughSystemErrorAdapter(ReferenceAdapter):
    """decompress2 outside a container refuses a Python codec's chunk, whatever its thread count, through a
    SystemError raised from its refusal (as python-blosc2's callback path does) and never crashes: where the crashes
    of a race could only come in later rounds, THREAD-OUTSIDE tries them all."""

    def decompress_outside(self, chunk: bytes, dparams: DParams | NotGiven = NOT_GIVEN) -> bytes:
        try:
            return super().decompress_outside(chunk, dparams)
        except ValueError as exc:
            raise SystemError("<class 'ValueError'> returned a result with an exception set") from exc


class OneCoreDefaultCrashesAdapter(ReferenceAdapter):
    """On one core, calls outside a container with nthreads left out kill the process for every codec, builtin
    ones too (python-blosc2 2.1.0 - 2.6.1 default to 0 threads there): not the user codec's to answer for."""

    def _crash_if_default_on_one_core(self, nthreads: object) -> None:
        if nthreads is NOT_GIVEN and len(os.sched_getaffinity(0)) == 1:
            os.kill(os.getpid(), signal.SIGFPE)

    def compress_outside(self, data: bytes, cparams: CParams) -> bytes:
        self._crash_if_default_on_one_core(cparams.nthreads)
        return super().compress_outside(data, cparams)

    def decompress_outside(self, chunk: bytes, dparams: DParams | NotGiven = NOT_GIVEN) -> bytes:
        self._crash_if_default_on_one_core(dparams.nthreads if isinstance(dparams, DParams) else NOT_GIVEN)
        return super().decompress_outside(chunk, dparams)


class OutsideCrashesButCompressesOnWorkersAdapter(DecompressOutsideCrashesAdapter):
    """decompress2 outside a container kills the process whatever its thread count, and compress2 with several
    threads given runs a Python codec on a worker thread."""

    def compress_outside(self, data: bytes, cparams: CParams) -> bytes:
        if given(cparams.nthreads) and cparams.nthreads > 1:
            one_thread = dataclasses.replace(cparams, nthreads=1)
            with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:  # the breakage: a worker encodes
                return pool.submit(CompressesOutsideContainerAdapter.compress_outside, self, data, one_thread).result()
        return super().compress_outside(data, cparams)


class _OpenedInWorkers(_DecodesInWorkers):
    """Decodes on a worker when it has several threads; what it was opened with is all it checked."""


class LateRegistrationThreadsAdapter(ContainerHost):
    """``open`` with the threads left out takes the core count's default for a frame whose codec is not registered yet
    (python-blosc2's open), and reads with them once it is: the decoder runs on a worker thread."""

    container_class = _OpenedInWorkers

    def open(self, urlpath: str, dparams: DParams | NotGiven = NOT_GIVEN,
             cparams: CParams | NotGiven | None = NOT_GIVEN, mode: str | NotGiven = NOT_GIVEN) -> ModuleContainer:
        container = super().open(urlpath, dparams, cparams, mode)
        if isinstance(dparams, NotGiven):
            container._sc().dparams = {"nthreads": self.module.nthreads}  # the breakage: checked now, used later
        return container


class _ReadsCrash(ModuleContainer):
    def decompress_chunk(self, index: int) -> bytes:
        os.kill(os.getpid(), signal.SIGSEGV)
        raise AssertionError("unreachable")


class ReadsCrashAdapter(ContainerHost):
    """Reading any chunk of a container kills the process, whatever its threads: not the thread rule's."""

    container_class = _ReadsCrash
