"""The record of one ``udcodec run`` that every report format is rendered from."""

from __future__ import annotations

import dataclasses
import enum
import math
import platform as platform_module
import sys
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import PurePath
from typing import Any

from udcodec.outcomes import CONDUCT, UNEXPECTED, UNEXPECTED_STRICT, CheckResult, Outcome
from udcodec.reports.bounds import MESSAGE_MAX, bounded, clip
from udcodec.shard import Shard

#: Version of the JSON report layout (``schemas/report.schema.json``); bump on any change (older layouts
#: are read through ``reports/upgrade.py``). 1.2: the outcome ``n/a``. 1.3: ``interrupted`` and the outcome ``resource``.
#: 1.4: each result's ``workarounds``; the codec's ``throughput`` figures (``check-codec --bench``).
#: 1.5: each result's ``attribution`` (a failure retried with a builtin codec).
#: 1.6: ``shard`` (``--shard K/N``).
#: 1.7: each result's ``examples`` (ran, planned, cut by a time budget); the codec's ``budget`` (``check-codec --budget``).
SCHEMA_VERSION = "1.7"
#: The exit status of an interrupted run (pytest's ``ExitCode.INTERRUPTED``).
INTERRUPTED_EXIT_STATUS = 2
#: Requirement levels a clause may carry (RFC 2119 keywords used by the spec).
LEVELS: tuple[str, ...] = ("MUST", "MUST NOT", "SHOULD", "SHOULD NOT", "MAY")
#: Why an expectation in an adapter's expectations file is stale.
STALE_REASONS: tuple[str, ...] = ("passed", "unknown clause", "expired")
#: Display order of outcomes in every report.
OUTCOME_ORDER: tuple[Outcome, ...] = tuple(Outcome)


