"""Checks that a reopened container keeps its parameters, whichever way users spell ``open``."""

from __future__ import annotations

import base64
import dataclasses
import gc
from typing import Any, NamedTuple

import numpy as np
from udcodec.adapters.protocol import NOT_GIVEN, CParams, DParams, value_of
from udcodec.checks.api import CheckContext, Explanation, NotJudged, Param, check, describe_exc
from udcodec.checks.common import (
    CODEC_ID,
    ONE_CORE_INTERPRETER,
    ThreadsRefused,
    cparams_for,
    fail_attributed,
    fill,
    header_codec_defect,
    new_container,
    read_back,
    register_pair,
    silently_changed,
)
from udcodec.checks.fresh import fail_fresh, run_fresh
from udcodec.scenarios import SPELLINGS, kept_fields, observe_reopen
from udcodec.strategies import make_data
from udcodec.testcodecs import zlib_decoder, zlib_encoder

CHUNK = make_data("arange", np.dtype("u4"), 1024, 5)
ZLIB = {"encoder": "udcodec.testcodecs:zlib_encoder", "decoder": "udcodec.testcodecs:zlib_decoder"}
#: What the written container holds besides its codec; a reopen must keep it.
WRITTEN: dict[str, Any] = {"codec_meta": 3, "clevel": 7, "typesize": 4, "blocksize": 1024, "filters": ("shuffle",), "filters_meta": (4,)}


class Frame(NamedTuple):
    """A frame a check writes and reopens: chunks of ``chunksize`` bytes written with ``cparams``, then, when
    ``assigned`` is given, those cparams assigned to the open container, which is then dropped (not closed)."""

    label: str
    cparams: CParams
    chunks: list[bytes]
    chunksize: int
    assigned: CParams | None = None

    def described(self) -> str:
        """The label, and the codec assigned (named from the cparams, so that a builtin-codec retry names its own)."""
        return self.label if self.assigned is None else f"{self.label}, then assigned the cparams of codec {int(value_of(self.assigned.codec))}"


def _observe_here(ctx: CheckContext, args: dict[str, Any]) -> dict[str, Any]:
    seen = observe_reopen(ctx.adapter, args)
    refused = [n for n, e in seen.items() if e.get("refuses_threads")]
    if refused:
        raise ThreadsRefused(f"{', '.join(refused)}: {seen[refused[0]].get('error') or seen[refused[0]].get('use_error')}")
    return seen


def _observe_on_one_core(ctx: CheckContext, args: dict[str, Any], codec_id: int, call: str = "observe_reopen") -> Any:
    """``udcodec.scenarios``' ``call`` with ``args``, in a fresh interpreter that sees one core."""
    answer = run_fresh({"adapter": ctx.adapter_spec, "cores": 1, "register": [{"name": "zlib", "id": codec_id, **ZLIB}],
                        "call": f"udcodec.scenarios:{call}", "args": args})
    if not answer["ok"]:
        fail_fresh("the reopen in a fresh interpreter failed", answer)
    return answer["result"]


#: What a ``reopen.spellings`` check judges of each spelling it opens; one clause each, so one defect fails one.
JUDGES = {
    "kept": "the open, what the reopened container holds and that its chunks read back (REOPEN-KEEPS)",
    "appended": "what is appended after the open, against what the reopened container holds (REOPEN-APPEND)",
    "spelling": "all of it, where it goes otherwise than with open(path) or mode='a' (REOPEN-SPELLINGS)",
}


@check("reopen.spellings", requires=("persistence",),
       params={"id": CODEC_ID, "spellings": Param(list, items=Param(str, choices=tuple(SPELLINGS))),
               "judge": Param(str, choices=tuple(JUDGES))}, explains=1)
