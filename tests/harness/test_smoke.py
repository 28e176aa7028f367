"""``udcodec smoke``: every protocol operation called once in a child, each reported on one line.

The working adapters pass; the broken hosts of ``tests/broken`` (``protocol.py``, ``processes.py``,
``containers.py``) make the named operation fail as missing, raised, wrong, crash or hang; a spec
that names nothing exits 2.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from udcodec.adapters.protocol import (
    ADAPTER_OPERATIONS,
    CONTAINER_OPERATIONS,
    ND_CONTAINER_OPERATIONS,
)
from udcodec.engine.smoke import (
    STEPS,
    Result,
    SmokeReport,
    protocol_operations,
    render,
    smoke,
    unsmoked,
)
from udcodec_cli import Udcodec, run_udcodec

TESTS_DIR = Path(__file__).resolve().parents[1]
ORDER = ["load", *(s.operation for s in STEPS)]


@pytest.fixture(scope="module", autouse=True)
def broken_importable() -> Iterator[None]:
    """Make ``broken.*`` importable here and in forked children."""
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(TESTS_DIR))
        yield


@pytest.fixture
def cli_env(udcodec_env: dict[str, str], tmp_path: Path) -> Udcodec:
    """``udcodec ARGS`` in a subprocess with ``broken.*`` importable."""
    env = {**udcodec_env, "PYTHONPATH": os.pathsep.join([str(TESTS_DIR), udcodec_env["PYTHONPATH"]])}
    return functools.partial(run_udcodec, env, cwd=tmp_path)


def _by_op(report: SmokeReport) -> dict[str, Result]:
    return {r.operation: r for r in report.results}


def _not_ok(report: SmokeReport) -> dict[str, str]:
    return {r.operation: r.status for r in report.results if r.status != "ok"}


# -- coverage ---------------------------------------------------------------------------------


def test_every_protocol_operation_has_exactly_one_step() -> None:
    operations = protocol_operations()
    assert len(operations) == len(ADAPTER_OPERATIONS) + len(CONTAINER_OPERATIONS) + len(ND_CONTAINER_OPERATIONS)
    assert unsmoked(operations) == []
    assert sorted(s.operation for s in STEPS) == sorted(operations)


def test_an_operation_without_a_step_is_named() -> None:
    """The coverage check is not blind: an operation the protocol gains shows up."""
    assert unsmoked(("Adapter.info", "Adapter.new_operation", "Container.append")) == ["Adapter.new_operation"]
    assert unsmoked(("Adapter.info",), steps=()) == ["Adapter.info"]


def test_steps_need_only_earlier_steps() -> None:
    seen: set[str] = set()
    for step in STEPS:
        assert set(step.needs) <= seen, step.operation
        seen.add(step.operation)


# -- working adapters -------------------------------------------------------------------------


def test_the_reference_passes_every_operation() -> None:
    report = smoke("reference")
    assert _not_ok(report) == {}
    assert [r.operation for r in report.results] == ORDER
    assert report.exit_status == 0
    assert report.counts["ok"] == len(ORDER)
    assert all(r.seconds is not None and r.seconds >= 0 for r in report.results)


def test_python_blosc2_passes_every_operation() -> None:
    blosc2 = pytest.importorskip("blosc2")
    assert blosc2.__version__.startswith("4."), blosc2.__version__
    report = smoke("blosc2")
    assert _not_ok(report) == {}
    assert _by_op(report)["Adapter.info"].detail == f"python-blosc2 {blosc2.__version__}"
    assert report.exit_status == 0


@pytest.mark.parametrize("adapter", ["reference", "blosc2"])
def test_the_command_passes(cli_env: Udcodec, adapter: str) -> None:
    if adapter == "blosc2":
        pytest.importorskip("blosc2")
    proc = cli_env("smoke", "--adapter", adapter, "--timeout", "60")  # loading blosc2 on a busy machine is slow
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"udcodec smoke --adapter {adapter}"
    body = lines[1:-1]
    assert [line.split()[0] for line in body] == ORDER
    assert all(" ms  ok" in line for line in body), proc.stdout
    assert lines[-1].startswith(f"{adapter}: {len(ORDER)} ok in ")
    assert lines[-1].endswith("every operation works")


def test_json_output(cli_env: Udcodec) -> None:
    proc = cli_env("smoke", "--adapter", "reference", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["adapter"] == "reference" and data["exit_status"] == 0
    assert [op["operation"] for op in data["operations"]] == ORDER
    assert {op["status"] for op in data["operations"]} == {"ok"}
    assert data["counts"]["ok"] == len(ORDER) and data["counts"]["raised"] == 0


def test_an_undeclared_capability_skips_its_operation() -> None:
    report = smoke("broken.protocol:NoPersistenceAdapter")
    assert _not_ok(report) == {"Adapter.open": "skipped"}
    assert "capability 'persistence' not declared" in _by_op(report)["Adapter.open"].detail
    assert report.exit_status == 0


def test_an_adapter_without_ndarrays_skips_every_ndarray_operation() -> None:
    """Each NDArray operation of an adapter without NDArrays is skipped, none "not run"."""
    report = smoke("broken.protocol:NoNDArraysAdapter")
    nd = [op for op in ORDER if op.startswith(("NDContainer.", "Adapter.nd_"))]
    assert _not_ok(report) == dict.fromkeys(nd, "skipped")
    assert all(_by_op(report)[op].detail.startswith("capability 'nd") for op in nd)
    assert report.exit_status == 0


def test_c_blosc2_drives_b2nd_arrays_through_its_c_api() -> None:
    """cblosc2 makes, reads, writes and reopens b2nd arrays; sums, expressions and copies are Python's only."""
    pytest.importorskip("blosc2")
    report = smoke("cblosc2")
    assert {op for op, status in _not_ok(report).items() if op.startswith("NDContainer.")} == {
        "NDContainer.sum", "NDContainer.expression", "NDContainer.slice", "NDContainer.copy", "NDContainer.save"}
    assert all(_by_op(report)[op].status == "ok" for op in ("Adapter.nd_create", "Adapter.nd_open", "Adapter.nd_full",
                                                             "NDContainer.read", "NDContainer.write"))
    assert report.exit_status == 0


