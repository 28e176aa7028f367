"""Turn a finished plugin run into a RunRecord (stale expectations included) and write the reports asked for."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from udcodec.contract import Clause, Contract
from udcodec.expectations.model import Expectations
from udcodec.outcomes import CheckResult, Outcome
from udcodec.profiles import Profile
from udcodec.reports import (
    AdapterRun,
    ClauseInfo,
    RunRecord,
    StaleExpectation,
    write_html,
    write_json,
    write_junit,
    write_markdown,
)
from udcodec.reports.bounds import printable
from udcodec.reports.causes import settle_explained
from udcodec.reports.certificate import CertificateError, certificate_paths, write_certificate
from udcodec.reports.json_report import SCHEMA_FILE, ReportValidationError


class Slot(Protocol):
    """What the record needs of one adapter of the run."""

    spec: str
    name: str
    implementation: str | None
    version: str | None
    load_error: str | None
    expectations: Expectations | None


class FinishedRun(Protocol):
    """What the record needs of a finished run (the plugin's ``UdcodecRun``)."""

    contract: Contract
    profile: Profile
    strict: bool
    started: datetime
    results: list[CheckResult]

    @property
    def adapters(self) -> Sequence[Slot]: ...

    def selected(self, clause: Clause) -> bool: ...


def stale_expectations(run: FinishedRun) -> list[StaleExpectation]:
    """Entries that name no clause of the contract, whose clause now passes, or whose date expired."""
    known = set(run.contract.ids())
    outcome = {(r.adapter, r.clause): r.outcome for r in run.results}
    stale = []
    for slot in run.adapters:
        if slot.expectations is None:
            continue
        for entry in slot.expectations.entries:
            if entry.clause not in known:
                stale.append(StaleExpectation(slot.name, entry.clause, entry.reason, "unknown clause"))
            elif outcome.get((slot.name, entry.clause)) == Outcome.XPASS:
                stale.append(StaleExpectation(slot.name, entry.clause, entry.reason, "passed"))
            if entry.expired():
                stale.append(StaleExpectation(slot.name, entry.clause, entry.reason, "expired"))
    return stale


def build_record(run: FinishedRun, args: list[str], program: str | None = "", interrupted: bool = False) -> RunRecord:
    """Summarise the run; ``args`` follow ``program`` (default: this process's program name, None: none).
    Failures another clause's failure explains are settled as ``skip`` first (:func:`settle_explained`).

    ``interrupted``: the run was stopped before every check ran (the record says so; exit status 2).
    """
    stale = stale_expectations(run)
    order = {slot.name: i for i, slot in enumerate(run.adapters)}  # a stable order, so merged shards give it too
    stale.sort(key=lambda s: (order.get(s.adapter, len(order)), s.clause, s.why_stale))
    settle_explained(run.results)
    results = sorted(run.results, key=lambda r: (r.clause, r.adapter))
    record = RunRecord(
        spec_version=run.contract.version,
        spec_sha256=run.contract.sha256,
        profile=run.profile.name,
        started=run.started,
        finished=datetime.now(UTC),
        command=[*args] if program is None else [program or Path(sys.argv[0]).name, *args],
        strict=run.strict,
        adapters=[
            AdapterRun(spec=s.spec, name=s.name, implementation=s.implementation, version=s.version, load_error=s.load_error)
            for s in run.adapters
        ],
        results=results,
        stale_expectations=stale,
        clauses=[ClauseInfo(c.id, c.title, c.level, c.subject, c.family, c.versions)
                 for c in run.contract if run.selected(c)],
        interrupted=interrupted,
        shard=shard.to_json() if (shard := getattr(run, "shard", None)) is not None else None,
    )
    if run.strict and stale and not interrupted:
        record.exit_status = 1
    return record


@dataclass
class Written:
    """What :func:`write_reports` did: the files written, and one line per report that was not."""

    paths: list[Path] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def failed(self, target: Path, reason: str) -> None:
        self._say(f"udcodec: could not write {printable(str(target))}: {printable(reason)}")

    def unvalidated(self, target: Path, exc: ReportValidationError) -> None:
        """``target`` was written, though it breaks its schema (the harness's defect): said, and it fails the run."""
        where, problem = exc.errors[0]
        self.paths.append(target)
        self._say(f"udcodec: {printable(str(target))} was written but does not match {SCHEMA_FILE} "
                  f"({len(exc.errors)} problem(s), the first at {printable(where)}: {printable(problem)}): a defect of "
                  "the harness, the results in it are whole")

    def _say(self, line: str) -> None:
        print(line, file=sys.stderr)
        self.failures.append(line)


def _reason(exc: Exception) -> str:
    """An OSError's reason without the path the line names already (``File too large``)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def remove_earlier(path: Path, started: float) -> None:
    """Remove ``path`` when an earlier run wrote it (before ``started``, a timestamp), saying so on stderr."""
    try:
        if os.stat(path).st_mtime < started and path.is_file():
            os.unlink(path)
            print(f"udcodec: removed {printable(str(path))}: it was an earlier run's, and this one was interrupted "
                  "before writing it", file=sys.stderr)
    except OSError:
        pass


def write_reports(record: RunRecord, options: Any, contract: Contract | None = None,
                  subject: str = "host") -> Written:
    """Write every report format whose path was given, each atomically; a failure to write one is named on
    stderr (one line) and does not stop the others.

    Certificates (``udcodec_certificate``) need the ``contract``: they list all its ``subject`` clauses. An
    interrupted run writes none, and removes one an earlier run left at a path it would have written (that one
    would read as this run's).
    """
    done = Written()
    written: list[tuple[Path, Any]] = []
    for path, writer in ((options.udcodec_report_json, write_json), (options.udcodec_report_junit, write_junit),
                         (options.udcodec_report_markdown, write_markdown),
                         (getattr(options, "udcodec_report_html", None), write_html)):
        if not path:
            continue
        target = Path(path)
        try:
            writer(record, target)
        except ReportValidationError as exc:  # nothing lost: the results, written as they are, and the defect said
            as_is = partial(write_json, validate=False)
            try:
                as_is(record, target)
            except (OSError, ValueError) as again:
                done.failed(target, _reason(again))
                continue
            done.unvalidated(target, exc)
            written.append((target, as_is))
            continue
        except (OSError, ValueError) as exc:  # ValueError: a Markdown or HTML report that cannot be made
            done.failed(target, _reason(exc))
            continue
        done.paths.append(target)
        written.append((target, writer))
    if done.failures and record.exit_status == 0 and not record.interrupted:
        # a report that could not be written fails the run (exit 1): those written say so too
        record.exit_status = 1
        for target, writer in written:
            try:
                writer(record, target)
            except (OSError, ValueError) as exc:
                done.failed(target, _reason(exc))
    certificate = getattr(options, "udcodec_certificate", None)
    if certificate and contract is not None:
        for adapter, target in certificate_paths(certificate, record.adapter_keys()).items():
            if record.interrupted:
                done.failed(target, "the run was interrupted; no certificate for a partial run")
                remove_earlier(target, record.started.timestamp())
                continue
            try:
                done.paths.append(write_certificate(record, contract, adapter, target, subject))
            except (OSError, CertificateError) as exc:
                done.failed(target, _reason(exc))
    return done
