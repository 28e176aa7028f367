"""What checks run in a fresh interpreter, and the interpreter's entry point (``python -m udcodec.scenarios``).

A fresh interpreter starts fast because this module imports only the adapter protocol, the loader, NumPy
and the process isolation's stdlib-only helpers (the check packages import Hypothesis). Each scenario is ``fn(adapter, args) -> JSON data`` and also
runs in the check's own process. ``udcodec.checks.fresh.run_fresh`` starts the interpreter and sends it a
JSON request on stdin:

``{"adapter": SPEC, "register": [{"name", "id", "encoder": "mod:fn", "decoder": "mod:fn"}],
"register_filters": [{"id", "forward": "mod:fn", "backward": "mod:fn"}], ...}`` and either
``"open": PATH`` (optional ``"open_args"``: ``{"mode", "cparams": {...}, "dparams": {...}}``, neutral fields;
only what is given is passed) or ``"call": "mod:fn"`` with ``"args"``. Answer on stdout:
``{"ok": true, "nchunks": N, "data": base64}`` (open), ``{"ok": true, "result": ...}`` (call), or
``{"ok": false, "error": ..., "chain": [{"type", "message"}, ...]}``.
"""

from __future__ import annotations

import base64
import contextlib
import faulthandler
import importlib
import json
import os
import shutil
import sys
import threading
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from udcodec.adapters.protocol import (
    NOT_GIVEN,
    Adapter,
    Container,
    CParams,
    DParams,
    NDContainer,
    NotGiven,
    given,
    user_filter_name,
)
from udcodec.crashsite import DOING
from udcodec.engine.isolation import (
    become_subreaper,
    bound_output,
    kill_descendants,
    no_core_files,
    size_of,
    tail_of,
)
from udcodec.outcomes import clip

#: First byte of the chunk-header fields the checks read, from the Blosc2 chunk format.
HEADER_FLAGS, HEADER_TYPESIZE, HEADER_NBYTES, HEADER_BLOCKSIZE, HEADER_CBYTES = 2, 3, 4, 8, 12
HEADER_UDCODEC, HEADER_CODEC_META = 22, 23
MEMCPYED_FLAG = 0x02
DELTA_FLAG = 0x08  # flags: the delta filter was applied
EXTENDED_FLAGS = 0x05  # flags: byte- and bit-shuffle bits both set mark an extended (Blosc2) header
DONT_SPLIT_FLAG = 0x10  # flags: the blocks were not split into one stream per byte of the typesize
SPECIAL_MASK = 0x70  # blosc2_flags (byte 31): the special value (zeros, NaN, uninit, a repeated value)


def header(chunk: bytes) -> dict[str, int]:
    """The few Blosc2 chunk-header fields the checks read."""
    if len(chunk) < 32:
        raise ValueError(f"a Blosc2 chunk has a 32-byte header; got {len(chunk)} bytes")
    flags = chunk[HEADER_FLAGS]
    return {
        "version": chunk[0],
        "flags": flags,
        "compformat": flags >> 5,
        "memcpyed": int(bool(flags & MEMCPYED_FLAG)),
        "typesize": chunk[HEADER_TYPESIZE],
        "nbytes": int.from_bytes(chunk[HEADER_NBYTES : HEADER_NBYTES + 4], "little"),
        "blocksize": int.from_bytes(chunk[HEADER_BLOCKSIZE : HEADER_BLOCKSIZE + 4], "little"),
        "udcodec": chunk[HEADER_UDCODEC],
        "codec_meta": chunk[HEADER_CODEC_META],
    }


#: Most characters of an exception message an answer carries (a codec's message may be of any size).
ANSWER_TEXT_MAX = 4096


