"""The pytest plugin: one item per (clause, adapter), isolated runs, expectations, per-clause reports.

Inert unless ``--udcodec-adapter`` is given. ``udcodec run`` drives it; it also works as plain
``pytest --udcodec-adapter reference --pyargs udcodec.spec``. Works under pytest-xdist: workers
run items, the controller gathers the results from the reports' ``user_properties``.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from udcodec.adapters.loader import (
    AdapterLoadError,
    adapter_target,
    expectations_path,
    load_adapter,
)
from udcodec.adapters.protocol import APIS, CAPABILITIES, unknown_capabilities
from udcodec.checks import CHECKS
from udcodec.checks.fresh import start_zygote
from udcodec.checks.repro import rerun_command
from udcodec.contract import Clause, Contract, SpecError, load_contract
from udcodec.engine.isolation import (
    ChildStatus,
    format_bytes,
    install_cleanup,
    interrupted_by_signal,
    memory_limit,
    run_isolated,
)
from udcodec.engine.options import (
    expectations_files,
    positive_seconds,
    same_adapter_twice,
    selection_problems,
)
from udcodec.engine.pairs import merge, peer_specs
from udcodec.engine.progress import RESULT_KEY
from udcodec.engine.runner import execute
from udcodec.engine.warm import collect_hypothesis_constants, freeze, imported_while, preload
from udcodec.expectations.model import Expectations, ExpectationsError, load_expectations
from udcodec.outcomes import EXPECTABLE, EXPLAINED_BY, CheckResult, Outcome
from udcodec.profiles import DEFAULT_PROFILE, PROFILES, Profile, get_profile
from udcodec.reports.bounds import TERMINAL_MAX, bounded, clip, printable
from udcodec.reports.causes import settle_explained
from udcodec.reports.model import RunRecord
from udcodec.shard import Shard, parse_shard
from udcodec.subject import (
    DEFAULT_HOSTS,
    DEFAULT_ID,
    CodecSpecError,
    CodecSubject,
    FilterSubject,
    Subject,
)
from udcodec.versions import VERSIONED_IMPLEMENTATION

#: The plugin's filter options, as :class:`FilterSubject` names them in its messages.
PYTEST_FILTER_OPTIONS = {"forward": "--udcodec-filter-forward", "backward": "--udcodec-filter-backward",
                         "id": "--udcodec-filter-id", "meta": "--udcodec-filter-meta",
                         "domain": "--udcodec-filter-domain"}
#: The plugin's codec options, as :class:`CodecSubject` names them in its messages.
PYTEST_CODEC_OPTIONS = {"pair": "--udcodec-codec", "encoder": "--udcodec-encoder", "decoder": "--udcodec-decoder",
                        "plugin": "--udcodec-plugin", "id": "--udcodec-codec-id", "meta": "--udcodec-codec-meta",
                        "version": "--udcodec-codec-version", "domain": "--udcodec-codec-domain"}
EXPECTATIONS_CLAUSE = "EXPECTATIONS-FILE"
#: The one result of an adapter that failed to load; none of its clauses run.
ADAPTER_LOAD_CLAUSE = "ADAPTER-LOAD"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("udcodec", "udcodec conformance")
    group.addoption("--udcodec-adapter", action="append", default=[], metavar="SPEC",
                    help="adapter to check: a name (reference, blosc2, entry point) or module:attribute; repeatable")
    group.addoption("--udcodec-spec", default=None, metavar="DIR", help="contract directory (default: the bundled spec)")
    group.addoption("--udcodec-profile", default=DEFAULT_PROFILE, choices=sorted(PROFILES), help="search effort profile")
    group.addoption("--udcodec-expectations", action="append", default=[], metavar="ADAPTER=PATH",
                    help="expected-failures file for an adapter (default: the one shipped next to a built-in adapter)")
    group.addoption("--udcodec-no-expectations", action="store_true", help="ignore every expectations file")
    group.addoption("--udcodec-strict", action="store_true", help="also fail on xpass and stale expectations")
    group.addoption("--udcodec-only", action="append", default=[], metavar="GLOB", help="run only clauses matching")
    group.addoption("--udcodec-skip", action="append", default=[], metavar="GLOB", help="leave out clauses matching")
    group.addoption("--udcodec-timeout", type=positive_seconds, default=None, metavar="S", help="per-check timeout (default: profile's)")
    group.addoption("--udcodec-memory-limit", default=None, metavar="SIZE",
                    help="memory each check's process may use, e.g. 4G, 512M; 0: no limit (default: 4 GiB, or 3/4 of"
                         " physical memory where that is less); a check exceeding it is 'resource'")
    group.addoption("--udcodec-no-isolation", action="store_true",
                    help="run checks in the pytest process (debugging: no crash/hang protection, registry state leaks)")
    group.addoption("--udcodec-report-json", default=None, metavar="PATH")
    group.addoption("--udcodec-report-junit", default=None, metavar="PATH")
    group.addoption("--udcodec-report-markdown", default=None, metavar="PATH")
    group.addoption("--udcodec-report-html", default=None, metavar="PATH")
    group.addoption("--udcodec-certificate", default=None, metavar="PATH",
                    help="conformance certificate, one per adapter (PATH-<adapter>.json when several)")
    group.addoption("--udcodec-shard", default=None, metavar="K/N",
                    help="run only shard K of N (clauses at positions K-1, K-1+N, ... of the sorted selected ids)")
    group.addoption("--udcodec-command", default=None, help=argparse.SUPPRESS)  # set by `udcodec run`
    codec = parser.getgroup("udcodec-codec", "udcodec: check a user codec (its side of the contract)")
    codec.addoption("--udcodec-codec", default=None, metavar="MODULE:ENCODER,MODULE:DECODER",
                    help="check this encoder/decoder pair against the codec clauses on each host")
    codec.addoption("--udcodec-encoder", default=None, metavar="MODULE:FUNCTION")
    codec.addoption("--udcodec-decoder", default=None, metavar="MODULE:FUNCTION")
    codec.addoption("--udcodec-plugin", default=None, metavar="NAME", help="check a dynamic plugin instead")
    codec.addoption("--udcodec-codec-name", default=None, metavar="NAME", help="name to register the codec under")
    codec.addoption("--udcodec-codec-id", default=None, metavar="ID", help=f"codec id (default {DEFAULT_ID})")
    codec.addoption("--udcodec-codec-meta", action="append", default=[], metavar="META",
                    help="a codec meta value the codec supports (repeatable; default 0)")
    codec.addoption("--udcodec-codec-version", default="1", metavar="N", help="codec version (default 1)")
    codec.addoption("--udcodec-codec-domain", default=None, metavar="PATH",
                    help="the codec's declared data domain (a YAML file, or the name of a shipped one)")
    ufilter = parser.getgroup("udcodec-filter", "udcodec: check a user filter (its side of the contract)")
    ufilter.addoption("--udcodec-filter-forward", default=None, metavar="MODULE:FUNCTION",
                      help="check this forward/backward pair against the filter clauses on each host")
    ufilter.addoption("--udcodec-filter-backward", default=None, metavar="MODULE:FUNCTION")
    ufilter.addoption("--udcodec-filter-id", default=None, metavar="ID", help="filter id (default 160)")
    ufilter.addoption("--udcodec-filter-meta", action="append", default=[], metavar="META",
                      help="a filters_meta value the filter supports (repeatable; default 0)")
    ufilter.addoption("--udcodec-filter-domain", default=None, metavar="PATH",
                      help="the filter's declared domain: the typesizes it works under (a YAML file)")
    codec.addoption("--udcodec-budget", default=None, metavar="JSON",
                    help="the time budget of `udcodec check-codec --budget` and the codec's measured call cost")
    codec.addoption("--udcodec-throughput", default=None, metavar="JSON",
                    help="throughput figures measured by `udcodec check-codec --bench`, for the reports")


#: ``(name, implementation, version, api, capabilities)`` of an adapter.
Described = tuple[str, str | None, str | None, str, tuple[str, ...]]


def describe_adapter(spec: str) -> Described | str:
    """``(name, implementation, version, api, capabilities)`` of adapter ``spec``, or why it could not be loaded or
    described."""
    try:
        adapter = load_adapter(spec)
        info = adapter.info()
    except AdapterLoadError as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - the adapter's own failure, reported as such
        return f"adapter {spec!r} failed while describing itself: {type(exc).__name__}: {exc}"
    api = getattr(info, "api", "python")
    if api not in APIS:
        return f"adapter {spec!r} describes its API as {api!r}; expected one of {', '.join(sorted(APIS))}"
    try:
        capabilities = tuple(sorted(str(c) for c in adapter.capabilities()))
    except Exception as exc:  # noqa: BLE001 - the adapter's own failure, reported as such
        return f"adapter {spec!r} failed while listing its capabilities: {type(exc).__name__}: {exc}"
    unknown = unknown_capabilities(capabilities)
    if unknown:  # a typo would silently skip the clauses the capability meant enables
        return (f"adapter {spec!r} declares capabilities the harness does not know: {', '.join(map(repr, unknown))} "
                f"(known: {', '.join(sorted(CAPABILITIES))})")
    return info.name, info.implementation, info.version, api, capabilities


def _stderr_excerpt(tail: str, lines: int = 8) -> str:
    text = tail.rstrip().splitlines()[-lines:]
    return ("; its stderr ended with:\n" + "\n".join(text)) if text else ""


def _describe_listing_imports(spec: str) -> tuple[Described | str, list[str]]:
    return imported_while(lambda: describe_adapter(spec))


def describe_isolated(spec: str, timeout: float, memory_limit: int | None = None,
                      imports: list[str] | None = None) -> Described | str:
    """:func:`describe_adapter` in a child process: a constructor that crashes or hangs is a load error, not the end.

    ``imports`` (if given) receives the modules that loading the adapter imported there.
    """
    got = run_isolated(_describe_listing_imports, (spec,), timeout=timeout, memory_limit=memory_limit)
    if got.status is ChildStatus.OK:
        value: Described | str
        value, names = got.value
        if imports is not None:
            imports.extend(names)
        return value
    if got.status is ChildStatus.HANG:
        return f"adapter {spec!r} did not load within {timeout:g} s (constructor or info() hangs); it was killed"
    if got.status is ChildStatus.RESOURCE:
        return f"adapter {spec!r} exceeded the memory limit of {format_bytes(memory_limit)} while loading"
    if got.status is ChildStatus.CRASH:
        how = got.signal or got.error or "the process died"
        return f"adapter {spec!r} crashed the process while loading ({how}){_stderr_excerpt(got.stderr_tail)}"
    return f"adapter {spec!r} could not be loaded: harness error: {got.error}"


def _one_line(text: Any) -> str:
    return printable(str(text)).replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


class AdapterSlot:
    """One adapter of the run, constructed and described once, in a child process unless ``isolate`` is false.

    Nothing is registered there, and a constructor that segfaults or hangs becomes this adapter's load error.
    """

    def __init__(self, spec: str, explicit_expectations: str | None, use_expectations: bool, *,
                 isolate: bool = True, timeout: float = 60.0, memory_limit: int | None = None) -> None:
        self.spec = spec
        self.name = spec
        self.implementation: str | None = None
        self.version: str | None = None
        self.api = "python"
        self.capabilities: frozenset[str] = frozenset()
        self.load_error: str | None = None
        self.expectations: Expectations | None = None
        self.expectations_error: str | None = None
        imports: list[str] = []
        described = describe_isolated(spec, timeout, memory_limit, imports) if isolate else describe_adapter(spec)
        if isinstance(described, str):
            self.load_error = described
        else:
            name, implementation, version, self.api, capabilities = described
            self.capabilities = frozenset(capabilities)
            # What an adapter says of itself names pytest items and report columns: made printable, one line (a
            # lone surrogate in a name had failed every item at PYTEST_CURRENT_TEST, and the run read as passing).
            self.name = _one_line(name) or spec
            self.implementation = None if implementation is None else _one_line(implementation)
            self.version = None if version is None else _one_line(version)
            preload(imports)  # every check child of this adapter forks with them loaded (udcodec.engine.warm)
            adapter_target(spec)  # cached here, so that no child reads the entry points again
        path = explicit_expectations or (str(expectations_path(spec)) if expectations_path(spec) else None)
        if use_expectations and path:
            try:
                self.expectations = load_expectations(path)
            except ExpectationsError as exc:
                self.expectations_error = str(exc)


def _unique_names(slots: list[AdapterSlot]) -> None:
    """Results, report columns and certificates are keyed by adapter name: two adapters naming themselves alike
    (a port's adapter subclassing the reference's) are each reported under their spec instead, saying so."""
    for name in {s.name for s in slots}:
        same = [s for s in slots if s.name == name]
        if len(same) < 2:
            continue
        for slot in same:
            if slot.spec != name:
                slot.name = slot.spec
                print(f"udcodec: adapter {slot.spec} names itself {name!r}, as {same[0].spec if same[0] is not slot else same[1].spec}"
                      f" does: it is reported as {slot.spec!r}", file=sys.stderr)


def _budget_plan(path: str | None, clauses: list[Clause], hosts: int, profile: Profile) -> Any:
    """The per-clause profiles of a ``check-codec --budget`` run (None: no budget)."""
    if not path:
        return None
    from udcodec.checkcodec import budget

    seconds, call = budget.read(path)
    return budget.plan(seconds, call, clauses, hosts, profile)


class UdcodecRun:
    """Session state of the plugin (registered as ``udcodec-run``)."""

    def __init__(self, config: pytest.Config) -> None:
        opt = config.option
        self.config = config
        from udcodec.checks import (
            CHECKS,  # registers every check (imported here: the plugin loads in any pytest)
        )

        self.contract: Contract = load_contract(opt.udcodec_spec, checks=CHECKS)
        self.profile = get_profile(opt.udcodec_profile)
        self.strict: bool = opt.udcodec_strict
        self.codec: Subject | None = _codec_subject(opt) or _filter_subject(opt)
        self.subject = "host" if self.codec is None else self.codec.kind
        hosts = opt.udcodec_adapter or (list(DEFAULT_HOSTS) if self.codec else [])
        explicit, problems = expectations_files(opt.udcodec_expectations, hosts, option="--udcodec-expectations",
                                                adapter_option="--udcodec-adapter")
        problems += same_adapter_twice(hosts, "--udcodec-adapter")
        problems += selection_problems([c.id for c in self.contract if c.subject == self.subject], opt.udcodec_only,
                                       opt.udcodec_skip, self.subject, prefix="--udcodec-")
        if problems:
            raise pytest.UsageError("\n".join(problems))
        self.isolate = not opt.udcodec_no_isolation
        self.memory_limit = _memory_limit(opt.udcodec_memory_limit)
        if self.isolate:
            install_cleanup()
            if not (getattr(opt, "numprocesses", None) and not hasattr(config, "workerinput")):  # xdist's controller runs no check
                start_zygote()  # before any check child forks: fresh-interpreter requests then skip the start-up
        # A host's expectations describe the host's divergences, not the codec's: codec runs use explicit ones only.
        use_defaults = not opt.udcodec_no_expectations and self.codec is None
        load_timeout = opt.udcodec_timeout or self.profile.timeout
        self.adapters = [AdapterSlot(s, explicit.get(s), use_defaults or s in explicit, isolate=self.isolate,
                                     timeout=load_timeout, memory_limit=self.memory_limit) for s in hosts]
        _unique_names(self.adapters)
        if self.isolate:  # every check child forks from here, with what is loaded and done now (udcodec.engine.warm)
            collect_hypothesis_constants()
            freeze()
        self.shard = _shard(opt.udcodec_shard)
        self.in_shard = ({c.id for c in self.contract if self.selected(c)} if self.shard is None
                         else set(self.shard.pick(c.id for c in self.contract if self.selected(c))))
        self.plan = _budget_plan(opt.udcodec_budget, [c for c in self.contract if c.id in self.in_shard],
                                 len(self.judges()), self.profile)
        self.results: list[CheckResult] = []
        self.record: RunRecord | None = None
        self.expectation_errors_collected = False
        self.foreign_failures = 0  # failed tests that are not clause items (a codec author's own suite)
        self.written: list[Path] = []
        self.started = datetime.now(UTC)
        self.t0 = time.monotonic()

    def judges(self) -> list[AdapterSlot]:
        """The loaded adapters that can run the subject: every one, but for a plugin codec those that run plugin
        libraries (on the others its clauses are n/a, and a time budget shared with them was lost)."""
        loaded = [s for s in self.adapters if not s.load_error]
        if self.codec is not None and getattr(self.codec, "is_plugin", False):
            return [s for s in loaded if "plugin_libraries" in s.capabilities]
        return loaded

    @property
    def summarised(self) -> bool:
        """Whether the terminal summary shows failures in full (the controller's, under xdist).

        pytest's own FAILURES section then gets one line per failure, so none is printed twice.
        """
        return self.config.pluginmanager.has_plugin("terminalreporter") or hasattr(self.config, "workerinput")

    def peers_of(self, slot: AdapterSlot) -> list[tuple[str, str]]:
        """(spec, name) of every peer ``slot`` is checked against in a pairwise clause (see udcodec.engine.pairs)."""
        loaded = [(s.spec, s.name) for s in self.adapters if not s.load_error]
        names = dict(loaded)
        return [(spec, names.get(spec, spec)) for spec in peer_specs(slot.spec, slot.name, loaded)]

    def selected(self, clause: Clause) -> bool:
        opt = self.config.option
        if clause.subject != self.subject:
            return False
        if opt.udcodec_only and not any(fnmatch.fnmatchcase(clause.id, g) for g in opt.udcodec_only):
            return False
        return not any(fnmatch.fnmatchcase(clause.id, g) for g in opt.udcodec_skip)

    def is_spec_file(self, path: Path) -> bool:
        return path.suffix == ".yaml" and path.parent.resolve() == self.contract.directory.resolve()

    # -- hooks (this object is registered as a plugin) --------------------------------------

    @pytest.hookimpl(tryfirst=True)  # before the terminal counts the report and prints its progress word
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        ours = any(key == RESULT_KEY for key, _ in report.user_properties)
        if report.failed and not ours:
            lost = self._lost_result(report)
            if lost is not None:
                self.results.append(lost)
                return
            self.foreign_failures += 1
        if report.when != "call":
            return
        for i, (key, value) in enumerate(report.user_properties):
            if key == RESULT_KEY:
                result = CheckResult.from_json(value)  # type: ignore[arg-type]
                # with -n, the failure that explains it may have come from another worker
                if settle_explained([result], against=self.results) and report.failed:
                    _mark_skipped(report, result)
                    report.user_properties[i] = (RESULT_KEY, result.to_json())
                self.results.append(result)

    def _lost_result(self, report: pytest.TestReport) -> CheckResult | None:
        """An ``error`` standing for a clause item that failed without a result: its setup failed, or the
        pytest-xdist worker running it died. The reports then name every clause item that ran. None for a test
        that is no clause item (a codec author's own), or one whose result is in already."""
        clause_id, bracket, rest = report.nodeid.rpartition("::")[2].partition("[")
        adapter = rest[:-1]
        slot = next((s for s in self.adapters if s.name == adapter), None)
        if not bracket or not rest.endswith("]") or slot is None or clause_id not in self.contract.ids():
            return None
        if any(r.clause == clause_id and r.adapter == adapter for r in self.results):
            return None
        clause = self.contract.get(clause_id)
        ended = " ".join(report.longreprtext.strip().splitlines()[-1:]) or "no reason given"
        return CheckResult(clause=clause_id, adapter=adapter, outcome=Outcome.ERROR, level=clause.level,
                           subject=clause.subject, nodeid=report.nodeid, duration=report.duration,
                           message=clip(f"no result: the item's {report.when} failed outside the check: {ended}",
                                        TERMINAL_MAX),
                           stderr_tail=clip(report.longreprtext, TERMINAL_MAX))

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> Iterator[None]:
        """Write the reports once every other plugin has finished (the terminal summary comes after).

        A Ctrl-C while another plugin finishes (pytest-xdist shutting its workers down) marks the run
        interrupted instead of skipping the reports; one while they are written leaves each as it was.
        """
        try:
            yield
        except KeyboardInterrupt:
            session.exitstatus = pytest.ExitCode.INTERRUPTED
        if hasattr(self.config, "workerinput"):
            return
        try:
            _finish(self, session)
        except KeyboardInterrupt:
            session.exitstatus = pytest.ExitCode.INTERRUPTED
            print("udcodec: interrupted while writing the reports; those not written are left as they were",
                  file=sys.stderr)

    def pytest_terminal_summary(self, terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
        from udcodec.reports import render_failures, render_matrix
        from udcodec.reports.examples import render_examples_text
        from udcodec.reports.identity import render_identity_text
        from udcodec.reports.terminal import render_codec, render_conduct, render_workarounds

        if self.record is None:
            return
        tr = terminalreporter
        tr.section("udcodec conformance")
        codec = render_codec(self.record)
        if codec:
            tr.write_line(codec)
        examples = render_examples_text(self.record)
        if examples:
            tr.write_line(examples)
        tr.write_line(render_matrix(self.record, width=tr._tw.fullwidth, color=tr.hasmarkup))
        identity = render_identity_text(self.record)
        if identity:
            tr.write_line(identity)
        failures = render_failures(self.record, color=tr.hasmarkup)
        if failures.strip():
            tr.write_line(failures)
        conduct = render_conduct(self.record)
        if conduct:
            tr.write_line(conduct)
        workarounds = render_workarounds(self.record)
        if workarounds:
            tr.write_line(workarounds)
        for stale in self.record.stale_expectations:
            tr.write_line(f"udcodec: stale expectation {stale.clause} [{stale.adapter}]: {stale.why_stale}"
                          f" ({stale.reason})")
        for path in self.written:
            tr.write_line(f"udcodec: report written to {path}")

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """After pytest's ``N failed, M passed`` line: why the run exits 0 anyway, when it does."""
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if self.record is None or reporter is None or self.foreign_failures:
            return
        reason = self.record.exit_reason()
        if reason:
            reporter.write_line(reason)


def _memory_limit(text: str | None) -> int | None:
    try:
        return memory_limit(text)
    except ValueError as exc:
        raise pytest.UsageError(f"--udcodec-memory-limit: {exc}") from exc


def _shard(text: str | None) -> Shard | None:
    if text is None:
        return None
    try:
        return parse_shard(text)
    except ValueError as exc:
        raise pytest.UsageError(f"udcodec: {exc}") from exc


def _codec_subject(opt: Any) -> CodecSubject | None:
    if not (opt.udcodec_codec or opt.udcodec_encoder or opt.udcodec_decoder or opt.udcodec_plugin):
        return None
    try:
        return CodecSubject.build(encoder=opt.udcodec_encoder, decoder=opt.udcodec_decoder, pair=opt.udcodec_codec,
                                  plugin=opt.udcodec_plugin, name=opt.udcodec_codec_name, id=opt.udcodec_codec_id,
                                  metas=opt.udcodec_codec_meta, version=opt.udcodec_codec_version,
                                  domain=opt.udcodec_codec_domain, options=PYTEST_CODEC_OPTIONS)
    except CodecSpecError as exc:
        raise pytest.UsageError(f"udcodec: {exc}") from exc


def _filter_subject(opt: Any) -> FilterSubject | None:
    if not (opt.udcodec_filter_forward or opt.udcodec_filter_backward):
        return None
    if opt.udcodec_codec or opt.udcodec_encoder or opt.udcodec_decoder or opt.udcodec_plugin:
        raise pytest.UsageError("udcodec: check a codec or a filter, not both")
    try:
        return FilterSubject.build(forward=opt.udcodec_filter_forward, backward=opt.udcodec_filter_backward,
                                   id=opt.udcodec_filter_id, metas=opt.udcodec_filter_meta,
                                   domain=opt.udcodec_filter_domain, options=PYTEST_FILTER_OPTIONS)
    except CodecSpecError as exc:
        raise pytest.UsageError(f"udcodec: {exc}") from exc


def _active(config: pytest.Config) -> bool:
    opt = config.option
    return bool(getattr(opt, "udcodec_adapter", None) or getattr(opt, "udcodec_codec", None)
                or getattr(opt, "udcodec_encoder", None) or getattr(opt, "udcodec_decoder", None)
                or getattr(opt, "udcodec_plugin", None) or getattr(opt, "udcodec_filter_forward", None)
                or getattr(opt, "udcodec_filter_backward", None))


#: Where Hypothesis keeps its files in a run the ``udcodec`` command started (it sets this): its cache of parsed
#: sources, which Hypothesis puts in ``./.hypothesis`` by default, the user's directory.
HYPOTHESIS_HOME = "UDCODEC_HYPOTHESIS_HOME"


def pytest_configure(config: pytest.Config) -> None:
    if not _active(config):
        return
    if os.environ.get(HYPOTHESIS_HOME):  # also in a pytest-xdist worker, a new process of its own
        from hypothesis.configuration import set_hypothesis_home_dir

        set_hypothesis_home_dir(os.environ[HYPOTHESIS_HOME])
    try:
        run = UdcodecRun(config)
    except SpecError as exc:
        raise pytest.UsageError(f"udcodec: malformed spec: {exc}") from exc
    config.pluginmanager.register(run, "udcodec-run")
    config.stash[_RUN] = run


_RUN = pytest.StashKey[UdcodecRun]()
#: Hosts a codec is checked on when no --udcodec-adapter is given.
def _run(config: pytest.Config) -> UdcodecRun | None:
    return config.stash.get(_RUN, None)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    run = _run(parent.config)
    if run is not None and run.is_spec_file(file_path):
        return SpecFile.from_parent(parent, path=file_path)
    return None


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Show per-clause progress (:mod:`udcodec.engine.progress`) unless pytest is verbose."""
    from udcodec.engine.progress import ClauseProgress

    config = session.config
    run = _run(config)
    if run is None or not ClauseProgress.wanted(config):
        return

    files = {c.id: Path(c.file).name for c in run.contract}

    def is_clause(nodeid: str) -> bool:  # by node id: under xdist the controller has no items
        head, _, name = nodeid.rpartition("::")
        clause_id = name.split("[", 1)[0]
        return clause_id == EXPECTATIONS_CLAUSE or (clause_id in files and head.endswith(files[clause_id]))

    ClauseProgress.install(session, is_clause)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """``pytest --udcodec-codec=...`` in a codec's own project: add the clause items the paths did not bring."""
    run = _run(config)
    if run is None or any(isinstance(item, ClauseItem | ExpectationsItem) for item in items):
        return
    for path in sorted({Path(c.file) for c in run.contract if run.selected(c)}):
        spec_file = SpecFile.from_parent(session, path=path)
        added: list[pytest.Item | pytest.Collector] = list(spec_file.collect())
        items.extend(item for item in added if isinstance(item, pytest.Item))
        # Reported like any collected file, so pytest's "collected N items" counts the clause items.
        config.hook.pytest_collectreport(report=pytest.CollectReport(spec_file.nodeid, "passed", None, added))


def _explaining_rank(clause: Clause) -> tuple[int, int]:
    """When ``clause`` runs among its file's: first those whose checks all explain others' failures (by rank), then
    those with a check of each kind (any explainer may explain their other checks), then the rest."""
    ranks = [CHECKS[r.name].explains if r.name in CHECKS else 0 for r in clause.checks]
    if ranks and all(ranks):
        return 0, min(ranks)
    return (1 if any(ranks) else 2), 0


class SpecFile(pytest.File):
    """A contract family file: yields one item per selected clause and adapter."""

    def collect(self) -> Iterator[pytest.Item]:
        run = _run(self.config)
        assert run is not None
        # the clauses whose failures explain others' first, so those are settled before their progress line
        for clause in sorted(run.contract, key=_explaining_rank):
            if Path(clause.file).resolve() != self.path.resolve() or clause.id not in run.in_shard:
                continue
            for slot in run.adapters:
                if not slot.load_error:
                    yield ClauseItem.from_parent(self, name=f"{clause.id}[{slot.name}]", clause=clause, slot=slot)
        if not run.expectation_errors_collected and (run.shard is None or run.shard.index == 1):
            # once per session (in the first shard), whichever spec file comes first
            run.expectation_errors_collected = True
            for slot in run.adapters:
                if slot.load_error:
                    yield AdapterLoadItem.from_parent(self, name=f"{ADAPTER_LOAD_CLAUSE}[{slot.name}]", slot=slot)
                if slot.expectations_error:
                    yield ExpectationsItem.from_parent(self, name=f"{EXPECTATIONS_CLAUSE}[{slot.name}]", slot=slot)


class ClauseItem(pytest.Item):
    def __init__(self, *, clause: Clause, slot: AdapterSlot, **kw: Any) -> None:
        super().__init__(**kw)
        self.clause = clause
        self.slot = slot
        self.result: CheckResult | None = None

    def _result(self) -> CheckResult:
        run = _run(self.config)
        assert run is not None
        clause, slot = self.clause, self.slot
        base = CheckResult(clause=clause.id, adapter=slot.name, outcome=Outcome.ERROR, level=clause.level,
                           subject=clause.subject, nodeid=self.nodeid)
        if slot.load_error:
            base.message = slot.load_error
            return base
        if not clause.applies_to(slot.implementation or "", slot.version or ""):
            base.outcome = Outcome.NOT_APPLICABLE
            base.message = f"clause applies to {VERSIONED_IMPLEMENTATION} {clause.versions} only"
            return base
        if clause.python_api and slot.api != "python":
            base.outcome = Outcome.NOT_APPLICABLE
            base.message = f"a clause of the Python API only ({clause.python_api}); {slot.name} drives a {slot.api} API"
            return base
        opt = self.config.option
        if clause.pairwise:
            peers = run.peers_of(slot)
            if not peers:
                base.outcome = Outcome.NOT_APPLICABLE
                base.message = "a pairwise clause needs a peer; add a second --adapter"
                return base
            per_peer = []
            for spec, name in peers:
                got = execute(slot.spec, slot.name, clause, run.profile, isolate=run.isolate,
                              timeout=opt.udcodec_timeout, peer_spec=spec, memory_limit=run.memory_limit)
                if got.outcome == Outcome.FAIL and not got.reproduction:
                    got.reproduction = rerun_command(slot.spec, clause, None, spec)
                per_peer.append((name, got))
            result = merge(clause.id, slot.name, per_peer)
        else:
            profile = run.plan.profile_for(clause.id, run.profile) if run.plan is not None else run.profile
            result = execute(slot.spec, slot.name, clause, profile, isolate=run.isolate,
                             timeout=opt.udcodec_timeout, codec=run.codec, memory_limit=run.memory_limit)
        result.nodeid = self.nodeid
        expected = slot.expectations.for_clause(clause.id, slot.implementation or "", slot.version or "") if slot.expectations else None
        if expected is not None:
            if result.outcome in EXPECTABLE:
                result.outcome, result.expected_reason = Outcome.XFAIL, expected.reason
            elif result.outcome == Outcome.PASS:
                result.outcome, result.expected_reason = Outcome.XPASS, expected.reason
            elif result.outcome == Outcome.NOT_APPLICABLE:  # not checkable here, yet a defect is recorded under it
                result.expected_reason = expected.reason
                result.reproduction = result.reproduction or expected.reproduction
            if expected.versions:
                result.extra["versions"] = expected.versions
            if expected.upstream:
                result.extra["upstream"] = expected.upstream
            if expected.expires:
                result.extra["expires"] = expected.expires.isoformat()
        return result

    def runtest(self) -> None:
        self.result = self._result()
        run = _run(self.config)
        if run is not None:  # explained by a failure already in: settled now, as the reports will have it
            settle_explained([self.result], against=run.results)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.clause.line - 1, f"{self.clause.id}[{self.slot.name}]"


class ExpectationsItem(pytest.Item):
    """Reports a malformed expectations file as an error of its own; the adapter still runs without it."""

    def __init__(self, *, slot: AdapterSlot, **kw: Any) -> None:
        super().__init__(**kw)
        self.slot = slot
        self.result: CheckResult | None = None

    def runtest(self) -> None:
        self.result = CheckResult(clause=EXPECTATIONS_CLAUSE, adapter=self.slot.name, outcome=Outcome.ERROR,
                                  message=f"malformed expectations file, ignored: {self.slot.expectations_error}",
                                  nodeid=self.nodeid, subject="host")

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, self.name


class AdapterLoadItem(ExpectationsItem):
    """Reports an adapter that failed to load, once: its clauses are not run (absent from the report)."""

    def runtest(self) -> None:
        run = _run(self.config)
        selected = sum(1 for clause in run.contract if run.selected(clause)) if run else 0
        self.result = CheckResult(clause=ADAPTER_LOAD_CLAUSE, adapter=self.slot.name, outcome=Outcome.ERROR,
                                  message=f"{self.slot.load_error} ({selected} selected clause(s) not run)",
                                  nodeid=self.nodeid, subject=run.subject if run else "host")


def _longrepr(result: CheckResult) -> str:
    """What pytest shows of a result: clipped to the terminal's bound, control characters escaped."""
    result = bounded(result, TERMINAL_MAX)
    message = result.message
    if result.outcome == Outcome.XPASS:
        message = f"expected to fail ({result.expected_reason}) but passed; the expectation is stale"
    lines = [f"{result.outcome.value.upper()}: {result.clause}[{result.adapter}]: {message}"]
    if result.signal:
        lines.append(f"signal: {result.signal}")
    if result.counterexample is not None:
        lines.append(f"counterexample: {result.counterexample}")
    if result.reproduction:
        lines.append(f"reproduce with: {result.reproduction}")
    if result.stderr_tail:
        lines.append("stderr (tail):\n" + result.stderr_tail)
    return printable("\n".join(lines))


def _short_longrepr(result: CheckResult) -> str:
    """A failure's first line: the udcodec summary renders it in full, once (grouped by root cause)."""
    first = clip((result.message or "").strip().split("\n", 1)[0], TERMINAL_MAX)
    return printable(f"{result.outcome.value.upper()}: {result.clause}[{result.adapter}]: {first}\n"
                     f"(in full in the udcodec conformance summary below)")


def _skip_reason(result: CheckResult) -> str:
    """What pytest shows for a skipped item; ``-rs`` tells a clause that does not apply from a missing capability."""
    if result.outcome is Outcome.NOT_APPLICABLE:
        return printable(clip(f"{Outcome.NOT_APPLICABLE.value}: {result.message}", TERMINAL_MAX))
    return printable(clip(result.message, TERMINAL_MAX))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    outcome = yield
    result: CheckResult | None = getattr(item, "result", None)
    if call.when != "call" or result is None or not isinstance(item, ClauseItem | ExpectationsItem):
        return
    report: pytest.TestReport = outcome.get_result()
    run = _run(item.config)
    strict = bool(run and run.strict)
    report.outcome = result.outcome.pytest_outcome
    report.duration = result.duration
    if result.outcome == Outcome.XPASS and strict:
        report.outcome = "failed"
    if result.outcome in (Outcome.SKIP, Outcome.NOT_APPLICABLE):
        report.longrepr = (str(item.path), item.reportinfo()[1] + 1, _skip_reason(result))
    elif result.outcome in (Outcome.XFAIL, Outcome.XPASS):
        report.wasxfail = printable(clip(result.expected_reason or "", TERMINAL_MAX))
        report.longrepr = _longrepr(result)
    elif report.outcome == "failed":
        report.longrepr = _longrepr(result) if run is None or not run.summarised else _short_longrepr(result)
    report.user_properties.append((RESULT_KEY, result.to_json()))


#: The records of the runs of this process whose reports were written, with what was written (a Ctrl-C after that
#: is no interrupted run: ``udcodec.engine.run`` says so and exits as the reports say).
FINISHED: list[tuple[RunRecord, Any]] = []


def _mark_skipped(report: pytest.TestReport, result: CheckResult) -> None:
    """``report`` as pytest's report of a skip, saying ``result``'s reason."""
    report.outcome = "skipped"
    path, line, _ = report.location
    report.longrepr = (path, (line or 0) + 1, _skip_reason(result))


def _recount_settled(record: RunRecord, session: pytest.Session) -> None:
    """pytest counted each failure the record settled as not judged (another clause fails of its defect) as
    failed; it counts them as skipped, with the record's reason, so ``N failed`` says what the reports say."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = {r.nodeid: r for r in record.results if r.outcome is Outcome.SKIP and EXPLAINED_BY in r.extra}
    if reporter is None or not skipped:
        return
    failed = reporter.stats.get("failed", [])
    for report in [r for r in failed if getattr(r, "nodeid", None) in skipped and r.when == "call"]:
        failed.remove(report)
        _mark_skipped(report, skipped[report.nodeid])
        reporter.stats.setdefault("skipped", []).append(report)
    if not failed:
        reporter.stats.pop("failed", None)


def _finish(run: UdcodecRun, session: pytest.Session) -> None:
    from udcodec.engine.session import build_record, write_reports

    command = session.config.option.udcodec_command
    # pytest's internal error ends the session early too: its reports must not read as a complete run's
    interrupted = (session.exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR)
                   or interrupted_by_signal())
    if interrupted:
        session.exitstatus = pytest.ExitCode.INTERRUPTED
    if command:
        run.record = build_record(run, json.loads(command), program=None, interrupted=interrupted)
    else:
        run.record = build_record(run, list(session.config.invocation_params.args), interrupted=interrupted)
    _recount_settled(run.record, session)
    if run.codec is not None:
        run.record.codec = run.codec.describe()
        if run.plan is not None:
            run.record.codec["budget"] = run.plan.describe()
        throughput = session.config.option.udcodec_throughput
        if throughput:
            run.record.codec["throughput"] = json.loads(Path(throughput).read_text(encoding="utf-8"))
    subject = getattr(run, "subject", "host")  # codec runs certify the codec clauses
    done = write_reports(run.record, session.config.option, run.contract, subject)
    run.written = done.paths
    FINISHED.append((run.record, done))
    if interrupted:
        return  # pytest's INTERRUPTED (2) stands
    if (run.record.exit_status or done.failures) and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED  # a report asked for and not written fails the run
    elif (not run.record.exit_status and session.exitstatus == pytest.ExitCode.TESTS_FAILED
          and not run.foreign_failures and not done.failures):
        session.exitstatus = pytest.ExitCode.OK
