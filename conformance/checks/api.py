"""The check contract: how checks are declared, what they receive, how they fail.

A check is a function ``fn(ctx)`` registered under a dotted name with :func:`check`, which declares
every parameter it reads (:class:`Param`). Spec clauses name checks and give them parameters; the
contract loader validates those against the declarations, and ``ctx.param(name)`` returns one.
A check signals a contract violation by raising :class:`CheckFailed` (``ctx.fail``),
a missing adapter capability with :class:`CapabilityMissing`, and another clause's defect that hides
its own with :class:`NotJudged`. Property checks
run through :meth:`CheckContext.for_all`, which records the shrunk counterexample and
makes the failure replayable with ``udcodec replay``.
"""

from __future__ import annotations

import base64
import dataclasses
import importlib
import json
import os
import re
import shlex
import signal
import sys
import sysconfig
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from udcodec.adapters.protocol import Adapter
from udcodec.checks.repro import rerun_command
from udcodec.contract import Clause
from udcodec.crashsite import DOING
from udcodec.outcomes import (  # noqa: F401 - for the check families
    ALSO_BUILTIN,
    ATTRIBUTIONS,
    USER_CODEC_ONLY,
    Attribution,
    clip,
    exc_text,
)
from udcodec.profiles import Profile
from udcodec.resources import exhausted
from udcodec.subject import CodecSubject, FilterSubject


@dataclass(frozen=True)
class Explanation:
    """A more basic property the failing input also breaks, seen by the check itself: ``check`` judges it, and
    ``why`` is how that check's failures begin (numbers aside), saying what broke. When the clause of ``check`` fails of the same cause in the
    run, the failing clause is not judged (:func:`udcodec.reports.causes.settle_explained`): one defect, one clause."""

    check: str
    why: str

    def to_json(self) -> dict[str, str]:
        return {"check": self.check, "why": self.why}


_NUMBERS = re.compile(r"(?<![\w.])\d+(?![\w])")


def names_same_raise(found: Explanation, message: str) -> bool:
    """Whether ``found`` states an exception (``WHO raised WORDS``) that ``message`` names too, numbers aside: the
    same words at the same place, whatever sizes the two calls met."""
    words = found.why.partition(" raised ")[2]
    return bool(words) and _NUMBERS.sub("#", words) in _NUMBERS.sub("#", message)


#: How a line on a check's stderr starts that says the deadline it set, or ``off`` (:meth:`CheckContext.deadline`).
DEADLINE = "udcodec: deadline: "


class CheckFailed(AssertionError):
    """The implementation under test violated the clause."""

    def __init__(self, message: str, *, counterexample: Any = None, reproduction: str | None = None,
                 attribution: Attribution | None = None, explained_by: Explanation | None = None) -> None:
        message = clip(message)  # what a codec raised may be of any size
        super().__init__(message)
        self.message = message
        self.counterexample = counterexample
        self.reproduction = reproduction
        self.attribution = attribution
        self.explained_by = explained_by or host_defect_in(message)