def chain_of(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it was raised from or during, outermost first (at most 10)."""
    chain: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in chain and len(chain) < 10:
        chain.append(cur)
        cur = cur.__cause__ or (None if cur.__suppress_context__ else cur.__context__)
    return chain


def refuses_threads(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it was raised from) refuses several threads for a Python codec."""
    return any(isinstance(e, ValueError | RuntimeError) and "thread" in str(e).lower() for e in chain_of(exc))


def _text(exc: BaseException) -> str:
    """The root cause of ``exc``, its message clipped (an answer carries it, perhaps once per forked call)."""
    chain = chain_of(exc)
    text = f"{type(chain[-1]).__name__}: {clip(str(chain[-1]), ANSWER_TEXT_MAX)}"
    return text + (f" (raised as {type(exc).__name__})" if len(chain) > 1 else "")


def _read_back(container: Container) -> bytes:
    return b"".join(container.decompress_chunk(i) for i in range(container.nchunks))


# -- reopen: how users spell open -------------------------------------------------------------------

#: How users open a persisted container: the ``Adapter.open`` arguments of each spelling.
SPELLINGS: dict[str, dict[str, Any]] = {
    "plain": {},  # open(path)
    "mode_r": {"mode": "r"},
    "mode_a": {"mode": "a"},
    "dparams": {"mode": "a", "dparams": DParams(nthreads=1)},
    "partial_cparams": {"mode": "a", "cparams": CParams.only(nthreads=1)},
}
#: The parameters a reopen must keep.
KEPT = ("codec", "codec_meta", "clevel", "typesize", "blocksize", "filters", "filters_meta")
#: What :func:`observe_reopen` appends after a reopen in mode 'a'.
APPENDED = np.arange(1024, dtype=np.uint32).tobytes()


def kept_fields(cparams: CParams) -> dict[str, Any]:
    """The fields of ``cparams`` a reopen must keep, as JSON data."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in cparams.given_fields().items() if k in KEPT}


def observe_reopen(adapter: Adapter, args: dict[str, Any]) -> dict[str, Any]:
    """Open a copy of ``args["path"]`` with each spelling of ``args["spellings"]``: what it keeps, reads, appends.

    With ``args["try_write"]``, a spelling of mode 'r' is also asked to append data and a copy of its first chunk
    (``write_refused``, ``chunk_refused``: the error, None when accepted) and then given new dparams and cparams,
    as users set threads or a clevel before reading (``assigned``: each assignment's error, None when accepted). After the close (also when the open was
    refused): ``file_unchanged``, whether the file's bytes are as before, and ``file_untouched``, whether its
    modification time, set in the past before the open, is too: a write of the same bytes changes only that.
    """
    seen: dict[str, Any] = {}
    for name in args["spellings"]:
        copy = str(Path(args["workdir"]) / f"{name}-{Path(args['path']).name}")
        shutil.copyfile(args["path"], copy)
        entry: dict[str, Any] = {}
        seen[name] = entry
        try_write = bool(args.get("try_write")) and SPELLINGS[name].get("mode") == "r"
        if try_write:
            os.utime(copy, ns=(PAST_NS, PAST_NS))
        try:
            container = adapter.open(copy, **SPELLINGS[name])
        except Exception as exc:  # noqa: BLE001 - a clear refusal is data
            entry.update(error=_text(exc), refuses_threads=refuses_threads(exc))
            if try_write:
                entry.update(_file_as_before(copy, args["path"]))
            continue
        try:
            entry["cparams"] = kept_fields(container.cparams())
            entry["reads_back"] = _read_back(container) == base64.b64decode(args["data"])
            if SPELLINGS[name].get("mode") == "a":
                container.append(APPENDED)
                entry["appended"] = header(container.get_chunk(container.nchunks - 1))
                entry["appended_reads_back"] = container.decompress_chunk(container.nchunks - 1) == APPENDED
        except Exception as exc:  # noqa: BLE001
            entry.update(use_error=_text(exc), refuses_threads=refuses_threads(exc))
        if try_write:  # whether reading worked or not: REOPEN-KEEPS and REOPEN-SPELLINGS judge that
            entry["write_refused"] = _error_of(container.append, APPENDED)
            entry["chunk_refused"] = _error_of(lambda c=container: c.append_chunk(c.get_chunk(0)))
            entry["assigned"] = {
                "dparams": _error_of(container.update_dparams, DParams(nthreads=1)),
                "cparams": _error_of(container.update_cparams, CParams.only(clevel=9)),
            }
        container.close()
        if try_write:
            entry.update(_file_as_before(copy, args["path"]))
        if "appended_reads_back" in entry:
            entry["file_reads_back"] = _reads_back_again(adapter, copy, name,
                                                         base64.b64decode(args["data"]) + APPENDED)
    return seen


#: The modification time a file opened read-only is given first (2001-09-09): any write moves it to now.
PAST_NS = 10**18


def _error_of(action: Any, *args: Any) -> str | None:
    """The error ``action(*args)`` raised, or None when it returned."""
    try:
        action(*args)
    except Exception as exc:  # noqa: BLE001 - data for the check
        return _text(exc)
    return None


def _file_as_before(path: str, original: str) -> dict[str, bool]:
    """Whether the copy at ``path`` still holds ``original``'s bytes and was not written to (its past mtime)."""
    return {"file_unchanged": Path(path).read_bytes() == Path(original).read_bytes(),
            "file_untouched": os.stat(path).st_mtime_ns == PAST_NS}


def _reads_back_again(adapter: Adapter, path: str, spelling: str, want: bytes) -> bool | str:
    """Whether the file at ``path``, opened again with the same spelling, reads back ``want``; or why not."""
    try:
        container = adapter.open(path, **SPELLINGS[spelling])
    except Exception as exc:  # noqa: BLE001
        return _text(exc)
    try:
        return _read_back(container) == want
    except Exception as exc:  # noqa: BLE001
        return _text(exc)
    finally:
        container.close()


def nd_read_only(adapter: Adapter, args: dict[str, Any]) -> dict[str, Any]:
    """Open a copy of the NDArray frame ``args["path"]`` with ``open(path, mode='r')`` and write its first item.

    Answers ``error`` and ``refuses_threads`` when the open is refused, else ``write_refused`` (the error, None
    when the write was accepted); and, after the close, ``file_unchanged`` and ``file_untouched`` as
    :func:`observe_reopen` does.
    """
    copy = str(Path(args["workdir"]) / f"read-only-{Path(args['path']).name}")
    shutil.copyfile(args["path"], copy)
    os.utime(copy, ns=(PAST_NS, PAST_NS))
    entry: dict[str, Any] = {}
    try:
        array = adapter.nd_open(copy, mode="r")
    except Exception as exc:  # noqa: BLE001 - a clear refusal is data
        entry.update(error=_text(exc), refuses_threads=refuses_threads(exc))
    else:
        first = tuple(slice(0, 1) for _ in array.shape)
        try:
            value = array.read(first) + 1
        except Exception:  # noqa: BLE001 - reading is ND-REOPEN-SPELLINGS' to judge; any other value will do
            value = np.ones(tuple(1 for _ in array.shape), dtype=array.dtype)
        entry["write_refused"] = _error_of(array.write, first, value)
        array.close()
    entry.update(_file_as_before(copy, args["path"]))
    return entry


def observe_reopens(adapter: Adapter, args: dict[str, Any]) -> list[dict[str, Any]]:
    """:func:`observe_reopen` for each entry of ``args["frames"]`` (its arguments), in this one interpreter."""
    return [observe_reopen(adapter, frame) for frame in args["frames"]]


# -- nthreads left out ---------------------------------------------------------------------------------


def with_defaults(adapter: Adapter, args: dict[str, Any]) -> dict[str, Any]:
    """Create, write, read, reopen (plain and mode='a') and append with nthreads left out everywhere.

    ``args``: ``id`` (the codec), ``path``, ``blocksize`` and optionally ``filter`` (a user filter id, put in
    the first slot). Answers each step's error (None when it worked) and how many threads besides this one
    ran the callbacks (``udcodec.testcodecs.CALLBACK_THREADS``: register the ``threaded_*`` codec or filter).
    """
    from udcodec.testcodecs import CALLBACK_THREADS

    path = str(args["path"])
    data = np.arange(1 << 14, dtype=np.uint8).tobytes()
    want = data + data[::-1]
    pipeline = {"filters": (user_filter_name(int(args["filter"])),), "filters_meta": (0,)} if "filter" in args else {}
    cparams = CParams.only(codec=int(args["id"]), typesize=1, blocksize=int(args["blocksize"]), **pipeline)
    steps = _Steps()
    step = steps.record

    def read(name: str, container: Container) -> None:
        if step(name, lambda: _read_back(container)) != want and steps[name] is None:
            steps[name] = "read back different bytes"

    container = step("create", lambda: adapter.create(cparams, NOT_GIVEN, chunksize=len(data), urlpath=path))
    if container is not None:
        step("write", lambda: [container.append(data), container.append(data[::-1])])
        if steps["write"] is None:
            read("read", container)
        container.close()
    if container is not None and steps["write"] is None:
        opened = step("open", lambda: adapter.open(path))
        if opened is not None:
            read("read after open", opened)
            opened.close()
        appending = step("open mode='a'", lambda: adapter.open(path, mode="a"))
        if appending is not None:
            step("append after open", lambda: appending.append(data))
            appending.close()
    return {"steps": steps, "threads": len(CALLBACK_THREADS - {threading.get_ident()})}


#: How :func:`nd_copies` makes a new array of one: the call users write, and the capability it needs.
COPIES: dict[str, tuple[str, str]] = {
    "slice": ("array.slice(key)", "nd_copies"),
    "copy": ("array.copy()", "nd_copies"),
    "copy_urlpath": ("array.copy(urlpath=path)", "nd_copies"),
    "save": ("array.save(path)", "nd_save"),
}


def _make_copy(array: NDContainer, way: str, key: Any, path: str) -> NDContainer | None:
    """What ``way`` of :data:`COPIES` makes of ``array`` (``save``: None, the file at ``path``)."""
    if way == "slice":
        return array.slice(key)
    if way == "save":
        array.save(path)
        return None
    return array.copy(urlpath=path if way == "copy_urlpath" else None)


def nd_copies(adapter: Adapter, args: dict[str, Any]) -> dict[str, Any]:
    """Make an NDArray with Python codec ``id`` (register the ``threaded_zlib`` pair) and one thread in its cparams
    and dparams, as users make one; then each of ``ways`` (:data:`COPIES`) makes a new array of it (``slice``: rows
    5:45 and columns 10:50), which is read whole (``save``'s file opened with ``open(path)``: :func:`_open_saved`).

    Answers each step's error (None when it worked; a read that gives other values than the new array should
    hold says so), under the way's name and ``read <way>``, how many threads besides this one ran the callbacks,
    and ``got_past``: the refusals of ``open(path)`` a saved file was opened past. ``args["path"]`` is a folder for
    the persisted copies.
    """
    from udcodec.testcodecs import CALLBACK_THREADS

    data = np.arange(60 * 70, dtype="<i4").reshape(60, 70)
    key = (slice(5, 45), slice(10, 50))
    cparams = CParams.only(codec=int(args["id"]), nthreads=1)
    steps = _Steps()
    got_past: list[str] = []
    array = steps.record("asarray", lambda: adapter.nd_create(data, (25, 30), (5, 10), cparams, DParams(nthreads=1)))
    for way in args["ways"] if array is not None else ():
        path = os.path.join(str(args["path"]), f"{way}.b2nd")
        made = steps.record(way, partial(_make_copy, array, way, key, path))
        if steps[way] is not None:
            continue
        if way == "save":
            made = steps.record(f"read {way}", partial(_open_saved, adapter, path, int(args["id"]), got_past))
        want = data[key] if way == "slice" else data
        got = None if made is None else steps.record(f"read {way}", made.read)
        if got is not None and not np.array_equal(got, want):
            steps[f"read {way}"] = f"gave other values than the {want.shape} items it should hold"
    return {"steps": steps, "threads": len(CALLBACK_THREADS - {threading.get_ident()}), "got_past": got_past}


def _open_saved(adapter: Adapter, path: str, codec: int, got_past: list[str]) -> NDContainer:
    """``open(path)`` of a saved array; where the thread default refuses that (THREAD-OPEN's and THREAD-DEFAULTS' to
    judge), open it with every parameter it was written with and one thread, and say so in ``got_past``."""
    try:
        return adapter.nd_open(path)
    except Exception as exc:
        if not refuses_threads(exc):
            raise
        got_past.append(_text(exc))
    return adapter.nd_open(path, DParams(nthreads=1), CParams(codec=codec, typesize=4, blocksize=5 * 10 * 4, nthreads=1))


def switch_after_open(adapter: Adapter, args: dict[str, Any]) -> dict[str, dict[str, str | None]]:
    """For each writer thread count: write a frame with builtin codec ``builtin`` and that many threads, open it
    with ``open(path, mode='a')``, switch it to Python codec ``id`` with nthreads left out, append, read back.

    ``args``: ``id``, ``builtin``, ``writers`` (thread counts), ``path`` (a prefix). Answers, per writer count,
    the steps that ran, each with its error (None when it worked); the steps stop at the first error.
    """
    return {str(n): _switch_after_open(adapter, f"{args['path']}-{n}.b2frame", n, int(args["builtin"]),
                                       int(args["id"]))
            for n in args["writers"]}


def _switch_after_open(adapter: Adapter, path: str, nthreads: int, builtin: int, codec: int) -> dict[str, str | None]:
    data = np.arange(1 << 13, dtype=np.uint8).tobytes()
    steps = _Steps()

    def attempt(name: str, action: Any) -> Any:
        return steps.record(name, action, stop=True)

    opened: list[Container] = []
    with contextlib.suppress(_StepFailed):
        writer = attempt("write", lambda: adapter.create(CParams.only(codec=builtin, typesize=1, nthreads=nthreads),
                                                         DParams(nthreads=nthreads), chunksize=len(data), urlpath=path))
        attempt("write", lambda: writer.append(data))
        writer.close()
        container: Container = attempt("open(path, mode='a')", lambda: adapter.open(path, mode="a"))
        opened.append(container)
        attempt("switch", lambda: container.update_cparams(CParams.only(codec=codec)))
        attempt("append", lambda: container.append(data))
        if attempt("read back", lambda: _read_back(container)) != data + data:
            steps["read back"] = "read back different bytes"
    for c in opened:
        c.close()
    return steps


def _say(doing: str) -> None:
    """Say on stderr what the interpreter does next: a crash is reported with the last thing said."""
    print(f"{DOING}{doing}", file=sys.stderr, flush=True)


class _StepFailed(Exception):
    """A scenario step failed (its error is recorded); the steps after it are not run."""


class _Steps(dict[str, str | None]):
    """A scenario's steps by name, each with its error (None when it worked)."""

    def record(self, name: str, action: Any, *, stop: bool = False) -> Any:
        """``action()``, its error recorded under ``name``; on an error, None, or :class:`_StepFailed` with ``stop``.
        The step is said on stderr first: a crash is reported with it."""
        _say(f"running the step {name!r}")
        try:
            value = action()
        except Exception as exc:  # noqa: BLE001 - recorded; the check compares runs
            self[name] = _text(exc)
            if stop:
                raise _StepFailed from None
            return None
        self[name] = None
        return value


def chunk_door(adapter: Adapter, args: dict[str, Any]) -> dict[str, Any]:
    """Append a chunk of Python codec ``id`` (register the ``threaded_zlib`` pair) to a container of builtin codec
    ``builtin`` with ``nthreads`` threads and decompress it ``reads`` times, in each of ``forks`` processes forked
    two at a time once the chunk is written (a fork still busy after ``deadline`` s is killed as hung, and no
    more are forked); first, as a control, read it once in such a container with one thread.

    Answers ``control``: the one-thread read's error (None when it worked), ``ended``: how the forks that did
    not answer ended (``killed by SIGSEGV``, ``hung``, ...), and ``runs``: each answering fork's ``append`` (its
    error chain, None when accepted), ``errors`` (each distinct read error with its chain's type names), ``wrong`` and
    ``worked`` (reads that returned other bytes, or the data) and ``threads`` (threads besides the caller's that
    ran the codec during the reads).
    """
    codec, builtin, blocksize = int(args["id"]), int(args["builtin"]), int(args["blocksize"])
    data = (np.arange(16 * blocksize, dtype=np.uint32) % 251).astype(np.uint8).tobytes()  # 16 blocks to share out

    def container(nthreads: int) -> Container:
        return adapter.create(CParams.only(codec=builtin, typesize=1, nthreads=nthreads, blocksize=blocksize),
                              DParams(nthreads=nthreads), chunksize=len(data))

    source = adapter.create(CParams.only(codec=codec, typesize=1, nthreads=1, blocksize=blocksize), DParams(nthreads=1),
                            chunksize=len(data))
    source.append(data)
    chunk = source.get_chunk(0)
    control: str | None = None
    try:
        one = container(1)
        one.append_chunk(chunk)
        one.decompress_chunk(0)
    except Exception as exc:  # noqa: BLE001 - data for the check
        control = _text(exc)
    forked = _in_forks(lambda: _door_reads(container(int(args["nthreads"])), chunk, data, int(args["reads"])),
                       int(args["forks"]), float(args["deadline"]))
    return {"control": control, "ended": [how for _, how in forked if how is not None],
            "runs": [answer for answer, how in forked if how is None]}


def register_after_open(adapter: Adapter, args: dict[str, Any]) -> dict[str, Any]:
    """Open the frame at ``path`` (chunks of Python codec ``id``, which this process has not registered) as a reader
    does, with parameters left out; then register the ``threaded_zlib`` pair under ``id`` and read every chunk
    ``reads`` times; in each of ``forks`` processes forked two at a time (``deadline`` as :func:`chunk_door`'s).
    First, as a control, the same in one fork that opens it with ``dparams`` of one thread.

    Answers ``control``: the control's errors (an empty dict when it read the data back), ``ended`` and ``runs`` as
    :func:`chunk_door`'s, each run with ``open`` (its error chain, None when the open worked)."""
    from udcodec.testcodecs import threaded_zlib_decoder, threaded_zlib_encoder

    path, codec, reads = str(args["path"]), int(args["id"]), int(args["reads"])
    want = base64.b64decode(args["data"])

    def reader(dparams: DParams | NotGiven) -> dict[str, Any]:
        try:
            container = adapter.open(path, dparams=dparams)
        except Exception as exc:  # noqa: BLE001 - data for the check
            return {"open": {"error": _text(exc), "types": [type(e).__name__ for e in chain_of(exc)]}}
        adapter.register_codec("late", codec, threaded_zlib_encoder, threaded_zlib_decoder)
        return {"open": None, **_repeated(lambda: _read_back(container), want, reads)}

    (control, how), = _in_forks(lambda: reader(DParams(nthreads=1)), 1, float(args["deadline"]))
    forked = _in_forks(lambda: reader(NOT_GIVEN), int(args["forks"]), float(args["deadline"]))
    return {"control": control if control is not None else {"ended": how},
            "ended": [how for _, how in forked if how is not None],
            "runs": [answer for answer, how in forked if how is None]}


def _door_reads(target: Container, chunk: bytes, data: bytes, reads: int) -> dict[str, Any]:
    try:
        target.append_chunk(chunk)
    except Exception as exc:  # noqa: BLE001 - data for the check
        return {"append": {"error": _text(exc), "types": [type(e).__name__ for e in chain_of(exc)]}}
    return {"append": None, **_repeated(lambda: target.decompress_chunk(0), data, reads)}


def outside_door(adapter: Adapter, args: dict[str, Any]) -> dict[str, Any]:
    """Compress with codec ``id`` (optionally through user filter ``filter`` in the first slot; register the
    ``threaded_*`` callbacks) and decompress its chunk outside a container, with one thread given, ``nthreads``
    given and nthreads left out; then, as controls, make each of the last two that did not always answer again with
    builtin codec ``builtin`` and no user filter (a chunk written in a container). Each call is made ``reads`` times
    in each of ``forks`` processes forked two at a time (``control_forks`` for the one-thread and builtin calls; a
    fork still busy after ``deadline`` s is killed as hung).

    Answers, per call (``"decompress2(chunk, dparams=...nthreads=1)"``, ``"compress2(data, cparams=...)"``,
    ``"builtin: decompress2(chunk)"``, ...): ``ended``, how the forks that did not answer ended, and ``runs``, each
    answering fork's ``errors`` (each distinct error with its chain's type names), ``worked`` (calls that returned;
    for decompress2, only those that returned the data), ``wrong`` (decompress2 calls that returned other bytes) and
    ``threads`` (threads besides the caller's that ran the callbacks).
    """
    blocksize, n = int(args["blocksize"]), int(args["nthreads"])
    data = (np.arange(16 * blocksize, dtype=np.uint32) % 251).astype(np.uint8).tobytes()  # 16 blocks to share out
    pipeline = {"filters": (user_filter_name(int(args["filter"])),), "filters_meta": (0,)} if "filter" in args else {}
    one_thread = {with_threads.format(1) for with_threads, _ in OUTSIDE_CALLS.values()}
    answer: dict[str, Any] = {}
    for label, fields in (("", {"codec": int(args["id"]), **pipeline}), ("builtin: ", {"codec": int(args["builtin"])})):
        threads: tuple[int | NotGiven, ...] = (1, n, NOT_GIVEN) if not label else (n, NOT_GIVEN)
        names = {nthreads: [left_out if nthreads is NOT_GIVEN else with_threads.format(nthreads)
                            for with_threads, left_out in OUTSIDE_CALLS.values()] for nthreads in threads}
        if label and not any(answer[name]["ended"] for door in names.values() for name in door):
            continue  # a control only tells whose a crash or hang is
        source = adapter.create(CParams.only(**fields, typesize=1, nthreads=1, blocksize=blocksize),
                                DParams(nthreads=1), chunksize=len(data))
        source.append(data)
        chunk = source.get_chunk(0)
        calls: dict[str, tuple[Any, bytes | None]] = {}
        for nthreads, (decompress, compress) in names.items():
            dparams = DParams(nthreads=nthreads) if given(nthreads) else NOT_GIVEN
            cparams = CParams.only(**fields, typesize=1, blocksize=blocksize, nthreads=nthreads)
            calls[decompress] = (lambda dparams=dparams, chunk=chunk: adapter.decompress_outside(chunk, dparams), data)
            calls[compress] = (lambda cparams=cparams: adapter.compress_outside(data, cparams), None)
        for name, (call, want) in calls.items():
            if label and not answer[name]["ended"]:
                continue
            forks = int(args["control_forks"] if label or name in one_thread else args["forks"])
            forked = _in_forks(lambda call=call, want=want: _repeated(call, want, int(args["reads"])), forks,
                               float(args["deadline"]))
            answer[label + name] = {"ended": [how for _, how in forked if how is not None],
                                    "runs": [seen for seen, how in forked if how is None]}
    return answer


#: The calls :func:`outside_door` makes, by door: the name with ``nthreads`` given (``{}``), and with it left out.
OUTSIDE_CALLS = {"decompress2": ("decompress2(chunk, dparams=...nthreads={})", "decompress2(chunk)"),
                 "compress2": ("compress2(data, cparams=...nthreads={})", "compress2(data, cparams=...)")}


def _repeated(call: Any, want: bytes | None, times: int) -> dict[str, Any]:
    """``call()`` made ``times`` times: ``errors`` (each distinct error with its chain's type names), ``worked`` (calls
    that returned ``want``, or anything when it is None), ``wrong`` (calls that returned other bytes) and ``threads``
    (threads besides this one that ran the ``threaded_*`` callbacks meanwhile)."""
    from udcodec.testcodecs import CALLBACK_THREADS

    answer: dict[str, Any] = {"errors": {}, "worked": 0, "wrong": 0, "threads": 0}
    CALLBACK_THREADS.clear()
    for _ in range(times):
        try:
            got = call()
        except Exception as exc:  # noqa: BLE001 - data for the check
            answer["errors"].setdefault(_text(exc), [type(e).__name__ for e in chain_of(exc)])
            continue
        answer["wrong" if want is not None and bytes(got) != want else "worked"] += 1
    answer["threads"] = len(CALLBACK_THREADS - {threading.get_ident()})
    return answer


def _in_forks(action: Any, count: int, deadline: float, at_once: int = 2) -> list[tuple[Any, str | None]]:
    """``action()``'s JSON answer computed in ``count`` forked children, ``at_once`` at a time: for each, the answer
    and None, or None and how the child ended (``killed by SIGSEGV``, ``exit status 3``, ``hung``: killed after
    ``deadline`` s); no more are forked after one hangs."""
    results: list[tuple[Any, str | None]] = []
    while len(results) < count:
        started = [_start_fork(action) for _ in range(min(at_once, count - len(results)))]
        results += [_finish_fork(pid, answer_in, deadline) for pid, answer_in in started]
        if any(how == "hung" for _, how in results):
            break
    return results


def _start_fork(action: Any) -> tuple[int, int]:
    """Fork a child that writes ``action()``'s JSON answer to a pipe and leaves; its pid and the pipe's read end."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer, then leave without running the parent's exit handlers
        os.close(read_end)
        status = 3
        try:
            no_core_files()
            with os.fdopen(write_end, "w") as out:
                json.dump(action(), out)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end


def _finish_fork(pid: int, read_end: int, deadline: float) -> tuple[Any, str | None]:
    """The answer of the child :func:`_start_fork` began, or None and how it ended (killed when still busy after
    ``deadline`` s from now: ``hung``)."""
    import select
    import signal
    import time

    chunks, hung, until = [], False, time.monotonic() + deadline
    with os.fdopen(read_end, "rb") as answer_in:
        while True:
            left = until - time.monotonic()
            if left <= 0 or not select.select([answer_in], [], [], left)[0]:
                hung = True
                os.kill(pid, signal.SIGKILL)
                break
            chunk = answer_in.read1(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    _pid, status = os.waitpid(pid, 0)
    if hung:
        return None, "hung"
    if os.WIFSIGNALED(status):
        return None, f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    text = b"".join(chunks).decode()
    if os.WEXITSTATUS(status) != 0 or not text:
        return None, f"exit status {os.WEXITSTATUS(status)}"
    return json.loads(text), None


def seen_cores(adapter: Any, args: dict[str, Any]) -> dict[str, Any]:
    """What this interpreter reports as its CPUs, and the implementation's default thread count."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {"cpu_count": os.cpu_count(), "affinity": affinity,
            "nthreads": getattr(getattr(adapter, "module", None), "nthreads", None)}


