"""Helpers shared by the check families."""

from __future__ import annotations

import ast
import itertools
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from udcodec.adapters.protocol import (
    FILTER_IDS,
    SPLITMODE_IDS,
    Adapter,
    Container,
    CParams,
    DParams,
)
from udcodec.checks.api import (
    ALSO_BUILTIN,
    EXCEPTION_TYPES,
    USER_CODEC_ONLY,
    Attribution,
    CheckContext,
    CheckFailed,
    Explanation,
    NotApplicable,
    Param,
    Workaround,
    describe_exc,
)
from udcodec.pluginlib import PluginLibError, install_probe_plugin, plant_marker_libraries
from udcodec.scenarios import (  # noqa: F401 - the chunk header and the thread refusal, for the families
    DELTA_FLAG,
    DONT_SPLIT_FLAG,
    EXTENDED_FLAGS,
    HEADER_BLOCKSIZE,
    HEADER_CBYTES,
    HEADER_CODEC_META,
    HEADER_FLAGS,
    HEADER_NBYTES,
    HEADER_TYPESIZE,
    HEADER_UDCODEC,
    MEMCPYED_FLAG,
    SPECIAL_MASK,
    header,
    refuses_threads,
)
from udcodec.strategies import ADVERSARIAL, Layout, make_data

UDCODEC_FORMAT = 6  # compressor enumeration in flags bits 5..7: "defined in the user-defined codec slot"

#: A small compressible sample and a block size that splits it into several blocks.
SAMPLE = make_data("arange", np.dtype("u1"), 4096, 3)
BLOCK = 1024


# -- parameter declarations the families share ------------------------------------------------


def not_a_literal(text: str) -> str | None:
    """Why ``text`` is no Python literal (see :func:`literal`), or None."""
    try:
        ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return f"{text!r} is not a Python literal"
    return None


def _not_a_dtype(text: str) -> str | None:
    try:
        np.dtype(text)
    except TypeError:
        return f"{text!r} is not a NumPy dtype"
    return None


#: A user-defined codec id (Blosc2 reserves 160..255 for them).
CODEC_ID = Param(int, min=160, max=255)
#: The zlib pair that counts the threads it runs on (``udcodec.testcodecs.CALLBACK_THREADS``), for fresh processes.
THREADED_ZLIB = {"encoder": "udcodec.testcodecs:threaded_zlib_encoder", "decoder": "udcodec.testcodecs:threaded_zlib_decoder"}
#: The bounds of a range of codec ids a check registers codecs under.
ID_RANGE = {"min": CODEC_ID, "max": CODEC_ID}
#: The exception types a rejection may raise.
EXCEPTIONS = Param(list, items=Param(str, choices=tuple(EXCEPTION_TYPES)))
#: Values written as Python literals (see :func:`literal`).
LITERALS = Param(list, items=Param(str, test=not_a_literal))
#: A data kind of :func:`udcodec.strategies.make_data`.
CONTENT = Param(str, choices=ADVERSARIAL)
#: A NumPy dtype name.
DTYPE = Param(str, test=_not_a_dtype)
#: Sizes of generated layouts: items per chunk, chunks per container.
LAYOUT_SIZE = {"max_chunk_items": Param(int, min=1), "max_chunks": Param(int, min=1)}
FILTER_PIPELINES = Param(list, items=Param(list, items=Param(str, choices=tuple(FILTER_IDS))), default=(("nofilter",),))
SPLITMODES = Param(list, items=Param(str, choices=tuple(SPLITMODE_IDS)), default=("never",))
#: ``needs_filters`` / ``needs_splitmode``: the clause needs that adapter capability (see :func:`require_needed`).
NEEDS = {"needs_filters": Param(bool, default=False), "needs_splitmode": Param(bool, default=False)}


def literal(text: Any) -> Any:
    """A spec parameter written as a Python literal (``"170.0"``, ``"None"``, ``"'x'"``)."""
    if not isinstance(text, str):
        return text
    return ast.literal_eval(text)


class Offences:
    """Every offending value a check tries, reported together: ``with offences.each(): ...`` per value,
    then ``offences.report()`` fails once, naming them all (a host is not judged by its first fault only)."""

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.found: list[str] = []

    @contextmanager
    def each(self) -> Iterator[None]:
        try:
            yield
        except CheckFailed as failed:
            self.found.append(failed.message)

    def report(self) -> None:
        if self.found:
            self.ctx.fail("; ".join(self.found))


