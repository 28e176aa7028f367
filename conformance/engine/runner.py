"""Run one clause against one adapter, in an isolated child, and turn what happened into a CheckResult."""

from __future__ import annotations

import dataclasses
import traceback
from dataclasses import dataclass, field
from typing import Any

from udcodec.adapters.loader import load_adapter
from udcodec.checks.api import (
    CHECKS,
    DEADLINE,
    CapabilityMissing,
    CheckContext,
    CheckCrashed,
    CheckFailed,
    ExampleCount,
    NotApplicable,
    NotJudged,
    describe_exc,
    host_defect,
    raised_by_harness,
)
from udcodec.checks.pristine import fork_spare, spare_pid
from udcodec.checks.repro import rerun_command
from udcodec.contract import Clause
from udcodec.crashsite import crash_site, while_doing
from udcodec.engine.isolation import (
    OUTPUT_LIMIT,
    ChildStatus,
    Isolated,
    format_bytes,
    left_running,
    run_inline,
    run_isolated,
)
from udcodec.outcomes import (
    CONDUCT,
    EXPLAINED_BY,
    UNEXPECTED,
    Attribution,
    CheckResult,
    Outcome,
    exc_text,
)
from udcodec.profiles import Profile
from udcodec.reports.bounds import printable
from udcodec.resources import NO_ROOM_SAID, OutOfDisk, exhausted, out_of_room
from udcodec.subject import CodecSubject, FilterSubject, Subject

#: Bytes of output above which a check's output is said in the result (its conduct): a codec that prints a line a
#: call stays under it.
LOUD = 1 << 20


@dataclass
class Verdict:
    """What the checks of one clause concluded, inside the child."""

    outcome: Outcome
    message: str = ""
    counterexample: Any = None
    reproduction: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    workarounds: list[dict[str, str]] = field(default_factory=list)
    attribution: Attribution | None = None
    examples: dict[str, Any] | None = None  # how many examples the clause's properties ran (ExampleCount)
    signal: str | None = None  # a crash: the signal a process the check started died of
    stderr_tail: str | None = None
    disk: bool = False  # a ``resource`` verdict of a full file system (not of memory)


def run_clause(adapter_spec: str, clause: Clause, profile: Profile, replay: dict[str, Any] | None = None,
               codec: Subject | None = None, peer_spec: str | None = None, isolated: bool = False) -> Verdict:
    """Run every check of ``clause`` with a fresh adapter instance (call this inside the isolated child).

    ``peer_spec`` names the other adapter of a pairwise clause; it is loaded into the same process. ``isolated``:
    this process is the clause's own child, which a check's deadline may end (:meth:`CheckContext.deadline`).
    """
    import udcodec.checks  # noqa: F401 - registers the checks

    if not clause.checks:
        return Verdict(Outcome.ERROR, f"clause {clause.id} names no check ({clause.file}:{clause.line})")
    extra: dict[str, Any] = {}
    used: list[dict[str, str]] = []  # workarounds, shared by the clause's checks
    count = ExampleCount(allotment=profile.allotment, lowered=profile.cut)
    verdict = _run_checks(adapter_spec, clause, profile, replay, codec, peer_spec, extra, used, count, isolated)
    verdict.workarounds = used
    verdict.examples = count.to_json()
    return verdict