def spellings(ctx: CheckContext) -> None:
    """Each spelling of ``open`` of a container written with :data:`WRITTEN`, judged for one thing (:data:`JUDGES`):
    ``kept``, it opens keeping the stored codec, codec meta, clevel, filters, typesize and block size and reads back;
    ``appended``, a chunk appended after it records the codec, meta and typesize stored and reads back, also once
    the file is opened again (not judged where the open failed or changed those: ``kept``'s); ``spelling``, it either
    raises or does all of that, and what goes wrong with it but not with ``open(path)`` (``mode='a'`` for a spelling
    that appends) is its own."""
    codec_id = int(ctx.param("id"))
    judge = str(ctx.param("judge"))
    want, args = _write_frame(ctx, codec_id)
    judged = list(ctx.param("spellings"))
    controls = [c for c in ("plain", "mode_a") if judge == "spelling" and c not in judged]
    args["spellings"] = judged + controls
    seen = _observe(ctx, args, codec_id)
    stored = {"udcodec": codec_id, "codec_meta": WRITTEN["codec_meta"], "typesize": WRITTEN["typesize"]}
    problems: list[str] = []
    headers: list[Explanation | None] = []  # per problem: the header writer's defect it shows, if that is all
    unjudged: list[str] = []
    for name in judged:
        entry, call = seen[name], _call_text(name)
        if judge == "kept":
            found = _unexplained(_opened_problems(entry, want, must_open=True, appending=False))
        elif judge == "appended":
            found = _append_problems(call, entry, unjudged, stored, written=want)
        else:
            control = "mode_a" if SPELLINGS[name].get("mode") == "a" else "plain"
            also = {_unnamed(p, control) for p, _ in _unexplained(_opened_problems(seen[control], want))
                    + _append_problems(call, seen[control], [], stored)}
            found = [(p, why) for p, why in _unexplained(_opened_problems(entry, want))
                     + _append_problems(call, entry, [], stored) if _unnamed(p, name) not in also]
        problems += [f"{call}: {p}" for p, _ in found]
        headers += [why for _, why in found]
    if problems:
        ctx.fail("; ".join(problems), explained_by=headers[0] if all(headers) else None)
    if unjudged:
        raise NotJudged("; ".join(unjudged))


def _unexplained(problems: list[str]) -> list[tuple[str, Explanation | None]]:
    return [(p, None) for p in problems]


def _unnamed(problem: str, spelling: str) -> str:
    """``problem`` without the name of the spelling's own copy of the file (``mode_a-written.b2frame``): the same
    defect met by two spellings reads alike (an error naming the file had counted as the spelling's own)."""
    return problem.replace(f"{spelling}-", "")


def _opened_problems(entry: dict[str, Any], want: dict[str, Any], must_open: bool = False,
                     appending: bool = True) -> list[str]:
    """What went wrong with one open: it raised (with ``must_open``), changed what ``want`` holds, failed to read the
    stored chunks back, or (with ``appending``) failed while appending."""
    if "error" in entry:
        return [f"raised {entry['error']}"] if must_open else []
    problems = []
    if "cparams" in entry and (changed := silently_changed(want, entry["cparams"])):
        problems.append(changed)
    if "use_error" in entry and ("reads_back" not in entry or appending):
        problems.append(f"then raised {entry['use_error']}")
    elif not entry.get("reads_back", True):
        problems.append("the stored chunks do not read back")
    return problems


