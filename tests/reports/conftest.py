"""Shared RunRecords for the report tests: every outcome kind, three adapters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from udcodec.outcomes import CheckResult, Outcome
from udcodec.reports.model import AdapterRun, ClauseInfo, RunRecord, StaleExpectation

SHA = "3f2a9c0d1e4b5a6978877665544332211000ffeeddccbbaa9988776655443322"

COUNTEREXAMPLE = {
    "input": "00ff10a5",  # bytes as hex already
    "raw": b"\x00\x01\xfe",  # real bytes: the report turns them into hex
    "params": {"codec": 244, "typesize": 4, "filters": ("shuffle", "delta")},
    "chunks": [{"index": 0, "compressed": "deadbeef", "sizes": [16, 8]}, None, True, 1.5],
}
REPRO = (
    "import blosc2\n"
    "blosc2.register_codec('mycodec', 244, encoder, decoder)\n"
    "assert blosc2.ucodecs_registry[244] is not None  # `backticks` ``` fence\n"
)
STDERR = "Fatal Python error: Segmentation fault\n\x1b[31mcurrent thread\x1b[0m\x00 0x7f\n"

CLAUSES = [
    ClauseInfo("REG-ID-001", "ids 160-255 are accepted", "MUST", "host", "registry"),
    ClauseInfo("REG-ID-002", "ids below 160 are rejected", "MUST", "host", "registry"),
    ClauseInfo("CB-SIZE-001", "encoder return value is the size", "MUST", "codec", "callbacks"),
    ClauseInfo("CB-META-001", "meta is passed through", "SHOULD", "host", "callbacks"),
    ClauseInfo("PERSIST-001", "reopen in a fresh process", "MUST", "host", "persistence"),
    ClauseInfo("THREAD-001", "nthreads > 1 is safe", "MUST", "host", "threads"),
    ClauseInfo("SLOW-001", "decoder loops forever", "MAY", "codec", "robustness"),
    ClauseInfo("SPEC-BAD-001", "check raised", "SHOULD NOT", "host", "robustness"),
    ClauseInfo("REG-OLD-001", "ids 0-159 are reserved", "MUST", "host", "registry", versions="<3"),
]


def result(clause: str, adapter: str, outcome: Outcome, **kw: object) -> CheckResult:
    level = next((c.level for c in CLAUSES if c.id == clause), "MUST")
    kw.setdefault("nodeid", f"udcodec::{clause}[{adapter}]")
    kw.setdefault("duration", 0.25)
    return CheckResult(clause, adapter, outcome, level=level, **kw)  # type: ignore[arg-type]


def make_record(strict: bool = False) -> RunRecord:
    ref, b2, port = "reference", "blosc2", "port"
    results = [
        # reference passes everything it runs
        *(result(c.id, ref, Outcome.PASS) for c in CLAUSES[:6]),
        # blosc2: one of each outcome
        result("REG-ID-001", b2, Outcome.PASS),
        result(
            "REG-ID-002",
            b2,
            Outcome.FAIL,
            message="register_codec accepted id 159 | oops",
            counterexample=COUNTEREXAMPLE,
            reproduction=REPRO,
        ),
        result(
            "CB-SIZE-001",
            b2,
            Outcome.XFAIL,
            message="returned 0",
            expected_reason="blosc2#1234: size ignored",
        ),
        result("CB-META-001", b2, Outcome.XPASS, expected_reason="blosc2#999: meta dropped"),
        result("PERSIST-001", b2, Outcome.SKIP, message="adapter lacks capability 'persistence'"),
        result(
            "THREAD-001",
            b2,
            Outcome.CRASH,
            message="check process died",
            signal="SIGSEGV",
            stderr_tail=STDERR,
            reproduction=REPRO,
            counterexample={"nthreads": 4},
        ),
        result(
            "SLOW-001",
            b2,
            Outcome.HANG,
            message="timed out after 30.0 s",
            stderr_tail="still decoding...\n",
        ),
        result("SPEC-BAD-001", b2, Outcome.ERROR, message="KeyError: 'typesize'\nTraceback..."),
        result("REG-OLD-001", b2, Outcome.NOT_APPLICABLE, message="clause applies to python-blosc2 <3 only"),
    ]
    return RunRecord(
        spec_version="1.2.0",
        spec_sha256=SHA,
        harness_version="0.1.0",
        profile="ci",
        started=datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC),
        finished=datetime(2024, 5, 1, 12, 0, 42, 500000, tzinfo=UTC),
        command=["udcodec", "run", "--adapter", ref, "--adapter", b2, "--adapter", "myport:X"],
        strict=strict,
        adapters=[
            AdapterRun(
                spec=ref,
                name=ref,
                implementation="udcodec-reference",
                version="0.1.0",
                python="3.11.7",
                platform="Linux-x86_64",
            ),
            AdapterRun(
                spec=b2,
                name=b2,
                implementation="python-blosc2",
                version="3.0.0",
                python="3.11.7",
                platform="Linux-x86_64",
            ),
            AdapterRun(
                spec="myport:X",
                name=port,
                python="3.11.7",
                platform="Linux-x86_64",
                load_error="importing 'myport' failed: ModuleNotFoundError",
            ),
        ],
        results=results,
        stale_expectations=[
            StaleExpectation(b2, "CB-META-001", "blosc2#999: meta dropped", "passed"),
            StaleExpectation(b2, "GONE-001", "old clause", "unknown clause"),
        ],
        clauses=list(CLAUSES),
    )


@pytest.fixture
def record() -> RunRecord:
    return make_record()


@pytest.fixture
def strict_record() -> RunRecord:
    return make_record(strict=True)


@pytest.fixture
def every_outcome_record() -> RunRecord:
    """:func:`make_record` with one more outcome: a passing result turned ``resource``, so every outcome occurs."""
    record = make_record()
    missing = [o for o in Outcome if o not in {Outcome(r.outcome) for r in record.results}]
    passing = [r for r in record.results if r.outcome is Outcome.PASS]
    for result, outcome in zip(passing, missing, strict=False):
        result.outcome, result.message = outcome, f"{outcome.value}: turned from a pass"
    return record