class IdPool:
    """Hands out unused codec ids in [lo, hi], so one check can register many codecs."""

    def __init__(self, lo: int = 160, hi: int = 255) -> None:
        self._ids = iter(range(lo, hi + 1))

    def next(self) -> int:
        try:
            return next(self._ids)
        except StopIteration:
            raise RuntimeError("the check ran out of codec ids (raise its id range or lower max_examples)") from None

    def take(self, n: int) -> list[int]:
        return list(itertools.islice(self._ids, n))


def require_needed(ctx: CheckContext) -> None:
    """Capabilities a spec asks for with ``needs_filters`` / ``needs_splitmode`` parameters."""
    for name in ("filters", "splitmode"):
        if ctx.param(f"needs_{name}"):
            ctx.require(name)


def cparams_for(codec: int, layout: Layout | None = None, **overrides: Any) -> CParams:
    base: dict[str, Any] = {"codec": codec, "nthreads": 1}
    if layout is not None:
        base.update(typesize=layout.typesize, blocksize=layout.blocksize, filters=layout.filters, splitmode=layout.splitmode)
    base.update(overrides)
    return CParams(**base)


def new_container(ctx: CheckContext, cparams: CParams, chunksize: int, **kw: Any) -> Container:
    return ctx.adapter.create(cparams=cparams, dparams=DParams(nthreads=1), chunksize=chunksize, **kw)


def fill(container: Container, chunks: list[bytes]) -> None:
    for i, chunk in enumerate(chunks):
        n = container.append(chunk)
        if container.nchunks != i + 1:
            raise AssertionError(f"append returned {n!r} but the container holds {container.nchunks} chunks, expected {i + 1}")


def read_back(container: Container) -> bytes:
    return b"".join(container.decompress_chunk(i) for i in range(container.nchunks))


def first_difference(a: bytes, b: bytes) -> str:
    if len(a) != len(b):
        return f"lengths differ: got {len(a)} bytes, expected {len(b)}"
    differ = np.flatnonzero(np.frombuffer(a, np.uint8) != np.frombuffer(b, np.uint8))
    if not differ.size:
        return f"the same {len(a)} bytes"
    pos = int(differ[0])
    return f"first difference at byte {pos}: got {a[pos]:#04x}, expected {b[pos]:#04x}"


def silently_changed(want: Mapping[str, Any], got: Mapping[str, Any]) -> str:
    """"silently changed FIELD from W to G, ..." for the fields of ``want`` that ``got`` holds otherwise ("" if none):
    how the reopen clauses say a reopen changed what was written."""
    changed = [f"{k} from {w!r} to {got.get(k)!r}" for k, w in want.items() if got.get(k) != w]
    return "silently changed " + ", ".join(changed) if changed else ""


def reopen_defect(want: Mapping[str, Any], got: Mapping[str, Any]) -> Explanation | None:
    """REOPEN-KEEPS' words for a frame that ``open(path)`` gives back holding ``got`` where it was written with
    ``want`` (an NDArray's frame is one), or None when nothing changed."""
    changed = silently_changed(want, got)
    return Explanation("reopen.spellings", f"open(path): {changed}") if changed else None


def header_codec_defect(codec: int, meta: int, written: tuple[int, int], index: int = 0) -> Explanation | None:
    """ID-HEADER's words for a chunk whose header records ``codec`` and ``meta``, written with ``written`` (codec,
    meta): the header writer's defect, which a check reading the header of a chunk it wrote also meets."""
    if (codec, meta) == written:
        return None
    return Explanation("identity.header_records_codec",
                       f"chunk {index} header records codec {codec} meta {meta}, written with {written[0]} meta "
                       f"{written[1]}")


def chunk_difference(a: bytes, b: bytes) -> str:
    """How chunk ``a`` differs from chunk ``b``: the header fields that differ, else the first differing byte."""
    try:
        ha, hb = ({**header(c), "filters": list(c[16:22]), "filters_meta": list(c[24:30]), "blosc2_flags": c[31]}
                  for c in (a, b))
    except ValueError as exc:
        return str(exc)
    fields = [f"{k} {ha[k]} vs {hb[k]}" for k in ha if ha[k] != hb[k]]
    if fields:
        return "header fields differ: " + ", ".join(fields)
    return f"same header fields, cbytes {len(a)} vs {len(b)}; " + (first_difference(a, b) if len(a) == len(b) else "")


def register_pair(ctx: CheckContext, name: str, codec_id: int, encoder: Callable[..., Any], decoder: Callable[..., Any]) -> None:
    """Register a codec the check needs; a rejection here is itself a violation."""
    try:
        ctx.adapter.register_codec(name, codec_id, encoder, decoder)
    except Exception as exc:  # noqa: BLE001
        ctx.fail(f"registering a valid codec ({name!r}, id {codec_id}) was rejected: {type(exc).__name__}: {exc}")