def _append_problems(call: str, entry: dict[str, Any], unjudged: list[str], want: dict[str, Any],
                     written: dict[str, Any] | None = None) -> list[tuple[str, Explanation | None]]:
    """What went wrong with the chunk appended after ``call``, judged against ``want`` (codec id as ``udcodec``, codec
    meta, typesize), each with ID-HEADER's words where it is an appended chunk whose header records another codec or
    meta (its typesize right): the header writer's defect, met in every chunk. Given the cparams ``written``, a
    reopen that failed, or that holds another codec, meta or typesize, leaves it not judged (REOPEN-KEEPS judges
    the reopen): the reason goes to ``unjudged``."""
    if written is not None:
        if "error" in entry or "reads_back" not in entry:
            why = entry.get("error") or entry.get("use_error")
            unjudged.append(f"{call} raised {why} before anything was appended, which REOPEN-KEEPS judges")
            return []
        if changed := silently_changed({k: written.get(k) for k in ("codec", "codec_meta", "typesize")}, entry["cparams"]):
            unjudged.append(f"{call} {changed}, which REOPEN-KEEPS judges")
            return []
        if "use_error" in entry:
            return [(f"appending raised {entry['use_error']}", None)]
    appended = entry.get("appended")
    if appended is None:
        return []
    problems: list[tuple[str, Explanation | None]] = []
    got = {k: appended.get(k) for k in want}
    if got != want:
        header = None if got["typesize"] != want["typesize"] else header_codec_defect(
            got["udcodec"], got["codec_meta"], (want["udcodec"], want["codec_meta"]))
        problems.append((f"an appended chunk records codec {got['udcodec']} meta {got['codec_meta']} "
                         f"typesize {got['typesize']}, the container holds codec {want['udcodec']} meta "
                         f"{want['codec_meta']} typesize {want['typesize']}", header))
    if not entry["appended_reads_back"]:
        problems.append(("an appended chunk does not read back", None))
    again = entry.get("file_reads_back", True)
    if again is not True:
        problems.append(("after an append and a close, the file opened again "
                         + ("reads back other bytes" if again is False else f"raised {again}"), None))
    return problems


@check("reopen.read_only", requires=("persistence",), params={"id": CODEC_ID})
def read_only(ctx: CheckContext) -> None:
    """``open(path, mode='r')`` refuses appends (of data and of a compressed chunk) and never writes to the file:
    not for them, not when dparams or cparams are assigned (accepted or refused), not on close. Whether it opens and reads back is
    REOPEN-KEEPS' and REOPEN-SPELLINGS' to judge: a refused open writes nothing either."""
    codec_id = int(ctx.param("id"))
    _want, args = _write_frame(ctx, codec_id)
    entry = _observe(ctx, {**args, "spellings": ["mode_r"], "try_write": True}, codec_id)["mode_r"]
    call = _call_text("mode_r")
    problems = []
    if "error" not in entry and entry.get("write_refused", "") is None:
        problems.append(f"after {call} an append was accepted")
    if "error" not in entry and entry.get("chunk_refused", "") is None:
        problems.append(f"after {call} an append of a compressed chunk was accepted")
    if not (entry["file_unchanged"] and entry["file_untouched"]):
        if "error" in entry:
            did = "the open was refused"
        else:
            tried = {"an append": entry["write_refused"], "a chunk appended": entry["chunk_refused"],
                     **{f"new {k}": e for k, e in entry["assigned"].items()}}
            did = "after " + ", ".join(f"{what} ({'refused' if err else 'accepted'})" for what, err in tried.items()) \
                + " and close()"
        what = "changed the file's bytes" if not entry["file_unchanged"] else \
            "wrote to the file (its bytes are the same, its modification time is not)"
        problems.append(f"{call} {what} ({did})")
    if problems:
        ctx.fail("; ".join(problems))