def _run_checks(adapter_spec: str, clause: Clause, profile: Profile, replay: dict[str, Any] | None,
                codec: CodecSubject | FilterSubject | None, peer_spec: str | None, extra: dict[str, Any],
                used: list[dict[str, str]], count: ExampleCount, isolated: bool) -> Verdict:
    adapter = load_adapter(adapter_spec)
    peer = load_adapter(peer_spec) if peer_spec is not None else None
    for index, ref in enumerate(clause.checks):
        definition = CHECKS.get(ref.name)
        if definition is None:
            return Verdict(Outcome.ERROR, f"clause {clause.id} names unknown check {ref.name!r} ({clause.file}:{clause.line})")
        ctx = CheckContext(adapter, adapter_spec, clause, ref.params, profile, check_index=index, replay=replay,
                           codec=codec if isinstance(codec, CodecSubject) else None,
                           ufilter=codec if isinstance(codec, FilterSubject) else None,
                           peer=peer, peer_spec=peer_spec, extra=extra, declared=definition.params,
                           workarounds=used, examples=count, isolated=isolated)
        try:
            for capability in sorted(definition.requires):
                ctx.require(capability)
            definition.fn(ctx)
        except CheckCrashed as exc:
            return Verdict(Outcome.CRASH, f"[{ref.name}] {exc.message}", exc.counterexample, exc.reproduction, extra,
                           signal=exc.signal, stderr_tail=exc.stderr_tail)
        except CheckFailed as exc:
            if exc.explained_by is not None and exc.explained_by.check != ref.name:  # a check explains no failure of its own
                named = CHECKS.get(exc.explained_by.check)
                if named is None or not named.explains:
                    raise RuntimeError(f"check {ref.name} explains a failure by check {exc.explained_by.check!r}, "
                                       "which is not registered as one that explains") from exc
                extra[EXPLAINED_BY] = exc.explained_by.to_json()
            return Verdict(Outcome.FAIL, f"[{ref.name}] {exc.message}", exc.counterexample, exc.reproduction, extra,
                           attribution=exc.attribution)
        except CapabilityMissing as exc:
            return Verdict(Outcome.SKIP, str(exc), extra=extra)
        except NotApplicable as exc:
            return Verdict(Outcome.NOT_APPLICABLE, str(exc), extra=extra)
        except NotJudged as exc:
            return Verdict(Outcome.SKIP, f"[{ref.name}] not judged: {exc}", extra=extra)
        except OutOfDisk as exc:
            return Verdict(Outcome.RESOURCE, f"[{ref.name}] {exc}", extra=extra, disk=True)
        except MemoryError:  # under the memory limit of run_isolated: the check asked for more than it may have
            return Verdict(Outcome.RESOURCE, f"[{ref.name}] MemoryError\n{traceback.format_exc()}", extra=extra)
        except Exception as exc:  # noqa: BLE001
            text = "".join(traceback.format_exception(exc))
            full = exhausted(exc)
            if full is not None:  # the harness's own writes, as well as the implementation's
                return Verdict(Outcome.RESOURCE, f"[{ref.name}] {full}\n{text}", extra=extra,
                               disk=isinstance(full, OutOfDisk))
            if raised_by_harness(exc):
                return Verdict(Outcome.ERROR, f"[{ref.name}] harness error: {type(exc).__name__}: {exc_text(exc)}\n{text}")
            found = host_defect(exc)
            if found is not None and found.check != ref.name:
                extra[EXPLAINED_BY] = found.to_json()
            return Verdict(Outcome.FAIL, f"[{ref.name}] {describe_exc(exc)} escaped the implementation\n{text}",
                           extra=extra)
        finally:
            ctx.cleanup()
    return Verdict(Outcome.PASS, extra=extra)


#: What a child that handed back no verdict means for the clause.
CHILD_OUTCOMES: dict[ChildStatus, Outcome] = {
    ChildStatus.CRASH: Outcome.CRASH,
    ChildStatus.HANG: Outcome.HANG,
    ChildStatus.RESOURCE: Outcome.RESOURCE,
    ChildStatus.RAISED: Outcome.ERROR,  # run_clause catches what checks raise: this is the harness's own
}


def outcome_of(got: Isolated) -> Outcome:
    """The clause's outcome: the verdict's when the child returned one, else what its end means."""
    if got.status is ChildStatus.OK:
        verdict: Verdict = got.value
        return verdict.outcome
    return CHILD_OUTCOMES[got.status]


def _deadline_passed(got: Isolated) -> str:
    """The deadline a check set (:meth:`CheckContext.deadline`, e.g. "3 s, 20 times ...") when its process ended by
    it (SIGALRM while the deadline was set), else ''."""
    if got.status is not ChildStatus.CRASH or got.signal != "SIGALRM":
        return ""
    said = [line[len(DEADLINE):] for line in (got.stderr_tail or "").splitlines() if line.startswith(DEADLINE)]
    return printable(said[-1][:300]) if said and said[-1] != "off" else ""


def _crashed(subject: str, host: str) -> str:
    """Who crashed the check's process, as far as the harness can tell."""
    if subject in ("codec", "filter"):  # the subject's code and the host's run in one process: either may be it
        return f"the process running the {subject} on host {host} crashed"
    return "the implementation crashed the process"


def _out_of_memory(memory_limit: int | None, raised: bool = False) -> str:
    """What ran out: ``raised``, a MemoryError the check met, which an allocation past the limit raises but so may
    the implementation of its own accord; else the process the limit stopped."""
    if raised:
        if not memory_limit:
            return "MemoryError with no memory limit set (the machine's memory, or raised by the implementation itself)"
        return (f"MemoryError under the check's memory limit of {format_bytes(memory_limit)} (an allocation past it, "
                "or raised by the implementation itself)")
    if memory_limit:
        return f"the check exceeded the memory limit of {format_bytes(memory_limit)}"
    return "the check ran out of memory"