def _harness_version() -> str:
    try:
        from udcodec import __version__
    except ImportError:  # pragma: no cover - the package always defines it
        return "0.0.0+unknown"
    return str(__version__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _as_utc(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_timestamp(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` suffix, e.g. ``2024-05-01T12:00:00.250000Z``."""
    return _as_utc(value).isoformat().replace("+00:00", "Z")


def jsonable(value: Any) -> Any:
    """Convert ``value`` into plain JSON data (lossy for exotic types).

    bytes-like become lowercase hex strings, tuples/sets become lists, numpy scalars and
    arrays become Python numbers and lists, non-finite floats become strings, mapping keys
    become strings and anything else becomes its ``repr``.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=repr)
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, date | PurePath):
        return str(value)
    tolist = getattr(value, "tolist", None)  # numpy arrays and scalars
    if callable(tolist):
        try:
            return jsonable(tolist())
        except Exception:  # noqa: BLE001 - fall back to repr
            pass
    if hasattr(value, "__dataclass_fields__") and not isinstance(value, type):
        return jsonable(asdict(value))
    return repr(value)


@dataclass
class AdapterRun:
    """One adapter as the user named it, and what it reported about itself."""

    spec: str
    name: str
    implementation: str | None = None
    version: str | None = None
    python: str | None = field(default_factory=lambda: sys.version.split()[0])
    platform: str | None = field(default_factory=platform_module.platform)
    load_error: str | None = None

    @property
    def key(self) -> str:
        """The name results refer to this adapter by."""
        return self.name or self.spec

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AdapterRun:
        return cls(**dict(data))


@dataclass
class StaleExpectation:
    """An entry of an adapter's expectations file that no longer matches reality."""

    adapter: str
    clause: str
    reason: str
    why_stale: str  # one of STALE_REASONS

    def __post_init__(self) -> None:
        if self.why_stale not in STALE_REASONS:
            raise ValueError(f"why_stale must be one of {STALE_REASONS}, not {self.why_stale!r}")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StaleExpectation:
        return cls(**dict(data))


@dataclass
class ClauseInfo:
    """One clause of the spec, as the reports list it."""

    id: str
    title: str
    level: str
    subject: str
    family: str
    versions: str | None = None  # python-blosc2 releases the clause applies to (None: all)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if self.versions is None:
            del data["versions"]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ClauseInfo:
        return cls(**dict(data))


def count_outcomes(results: Iterable[CheckResult]) -> dict[str, int]:
    """Counts of every outcome (all keys present, zero-filled)."""
    counts = {o.value: 0 for o in OUTCOME_ORDER}
    for result in results:
        counts[Outcome(result.outcome).value] += 1
    return counts


def is_unexpected(outcome: Outcome | str, strict: bool = False) -> bool:
    """Whether ``outcome`` makes the run fail (``xpass`` counts only when ``strict``)."""
    return Outcome(outcome) in (UNEXPECTED_STRICT if strict else UNEXPECTED)


def is_advisory(result: CheckResult) -> bool:
    """A codec or filter failing a SHOULD clause: reported, but check-codec's and check-filter's verdicts depend on
    MUST clauses only."""
    return result.subject in ("codec", "filter") and result.level == "SHOULD" and Outcome(result.outcome) == Outcome.FAIL


def _count(n: int, noun: str) -> str:
    return f"the {noun}" if n == 1 else f"the {n} {noun}s"


def _are(n: int) -> str:
    return "is" if n == 1 else "are"


@dataclass
class RunRecord:
    """Everything one run produced; serialisable with :meth:`to_json` / :meth:`from_json`.

    ``duration`` defaults to ``finished - started``; ``exit_status`` defaults to
    :meth:`compute_exit_status`. ``interrupted``: the run was stopped (Ctrl-C) before every check ran,
    so ``results`` are partial.
    """

    spec_version: str
    spec_sha256: str
    harness_version: str = field(default_factory=_harness_version)
    profile: str = "default"
    started: datetime = field(default_factory=_utcnow)
    finished: datetime = field(default_factory=_utcnow)
    duration: float | None = None
    command: list[str] = field(default_factory=list)
    strict: bool = False
    adapters: list[AdapterRun] = field(default_factory=list)
    results: list[CheckResult] = field(default_factory=list)
    stale_expectations: list[StaleExpectation] = field(default_factory=list)
    clauses: list[ClauseInfo] = field(default_factory=list)
    exit_status: int | None = None
    codec: dict[str, Any] | None = None  # the codec under test (``udcodec check-codec``)
    interrupted: bool = False
    shard: dict[str, int] | None = None  # ``{"index": K, "count": N}`` of a ``--shard K/N`` run (None: whole)

    def __post_init__(self) -> None:
        self.started = _as_utc(self.started)
        self.finished = _as_utc(self.finished)
        if self.duration is None:
            self.duration = max(0.0, (self.finished - self.started).total_seconds())
        if self.exit_status is None:
            self.exit_status = self.compute_exit_status()

    # -- derived views ---------------------------------------------------------------------

    @property
    def spec_sha_short(self) -> str:
        return self.spec_sha256[:12]

    def adapter_keys(self) -> list[str]:
        """Adapter names in column order: declared adapters first, then any seen only in results."""
        keys = [a.key for a in self.adapters]
        for result in self.results:
            if result.adapter not in keys:
                keys.append(result.adapter)
        return keys

    def clause_ids(self) -> list[str]:
        """Clause ids in row order: catalogue order, then any seen only in results."""
        ids = [c.id for c in self.clauses]
        seen = set(ids)
        for result in self.results:
            if result.clause not in seen:
                ids.append(result.clause)
                seen.add(result.clause)
        return ids

    def clause_level(self, clause_id: str) -> str:
        """The clause's level from the catalogue, else from its first result."""
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause.level
        for result in self.results:
            if result.clause == clause_id:
                return result.level
        return ""

    def matrix(self) -> dict[tuple[str, str], CheckResult]:
        """(clause, adapter) -> result; a later result for the same pair wins."""
        return {(r.clause, r.adapter): r for r in self.results}

    def results_for(self, adapter: str) -> list[CheckResult]:
        return [r for r in self.results if r.adapter == adapter]

    def unexpected(self) -> list[CheckResult]:
        """Results that make the run fail (honours :attr:`strict`)."""
        return [r for r in self.results if is_unexpected(r.outcome, self.strict) and not is_advisory(r)]

    def advisory(self) -> list[CheckResult]:
        """Failures that are reported but do not fail the run (a codec's SHOULD clauses)."""
        return [r for r in self.results if is_advisory(r)]

    def expected_failures(self) -> list[CheckResult]:
        """xfail results, and xpass results when not strict (they carry an expected reason)."""
        kinds = {Outcome.XFAIL} | (set() if self.strict else {Outcome.XPASS})
        return [r for r in self.results if Outcome(r.outcome) in kinds]

    def summary(self) -> dict[str, dict[str, int]]:
        """Per adapter, counts of every outcome."""
        return {key: count_outcomes(self.results_for(key)) for key in self.adapter_keys()}

    def totals(self) -> dict[str, int]:
        return count_outcomes(self.results)

    def not_run(self, key: str) -> int:
        """Clauses of the record that adapter ``key`` loaded for and has no result of (stopped, deselected); a
        shard's record counts its own share of the clauses only."""
        if any(a.key == key and a.load_error for a in self.adapters):
            return 0
        done = {r.clause for r in self.results if r.adapter == key}
        ids = self.clause_ids()
        if self.shard:
            ids = Shard(self.shard["index"], self.shard["count"]).pick(ids)
        return sum(1 for c in ids if c not in done)

    def compute_exit_status(self) -> int:
        """2 when interrupted, 1 when any result is unexpected or an adapter failed to load, else 0."""
        if self.interrupted:
            return INTERRUPTED_EXIT_STATUS
        if self.unexpected() or any(a.load_error for a in self.adapters):
            return 1
        return 0

    def failed_otherwise(self) -> str:
        """Why the run exits 1 though no outcome is unexpected ("" when it does not): adapters that did not load,
        stale expectations under ``--strict``, or a report of the run that could not be written."""
        if self.interrupted or not self.exit_status or self.unexpected():
            return ""
        loads = [a for a in self.adapters if a.load_error]
        if loads:
            return f"{len(loads)} adapter(s) failed to load"
        if self.strict and self.stale_expectations:
            n = len(self.stale_expectations)
            return f"{n} stale expectation{'s' if n != 1 else ''} (strict)"
        return "a report of this run could not be written"

    def exit_reason(self) -> str:
        """Why the run exits 0 although results failed (``""`` when none did or it does not exit 0).

        Printed as the closing line: a reader who sees failures and exit 0 learns which rule allowed it.
        """
        if self.compute_exit_status() != 0 or self.exit_status:  # exit_status: 1 for a report not written, too
            return ""
        parts = []
        advisory = self.advisory()
        if advisory:
            command = "check-filter" if (self.codec or {}).get("kind") == "filter" else "check-codec"
            parts.append(f"{_count(len(advisory), 'failure')} {_are(len(advisory))} of SHOULD clauses "
                         f"(not required; {command} fails on MUST clauses only)")
        expected = [r for r in self.expected_failures() if Outcome(r.outcome) == Outcome.XFAIL]
        if expected:
            parts.append(f"{_count(len(expected), 'failure')} {_are(len(expected))} expected (xfail: listed in "
                         f"an expectations file)")
        if not parts:
            return ""
        return "udcodec: exit 0: " + "; ".join(parts)

    def conduct(self) -> list[tuple[str, list[CheckResult]]]:
        """What implementations did beside their verdicts (``extra["conduct"]``): each sentence, first seen first,
        with the results that say it."""
        found: dict[str, list[CheckResult]] = {}
        for result in self.results:
            for note in result.extra.get(CONDUCT) or []:
                found.setdefault(str(note), []).append(result)
        return list(found.items())

    def workarounds(self) -> list[tuple[dict[str, str], list[CheckResult]]]:
        """Each workaround the checks used (by name, first seen first), with the results that used it."""
        found: dict[str, tuple[dict[str, str], list[CheckResult]]] = {}
        for result in self.results:
            for used in result.workarounds:
                found.setdefault(used["name"], (used, []))[1].append(result)
        return list(found.values())

    def bounded(self, limit: int = MESSAGE_MAX) -> RunRecord:
        """A copy whose messages, stderr tails and load errors are clipped to ``limit`` characters."""
        return dataclasses.replace(
            self,
            results=[bounded(r, limit) for r in self.results],
            adapters=[dataclasses.replace(a, load_error=None if a.load_error is None else clip(a.load_error, limit))
                      for a in self.adapters],
        )

    # -- serialisation ---------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data matching ``schemas/report.schema.json`` (messages clipped, see :meth:`bounded`)."""
        return self.bounded()._to_json()

    def _to_json(self) -> dict[str, Any]:
        results = []
        for result in self.results:
            entry = result.to_json()
            entry["counterexample"] = jsonable(result.counterexample)
            entry["extra"] = jsonable(result.extra)
            entry["duration"] = float(result.duration)
            results.append(entry)
        data: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "spec": {"version": self.spec_version, "sha256": self.spec_sha256},
            "harness": {"version": self.harness_version},
            "profile": self.profile,
            "started": format_timestamp(self.started),
            "finished": format_timestamp(self.finished),
            "duration": float(self.duration or 0.0),
            "command": list(self.command),
            "strict": self.strict,
            "exit_status": self.exit_status,
            "interrupted": self.interrupted,
            "shard": None if self.shard is None else dict(self.shard),
            "adapters": [a.to_json() for a in self.adapters],
            "clauses": [c.to_json() for c in self.clauses],
            "results": results,
            "stale_expectations": [s.to_json() for s in self.stale_expectations],
            "summary": {
                "by_adapter": self.summary(),
                "total": self.totals(),
                "unexpected": len(self.unexpected()),
            },
        }
        data["codec"] = jsonable(self.codec)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunRecord:
        """Rebuild a record from :meth:`to_json` output (``summary`` is recomputed, not read)."""
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ValueError(
                f"unsupported report schema_version {version!r} "
                f"(this harness reads {SCHEMA_VERSION!r})"
            )
        return cls(
            spec_version=data["spec"]["version"],
            spec_sha256=data["spec"]["sha256"],
            harness_version=data["harness"]["version"],
            profile=data["profile"],
            started=_as_utc(data["started"]),
            finished=_as_utc(data["finished"]),
            duration=float(data["duration"]),
            command=list(data["command"]),
            strict=bool(data.get("strict", False)),
            exit_status=int(data["exit_status"]),
            adapters=[AdapterRun.from_json(a) for a in data["adapters"]],
            clauses=[ClauseInfo.from_json(c) for c in data["clauses"]],
            results=[CheckResult.from_json(r) for r in data["results"]],
            stale_expectations=[StaleExpectation.from_json(s) for s in data["stale_expectations"]],
            codec=data.get("codec"),
            interrupted=bool(data.get("interrupted", False)),
            shard=None if data.get("shard") is None else dict(data["shard"]),
        )