def _write_frame(ctx: CheckContext, codec_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Register the zlib codec under ``codec_id`` and write a frame of two chunks with it and :data:`WRITTEN`:
    the fields a reopen must keep, and the arguments of :func:`udcodec.scenarios.observe_reopen` but the spellings."""
    register_pair(ctx, "zlib", codec_id, zlib_encoder, zlib_decoder)
    path = str(ctx.tmpdir / "written.b2frame")
    cparams = cparams_for(codec_id, **WRITTEN)  # SHUFFLE meta 4 at typesize 4: the default grouping, stored non-zero
    container = new_container(ctx, cparams, chunksize=len(CHUNK), urlpath=path)
    chunks = [make_data("arange", np.dtype("u4"), 1024, i) for i in range(2)]
    fill(container, chunks)
    want = kept_fields(container.cparams())
    container.close()
    return want, {"path": path, "workdir": str(ctx.tmpdir), "data": base64.b64encode(b"".join(chunks)).decode()}


def _observe(ctx: CheckContext, args: dict[str, Any], codec_id: int, call: str = "observe_reopen") -> Any:
    """``udcodec.scenarios``' ``call`` (``observe_reopen``, or ``observe_reopens`` for ``args["frames"]``) here, or
    in a one-core interpreter where a spelling is refused for its thread count (the workaround is reported)."""
    here = (lambda: _observe_here(ctx, args)) if call == "observe_reopen" else (lambda: _observe_all_here(ctx, args))
    return ctx.get_past(ONE_CORE_INTERPRETER, here, lambda: _observe_on_one_core(ctx, args, codec_id, call),
                        when=lambda e: isinstance(e, ThreadsRefused))


def _observe_all_here(ctx: CheckContext, args: dict[str, Any]) -> list[dict[str, Any]]:
    return [_observe_here(ctx, frame) for frame in args["frames"]]


@check("reopen.frames", requires=("persistence",),
       params={"id": CODEC_ID, "typesizes": Param(list, items=Param(int, min=1)), "items": Param(int, min=2),
               "metas": Param(list, items=Param(int, min=-52, max=52)), "meta_items": Param(int, min=2)})
def frames(ctx: CheckContext) -> None:
    """Frames reopened with ``open(path)`` keep what they were written with, and their chunks (the last one short)
    read back: one per typesize (above 255 too: a frame header holds 32 bits of it, a chunk header 8) with
    ``items`` items a chunk, and one float64 frame through TRUNC_PREC per filters_meta of ``metas`` (a negative
    one clears that many mantissa bits) with ``meta_items`` items a chunk."""
    codec_id = int(ctx.param("id"))
    written = []
    items = int(ctx.param("items"))
    for ts in ctx.param("typesizes"):
        chunks = [make_data("arange", np.dtype("u1"), items * ts, ts), make_data("arange", np.dtype("u1"), (items - 1) * ts, 1)]
        written.append(Frame(f"typesize {ts}", cparams_for(codec_id, typesize=ts, blocksize=2 * ts), chunks, items * ts))
    items = int(ctx.param("meta_items"))
    floats = np.linspace(-1.0, 1.0, 2 * items - 1).tobytes()
    for meta in ctx.param("metas"):
        cparams = cparams_for(codec_id, typesize=8, filters=("trunc_prec",), filters_meta=(meta,))
        written.append(Frame(f"TRUNC_PREC meta {meta}", cparams, [floats[:8 * items], floats[8 * items:]], 8 * items))
    _reopen_frames(ctx, codec_id, written)


@check("reopen.assigned", requires=("persistence",), params={"id": CODEC_ID, "builtin": Param(int, min=0, max=159)})
def assigned(ctx: CheckContext) -> None:
    """A frame written with the ``builtin`` codec, then assigned the user codec's cparams (codec meta, clevel,
    filters, block size) and dropped without another append or a ``close()``, as users leave a container, reopens
    with ``open(path)`` keeping the assigned ones."""
    codec_id = int(ctx.param("id"))
    written = cparams_for(int(ctx.param("builtin")), typesize=WRITTEN["typesize"])
    control = Frame(f"codec {codec_id} as written", cparams_for(codec_id, **WRITTEN), [CHUNK], len(CHUNK))
    _reopen_frames(ctx, codec_id, [Frame(f"codec {int(ctx.param('builtin'))}", written, [CHUNK], len(CHUNK),
                                         cparams_for(codec_id, **WRITTEN))], control=control)


def _reopen_frames(ctx: CheckContext, codec_id: int, frames: list[Frame], control: Frame | None = None) -> None:
    """Write each frame, whose user codec is the zlib codec under ``codec_id``; each must reopen
    with ``open(path)`` keeping what :func:`kept_fields` names, and read back what it read before closing. The
    frames that fail are retried with a builtin codec to attribute the failure. A ``control`` frame, written
    as the others should reopen, that does not reopen so either leaves them not judged (REOPEN-KEEPS judges it)."""
    register_pair(ctx, "zlib", codec_id, zlib_encoder, zlib_decoder)
    problems = _frame_problems(ctx, codec_id, [*([control] if control else []), *frames], "user")
    if control is not None:
        missed, *problems = problems
        if missed:
            raise NotJudged(f"{missed} (written so, without an assignment): REOPEN-KEEPS judges that reopen")
    if not any(problems):
        return
    failing = [frame for frame, problem in zip(frames, problems, strict=True) if problem]

    def with_builtin(builtin: int) -> str | None:
        again = [frame._replace(cparams=dataclasses.replace(frame.cparams, codec=builtin),
                                assigned=frame.assigned and dataclasses.replace(frame.assigned, codec=builtin))
                 for frame in failing]
        return "; ".join(p for p in _frame_problems(ctx, codec_id, again, f"builtin-{builtin}") if p) or None

    fail_attributed(lambda: ctx.fail("; ".join(p for p in problems if p)), lambda _failure: with_builtin)


def _frame_problems(ctx: CheckContext, codec_id: int, frames: list[Frame], tag: str) -> list[str]:
    """What went wrong with each frame of :func:`_reopen_frames` ("" when nothing did)."""
    problems = [""] * len(frames)
    wants, written, args_frames = [], [], []
    for n, (_label, cparams, chunks, chunksize, then) in enumerate(frames):
        path = str(ctx.tmpdir / f"{tag}-{n}.b2frame")
        try:
            container = new_container(ctx, cparams, chunksize=chunksize, urlpath=path)
            fill(container, chunks)
            if then is not None:
                container.update_cparams(then)
            stored = read_back(container)  # what a lossy filter (TRUNC_PREC) kept
            wants.append(kept_fields(container.cparams()))
            if then is None:
                container.close()
            else:  # dropped, as users leave a container: nothing but the assignment may write what it changed
                del container
                gc.collect()
        except Exception as exc:  # noqa: BLE001 - python-blosc2 writes every one of these frames
            problems[n] = f"writing a frame with {frames[n].described()} raised {describe_exc(exc)}"
            continue
        written.append(n)
        args_frames.append({"path": path, "workdir": str(ctx.tmpdir), "spellings": ["plain"],
                            "data": base64.b64encode(stored).decode()})
    args = {"frames": args_frames}
    seen = _observe(ctx, args, codec_id, "observe_reopens")
    for n, want, observed in zip(written, wants, seen, strict=True):
        entry = observed["plain"]
        what = f"a frame written with {frames[n].described()}: open(path)"
        found = []
        if "error" in entry:
            problems[n] = f"{what} raised {entry['error']}"
            continue
        if changed := silently_changed(want, entry["cparams"]):
            found.append(f"{what} {changed}")
        if "use_error" in entry:
            found.append(f"{what}, then reading: {entry['use_error']}")
        elif not entry["reads_back"]:
            found.append(f"{what}: the stored chunks do not read back")
        problems[n] = "; ".join(found)
    return problems


def _call_text(name: str) -> str:
    args = ["path", *(f"{k}={_text(v)}" for k, v in SPELLINGS[name].items())]
    return f"open({', '.join(args)})"


def _text(value: Any) -> str:
    if isinstance(value, CParams | DParams):
        given = {k: getattr(value, k) for k in value.__dataclass_fields__ if getattr(value, k) is not NOT_GIVEN}
        return f"{type(value).__name__}({', '.join(f'{k}={v!r}' for k, v in given.items())})"
    return repr(value)