class CheckCrashed(CheckFailed):
    """A process the check started for the implementation died of a signal: the clause is ``crash``, as when the
    check's own process dies, with the signal and what the process wrote last."""

    def __init__(self, message: str, *, signal: str, stderr_tail: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.signal = signal
        self.stderr_tail = stderr_tail


class CapabilityMissing(Exception):
    """The adapter does not provide a capability the check needs: the clause is skipped."""

    def __init__(self, capability: str, owner: str = "the adapter") -> None:
        super().__init__(f"{owner} does not provide capability {capability!r}")
        self.capability = capability


class NotApplicable(Exception):
    """The clause does not apply to this implementation (reported as ``n/a``, with the reason)."""


class NotJudged(Exception):
    """Another clause's defect keeps the check from judging its own (reported as ``skip``, with the reason: the
    clause is not shown to hold, and not failed twice for one defect)."""


CheckFn = Callable[["CheckContext"], None]
_T = TypeVar("_T")


@dataclass(frozen=True)
class Workaround:
    """A known defect a check gets past to test something else, and how it does (see :meth:`CheckContext.get_past`)."""

    name: str
    defect: str  # what goes wrong with the call users write
    how: str  # what the check does instead

    def record(self) -> dict[str, str]:
        return {"name": self.name, "defect": self.defect, "how": self.how}

_REQUIRED: Any = type("_Required", (), {"__repr__": lambda self: "<required>"})()


def _type_name(kind: type) -> str:
    return {list: "a list", bool: "a boolean", int: "an integer", float: "a number", str: "a string"}.get(kind, kind.__name__)


def _is_a(value: Any, kind: type) -> bool:
    if kind is bool:
        return isinstance(value, bool)
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind is list:
        return isinstance(value, list | tuple)
    return isinstance(value, kind) and not (isinstance(value, bool) and kind is not bool)


@dataclass(frozen=True)
class Param:
    """The declaration of one check parameter: its type, optional bounds or choices, and a default.

    ``Param(int, min=160, max=255)`` is a required codec id; ``Param(list, items=Param(str, choices=...))``
    a list of names; a ``default`` makes the parameter optional. ``min``/``max`` bound numbers;
    ``test`` returns a problem (or None) for what the others cannot say, e.g. "not a NumPy dtype".
    """

    kind: type
    min: float | None = None
    max: float | None = None
    choices: tuple[Any, ...] | None = None
    items: Param | None = None
    default: Any = _REQUIRED
    test: Callable[[Any], str | None] | None = None

    @property
    def required(self) -> bool:
        return self.default is _REQUIRED

    def problems(self, value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
        """(path inside the value, problem) for each way ``value`` breaks this declaration."""
        if not _is_a(value, self.kind):
            yield path, f"expected {_type_name(self.kind)}, got {type(value).__name__} {value!r}"
            return
        if self.min is not None and value < self.min:
            yield path, f"{value!r} is below the minimum {self.min}"
        if self.max is not None and value > self.max:
            yield path, f"{value!r} is above the maximum {self.max}"
        if self.choices is not None and value not in self.choices:
            yield path, f"{value!r} is not one of: {', '.join(map(str, self.choices))}"
        problem = self.test(value) if self.test is not None else None
        if problem:
            yield path, problem
        if self.items is not None:
            for i, item in enumerate(value):
                yield from self.items.problems(item, path + (i,))


@dataclass(frozen=True)
class CheckDef:
    name: str
    fn: CheckFn
    requires: frozenset[str]
    doc: str
    params: Mapping[str, Param] = field(default_factory=dict)
    #: 0, or its failures may explain other clauses' (an :class:`Explanation` names it) and its clause runs before
    #: theirs: rank 1 first (what explains the higher ranks' failures too), then 2, and so on.
    explains: int = 0

    def param_problems(self, given: Mapping[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
        """What is wrong with the parameters a clause gives this check: (path from the parameter name, problem)."""
        found: list[tuple[tuple[Any, ...], str]] = []
        for name, value in given.items():
            declaration = self.params.get(name)
            if declaration is None:
                found.append(((name,), f"unknown parameter (declared: {', '.join(sorted(self.params)) or 'none'})"))
            else:
                found.extend(declaration.problems(value, (name,)))
        found.extend(((name,), "missing required parameter") for name, p in self.params.items()
                     if p.required and name not in given)
        return found


CHECKS: dict[str, CheckDef] = {}


def check(name: str, *, requires: tuple[str, ...] = (), params: Mapping[str, Param] | None = None,
          explains: int = 0) -> Callable[[CheckFn], CheckFn]:
    """Register ``fn`` as the check called ``name`` (``family.what``), reading the parameters ``params`` declares;
    ``explains``: an :class:`Explanation` may name it (:attr:`CheckDef.explains`)."""
    declared = dict(params or {})
    for pname, declaration in declared.items():
        if not declaration.required:
            bad = next(declaration.problems(declaration.default), None)
            if bad is not None:
                raise ValueError(f"check {name!r}: the default of parameter {pname!r} breaks its declaration: {bad[1]}")

    def deco(fn: CheckFn) -> CheckFn:
        if name in CHECKS:
            raise ValueError(f"check {name!r} is registered twice")
        doc = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else ""
        CHECKS[name] = CheckDef(name, fn, frozenset(requires), doc, declared, explains)
        return fn

    return deco


class UndeclaredParameter(RuntimeError):
    """A check read a parameter its ``@check(params=...)`` does not declare (a harness bug)."""


_HARNESS_DIR = os.path.dirname(os.path.abspath(__file__))
_STDLIB = os.path.abspath(sysconfig.get_paths()["stdlib"]) + os.sep
_TESTCODECS = os.path.join(_HARNESS_DIR, "testcodecs.py")
_EXAMPLES = os.path.join(_HARNESS_DIR, "examples") + os.sep


def raised_by_harness(exc: BaseException) -> bool:
    """Whether ``exc`` comes from harness code (a harness bug) rather than from the implementation.

    The innermost frame that is not the standard library decides: harness code means a harness error,
    anything else (the implementation, its adapter, a third-party library) means the implementation failed.
    The codecs the checks register (``testcodecs``) count as the implementation's side: they raise when
    the host hands them wrong buffers. So do the example codecs (``udcodec.examples``): they are subjects.
    """
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append(os.path.abspath(tb.tb_frame.f_code.co_filename))
        tb = tb.tb_next
    for filename in reversed(frames):
        if filename.startswith(_STDLIB) and "site-packages" not in filename:
            continue
        return (filename.startswith(_HARNESS_DIR + os.sep) and filename != _TESTCODECS
                and not filename.startswith(_EXAMPLES))
    return False



# -- examples as JSON (for reports and replay) ---------------------------------------------


def encode_example(value: Any) -> Any:
    """Turn a Hypothesis example into JSON data, tagging what JSON cannot hold natively."""
    if isinstance(value, bool | None | str) or isinstance(value, int) and not isinstance(value, np.integer):
        return value
    if isinstance(value, np.generic):
        return {"__npscalar__": value.dtype.str, "value": encode_example(value.item())}
    if isinstance(value, float):
        return value if np.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, complex):
        return {"__complex__": [encode_example(value.real), encode_example(value.imag)]}
    if isinstance(value, bytes | bytearray):
        return {"__bytes__": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.dtype.str, "shape": list(value.shape), "data": base64.b64encode(value.tobytes()).decode()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        kind = type(value)
        fields = {f.name: encode_example(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"__dataclass__": f"{kind.__module__}:{kind.__qualname__}", "fields": fields}
    if isinstance(value, tuple):
        return {"__tuple__": [encode_example(v) for v in value]}
    if isinstance(value, list):
        return [encode_example(v) for v in value]
    if isinstance(value, Mapping):
        return {"__dict__": [[encode_example(k), encode_example(v)] for k, v in value.items()]}
    return {"__repr__": repr(value)}


def decode_example(data: Any) -> Any:
    if isinstance(data, list):
        return [decode_example(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "__bytes__" in data:
        return base64.b64decode(data["__bytes__"])
    if "__ndarray__" in data:
        return np.frombuffer(base64.b64decode(data["data"]), dtype=np.dtype(data["__ndarray__"])).reshape(data["shape"]).copy()
    if "__npscalar__" in data:
        return np.dtype(data["__npscalar__"]).type(decode_example(data["value"]))
    if "__tuple__" in data:
        return tuple(decode_example(v) for v in data["__tuple__"])
    if "__dict__" in data:
        return {decode_example(k): decode_example(v) for k, v in data["__dict__"]}
    if "__dataclass__" in data:
        module, _, name = data["__dataclass__"].partition(":")
        if not module.startswith("udcodec."):  # replay only rebuilds the harness's own example types
            raise ValueError(f"cannot replay an example of type {data['__dataclass__']}")
        kind = getattr(importlib.import_module(module), name)
        return kind(**{k: decode_example(v) for k, v in data["fields"].items()})
    if "__complex__" in data:
        real, imag = (decode_example(v) for v in data["__complex__"])
        return complex(real, imag)
    if "__float__" in data:
        return float(data["__float__"])
    raise ValueError(f"cannot replay an example holding {data!r}")


# -- the context a check runs in -----------------------------------------------------------


@dataclass
class ExampleCount:
    """How many examples a clause's properties ran, of how many the profile plans, and whether a time budget cut them.

    One per (clause, adapter), shared by the clause's checks; ``allotment`` is the seconds the drawn
    examples may take (the profile's, set by ``check-codec --budget``), counted from ``started``.
    """

    allotment: float | None = None
    lowered: bool = False  # the budget lowered max_examples below the profile's
    started: float = field(default_factory=time.monotonic)
    ran: int = 0
    planned: int = 0
    skipped: int = 0  # drawn after the allotment was spent, not run

    def spent(self) -> bool:
        return self.allotment is not None and time.monotonic() - self.started > self.allotment

    def to_json(self) -> dict[str, Any] | None:
        """The report's ``examples`` of a result; None when no property ran."""
        if not self.planned:
            return None
        # cut: the budget kept some of the examples the profile plans from running (a lowered count that still
        # ran them all, or a clause that drew fewer than planned of its own accord, is no cut); smaller: a lowered
        # clause's host round trips drew smaller layouts, however many examples ran
        shown: dict[str, Any] = {"ran": self.ran, "planned": self.planned,
                                 "cut": (self.lowered or self.skipped > 0) and self.ran < self.planned}
        if self.lowered:
            shown["smaller"] = True
        return shown


@dataclass
class CheckContext:
    """Everything a check may use: the adapter, its parameters, the profile, scratch space."""

    adapter: Adapter
    adapter_spec: str
    clause: Clause
    params: Mapping[str, Any]
    profile: Profile
    check_index: int = 0
    replay: Mapping[str, Any] | None = None  # {"check": i, "property": j, "example": ...}
    codec: CodecSubject | None = None  # the codec under test (codec clauses only)
    ufilter: FilterSubject | None = None  # the user filter under test (filter-subject clauses only)
    peer: Adapter | None = None  # the other side of a pairwise (interoperability) clause
    peer_spec: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # measurements the reports carry (JSON data)
    declared: Mapping[str, Param] = field(default_factory=dict)  # the running check's parameter declarations
    workarounds: list[dict[str, str]] = field(default_factory=list)  # known defects got past (the reports carry them)
    examples: ExampleCount = field(default_factory=ExampleCount)  # shared by the clause's checks
    isolated: bool = False  # the check runs in a child of its own (which :meth:`deadline` may end)
    _property_count: int = field(default=0, init=False)
    _tmp: tempfile.TemporaryDirectory[str] | None = field(default=None, init=False)

    def param(self, name: str) -> Any:
        """The parameter ``name`` as the spec gives it, or its declared default; it must be declared."""
        declaration = self.declared.get(name)
        where = f"clause {self.clause.id} (spec {self.clause.file}:{self.clause.line})"
        if declaration is None:
            raise UndeclaredParameter(f"{where}: the check reads parameter {name!r}, which it does not declare"
                                      f" (declared: {', '.join(sorted(self.declared)) or 'none'})")
        if name not in self.params:
            if declaration.required:
                raise KeyError(f"{where}: check needs parameter {name!r}")
            return declaration.default
        value = self.params[name]
        for path, problem in declaration.problems(value, (name,)):
            raise ValueError(f"{where}: parameter {''.join(f'[{p}]' if isinstance(p, int) else p for p in path)}: {problem}")
        return value

    def get_past(self, workaround: Workaround, natural: Callable[[], _T], instead: Callable[[], _T],
                 when: Callable[[BaseException], bool]) -> _T:
        """Make the call users write; if it fails with the known defect (``when``), record ``workaround`` and
        do ``instead``. The one way a check gets past a defect: the result names every workaround it used."""
        try:
            return natural()
        except Exception as exc:  # noqa: BLE001 - judged by ``when``
            if not when(exc):
                raise
        if workaround.record() not in self.workarounds:
            self.workarounds.append(workaround.record())
        return instead()

    def require(self, capability: str) -> None:
        if capability not in self.adapter.capabilities():
            raise CapabilityMissing(capability)
        if self.peer is not None and capability not in self.peer.capabilities():
            raise CapabilityMissing(capability, owner=f"peer {self.peer.name!r}")

    def the_peer(self) -> Adapter:
        """The peer adapter of a pairwise clause (a harness error when the clause is not pairwise)."""
        if self.peer is None:
            raise RuntimeError(f"clause {self.clause.id} uses a pairwise check but is not marked pairwise in the spec")
        return self.peer

    def fail(self, message: str, **kw: Any) -> NoReturn:
        raise CheckFailed(message, **kw)

    def doing(self, what: str) -> None:
        """Say, on stderr, what the check does next: a check killed for not ending, or whose process dies, is
        reported with the last thing said (:data:`DOING`)."""
        print(f"{DOING}{what}", file=sys.stderr, flush=True)

    @contextmanager
    def deadline(self, seconds: float, basis: str) -> Iterator[None]:
        """End the check's process when the block has not ended after ``seconds``: its clause is then ``hang``,
        reported with ``basis`` (how the deadline was set), sooner than the clause's timeout. A call that never
        returns may hold the interpreter, so the process ends by SIGALRM's default action. Outside an isolated
        child it does nothing."""
        if not self.isolated:
            yield
            return
        print(f"{DEADLINE}{seconds:.3g} s, {basis}", file=sys.stderr, flush=True)
        previous = signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            print(f"{DEADLINE}off", file=sys.stderr, flush=True)

    @property
    def tmpdir(self) -> Path:
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="udcodec-")
        return Path(self._tmp.name)

    def cleanup(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def reproduction(self, property_index: int, example: Any) -> str:
        """``udcodec replay`` of the example for a host clause; for a codec's or a filter's (which replay does not
        take) the command that runs the clause again."""
        subject = self.codec or self.ufilter
        if subject is not None:
            return rerun_command(self.adapter_spec, self.clause, subject, self.peer_spec, profile=self.profile.name)
        payload = json.dumps({"check": self.check_index, "property": property_index, "example": example}, separators=(",", ":"))
        return (
            f"udcodec replay {self.clause.id} --adapter {shlex.quote(self.adapter_spec)}"
            f" --example {shlex.quote(payload)}"
        )

    def for_all(self, strategy: st.SearchStrategy[Any], prop: Callable[[Any], None], first: Sequence[Any] = (),
                notes: Sequence[str | None] = ()) -> None:
        """Check ``prop`` for the examples ``first`` (always run, in order: a budget's floor), then for examples
        drawn from ``strategy`` (shrinking failures), or replay one example.

        A first example is not shrunk: it is reported as given, with its note (``notes[i]`` for ``first[i]``, such
        as the catalogue entry it comes from, whose size is the point) appended to the failure.

        Under a time budget drawn examples stop once the clause's allotment is spent (``self.examples``
        counts what ran)."""
        index = self._property_count
        self._property_count += 1
        if self.replay is not None:
            if self.replay.get("check") == self.check_index and self.replay.get("property") == index:
                prop(decode_example(self.replay["example"]))
            return
        last: list[Any] = []
        count = self.examples
        count.planned += len(first) + (self.profile.full_examples or self.profile.max_examples)
        drawn: list[Any] = []  # the floor: at least one drawn example, whatever the allotment
        failed: list[Any] = []
        inner = _contained(prop)

        def once(example: Any) -> None:
            last[:] = [example]
            count.ran += 1
            inner(example)

        def guarded(example: Any) -> None:
            if failed:  # shrinking: every example runs (skipping one would look flaky), none counts
                inner(example)
                return
            if drawn and count.spent():
                count.skipped += 1
                return
            drawn.append(True)
            count.ran += 1
            try:
                inner(example)
            except BaseException:
                failed.append(True)
                raise

        prop = guarded  # ``run`` keeps its source: Hypothesis derives a derandomized run's examples from it

        @self.profile.settings()
        @given(strategy)
        def run(example: Any) -> None:
            last[:] = [example]
            prop(example)

        note: str | None = None  # the note of the first example running
        try:
            for i, example in enumerate(first):
                note = notes[i] if i < len(notes) else None
                once(example)
            note = None
            run()
        except BaseException as exc:
            if not last or isinstance(exc, MemoryError):
                raise
            example = encode_example(last[0])
            if isinstance(exc, CheckFailed):
                if exc.counterexample is None:
                    exc.counterexample = example
                exc.reproduction = exc.reproduction or self.reproduction(index, example)
                if note:
                    exc.message = clip(f"{exc.message}\n[{note}]")
                    exc.args = (exc.message,)
                raise
            if raised_by_harness(exc):
                raise
            raise CheckFailed(
                f"{type(exc).__name__} escaped the implementation: {exc_text(exc)}"
                + (f"\n[{note}]" if note else ""),
                counterexample=example,
                reproduction=self.reproduction(index, example),
                explained_by=host_defect(exc),
            ) from exc


def _contained(prop: Callable[[Any], None]) -> Callable[[Any], None]:
    """``prop`` as Hypothesis may run it many times: a failure leaves it as a :class:`CheckFailed` whose message (clipped)
    says it all, without the exceptions it was raised from. A codec's exception may hold a message of any size, and
    Hypothesis keeps and formats the failures it meets: chained, they exhausted the memory limit. Running out of memory
    (the implementation's MemoryError, or a failure raised from one) stays a MemoryError: the clause is ``resource``."""
    def run(example: Any) -> None:
        failure: BaseException | None = None
        try:
            prop(example)
        except CheckFailed as exc:
            if exhausted(exc) is None:
                traceback.clear_frames(exc.__traceback__)  # the frames' locals hold what the codec raised
                exc.__cause__ = exc.__context__ = None
                raise
            failure = MemoryError(clip(exc.message, 4096))
        except MemoryError:
            raise
        except Exception as exc:
            failure = exhausted(exc)
            if failure is None:
                if raised_by_harness(exc):
                    raise
                failure = CheckFailed(f"{type(exc).__name__} escaped the implementation: {exc_text(exc)}",
                                      explained_by=host_defect(exc))
        if failure is not None:
            raise failure  # outside the handler: nothing chained

    return run


@contextmanager
def expect_rejection(ctx: CheckContext, what: str, allowed: tuple[type[BaseException], ...]) -> Iterator[list[BaseException]]:
    """Assert that the block raises one of ``allowed`` (not a crash, not silent success)."""
    caught: list[BaseException] = []
    try:
        yield caught
    except allowed as exc:
        caught.append(exc)
        return
    except CheckFailed:
        raise
    except Exception as exc:  # noqa: BLE001
        ctx.fail(f"{what}: raised {type(exc).__name__}({exc}), expected one of {names(allowed)}")
    ctx.fail(f"{what}: was accepted, expected {names(allowed)}")


def names(types: tuple[type[BaseException], ...]) -> str:
    return " or ".join(t.__name__ for t in types)


EXCEPTION_TYPES: dict[str, type[BaseException]] = {
    t.__name__: t
    for t in (ValueError, TypeError, RuntimeError, OverflowError, KeyError, IndexError, NotImplementedError, OSError, ImportError, Exception)
}


def exception_types(names_: Sequence[str]) -> tuple[type[BaseException], ...]:
    """Exception classes named by a spec parameter."""
    try:
        return tuple(EXCEPTION_TYPES[n] for n in names_)
    except KeyError as exc:
        raise KeyError(f"unknown exception type {exc.args[0]!r} in spec parameters (known: {', '.join(EXCEPTION_TYPES)})") from None


def host_defect(exc: BaseException) -> Explanation | None:
    """The explanation of an exception a harness codec raised because the host called it wrongly (a decoder output
    of another size than its block: CB-DEC-OUTPUT-SIZE's), or None."""
    from udcodec.testcodecs import WrongOutputSize

    found = next((e for e in exception_chain(exc) if isinstance(e, WrongOutputSize)), None)
    return Explanation("callbacks.decoder_sizes", str(found)) if found is not None else None


_WRONG_OUTPUT = re.compile(r"WrongOutputSize: (the decoder's output holds \d+ bytes, but its block had \d+)")


def host_defect_in(message: str) -> Explanation | None:
    """:func:`host_defect` of a failure whose message quotes the exception (a check that caught it and said so).

    Read from the words, as the exception may have been raised in another process (a fresh interpreter's answer
    arrives as text); :class:`~udcodec.testcodecs.WrongOutputSize`'s message is written for this pattern."""
    found = _WRONG_OUTPUT.search(message)
    return Explanation("callbacks.decoder_sizes", found.group(1)) if found else None


def exception_chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and everything it was raised from or during, outermost first.

    Follows the chain as a traceback shows it: ``raise X from None`` hides the context.
    """
    chain: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in chain:
        chain.append(cur)
        cur = cur.__cause__ or (None if cur.__suppress_context__ else cur.__context__)
    return chain


def root_cause(exc: BaseException) -> BaseException:
    """The innermost exception of ``exc``'s chain: what a codec raised inside a host that re-raised it."""
    return exception_chain(exc)[-1]


def raised_at(exc: BaseException) -> str:
    """``file:line in function`` of the innermost frame ``exc`` was raised from, or ``""``; a module of a package is
    named by its package's path (``blosc2/schunk.py``, ``udcodec/reference/schunk.py``), where the host and its peer
    may each have a ``schunk.py``."""
    tb = exc.__traceback__
    if tb is None:
        return ""
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    where = os.path.basename(code.co_filename)
    module = tb.tb_frame.f_globals.get("__name__")
    package = module if where == "__init__.py" else module.rpartition(".")[0] if isinstance(module, str) else ""
    if isinstance(package, str) and package and not package.startswith("__"):
        where = f"{package.replace('.', '/')}/{where}"
    return f"{where}:{tb.tb_lineno} in {code.co_name}"


def value_text(value: Any, limit: int = 80) -> str:
    """``repr(value)`` for a message, short and never raising: an implementation may return an integer too long
    to print or an object whose ``__repr__`` raises."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"{'a negative' if value < 0 else 'an'} integer of {value.bit_length()} bits"
    try:
        text = repr(value)
    except Exception as err:  # noqa: BLE001
        return f"<a {type(value).__name__} whose repr() raised {type(err).__name__}>"
    return text if len(text) <= limit else text[:limit] + "…"


#: Most characters of an exception's message a failure quotes (head and tail): its place and the rest of the failure
#: stay within the message bound, so two failures of one exception read alike (:func:`names_same_raise`).
QUOTED_MAX = 4096


def _one(exc: BaseException) -> str:
    where = raised_at(exc)
    return f"{type(exc).__name__}: {clip(exc_text(exc), QUOTED_MAX)}" + (f" (at {where})" if where else "")


def raised_words(exc: BaseException) -> str:
    """What ``exc``'s root cause says and where it was raised, without the chain it came through: how an
    :class:`Explanation` of a call that raised names it (the chain differs between a direct call and a host's)."""
    return describe_exc(exc).split("; chain: ")[0]


def describe_exc(exc: BaseException) -> str:
    """The root cause first (type, message, where it was raised), then the chain it came through, outermost first.

    A host written in C re-raises a callback's exception as e.g. ``SystemError``; the codec's own
    exception, which explains the failure, is at the end of the chain.

    A ``MemoryError`` anywhere in the chain is raised again instead, and a file system out of room as an
    :class:`~udcodec.resources.OutOfDisk`: running out of memory under the run's limit, or out of disk, is no verdict
    on the implementation, and the runner reports the check as ``resource``.
    """
    found = exhausted(exc)
    if found is not None:
        raise found
    chain = exception_chain(exc)
    text = _one(chain[-1])
    if len(chain) > 1:
        text += "; chain: " + " <- ".join(_one(e) for e in chain)
    return text