@pytest.mark.parametrize(("adapter", "operation", "said"), [
    ("broken.ndarray:SumsFirstChunkAdapter", "NDContainer.sum", "sum() is "),
    ("broken.ndarray:ExpressionSkipsLastChunkAdapter", "NDContainer.expression", "(array + 1)[:] differs"),
])
def test_a_wrong_ndarray_operation_is_named(adapter: str, operation: str, said: str) -> None:
    report = smoke(adapter)
    assert _not_ok(report) == {operation: "wrong"}
    assert _by_op(report)[operation].detail.startswith(said), _by_op(report)[operation].detail
    assert report.exit_status == 1


# -- broken adapters --------------------------------------------------------------------------


def test_a_capability_the_harness_does_not_know_fails() -> None:
    report = smoke("broken.protocol:MisspeltCapabilityAdapter")
    assert _by_op(report)["Adapter.capabilities"].status != "ok"
    assert "unknown capabilities 'persistance' (known: append_chunk," in _by_op(report)["Adapter.capabilities"].detail
    assert report.exit_status == 1


def test_a_missing_container_operation_fails(cli_env: Udcodec) -> None:
    proc = cli_env("smoke", "--adapter", "broken.protocol:NoAppendChunkAdapter")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.split()[0] == "Container.append_chunk")
    assert "missing: _ContainerWithoutAppendChunk has no 'append_chunk'" in line
    assert proc.stdout.splitlines()[-1].endswith("FAILED: Container.append_chunk")
    assert "1 missing" in proc.stdout.splitlines()[-1]


def test_missing_adapter_operations_are_each_named() -> None:
    report = smoke("broken.protocol:WithoutOpenAdapter")
    assert _not_ok(report) == {"Adapter.match_format_of": "missing", "Adapter.open": "missing"}
    assert report.exit_status == 1


def test_a_raising_operation_fails_and_its_dependents_do_not_run(cli_env: Udcodec) -> None:
    proc = cli_env("smoke", "--adapter", "broken.protocol:RegisterCodecRaisesAdapter")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = {x.split()[0]: x for x in proc.stdout.splitlines()[1:-1]}
    assert "raised: TypeError: _keyword_callbacks() takes 2 positional arguments" in lines["Adapter.register_codec"]
    assert lines["Adapter.create"].endswith("not run: needs Adapter.register_codec")
    assert lines["Container.append"].endswith("not run: needs Adapter.create")
    assert " ms  ok (" in lines["Adapter.compress_outside"]  # needs no user codec
    assert proc.stdout.splitlines()[-1].endswith("FAILED: Adapter.register_codec")


@pytest.mark.parametrize("adapter", ["broken.protocol:RegisterCodecRaisesHugeAdapter",
                                     "broken.protocol:UnprintableInfoAdapter"])
