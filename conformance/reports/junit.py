"""JUnit XML report: one ``<testsuite>`` per adapter, one ``<testcase>`` per (clause, adapter).

Outcomes map the way pytest's junitxml plugin renders them: ``fail`` -> ``<failure>``,
``crash``/``hang``/``resource``/``error`` -> ``<error type=...>``, ``skip`` -> ``<skipped>``, ``n/a`` ->
``<skipped type="n/a" message="n/a: reason">``, ``xfail`` -> ``<skipped type="xfail">``, ``xpass``
-> a pass with a ``<system-out>`` note (a ``<failure>`` when ``strict``).
"""

from __future__ import annotations

import json
import os
import re
import socket
import xml.etree.ElementTree as ET
from pathlib import Path

from udcodec.outcomes import CheckResult, Outcome
from udcodec.reports.atomic import write_atomic
from udcodec.reports.model import AdapterRun, RunRecord, format_timestamp, jsonable

#: Characters XML 1.0 cannot carry at all, even escaped.
_ILLEGAL_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ATTR_MAX = 1000
LOAD_CASE = "adapter-load"
#: The suite and test case an interrupted run's report adds, failing.
INTERRUPTED_SUITE = "interrupted"


def xml_safe(text: object) -> str:
    """``text`` as a string with XML-illegal characters replaced by ``\\xNN`` escapes."""
    return _ILLEGAL_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def _attr(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    line = xml_safe(line)
    return line if len(line) <= _ATTR_MAX else line[: _ATTR_MAX - 3] + "..."


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_safe(v) for k, v in attrs.items()})
    if text:
        element.text = xml_safe(text)
    return element


def _failure_body(result: CheckResult) -> str:
    parts = [result.message or "(no message)"]
    if result.counterexample is not None:
        dumped = json.dumps(jsonable(result.counterexample), indent=2, ensure_ascii=False)
        parts.append("Counterexample:\n" + dumped)
    if result.reproduction:
        parts.append("Reproduction:\n" + result.reproduction)
    if result.attribution:
        parts.append(f"With a builtin codec: {result.attribution}")
    if result.expected_reason:
        parts.append(f"Expected to fail: {result.expected_reason}")
    return "\n\n".join(parts)


def _error_body(result: CheckResult) -> str:
    parts = [result.message or f"check ended with outcome {Outcome(result.outcome).value}"]
    if result.signal:
        parts.append(f"Signal: {result.signal}")
    if result.stderr_tail:
        parts.append("stderr (tail):\n" + result.stderr_tail)
    if result.reproduction:
        parts.append("Reproduction:\n" + result.reproduction)
    return "\n\n".join(parts)


def _testcase(parent: ET.Element, adapter: str, result: CheckResult, strict: bool) -> str:
    """Append one ``<testcase>``; return the counter it adds to (tests always count)."""
    case = _sub(
        parent,
        "testcase",
        classname=f"udcodec.{adapter}",
        name=result.clause,
        time=f"{result.duration:.3f}",
    )
    outcome = Outcome(result.outcome)
    if outcome is Outcome.PASS:
        return "passed"
    if outcome is Outcome.FAIL:
        _sub(
            case,
            "failure",
            _failure_body(result),
            message=_attr(result.message or "failed"),
            type="fail",
        )
        return "failures"
    if outcome in (Outcome.CRASH, Outcome.HANG, Outcome.RESOURCE, Outcome.ERROR):
        message = result.message or outcome.value
        if outcome is Outcome.CRASH and result.signal:
            message = f"{result.signal}: {message}"
        _sub(case, "error", _error_body(result), message=_attr(message), type=outcome.value)
        return "errors"
    if outcome is Outcome.SKIP:
        _sub(
            case,
            "skipped",
            result.message or None,
            type=Outcome.SKIP.value,
            message=_attr(result.message or "skipped"),
        )
        return "skipped"
    if outcome is Outcome.NOT_APPLICABLE:  # a skip to CI tools; the message says why it does not apply
        _sub(
            case,
            "skipped",
            result.message or None,
            type=Outcome.NOT_APPLICABLE.value,
            message=_attr(f"n/a: {result.message or 'the clause does not apply'}"),
        )
        return "skipped"
    if outcome is Outcome.XFAIL:
        _sub(
            case,
            "skipped",
            _failure_body(result),
            type="xfail",
            message=_attr(result.expected_reason or result.message or "expected failure"),
        )
        return "skipped"
    # XPASS
    reason = result.expected_reason or "expected to fail"
    if strict:
        _sub(
            case,
            "failure",
            f"[XPASS(strict)] {reason}\n\n{result.message}".rstrip(),
            message=_attr(f"[XPASS(strict)] {reason}"),
            type="xpass",
        )
        return "failures"
    _sub(case, "system-out", f"XPASS: expected to fail ({reason}) but passed")
    return "passed"