# -- the interpreter's entry point --------------------------------------------------------------------


def _resolve(target: str) -> Any:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def error_answer(exc: BaseException) -> dict[str, Any]:
    """An exception as a fresh interpreter reports it: the message and the chain it came through."""
    chain = [{"type": type(e).__name__, "message": clip(str(e), ANSWER_TEXT_MAX)} for e in chain_of(exc)]
    return {"ok": False, "error": f"{type(exc).__name__}: {clip(str(exc), ANSWER_TEXT_MAX)}", "chain": chain}


def open_args(spec: dict[str, Any]) -> dict[str, Any]:
    """``Adapter.open`` keyword arguments from a request's ``open_args`` (JSON: neutral fields)."""
    args: dict[str, Any] = {}
    if "mode" in spec:
        args["mode"] = spec["mode"]
    if "cparams" in spec:
        fields = dict(spec["cparams"])
        for name in ("filters", "filters_meta"):
            if name in fields:
                fields[name] = tuple(fields[name])
        args["cparams"] = CParams.only(**fields)
    if "dparams" in spec:
        args["dparams"] = DParams(nthreads=spec["dparams"].get("nthreads", NOT_GIVEN))
    return args


def serve(request: dict[str, Any]) -> dict[str, Any]:
    """Answer one request (see the module docstring)."""
    from udcodec.adapters.loader import load_adapter

    adapter = load_adapter(request["adapter"])
    for codec in request.get("register", []):
        _say(f"registering codec {codec['name']!r} at id {codec['id']}")
        adapter.register_codec(codec["name"], codec["id"], _resolve(codec["encoder"]), _resolve(codec["decoder"]))
    for ufilter in request.get("register_filters", []):
        _say(f"registering filter {ufilter['id']}")
        adapter.register_filter(ufilter["id"], _resolve(ufilter["forward"]), _resolve(ufilter["backward"]))
    if "call" in request:
        try:
            return {"ok": True, "result": _resolve(request["call"])(adapter, request.get("args", {}))}
        except Exception as exc:  # noqa: BLE001
            return error_answer(exc)
    try:
        container = adapter.open(request["open"], **open_args(request.get("open_args", {})))
        data = _read_back(container)
    except Exception as exc:  # noqa: BLE001
        return error_answer(exc)
    return {"ok": True, "nchunks": container.nchunks, "data": base64.b64encode(data).decode()}


