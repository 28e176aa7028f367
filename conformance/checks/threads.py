"""Checks of the single-thread rule for Python codecs."""

from __future__ import annotations

import base64
import subprocess
import threading
from dataclasses import replace
from typing import Any

import numpy as np
from udcodec.adapters.protocol import CParams, DParams
from udcodec.checks.api import (
    CheckContext,
    NotJudged,
    Param,
    check,
    exception_types,
    expect_rejection,
)
from udcodec.checks.common import (
    CODEC_ID,
    EXCEPTIONS,
    THREADED_ZLIB,
    cparams_for,
    fill,
    new_container,
    read_back,
    register_pair,
)
from udcodec.checks.fresh import fail_fresh, run_fresh, run_fresh_each, timeout_note
from udcodec.scenarios import OUTSIDE_CALLS
from udcodec.strategies import make_data
from udcodec.testcodecs import Recorder, zlib_decoder, zlib_encoder

DATA = make_data("arange", np.dtype("u1"), 1 << 14, 1)
#: Which parameters carry nthreads, and the thread counts (> 1) that must be rejected.
WHICH = Param(str, choices=("cparams", "dparams"))
NTHREADS = Param(list, items=Param(int, min=2))


@check("threads.rejected_at_creation", params={"id": CODEC_ID, "which": WHICH, "nthreads": NTHREADS, "exceptions": EXCEPTIONS})
def rejected_at_creation(ctx: CheckContext) -> None:
    """Creating a container with nthreads > 1 and a Python codec is rejected."""
    allowed = exception_types(ctx.param("exceptions"))
    codec_id = int(ctx.param("id"))
    register_pair(ctx, "mt", codec_id, zlib_encoder, zlib_decoder)
    which = ctx.param("which")
    for n in ctx.param("nthreads"):
        cparams = cparams_for(codec_id, typesize=1, nthreads=n if which == "cparams" else 1)
        dparams = DParams(nthreads=n if which == "dparams" else 1)
        with expect_rejection(ctx, f"creating a container with {which}.nthreads={n}", allowed):
            ctx.adapter.create(cparams=cparams, dparams=dparams, chunksize=len(DATA))


@check("threads.rejected_at_update", requires=("update_params",),
       params={"id": CODEC_ID, "which": WHICH, "nthreads": NTHREADS, "exceptions": EXCEPTIONS})
def rejected_at_update(ctx: CheckContext) -> None:
    """Updating a container's parameters to nthreads > 1 is rejected and leaves them unchanged."""
    allowed = exception_types(ctx.param("exceptions"))
    codec_id = int(ctx.param("id"))
    register_pair(ctx, "mt", codec_id, zlib_encoder, zlib_decoder)
    which = ctx.param("which")
    for n in ctx.param("nthreads"):
        container = new_container(ctx, cparams_for(codec_id, typesize=1), chunksize=len(DATA))
        with expect_rejection(ctx, f"updating {which}.nthreads to {n}", allowed):
            if which == "cparams":
                container.update_cparams(replace(container.cparams(), nthreads=n))
            else:
                container.update_dparams(DParams(nthreads=n))
        got = container.cparams().nthreads if which == "cparams" else container.dparams().nthreads
        if got != 1:
            ctx.fail(f"after the rejected update, {which}.nthreads is {got}, expected it unchanged (1)")
        fill(container, [DATA])
        if read_back(container) != DATA:
            ctx.fail("after the rejected update, the container no longer round-trips")