def _load_error_text(adapter: AdapterRun) -> str:
    """The load error, prefixed with the adapter unless it names it already (loader messages do)."""
    error = adapter.load_error or ""
    if error.startswith(f"adapter {adapter.spec!r}"):
        return error
    return f"adapter {adapter.spec!r} could not be loaded: {error}"


def _properties(parent: ET.Element, record: RunRecord, adapter: AdapterRun | None) -> None:
    props = _sub(parent, "properties")
    values = {
        "harness_version": record.harness_version,
        "spec_version": record.spec_version,
        "spec_sha256": record.spec_sha256,
        "profile": record.profile,
    }
    if record.interrupted:
        values["interrupted"] = "true"
    if adapter is not None:
        values.update(
            adapter_spec=adapter.spec,
            implementation=adapter.implementation or "",
            implementation_version=adapter.version or "",
            python=adapter.python or "",
            platform=adapter.platform or "",
        )
    for name, value in values.items():
        _sub(props, "property", name=name, value=value)


def _interrupted_suite(root: ET.Element, record: RunRecord, timestamp: str, hostname: str) -> None:
    """A suite with one error, so that no CI tool reads a partial run as a success."""
    suite = _sub(root, "testsuite", name=INTERRUPTED_SUITE, timestamp=timestamp, hostname=hostname,
                 tests="1", failures="0", errors="1", skipped="0", time="0.000")
    _properties(suite, record, None)
    case = _sub(suite, "testcase", classname=f"udcodec.{INTERRUPTED_SUITE}", name=INTERRUPTED_SUITE, time="0.000")
    message = f"the run was interrupted after {len(record.results)} result(s); the report is incomplete"
    _sub(case, "error", message, message=message, type=INTERRUPTED_SUITE)


def build_junit(record: RunRecord, *, strict: bool | None = None) -> ET.Element:
    """The ``<testsuites>`` element for ``record`` (``strict`` defaults to ``record.strict``)."""
    strict = record.strict if strict is None else strict
    record = record.bounded()
    adapters = {a.key: a for a in record.adapters}
    timestamp = format_timestamp(record.started)
    hostname = socket.gethostname()
    root = ET.Element("testsuites", {"name": "udcodec"})
    grand = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total_time = 0.0
    for key in record.adapter_keys():
        adapter = adapters.get(key)
        results = record.results_for(key)
        suite = _sub(root, "testsuite", name=key, timestamp=timestamp, hostname=hostname)
        _properties(suite, record, adapter)
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "passed": 0}
        for result in results:
            counts[_testcase(suite, key, result, strict)] += 1
            counts["tests"] += 1
        if adapter is not None and adapter.load_error:
            if not results:  # make the suite fail visibly instead of reporting zero tests
                case = _sub(
                    suite, "testcase", classname=f"udcodec.{key}", name=LOAD_CASE, time="0.000"
                )
                _sub(
                    case,
                    "error",
                    adapter.load_error,
                    message=_attr(adapter.load_error),
                    type="error",
                )
                counts["tests"] += 1
                counts["errors"] += 1
            _sub(suite, "system-err", _load_error_text(adapter))
        suite_time = sum(r.duration for r in results)
        total_time += suite_time
        for name in grand:
            suite.set(name, str(counts[name]))
            grand[name] += counts[name]
        suite.set("time", f"{suite_time:.3f}")
    if record.interrupted:
        _interrupted_suite(root, record, timestamp, hostname)
        grand["tests"] += 1
        grand["errors"] += 1
    for name, value in grand.items():
        root.set(name, str(value))
    root.set("time", f"{float(record.duration or total_time):.3f}")
    return root


def render_junit(record: RunRecord, *, strict: bool | None = None) -> str:
    """The JUnit XML document as a string."""
    root = build_junit(record, strict=strict)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"


def write_junit(
    record: RunRecord, path: str | os.PathLike[str], *, strict: bool | None = None
) -> Path:
    """Write the JUnit XML report to ``path`` atomically (parents created); return the path."""
    return write_atomic(path, render_junit(record, strict=strict))
