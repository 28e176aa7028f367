"""The pristine spare of a check child (``udcodec.checks.pristine``) and the harness's warm start
(``udcodec.engine.warm``): a fresh process that never saw the check's registrations, crashes and hangs told
apart, and the adapter's modules loaded before the first fork."""

from __future__ import annotations

import base64
import ctypes
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from udcodec.adapters.loader import load_adapter
from udcodec.adapters.protocol import CParams, DParams
from udcodec.checks import pristine
from udcodec.checks.fresh import run_fresh
from udcodec.engine.isolation import ChildStatus, run_isolated
from udcodec.engine.plugin import describe_isolated
from udcodec.engine.warm import imported_while, preload
from udcodec.testcodecs import zlib_decoder, zlib_encoder

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the spare is forked")
ZLIB = {"encoder": "udcodec.testcodecs:zlib_encoder", "decoder": "udcodec.testcodecs:zlib_decoder"}
DATA = bytes(range(256)) * 16


def crash(adapter: Any, args: dict[str, Any]) -> None:
    """A scenario that dies of SIGSEGV."""
    ctypes.string_at(0)


def sleep(adapter: Any, args: dict[str, Any]) -> None:
    time.sleep(60)


def _write(path: str) -> None:
    adapter = load_adapter("reference")
    adapter.register_codec("z", 200, zlib_encoder, zlib_decoder)
    container = adapter.create(CParams(codec=200, typesize=1), DParams(1), len(DATA), urlpath=path)
    container.append(DATA)
    container.close()


def _in_a_check_child(path: str) -> dict[str, Any]:
    """What a check child sees: the spare forked first, then the check registers its codec and writes."""
    pristine.fork_spare()
    _write(path)
    request = {"adapter": "reference", "open": path}
    answers = {"unregistered": run_fresh(request),
               "registered": run_fresh({**request, "register": [{"name": "z", "id": 200, **ZLIB}]}),
               "crash": run_fresh({"adapter": "reference", "call": f"{__name__}:crash"}),
               "spare": pristine.available()}
    try:
        run_fresh({"adapter": "reference", "call": f"{__name__}:sleep"}, timeout=1.0)
        answers["timeout"] = "none"
    except subprocess.TimeoutExpired:
        answers["timeout"] = "raised"
    answers["spare after timeout"] = pristine.available()
    pristine.fork_spare()
    os.environ["UDCODEC_PRISTINE_TEST"] = "1"  # an interpreter would see it: the spare, forked before, would not
    answers["spare with a changed environment"] = pristine.available()
    answers["interpreter after timeout"] = run_fresh({**request, "register": [{"name": "z", "id": 200, **ZLIB}]})
    return answers


@pytest.mark.slow
def test_the_spare_answers_as_a_fresh_process(tmp_path: Path) -> None:
    got = run_isolated(_in_a_check_child, (str(tmp_path / "c.b2frame"),), timeout=60)
    assert got.status is ChildStatus.OK, got.error or got.stderr_tail
    answers = got.value
    assert answers["spare"] is True
    # The check registered codec 200 after the fork: the pristine process does not know it.
    assert not answers["unregistered"]["ok"] and "200" in answers["unregistered"]["error"]
    assert answers["registered"]["ok"] and base64.b64decode(answers["registered"]["data"]) == DATA
    crashed = answers["crash"]
    assert crashed["crashed"] and crashed["returncode"] == -11 and crashed["error"]  # its stderr (faulthandler)
    assert answers["timeout"] == "raised" and answers["spare after timeout"] is False
    assert answers["spare with a changed environment"] is False
    # Without a spare, an interpreter answers.
    assert answers["interpreter after timeout"]["ok"]


def test_without_a_spare_nothing_is_forked() -> None:
    assert not pristine.available()


def test_the_spare_serves_only_the_process_that_forked_it() -> None:
    def child() -> bool:
        pristine.fork_spare()
        return run_isolated(pristine.available, ()).value is False and pristine.available()

    got = run_isolated(child, (), timeout=30)
    assert got.status is ChildStatus.OK and got.value is True


def test_loading_an_adapter_lists_what_it_imported() -> None:
    code = ("import sys; from udcodec.engine.warm import imported_while; "
            "from udcodec.adapters.loader import load_adapter; "
            "_, names = imported_while(lambda: load_adapter('reference')); "
            "print('udcodec.reference.schunk' in names, 'udcodec.reference' in names, "
            "all(n in sys.modules for n in names))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "True", "True"]
    value, names = imported_while(lambda: 42)
    assert value == 42 and names == []


def test_preload_imports_and_names_what_failed() -> None:
    assert preload(["json", "udcodec_no_such_module"]) == ["udcodec_no_such_module"]


def test_describing_an_adapter_in_a_child_lists_its_imports_and_the_harness_loads_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "warm_probe_dep.py").write_text("VALUE = 1\n")
    (tmp_path / "warm_probe_adapter.py").write_text(
        "import warm_probe_dep\nfrom udcodec.adapters.reference import ReferenceAdapter as Probe\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    imports: list[str] = []
    described = describe_isolated("warm_probe_adapter:Probe", 60, imports=imports)
    assert not isinstance(described, str), described
    assert {"warm_probe_adapter", "warm_probe_dep"} <= set(imports)
    assert "warm_probe_dep" not in sys.modules  # imported in the child only
    try:
        assert preload(imports) == []
        assert "warm_probe_dep" in sys.modules
    finally:
        for name in ("warm_probe_adapter", "warm_probe_dep"):
            sys.modules.pop(name, None)