# -- parameters left out, and the known defect threads bring -------------------------------------


_THREAD_DEFECT = ("a container written with a Python codec cannot be opened with nthreads left out (or with "
                  "dparams only): the host's default thread count, taken from the core count, is above 1 "
                  "(judged by THREAD-DEFAULTS)")
#: Get past the thread default in this process: give every parameter as written, with one thread.
OPEN_WITH_WRITTEN_PARAMS = Workaround(
    "open-with-written-params", _THREAD_DEFECT,
    "open with every cparams field as written and nthreads=1 in cparams and dparams")
#: Get past the thread default by making the same calls where it is 1: an interpreter that sees one core.
ONE_CORE_INTERPRETER = Workaround(
    "one-core-interpreter", _THREAD_DEFECT,
    "make the same calls in a fresh interpreter that sees one core (UDCODEC_CORES=1)")


class ThreadsRefused(Exception):
    """Calls made here were refused for their thread count (the defect ``ONE_CORE_INTERPRETER`` gets past)."""


def written_cparams(cparams: CParams) -> CParams:
    """``cparams`` as a container was written with, one thread: what a workaround gives ``open``."""
    return replace(cparams, nthreads=1)


# -- retrying a failure with a builtin codec ------------------------------------------------------

#: Blosc2's builtin codecs: name -> codec id.
BUILTIN_CODEC_IDS: dict[str, int] = {"BLOSCLZ": 0, "LZ4": 1, "LZ4HC": 2, "ZLIB": 4, "ZSTD": 5}
#: Builtin codecs a failure is retried with, in order of preference (name -> Blosc2 codec id); the
#: first one the host implements is used (the reference implements all of them).
BUILTIN_CODECS: dict[str, int] = {n: BUILTIN_CODEC_IDS[n] for n in ("ZLIB", "ZSTD", "LZ4", "BLOSCLZ")}
#: The order for retries that compare chunk bytes with python-blosc2's: codecs whose streams the
#: reference writes byte for byte as c-blosc2 does first (its ZLIB streams differ: c-blosc2 deflates
#: with zlib-ng).
BYTE_IDENTICAL_BUILTIN_CODECS: dict[str, int] = {n: BUILTIN_CODEC_IDS[n] for n in ("ZSTD", "BLOSCLZ", "ZLIB", "LZ4")}


@dataclass(frozen=True)
class Retry:
    """What retrying one failing example with a builtin codec showed."""

    codec: str
    attribution: Attribution
    problem: str = ""  # how it failed with the builtin codec

    @property
    def tag(self) -> str:
        return f"[{self.attribution}: {self.codec}{': ' + self.problem if self.problem else ''}]"


def retry_with_builtin(attempt: Callable[[int], str | None],
                       codecs: Mapping[str, int] = BUILTIN_CODECS) -> Retry | None:
    """Retry a failing example with a builtin codec: ``attempt(codec_id)`` repeats it with that codec and
    returns how it still fails (or raises), or None when it passes. None if the host implements none of
    ``codecs`` (it raises ``NotImplementedError`` for each)."""
    for name, codec_id in codecs.items():
        try:
            problem = attempt(codec_id)
        except NotImplementedError:
            continue
        except Exception as exc:  # noqa: BLE001 - the retry fails the same way a check would
            problem = describe_exc(exc)
        return Retry(name, ALSO_BUILTIN if problem else USER_CODEC_ONLY, problem or "")
    return None


def attribution_of(retries: Iterable[Retry | None]) -> Attribution | None:
    """One attribution for a clause: ALSO_BUILTIN if a builtin codec reproduces any failure (a Blosc2
    format or filter defect), USER_CODEC_ONLY if none does, None if nothing was retried."""
    found = {r.attribution for r in retries if r is not None}
    return ALSO_BUILTIN if ALSO_BUILTIN in found else (USER_CODEC_ONLY if found else None)


def fail_attributed(body: Callable[[], None],
                    attempt: Callable[[CheckFailed], Callable[[int], str | None] | None]) -> None:
    """Run ``body``; attribute its failure: ``attempt(failure)`` gives the retry of its example (see
    :func:`retry_with_builtin`), or None when it has none; the failure is re-raised with the retry's
    attribution and tag. The retry runs once no exception is being handled, so that what it raises is not
    chained to (and described as) the failure it retries."""
    try:
        body()
    except CheckFailed as exc:
        failure = exc
    else:
        return
    once = attempt(failure)
    retry = retry_with_builtin(once) if once is not None else None
    if retry is not None:
        failure.attribution = retry.attribution
        failure.message = f"{failure.message}\n{retry.tag}"
        failure.args = (failure.message,)
    raise failure