def test_unprintable_text_from_the_adapter_is_shown_escaped(cli_env: Udcodec, adapter: str) -> None:
    """Lone surrogates and NULs in what an adapter says had ended the command with a UnicodeEncodeError traceback."""
    proc = cli_env("smoke", "--adapter", adapter)
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert len(proc.stdout) < 20_000 and "\x00" not in proc.stdout
    if "Huge" in adapter:
        assert proc.returncode == 1
        assert "raised: ValueError: big\\x00\\udc80big" in proc.stdout
    else:
        assert proc.returncode == 0, proc.stdout


@pytest.mark.parametrize(
    ("adapter", "operation", "detail"),
    [
        ("broken.containers:FlipsLastByteAdapter", "Container.decompress_chunk", "the bytes differ from those appended"),
        ("broken.containers:SliceDropsLastItemAdapter", "Container.get_slice", "items [0, 8) differ"),
    ],
)
def test_a_wrong_answer_fails(adapter: str, operation: str, detail: str) -> None:
    report = smoke(adapter)
    result = _by_op(report)[operation]
    assert (result.status, detail in result.detail) == ("wrong", True), result
    assert report.exit_status == 1


def test_a_constructor_segfault_is_reported(cli_env: Udcodec) -> None:
    from broken.processes import CRASH_MARKER

    proc = cli_env("smoke", "--adapter", "broken.processes:SegfaultsOnConstructionAdapter")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[1].split()[0] == "load" and " ms  crash: SIGSEGV under " in lines[1], lines[1]
    assert f"| {CRASH_MARKER}" in proc.stdout
    assert "| Fatal Python error: Segmentation fault" in proc.stdout
    assert lines[-1].endswith("FAILED: load")


def test_an_operation_segfault_is_reported_and_the_rest_not_run() -> None:
    report = smoke("broken.processes:SegfaultingAdapter")
    results = _by_op(report)
    assert results["Adapter.register_codec"].status == "crash"
    assert results["Adapter.register_codec"].detail.startswith("SIGSEGV under ctypes/")  # then its caller
    assert all(results[op].status == "ok" for op in ORDER[: ORDER.index("Adapter.register_codec")])
    assert {results[op].status for op in ORDER[ORDER.index("Adapter.register_codec") + 1:]} == {"not run"}
    assert "crash: SIGSEGV" in next(x for x in render(report).splitlines() if "Adapter.register_codec" in x)
    assert report.exit_status == 1


def test_a_hanging_operation_is_reported_within_its_timeout() -> None:
    start = time.monotonic()
    report = smoke("broken.processes:HangingAdapter", timeout=0.5)
    assert time.monotonic() - start < 30  # killed, not waited for: the adapter sleeps far longer
    assert _by_op(report)["Adapter.create"].status == "hang"
    assert _by_op(report)["Adapter.create"].detail == "no answer within 0.5 s"
    assert 0.5 <= (_by_op(report)["Adapter.create"].seconds or 0) < 30
    assert report.exit_status == 1


def test_an_unimportable_adapter_fails_to_load_but_is_no_usage_error(cli_env: Udcodec) -> None:
    proc = cli_env("smoke", "--adapter", "broken.unimportable:UnimportableAdapter")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "load" in proc.stdout.splitlines()[1]
    assert "raised: importing 'broken.unimportable' failed: ImportError: broken on purpose" in proc.stdout


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("no-such-adapter", "no adapter of that name (known: blosc2, cblosc2, reference"),
        ("no_such_module:Adapter", "importing 'no_such_module' failed: ModuleNotFoundError"),
        ("udcodec.adapters.reference:NoSuchClass", "'udcodec.adapters.reference' has no attribute 'NoSuchClass'"),
    ],
)
def test_a_spec_naming_nothing_exits_2_with_one_line(cli_env: Udcodec, spec: str, reason: str) -> None:
    proc = cli_env("smoke", "--adapter", spec)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert proc.stderr.startswith(f"udcodec: adapter {spec!r} could not be loaded: ")
    assert reason in proc.stderr


@pytest.mark.parametrize("timeout", ["0", "-1", "soon"])
def test_a_bad_timeout_is_a_usage_error(cli_env: Udcodec, timeout: str) -> None:
    proc = cli_env("smoke", "--adapter", "reference", "--timeout", timeout)
    assert proc.returncode == 2
    assert "--timeout" in proc.stderr