def cores_environment(env: dict[str, str], cores: int, hook: str, cache: str) -> dict[str, str]:
    """``env`` for an interpreter that sees ``cores`` CPUs, as do those it starts (``hook``'s ``sitecustomize.py``)."""
    return {**env, "UDCODEC_CORES": str(cores),
            "PYTHONPATH": os.pathsep.join(p for p in (hook, env.get("PYTHONPATH", "")) if p),
            "XDG_CACHE_HOME": cache}  # python-blosc2 3.x caches the CPU count it found there


def _simulate_cores(cores: int, hook: str, cache: str) -> None:
    """See ``cores`` CPUs from now on, here and in the interpreters started from here."""
    import runpy

    os.environ.update(cores_environment(dict(os.environ), cores, hook, cache))
    runpy.run_path(os.path.join(hook, "sitecustomize.py"))


def serve_each(batch: dict[str, Any]) -> list[dict[str, Any]]:
    """Answer each of ``batch["requests"]`` in a child forked from this interpreter, all at once.

    This interpreter has not imported the implementation: a child applies its request's ``"cores"`` and then
    loads the adapter, as a new interpreter started with that core count would. Each child writes its answer
    to a file of its own in ``batch["workdir"]``, and its stdout and stderr to another, cut back whenever it
    passes :data:`OUTPUT_LIMIT`; a child still running after ``batch["timeout"]`` s is killed. Returns, per
    request, ``{"returncode", "answer", "stderr" (the output's tail), "written" (bytes of output), "timeout"}``
    for ``udcodec.checks.fresh`` to read.
    """
    import signal
    import time

    workdir, hook = batch["workdir"], batch["hook"]
    children: dict[int, int] = {}
    outputs = [os.path.join(workdir, f"{i}.output") for i in range(len(batch["requests"]))]
    dropped = [0] * len(outputs)
    for i, request in enumerate(batch["requests"]):
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 1
            try:
                no_core_files()
                os.dup2(os.open(outputs[i], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND), 2)
                os.dup2(2, 1)
                cache = os.path.join(workdir, f"{i}.cache")
                os.mkdir(cache)
                if request.get("cores") is not None:
                    _simulate_cores(int(request["cores"]), hook, cache)
                answer = json.dumps(serve(request))
                with open(os.path.join(workdir, f"{i}.answer"), "w", encoding="utf-8") as fh:
                    fh.write(answer)
                code = 0
            except BaseException:  # noqa: BLE001 - reported through stderr and the exit status
                import traceback

                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        children[pid] = i
    status: dict[int, int | None] = {}
    deadline = time.monotonic() + float(batch["timeout"])
    while len(status) < len(children):
        pid, raw = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            for i, path in enumerate(outputs):
                dropped[i] += bound_output(path, OUTPUT_LIMIT)
            if time.monotonic() > deadline:
                for late, index in children.items():
                    if index not in status:
                        os.kill(late, signal.SIGKILL)
                        os.waitpid(late, 0)
                        status[index] = None
                break
            time.sleep(0.01)
            continue
        if pid in children:
            status[children[pid]] = os.waitstatus_to_exitcode(raw)
    results = []
    for i in range(len(children)):
        try:
            with open(os.path.join(workdir, f"{i}.answer"), encoding="utf-8") as fh:
                answer = fh.read()
        except OSError:
            answer = ""
        ended = status.get(i)
        results.append({"returncode": ended, "answer": answer, "stderr": tail_of(outputs[i], 4000),
                        "written": dropped[i] + size_of(outputs[i]), "timeout": ended is None})
    return results