def run_clause_isolated(adapter_spec: str, clause: Clause, profile: Profile, replay: dict[str, Any] | None = None,
                        codec: Subject | None = None, peer_spec: str | None = None) -> Verdict:
    """:func:`run_clause` in the isolated child; a clause that persists containers first forks the pristine spare
    its fresh-process requests are answered by (``udcodec.checks.pristine``), before anything is registered."""
    import udcodec.checks  # noqa: F401 - registers the checks

    if any("persistence" in CHECKS[ref.name].requires for ref in clause.checks if ref.name in CHECKS):
        fork_spare()
    verdict = run_clause(adapter_spec, clause, profile, replay, codec, peer_spec, isolated=True)
    left = left_running({pid for pid in (spare_pid(),) if pid is not None})
    if left:  # killed with the child anyway; said, since an implementation that leaves processes behind is wrong
        shown = "; ".join(left[:3]) + (f"; and {len(left) - 3} more" if len(left) > 3 else "")
        verdict.extra.setdefault(CONDUCT, []).append(
            f"left {len(left)} process(es) running when the check ended, which the harness killed: {shown}")
    return verdict


def execute(
    adapter_spec: str,
    adapter_name: str,
    clause: Clause,
    profile: Profile,
    *,
    isolate: bool = True,
    timeout: float | None = None,
    codec: Subject | None = None,
    peer_spec: str | None = None,
    memory_limit: int | None = None,
) -> CheckResult:
    """Run ``clause`` for one adapter (against ``peer_spec`` if pairwise); classify what happened.

    ``memory_limit`` (bytes; None or 0: none) caps the isolated child's memory.
    """
    limit = timeout or clause.timeout or profile.timeout
    args = (adapter_spec, clause, profile, None, codec, peer_spec)
    got = (run_isolated(run_clause_isolated, args, timeout=limit, memory_limit=memory_limit) if isolate
           else run_inline(run_clause, args))
    passed = _deadline_passed(got)
    if passed:
        got = dataclasses.replace(got, status=ChildStatus.HANG, signal=None)
    result = CheckResult(clause=clause.id, adapter=adapter_name, outcome=outcome_of(got), duration=got.duration,
                         level=clause.level, subject=clause.subject)

    def rerun(**limits: Any) -> str:  # with the run's options the outcome depends on
        return rerun_command(adapter_spec, clause, codec, peer_spec, profile=profile.name, **limits)

    if got.status is ChildStatus.OK:
        verdict: Verdict = got.value
        result.message = verdict.message
        if verdict.outcome is Outcome.RESOURCE and not verdict.disk:
            result.message = f"{_out_of_memory(memory_limit, raised=True)}: {verdict.message}"
        result.counterexample = verdict.counterexample
        result.reproduction = verdict.reproduction
        if not result.reproduction and verdict.outcome in UNEXPECTED:  # a check that draws nothing to replay
            result.reproduction = rerun(**({"memory_limit": memory_limit}
                                           if verdict.outcome is Outcome.RESOURCE and not verdict.disk else {}))
        result.attribution = verdict.attribution
        result.extra.update(verdict.extra)
        result.workarounds = list(verdict.workarounds)
        result.examples = verdict.examples
        if verdict.signal is not None:
            result.signal, result.stderr_tail = verdict.signal, verdict.stderr_tail
    elif got.status is ChildStatus.CRASH:
        result.signal = got.signal
        result.stderr_tail = got.stderr_tail
        result.message = (
            f"{_crashed(clause.subject, adapter_spec)} ({got.signal})" if got.signal else got.error or "the process died"
        ) + crash_site(got.stderr_tail) + while_doing(got.stderr_tail)
        result.reproduction = rerun(memory_limit=memory_limit)
    elif got.status is ChildStatus.HANG:
        result.stderr_tail = got.stderr_tail
        within = f"the check's deadline of {passed}" if passed else f"{limit:g} s"
        result.message = f"no result within {within}; the check was killed" + while_doing(got.stderr_tail)
        result.reproduction = rerun() if passed else rerun(timeout=limit)
    elif got.status is ChildStatus.RESOURCE:
        result.signal = got.signal
        result.stderr_tail = got.stderr_tail or None
        last = got.error.strip().splitlines()[-1] if got.error.strip() else "out of memory"
        result.message = f"{_out_of_memory(memory_limit)}: {last}"
        result.reproduction = rerun(memory_limit=memory_limit)
    else:
        result.message = f"harness error: {got.error}"
        result.stderr_tail = got.stderr_tail or None
    if got.output_bytes > LOUD:
        result.extra.setdefault(CONDUCT, []).append(
            f"wrote {format_bytes(got.output_bytes)} to stdout and stderr (the terminal got none of it; "
            f"{'its tail is' if got.output_bytes <= OUTPUT_LIMIT else 'the rest was cut, its end is'} kept on a crash)")
    if result.outcome in (Outcome.FAIL, Outcome.CRASH, Outcome.ERROR) and out_of_room(got.disk_free):
        # what a full disk breaks (a fresh interpreter that cannot start, a frame not written) reads as anything
        result.outcome = Outcome.RESOURCE
        result.message = (f"{NO_ROOM_SAID} of TMPDIR ({format_bytes(got.disk_free or 0)} free as the check ended):"
                          f" no verdict; the check said: {result.message}")
        result.counterexample = result.signal = None
    return result