# -- blocks of whole items (the automatic blocksize) ----------------------------------------------

#: Parameters of the whole-item checks: typesizes, clevels and chunk sizes (rounded down to whole items).
WHOLE_ITEMS = {"typesizes": Param(list, items=Param(int, min=1, max=16384)),
               "clevels": Param(list, items=Param(int, min=1, max=9)),
               "chunk_bytes": Param(list, items=Param(int, min=1))}


@dataclass(frozen=True)
class ItemCase:
    """One chunk of whole items compressed with the blocksize left out."""

    typesize: int
    clevel: int
    data: bytes

    def where(self) -> str:
        return f"typesize {self.typesize}, clevel {self.clevel}, a {len(self.data)}-byte chunk, blocksize left out"


def whole_item_cases(ctx: CheckContext) -> Iterator[ItemCase]:
    """Every (typesize, clevel, chunk size) of the check's parameters, as compressible chunks of whole items."""
    for typesize in ctx.param("typesizes"):
        for clevel in ctx.param("clevels"):
            for nbytes in ctx.param("chunk_bytes"):
                n = max(int(nbytes) // int(typesize), 1) * int(typesize)
                yield ItemCase(int(typesize), int(clevel), make_data("arange", np.dtype("u1"), n, n % 251))


def partial_items(lengths: list[int], typesize: int) -> str | None:
    """The block lengths as a message if one of them is not a whole number of ``typesize``-byte items, else None."""
    if all(n % typesize == 0 for n in lengths):
        return None
    shown = ", ".join(map(str, lengths[:8])) + (", ..." if len(lengths) > 8 else "")
    return (f"blocks of {shown} bytes, not whole {typesize}-byte items "
            f"(np.frombuffer(block, 'V{typesize}') raises on them)")


def names_loaded(ctx: CheckContext, register: Callable[[str], Callable[[], object]]) -> None:
    """Register and use each path-like name from ``ctx.tmpdir`` as working directory; fail if any marker appears.

    ``register(name)`` registers the plugin (raising if the host refuses it) and returns the action that uses it.
    """
    names = [template.replace("{marker}", f"marker{i}") for i, template in enumerate(ctx.param("names"))]
    try:
        planted = plant_marker_libraries(ctx.tmpdir, names)
    except PluginLibError as exc:
        raise NotApplicable(f"{exc}: this check plants them where the names lead") from None
    before = os.getcwd()
    os.chdir(ctx.tmpdir)
    try:
        for name, _marker in planted:
            try:
                use = register(name)
            except Exception:  # noqa: BLE001, S112 - refusing the name is the safe answer
                continue
            try:
                use()
            except Exception:  # noqa: BLE001, S110 - no such plugin: failing is expected
                pass
    finally:
        os.chdir(before)
    loaded = [name for name, marker in planted if marker.exists()]
    if loaded:
        ctx.fail(f"{len(loaded)} of {len(planted)} plugin names made the host load a library outside the plugin "
                 "search, at the path the name spells from the working directory: "
                 + ", ".join(f"{n!r} (libblosc2_{n}.so)" for n in loaded))


def install_probe(ctx: CheckContext, name: str, kind: str) -> None:
    """Install the probe ``kind`` plugin as package ``blosc2_NAME`` where this process and its children import from.

    Blosc2's child interpreter is ``python`` on ``PATH``: this interpreter's folder comes first. n/a without a C compiler.
    """
    site = ctx.tmpdir / "site"
    try:
        install_probe_plugin(site, name, kind)
    except PluginLibError as exc:
        raise NotApplicable(f"{exc}: this check installs it") from None
    sys.path.insert(0, str(site))
    for var, first in (("PYTHONPATH", str(site)), ("PATH", os.path.dirname(sys.executable))):
        os.environ[var] = os.pathsep.join(filter(None, [first, os.environ.get(var)]))


def _scribble(arrays: list[np.ndarray]) -> None:
    """Read each array and write 0xA5 into it, as a codec using kept arrays would; a refused write is fine."""
    for arr in arrays:
        try:
            int(np.asarray(arr).sum())
            arr[...] = 0xA5
        except (ValueError, TypeError, BufferError):
            pass  # a read-only or released array refuses the write: that is the point


def _read_problems(container: Any, data: bytes) -> list[str]:
    """Each chunk of ``container`` that does not read back as ``data``, or raises."""
    problems = []
    for i in range(container.nchunks):
        try:
            got = container.decompress_chunk(i)
        except Exception as exc:  # noqa: BLE001
            problems.append(f"reading chunk {i} raised {describe_exc(exc)}")
            continue
        if got != data:
            problems.append(f"chunk {i} read back ({first_difference(got, data)})")
    return problems


class Keeper:
    """Wraps callbacks so that they keep every array they are given and write 0xA5 into those of earlier calls at
    the end of each later call, as a callback using kept arrays as its own scratch space would."""

    def __init__(self) -> None:
        self.kept: list[np.ndarray] = []

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(inp: Any, out: Any, meta: int, container: Any) -> Any:
            earlier = list(self.kept)
            self.kept.extend(a for a in (inp, out) if isinstance(a, np.ndarray))
            result = fn(inp, out, meta, container)
            _scribble(earlier)
            return result

        return call


def kept_buffer_problems(container: Container, keeper: Keeper, expected: bytes, who: str,
                         doing: Callable[[str], None] = lambda _: None) -> list[str]:
    """Append ``expected`` to ``container`` (whose callbacks ``keeper`` wrapped) as the caller's bytes object and as
    the caller's NumPy array, then write into every array the callbacks kept: what changed, in words.

    The chunks must read back before and after, the stored chunks and the caller's objects must stay as they were,
    and the next append must work (a write may raise: read-only arrays are fine). Damage seen before the last
    writes ends the check there. ``expected`` itself never reaches the host, so a host that writes into what it is
    given cannot hide the change. ``doing`` is told each step first (:meth:`CheckContext.doing`): a host that crashes
    is reported with the step it crashed in.
    """
    data = bytes(bytearray(expected))  # the caller's own bytes object, equal to but not ``expected``
    array = np.frombuffer(expected, dtype=np.uint8).copy()  # the caller's own writable array
    doing(f"appending a bytes object and a NumPy array through a {who} that keeps the arrays it is given")
    container.append(data)
    container.append(array)  # type: ignore[arg-type]  # callers hand NumPy arrays too
    stored = [container.get_chunk(i) for i in range(container.nchunks)]
    doing(f"reading the chunks back, the {who} writing into the arrays of its earlier calls")
    before = _read_problems(container, expected)
    if not keeper.kept:
        return [f"the {who} was never called, so nothing could be kept"]
    if before:  # the damage shows already; writing into everything now would only risk a hang of the host
        return [f"after the {who} wrote, in later calls, into the arrays earlier calls gave it, these changed: "
                + "; ".join(before)]
    doing(f"writing into the {len(keeper.kept)} arrays the {who} kept, after its calls returned")
    _scribble(keeper.kept)
    changed: list[str] = []
    doing(f"appending again after the {who} wrote into the arrays it kept")
    try:
        container.append(bytes(bytearray(expected)))  # a copy: the host may hand it out writable
    except Exception as exc:  # noqa: BLE001
        changed.append(f"the next append raised {describe_exc(exc)}")
    doing(f"reading the chunks back after the {who} wrote into the arrays it kept")
    changed += [f"stored chunk {i}" for i, chunk in enumerate(stored) if container.get_chunk(i) != chunk]
    changed += _read_problems(container, expected)
    for what, got in (("bytes object", data), ("array", array.tobytes())):
        if got != expected:
            changed.append(f"the caller's {what} ({first_difference(got, expected)})")
    if changed:
        return [f"after the {who} wrote into the {len(keeper.kept)} arrays it had kept, these changed: "
                + "; ".join(changed)]
    return []


#: The adapter spec of the bundled reference: the judge of the pairs it is in (see :func:`directions`).
REFERENCE = "reference"


@dataclass(frozen=True)
class Side:
    """One side of a pair and how messages name it (its spec when both sides share a name)."""

    adapter: Adapter
    label: str


def directions(ctx: CheckContext) -> list[tuple[Side, Side]]:
    """(writer, reader) pairs the clause judges ``ctx.adapter`` by: it reads what the peer wrote and the
    peer reads what it wrote. The reference judges a port in the port's own result, so the reference's
    result against a port is n/a: a failure is reported once, where its cause is."""
    peer = ctx.the_peer()
    if ctx.adapter_spec == REFERENCE and ctx.peer_spec != REFERENCE:
        raise NotApplicable(f"the reference is the judge: {peer.name} is checked against it both ways (written by "
                            f"{peer.name} and read by the reference, and the reverse) in {peer.name}'s result")
    same = peer.name == ctx.adapter.name
    here = Side(ctx.adapter, ctx.adapter_spec if same else ctx.adapter.name)
    there = Side(peer, (ctx.peer_spec or peer.name) if same else peer.name)
    return [(there, here), (here, there)]