@check("threads.callbacks_on_one_thread", params={"id": CODEC_ID, "blocksize": Param(int, min=1), "nchunks": Param(int, min=1)})
def callbacks_on_one_thread(ctx: CheckContext) -> None:
    """Every encoder and decoder call runs on one thread: the caller's."""
    codec_id = int(ctx.param("id"))
    rec = Recorder()
    register_pair(ctx, "one", codec_id, rec.enc, rec.dec)
    container = new_container(ctx, cparams_for(codec_id, typesize=4, blocksize=int(ctx.param("blocksize"))), chunksize=len(DATA))
    fill(container, [DATA] * int(ctx.param("nchunks")))
    read_back(container)
    container.get_slice(0, len(DATA) // 4)
    threads = {c.thread for c in rec.calls}
    if not rec.calls:
        ctx.fail("no callback was called")
    if threads != {threading.get_ident()}:
        ctx.fail(f"{len(rec.calls)} callbacks ran on {len(threads)} thread(s), not only on the calling thread")


# -- nthreads left out, under several core counts -------------------------------------------------

DEFAULTS_FILTER = {"forward": "udcodec.testcodecs:threaded_reverse_forward",
                   "backward": "udcodec.testcodecs:threaded_reverse_backward"}
CORES = Param(list, items=Param(int, min=1))
BLOCKSIZE = Param(int, min=1)


@check("threads.defaults_under_core_counts", requires=("persistence",),
       params={"id": CODEC_ID, "cores": CORES, "blocksize": BLOCKSIZE})
def defaults_under_core_counts(ctx: CheckContext) -> None:
    """With nthreads left out everywhere, a Python codec's container works alike under every core count."""
    codec_id = int(ctx.param("id"))
    _alike_under_core_counts(ctx, {"register": [{"name": "mt", "id": codec_id, **THREADED_ZLIB}]}, {"id": codec_id})


@check("threads.filter_defaults_under_core_counts", requires=("persistence", "user_filters"),
       params={"id": Param(int, min=160, max=255), "codec": Param(int, min=0, max=159), "cores": CORES,
               "blocksize": BLOCKSIZE})
def filter_defaults_under_core_counts(ctx: CheckContext) -> None:
    """With nthreads left out everywhere, a container with a Python filter beside a builtin codec works alike
    under every core count."""
    filter_id = int(ctx.param("id"))
    _alike_under_core_counts(ctx, {"register_filters": [{"id": filter_id, **DEFAULTS_FILTER}]},
                             {"id": int(ctx.param("codec")), "filter": filter_id})


def _alike_under_core_counts(ctx: CheckContext, register: dict[str, Any], args: dict[str, Any]) -> None:
    """Run ``udcodec.scenarios:with_defaults`` (``args``, with ``register``ed callbacks) once per core count
    of the ``cores`` parameter, each in a fresh interpreter that sees that many CPUs; fail unless every step
    worked on the caller's thread alone under each of them."""
    requests = {cores: {"adapter": ctx.adapter_spec, "cores": cores, "call": "udcodec.scenarios:with_defaults",
                        **register,
                        "args": {**args, "path": str(ctx.tmpdir / f"defaults-{cores}.b2frame"),
                                 "blocksize": int(ctx.param("blocksize"))}}
                for cores in ctx.param("cores")}
    answers = dict(zip(requests, run_fresh_each(list(requests.values())), strict=True))
    outcomes: dict[int, dict[str, Any]] = {}
    for cores, answer in answers.items():
        if not answer["ok"]:
            fail_fresh(f"with {cores} core(s) the interpreter failed", answer)
        outcomes[cores] = answer["result"]
    problems = []
    for cores, seen in outcomes.items():
        failed = {name: err for name, err in seen["steps"].items() if err}
        if failed:
            name, err = next(iter(failed.items()))
            problems.append(f"with {cores} core(s), {name} failed: {err}"
                            + (f" (and {', '.join(list(failed)[1:])})" if len(failed) > 1 else ""))
        if seen["threads"]:
            problems.append(f"with {cores} core(s), callbacks ran on {seen['threads']} thread(s) besides the caller's")
    if problems:
        ok = [c for c, s in outcomes.items() if not any(s["steps"].values()) and not s["threads"]]
        ctx.fail("nthreads left out (create, write, read, open(path), open(path, mode='a'), append): "
                 + (f"works with {', '.join(map(str, ok))} core(s); " if ok else "")
                 + "; ".join(problems))


# -- the thread rule at every door ----------------------------------------------------------------


@check("threads.rejected_at_open", requires=("persistence",),
       params={"id": CODEC_ID, "nthreads": NTHREADS, "exceptions": EXCEPTIONS})
def rejected_at_open(ctx: CheckContext) -> None:
    """Opening a Python codec's container with nthreads > 1 (dparams, or the written cparams) is rejected."""
    allowed = exception_types(ctx.param("exceptions"))
    codec_id = int(ctx.param("id"))
    register_pair(ctx, "mt", codec_id, zlib_encoder, zlib_decoder)
    path = str(ctx.tmpdir / "one-thread.b2frame")
    cparams = cparams_for(codec_id, typesize=1)
    container = new_container(ctx, cparams, chunksize=len(DATA), urlpath=path)
    fill(container, [DATA])
    container.close()
    for n in ctx.param("nthreads"):
        for what, kwargs in (("dparams", {"dparams": DParams(nthreads=n)}),
                             ("cparams", {"cparams": replace(cparams, nthreads=n), "dparams": DParams(nthreads=1)})):
            with expect_rejection(ctx, f"open(path, mode='a', {what} with nthreads={n})", allowed):
                ctx.adapter.open(path, mode="a", **kwargs).close()


@check("threads.rejected_at_switch", requires=("update_params",),
       params={"id": CODEC_ID, "builtin": Param(int, min=0, max=159), "nthreads": NTHREADS, "exceptions": EXCEPTIONS})
def rejected_at_switch(ctx: CheckContext) -> None:
    """Switching a multi-threaded container to a Python codec is rejected and leaves it unchanged."""
    allowed = exception_types(ctx.param("exceptions"))
    codec_id, builtin = int(ctx.param("id")), int(ctx.param("builtin"))
    register_pair(ctx, "mt", codec_id, zlib_encoder, zlib_decoder)
    for n in ctx.param("nthreads"):
        for what, switch in (("cparams and dparams", CParams.only(codec=codec_id)),
                             ("dparams", CParams.only(codec=codec_id, nthreads=1))):
            container = ctx.adapter.create(cparams_for(builtin, typesize=1, nthreads=n), DParams(nthreads=n),
                                           chunksize=len(DATA))
            with expect_rejection(ctx, f"switching a container whose {what} have nthreads={n} to Python codec "
                                       f"{codec_id}", allowed):
                container.update_cparams(switch)
            if container.cparams().codec != builtin:
                ctx.fail(f"after the rejected switch the container's codec is {container.cparams().codec}, "
                         f"expected it unchanged ({builtin})")
            fill(container, [DATA])
            if read_back(container) != DATA:
                ctx.fail("after the rejected switch the container no longer round-trips")


@check("threads.writer_count_not_kept", requires=("persistence", "update_params"),
       params={"id": CODEC_ID, "builtin": Param(int, min=0, max=159), "writers": Param(list, items=Param(int, min=1)),
               "cores": CORES})
def writer_count_not_kept(ctx: CheckContext) -> None:
    """Whether a container opened with parameters left out can be switched to a Python codec does not depend
    on the thread counts its writer recorded, under each core count."""
    writers = [int(n) for n in ctx.param("writers")]
    requests = {cores: {"adapter": ctx.adapter_spec, "cores": cores, "call": "udcodec.scenarios:switch_after_open",
                        "register": [{"name": "mt", "id": int(ctx.param("id")), **THREADED_ZLIB}],
                        "args": {"id": int(ctx.param("id")), "builtin": int(ctx.param("builtin")), "writers": writers,
                                 "path": str(ctx.tmpdir / f"writer-{cores}")}}
                for cores in ctx.param("cores")}
    problems = []
    for cores, answer in zip(requests, run_fresh_each(list(requests.values())), strict=True):
        if not answer["ok"]:
            fail_fresh(f"with {cores} core(s) the interpreter failed", answer)
        ctx.extra.setdefault("steps", {})[str(cores)] = steps = answer["result"]
        first, *others = writers

        def outcome(n: int, steps: dict[str, dict[str, str | None]] = steps) -> tuple[str, str | None]:
            failed = [(name, err) for name, err in steps[str(n)].items() if err]
            return failed[0] if failed else ("", None)

        for n in others:
            (step_n, err_n), (step_1, err_1) = outcome(n), outcome(first)
            if step_n != step_1:
                said = {w: (f"{step} failed: {err}" if err else "every step worked")
                        for w, step, err in ((first, step_1, err_1), (n, step_n, err_n))}
                problems.append(f"with {cores} core(s), a frame written with nthreads={n}: {said[n]}; written with "
                                f"nthreads={first}: {said[first]}")
    if problems:
        ctx.fail("open(path, mode='a'), then a switch to a Python codec with nthreads left out, an append and a "
                 "read: the outcome depends on the writer's thread count: " + "; ".join(problems))


@check("threads.chunk_door", params={"id": CODEC_ID, "builtin": Param(int, min=0, max=159), "nthreads": Param(int, min=2),
                                    "blocksize": BLOCKSIZE, "forks": Param(int, min=1), "reads": Param(int, min=1),
                                    "rounds": Param(int, min=1, default=1), "exceptions": EXCEPTIONS})
def chunk_door(ctx: CheckContext) -> None:
    """A chunk written with a Python codec and appended to a container with several threads (and a builtin codec)
    is refused, or each of its decompressions is refused or decodes it on the caller's thread alone.

    The door is tried in ``forks`` processes forked one after the other, ``reads`` times each: a host that races
    there crashes in some of them and not in others. An error the chunk also meets in a one-thread container is
    not the thread rule's (ID-DECODE-BY-CHUNK judges a chunk decoded by the container's codec): there only a
    crash, a hang or a decoder call on another thread counts. A race crashes less often on a loaded machine: where
    only a crash can show the defect and none came, the forks are tried again, up to ``rounds`` times."""
    allowed = {t.__name__ for t in exception_types(ctx.param("exceptions"))}
    codec_id, builtin, n = int(ctx.param("id")), int(ctx.param("builtin")), int(ctx.param("nthreads"))
    forks = int(ctx.param("forks"))
    where = f"a chunk of Python codec {codec_id} appended to a codec-{builtin} container with nthreads={n}"
    seen: dict[str, Any] = {"ended": [], "runs": []}
    rounds = 0
    while rounds < int(ctx.param("rounds")):
        rounds += 1
        try:
            answer = run_fresh({"adapter": ctx.adapter_spec, "call": "udcodec.scenarios:chunk_door",
                                "register": [{"name": "door", "id": codec_id, **THREADED_ZLIB}],
                                "args": {"id": codec_id, "builtin": builtin, "nthreads": n, "forks": forks,
                                         "blocksize": int(ctx.param("blocksize")), "reads": int(ctx.param("reads")),
                                         "deadline": 5.0}})
        except subprocess.TimeoutExpired as exc:
            ctx.fail(f"reading {where} hung (the fresh process did not answer in time{timeout_note(exc)})")
        if not answer["ok"]:
            fail_fresh(f"the fresh process that reads {where} failed", answer)
        seen = {"control": answer["result"]["control"], "ended": seen["ended"] + answer["result"]["ended"],
                "runs": seen["runs"] + answer["result"]["runs"]}
        if seen["control"] is None or seen["ended"]:
            break  # the reads judge the host, or a crash already did
    ctx.extra["door"] = {"control": seen["control"], "ended": seen["ended"], "answered": len(seen["runs"]),
                         "reads_ok": sum(run.get("worked", 0) for run in seen["runs"]), "rounds": rounds}
    problems: list[str] = []
    if seen["ended"]:
        counts = {how: seen["ended"].count(how) for how in seen["ended"]}
        ran = len(seen["runs"]) + len(seen["ended"])
        problems.append(f"reading {where} did not answer in {len(seen['ended'])} of {ran} forked processes: "
                        + ", ".join(f"{k} {how}" for how, k in counts.items()))
    for run in seen["runs"]:
        if run["append"] is not None:
            if seen["control"] is None and not allowed & set(run["append"]["types"]):
                problems.append(f"appending {where} raised {run['append']['error']}")
            continue
        if seen["control"] is None:
            problems += [f"decompressing {where} raised {error}" for error, types in run["errors"].items()
                         if not allowed & set(types)]
        if run["wrong"]:
            problems.append(f"{where} read back different bytes")
        if run["threads"]:
            problems.append(f"{where} was decoded on {run['threads']} thread(s) besides the caller's")
    if problems:
        ctx.fail("; ".join(dict.fromkeys(problems)))


@check("threads.register_after_open", requires=("persistence",),
       params={"id": CODEC_ID, "cores": Param(int, min=2), "blocksize": BLOCKSIZE, "forks": Param(int, min=1),
               "reads": Param(int, min=1), "exceptions": EXCEPTIONS})
def register_after_open(ctx: CheckContext) -> None:
    """A frame of Python codec chunks opened, parameters left out, before its codec is registered, then read once
    the codec is: each read is refused or decodes on the caller's thread alone, under ``cores`` cores.

    The reader is a fresh interpreter that sees ``cores`` cores, so the threads left out default to several; it
    forks ``forks`` readers two at a time (a racing host crashes in some and not others). A control reader opens
    the frame with one thread: an error it meets too is not the thread rule's, there only a crash, a hang, wrong
    data or a decoder call on another thread counts."""
    allowed = {t.__name__ for t in exception_types(ctx.param("exceptions"))}
    codec_id, blocksize = int(ctx.param("id")), int(ctx.param("blocksize"))
    data = (np.arange(16 * blocksize, dtype=np.uint32) % 251).astype(np.uint8).tobytes()  # 16 blocks to share out
    register_pair(ctx, "late", codec_id, zlib_encoder, zlib_decoder)
    path = str(ctx.tmpdir / "late.b2frame")
    writer = new_container(ctx, cparams_for(codec_id, typesize=1, blocksize=blocksize), chunksize=len(data) // 2,
                           urlpath=path)
    fill(writer, [data[:len(data) // 2], data[len(data) // 2:]])
    writer.close()
    cores = int(ctx.param("cores"))
    where = (f"a frame of Python codec {codec_id} opened with open(path) before the codec was registered, then read "
             f"({cores} cores)")
    try:
        answer = run_fresh({"adapter": ctx.adapter_spec, "cores": cores, "call": "udcodec.scenarios:register_after_open",
                            "args": {"path": path, "id": codec_id, "reads": int(ctx.param("reads")),
                                     "forks": int(ctx.param("forks")), "deadline": 5.0,
                                     "data": base64.b64encode(data).decode()}})
    except subprocess.TimeoutExpired as exc:
        ctx.fail(f"reading {where} hung (the fresh process did not answer in time{timeout_note(exc)})")
    if not answer["ok"]:
        fail_fresh(f"the fresh process that reads {where} failed", answer)
    seen = answer["result"]
    control = seen["control"]
    ctx.extra["late_registration"] = {"control": control, "ended": seen["ended"], "answered": len(seen["runs"]),
                                      "reads_ok": sum(run.get("worked", 0) for run in seen["runs"])}
    if control.get("ended"):
        raise NotJudged(f"a reader of the same frame that opened it with one thread ({control['ended']}) ended too: "
                        "what the readers meet is not the thread rule's")
    judged = control.get("open") is None and not control.get("errors")
    problems: list[str] = []
    if seen["ended"]:
        counts = {how: seen["ended"].count(how) for how in seen["ended"]}
        problems.append(f"{len(seen['ended'])} of {len(seen['runs']) + len(seen['ended'])} forked readers did not "
                        "answer: " + ", ".join(f"{k} {how}" for how, k in counts.items()))
    for run in seen["runs"]:
        if run["open"] is not None:
            if judged and not allowed & set(run["open"]["types"]):
                problems.append(f"open(path) raised {run['open']['error']}")
            continue
        if judged:
            problems += [f"a read raised {error}" for error, types in run["errors"].items()
                         if not allowed & set(types)]
        if run["wrong"]:
            problems.append("a read gave back different bytes")
    threaded = sum(1 for run in seen["runs"] if run.get("threads"))
    if threaded:
        problems.append(f"in {threaded} of {len(seen['runs'])} readers the decoder ran on threads besides the caller's")
    if problems:
        ctx.fail(f"{where}: " + "; ".join(dict.fromkeys(problems)))


OUTSIDE_PARAMS = {"builtin": Param(int, min=0, max=159), "nthreads": Param(int, min=2), "cores": CORES,
                  "blocksize": BLOCKSIZE, "forks": Param(int, min=1), "control_forks": Param(int, min=1),
                  "reads": Param(int, min=1), "rounds": Param(int, min=1, default=1), "exceptions": EXCEPTIONS}


@check("threads.outside_door", requires=("outside_container",), params={"id": CODEC_ID, **OUTSIDE_PARAMS})
def outside_door(ctx: CheckContext) -> None:
    """compress2 and decompress2 with a Python codec outside a container, nthreads given (> 1) or left out, are
    refused or run the codec on the caller's thread alone, under every core count; left out, they fare as with
    nthreads=1 given (see :func:`_outside_door`)."""
    codec_id = int(ctx.param("id"))
    _outside_door(ctx, f"Python codec {codec_id}", {"register": [{"name": "outside", "id": codec_id, **THREADED_ZLIB}]},
                  {"id": codec_id}, {"decompress2": "CONT-DECOMPRESS-OUTSIDE", "compress2": "CONT-COMPRESS-OUTSIDE"})


@check("threads.filter_outside_door", requires=("outside_container", "user_filters"),
       params={"id": Param(int, min=160, max=255), "codec": Param(int, min=0, max=159), **OUTSIDE_PARAMS})
def filter_outside_door(ctx: CheckContext) -> None:
    """:func:`outside_door` for a Python filter beside builtin codec ``codec``."""
    filter_id = int(ctx.param("id"))
    _outside_door(ctx, f"Python filter {filter_id}", {"register_filters": [{"id": filter_id, **DEFAULTS_FILTER}]},
                  {"id": int(ctx.param("codec")), "filter": filter_id},
                  {"decompress2": "FILTER-CONTAINER-ONLY", "compress2": "FILTER-CONTAINER-ONLY"})


def _outside_door(ctx: CheckContext, what: str, register: dict[str, Any], args: dict[str, Any],
                  owners: dict[str, str]) -> None:
    """:func:`_outside_round`, again up to ``rounds`` times while it finds nothing and the host took a call with
    several threads, or refused it from inside the codec's path (a race a loaded machine can hide); then fail on its
    problems, or say what was not judged."""
    for done in range(1, int(ctx.param("rounds")) + 1):
        problems, not_judged, doors_unjudged, took_threads = _outside_round(ctx, what, register, args, owners)
        ctx.extra["outside"]["rounds"] = done
        if problems or doors_unjudged or not took_threads:
            break
    if problems:
        ctx.fail("; ".join(dict.fromkeys(problems))
                 + (f" (not judged: {'; '.join(not_judged)})" if not_judged else ""))
    if doors_unjudged:
        raise NotJudged("; ".join(not_judged))


def _refused_inside(runs: list[dict[str, Any]]) -> bool:
    """Whether a refusal came through a SystemError: raised inside the host's callback into the codec, so the call
    reached the codec's path, where several threads can race (python-blosc2 refuses so, with one thread too, where
    a race kills some processes); a refusal made up front, as the reference's, never does."""
    return any("SystemError" in types for run in runs for types in run["errors"].values())


def _outside_round(ctx: CheckContext, what: str, register: dict[str, Any], args: dict[str, Any],
                   owners: dict[str, str]) -> tuple[list[str], list[str], bool, bool]:
    """One round: run ``udcodec.scenarios:outside_door`` (``args``, with ``register``ed callbacks) in a fresh
    interpreter per core count. Returns the problems (a crash, a hang, a callback on another thread, wrong bytes, a
    refusal of another kind with nthreads given, or nthreads left out faring otherwise than one thread given), what
    was not judged, whether a door could not be judged at all, and whether a call with several threads returned or
    was refused from inside the codec's path.

    Each call is made ``reads`` times in each of ``forks`` forked processes: a host that races there crashes in
    some of them and not in others. Which refusal a one-thread call owes is for the clause ``owners`` names to
    judge. Not the thread rule's, and reported as not judged: a crash the same call meets with one thread too, or
    with builtin codec ``builtin`` and no user filter, and wrong bytes the one-thread call returns too. Where the
    one-thread call of a door crashes, the door's crashes cannot be judged at all: without another problem the
    clause is not judged (a skip)."""
    allowed = {t.__name__ for t in exception_types(ctx.param("exceptions"))}
    n = int(ctx.param("nthreads"))
    requests = {cores: {"adapter": ctx.adapter_spec, "cores": cores, "call": "udcodec.scenarios:outside_door",
                        **register,
                        "args": {**args, "builtin": int(ctx.param("builtin")), "nthreads": n,
                                 "blocksize": int(ctx.param("blocksize")), "forks": int(ctx.param("forks")),
                                 "control_forks": int(ctx.param("control_forks")), "reads": int(ctx.param("reads")),
                                 "deadline": 3.0}}
                for cores in ctx.param("cores")}
    try:
        answers = dict(zip(requests, run_fresh_each(list(requests.values())), strict=True))
    except subprocess.TimeoutExpired as exc:
        ctx.fail(f"compressing or decompressing with {what} outside a container hung "
                 f"(a fresh process did not answer in time{timeout_note(exc)})")
    seen: dict[int, dict[str, Any]] = {}
    for cores, answer in answers.items():
        if not answer["ok"]:
            fail_fresh(f"with {cores} core(s) the interpreter failed", answer)
        seen[cores] = answer["result"]
    problems: list[str] = []
    not_judged: list[str] = []
    doors_unjudged = False  # a door whose one-thread call crashes: its crashes cannot be the thread rule's
    took_threads = False  # a call with several threads (given, or the default of several cores) returned
    ended: dict[str, list[str]] = {}
    forked: dict[str, int] = {}
    for call, (threads, left_out) in OUTSIDE_CALLS.items():
        one, given = threads.format(1), threads.format(n)
        one_crashes = any(by[one]["ended"] for by in seen.values())
        doors_unjudged |= one_crashes
        if one_crashes:
            not_judged.append(f"crashes and hangs of {call}: {one} ends so too ({owners[call]}'s to judge)")
        for cores, by in seen.items():
            for name, where in ((given, given), (left_out, f"with {cores} core(s), {left_out}")):
                runs = by[name]["runs"]
                control_ended = by.get("builtin: " + name, {"ended": []})["ended"]  # made after a crash or hang only
                if control_ended and not one_crashes:
                    not_judged.append(f"{where}: with builtin codec {ctx.param('builtin')} it ends so too "
                                      f"({', '.join(sorted(set(control_ended)))})")
                elif not one_crashes:
                    ended.setdefault(where, []).extend(by[name]["ended"])
                    forked[where] = forked.get(where, 0) + len(by[name]["ended"]) + len(runs)
                if any(run["threads"] for run in runs):
                    problems.append(f"{where} ran {what} on {max(run['threads'] for run in runs)} thread(s) "
                                    "besides the caller's")
                if any(run["wrong"] for run in runs) and not any(run["wrong"] for run in by[one]["runs"]):
                    problems.append(f"{where} returned other bytes than the data ({one} did not)")
                if name == given or cores > 1:  # returned, or refused from inside the codec's path (SystemError)
                    took_threads |= any(run["worked"] for run in runs) or _refused_inside(runs)
                if name == given:
                    problems += [f"{where} raised {error}" for run in runs for error, types in run["errors"].items()
                                 if not allowed & set(types)]
                elif runs and by[one]["runs"] and _outcome_kind(runs) != _outcome_kind(by[one]["runs"]):
                    problems.append(f"{where} {_outcome_kind(runs)}, while {one} {_outcome_kind(by[one]['runs'])}")
    for where, hows in ended.items():
        if hows:
            counts = {how: hows.count(how) for how in hows}
            problems.append(f"{where} did not answer in {len(hows)} of {forked[where]} forked processes: "
                            + ", ".join(f"{k} {how}" for how, k in counts.items()))
    not_judged = list(dict.fromkeys(not_judged))
    loud = [f"with {cores} core(s) {answer['printed']}" for cores, answer in answers.items() if answer.get("printed")]
    if loud and (ended or not_judged):  # printing that much can make a call late: say so beside what was late
        late = f"the implementation printed meanwhile ({'; '.join(loud)})"
        (problems if problems else not_judged).append(late)
    ctx.extra["outside"] = {str(cores): {call: {"ended": len(got["ended"]), "answered": len(got["runs"])}
                                         for call, got in by.items()} for cores, by in seen.items()}
    if not_judged:
        ctx.extra["not judged"] = not_judged
    return problems, not_judged, doors_unjudged, took_threads


def _outcome_kind(runs: list[dict[str, Any]]) -> str:
    """How a call fared over the forks that answered: ``was refused``, ``worked`` or ``was refused and worked``."""
    refused, worked = any(run["errors"] for run in runs), any(run["worked"] for run in runs)
    return "was refused and worked" if refused and worked else "worked" if worked else "was refused"