#: Past this size, a fresh process's output file is cut back to its last bytes (a flood fills no disk).
OUTPUT_LIMIT = 16 << 20


def zygote(socket_path: str) -> None:
    """Answer batches (:func:`serve_each`) sent to a UNIX socket at ``socket_path``, until stdin ends.

    Started by the harness before any implementation is imported (``udcodec.checks.fresh.start_zygote``), it
    saves each fresh-interpreter request the interpreter's start-up and the imports shared by every request.
    Each connection is handled by a child forked for it, which joins the requesting check's process group
    (``batch["pgid"]``), so that it and its children die with the check, takes the requester's working
    directory and environment (``batch["cwd"]``, ``batch["environ"]``), and sends back the JSON
    :func:`serve_each` returns.
    """
    import select
    import signal
    import socket

    def terminated(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)  # the harness, stopped by SIGTERM, passes it on: leave no socket behind

    signal.signal(signal.SIGTERM, terminated)
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})  # blocked by the harness until now
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
            server.bind(socket_path)
            server.listen(16)
            sys.stdout.write("ready\n")
            sys.stdout.flush()
            while True:
                ready, _, _ = select.select([server, sys.stdin], [], [], 0.5)
                _reap()  # here, so that the handlers' CPU time counts as the harness's children's
                if sys.stdin in ready and not os.read(sys.stdin.fileno(), 4096):
                    return  # the harness closed its end, or died
                if server not in ready:
                    continue
                conn, _ = server.accept()
                if os.fork() == 0:  # the handler: never returns (os._exit: not the cleanup below)
                    code = 1
                    try:
                        signal.signal(signal.SIGTERM, signal.SIG_DFL)
                        server.close()
                        code = _handle(conn)
                    finally:
                        os._exit(code)
                conn.close()
    finally:
        with contextlib.suppress(OSError):
            os.unlink(socket_path)  # not there yet when a SIGTERM came before the socket was bound
        with contextlib.suppress(OSError):
            os.rmdir(os.path.dirname(socket_path))


def _reap() -> None:
    """Reap the zygote's handlers that have ended."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _handle(conn: Any) -> int:
    """Read one batch from ``conn``, answer it with :func:`serve_each`, write the answer back; the exit status."""
    data = b""
    while chunk := conn.recv(65536):
        data += chunk
    batch = json.loads(data)
    try:
        os.setpgid(0, int(batch["pgid"]))
    except OSError:
        pass  # the check is gone already: its answer has no reader
    os.chdir(batch["cwd"])
    os.environ.clear()
    os.environ.update(batch["environ"])
    # The check's process group holds this handler, but what an implementation starts in a session of its own
    # leaves it: as a subreaper, the handler finds it below itself and kills it with the rest before answering.
    become_subreaper()
    answer = serve_each(batch)
    kill_descendants()
    conn.sendall(json.dumps(answer).encode())
    conn.close()
    return 0


def main() -> None:
    faulthandler.enable()  # a crash names the frame it happened under (udcodec.crashsite)
    if sys.argv[1:2] == ["--zygote"]:
        zygote(sys.argv[2])
        return
    request = json.loads(sys.stdin.read())
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    sys.stdout.flush()
    os.dup2(2, 1)  # what the implementation prints joins stderr, which the caller bounds: the answer stands alone
    answer = serve_each(request) if "requests" in request else serve(request)
    answers.write("\n" + json.dumps(answer) + "\n")
    answers.flush()


if __name__ == "__main__":
    main()
