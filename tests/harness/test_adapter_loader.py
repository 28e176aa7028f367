"""The adapter loader: every protocol member is required and the missing ones are named; a spec
that names nothing raises ``UnknownAdapter``, a broken adapter ``AdapterLoadError``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
from udcodec.adapters.loader import (
    AdapterLoadError,
    UnknownAdapter,
    instantiate_adapter,
    load_adapter,
    missing_operations,
)
from udcodec.adapters.protocol import (
    ADAPTER_OPERATIONS,
    CONTAINER_OPERATIONS,
    Adapter,
    AdapterInfo,
    protocol_members,
)
from udcodec.adapters.reference import ReferenceAdapter

TESTS_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def broken_importable() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(TESTS_DIR))
        yield


class _Without:
    """The reference adapter with some members hidden."""

    def __init__(self, *hidden: str) -> None:
        self._hidden = hidden
        self._inner = ReferenceAdapter()

    def __getattr__(self, name: str) -> Any:
        if name in self._hidden:
            raise AttributeError(name)
        return getattr(self._inner, name)


def test_the_members_come_from_the_protocol_classes() -> None:
    assert ADAPTER_OPERATIONS == (
        "name", "info", "capabilities", "register_codec", "registry", "create", "open",
        "compress_outside", "decompress_outside", "compress_outside_spellings",
        "decompress_outside_spellings", "is_container", "match_format_of", "register_filter",
        "nd_create", "nd_full", "nd_open",
    )
    assert CONTAINER_OPERATIONS == (
        "nchunks", "append", "append_chunk", "get_chunk", "decompress_chunk", "decompress_chunk_into", "get_slice",
        "get_item",
        "set_item",
        "cparams", "dparams", "update_cparams", "update_dparams", "native", "close",
    )


def test_a_member_the_protocol_gains_is_found() -> None:
    class Extended(Adapter, Protocol):
        flavour: str

        def new_operation(self) -> None: ...

    assert protocol_members(Extended) == (*ADAPTER_OPERATIONS, "flavour", "new_operation")


@pytest.mark.parametrize("member", ADAPTER_OPERATIONS)
def test_each_missing_member_is_named(member: str) -> None:
    assert missing_operations(_Without(member)) == [member]


def test_the_shipped_adapters_lack_nothing() -> None:
    assert missing_operations(ReferenceAdapter()) == []
    assert isinstance(load_adapter("reference"), Adapter)


def test_match_format_of_is_a_no_op_outside_the_reference() -> None:
    blosc2 = pytest.importorskip("blosc2")
    adapter = load_adapter("blosc2")
    before = dict(vars(adapter))
    adapter.match_format_of(AdapterInfo(name="x", implementation="python-blosc2", version="2.17.0"))
    assert vars(adapter) == before and adapter.module is blosc2
    reference = ReferenceAdapter()
    reference.match_format_of(AdapterInfo(name="x", implementation="python-blosc2", version="2.17.0"))
    assert reference.blosc2_target == 2


def test_loading_an_incomplete_adapter_names_every_missing_member() -> None:
    with pytest.raises(AdapterLoadError) as info:
        load_adapter("broken.protocol:WithoutOpenAdapter")
    assert not isinstance(info.value, UnknownAdapter)
    assert info.value.reason == (
        "broken.protocol:WithoutOpenAdapter does not implement the adapter protocol "
        "(missing: open, match_format_of)"
    )
    assert type(instantiate_adapter("broken.protocol:WithoutOpenAdapter")).__name__ == "WithoutOpenAdapter"


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("no-such-adapter", "no adapter of that name"),
        ("", "an adapter spec must be a non-empty string"),
        ("no_such_module:Adapter", "importing 'no_such_module' failed: ModuleNotFoundError"),
        ("no_such_package.adapters:Adapter", "importing 'no_such_package.adapters' failed"),
        ("broken.no_such_module:Adapter", "importing 'broken.no_such_module' failed"),
        ("broken.protocol:NoSuchAdapter", "'broken.protocol' has no attribute 'NoSuchAdapter'"),
        ("broken.protocol:", "give MODULE:ATTRIBUTE, both parts"),
        (":MyPortAdapter", "give MODULE:ATTRIBUTE, both parts"),
    ],
)
def test_a_spec_naming_nothing_is_unknown(spec: str, reason: str) -> None:
    with pytest.raises(UnknownAdapter, match="could not be loaded") as info:
        load_adapter(spec)
    assert reason in info.value.reason


def test_an_adapter_that_fails_to_import_or_construct_is_no_unknown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "needs_a_dependency.py").write_text("import no_such_dependency\n", encoding="utf-8")
    (tmp_path / "refuses.py").write_text(
        "class Adapter:\n    def __init__(self):\n        raise RuntimeError('no licence')\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    cases = {
        "needs_a_dependency:Adapter": "ModuleNotFoundError: No module named 'no_such_dependency'",
        "broken.unimportable:UnimportableAdapter": "ImportError: broken on purpose",
        "refuses:Adapter": "instantiating refuses:Adapter failed: RuntimeError: no licence",
    }
    for spec, reason in cases.items():
        with pytest.raises(AdapterLoadError) as info:
            load_adapter(spec)
        assert not isinstance(info.value, UnknownAdapter), spec
        assert reason in info.value.reason


def test_a_class_getattr_does_not_hide_a_missing_module_attribute(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A method ``__getattr__`` had read as the module's own: the typo passed the spec check, and a run reported it
    as the host's ADAPTER-LOAD failure (exit 1) instead of one line and exit 2."""
    from udcodec.adapters.loader import check_adapter_spec

    (tmp_path / "proxying_adapter.py").write_text(
        "class Proxy:\n    def __getattr__(self, name):\n        raise AttributeError(name)\n", encoding="utf-8")
    (tmp_path / "lazy_adapter.py").write_text("def __getattr__(name):\n    return object\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(UnknownAdapter, match="'proxying_adapter' has no attribute 'Nope'"):
        check_adapter_spec("proxying_adapter:Nope")
    check_adapter_spec("lazy_adapter:Anything")  # a module __getattr__ may define it: not refused unseen


@pytest.mark.slow
@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "n2"])
def test_an_adapter_describing_itself_in_unprintable_text_is_still_run(udcodec_env: dict[str, str], tmp_path: Path,
                                                                      workers: list[str]) -> None:
    """A lone surrogate in an adapter's name had failed every item (pytest puts the name in PYTEST_CURRENT_TEST)
    and written reports of no result saying all was as expected; the name is made printable and one line."""
    import json
    import os
    import subprocess
    import sys

    env = dict(udcodec_env, PYTHONPATH=os.pathsep.join([str(TESTS_DIR), udcodec_env["PYTHONPATH"]]))
    got = subprocess.run([sys.executable, "-m", "udcodec.cli", "run", "--adapter", "broken.protocol:UnprintableInfoAdapter",
                          "--only", "REG-ID-*", "--report-json", "r.json", *workers], env=env, cwd=tmp_path,
                         capture_output=True, text=True, errors="replace", timeout=300)
    assert got.returncode == 0, got.stdout[-3000:] + got.stderr[-3000:]
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [a["name"] for a in data["adapters"]] == ["port\\udcff\\nname\\x00"]
    assert data["adapters"][0]["version"] == "1.0\\ud800\\nbuild 7"
    assert len(data["results"]) >= 2 and {r["outcome"] for r in data["results"]} == {"pass"}
    assert len(got.stdout) + len(got.stderr) < 20_000


@pytest.mark.slow
def test_a_wrong_answer_of_the_adapter_fails_the_clause_not_the_harness(udcodec_env: dict[str, str],
                                                                       tmp_path: Path) -> None:
    """``None`` from ``decompress_outside`` had been a harness error (TypeError in the check) in two clauses: an
    error cannot be expected, and blames the harness for the port's defect."""
    import json
    import os
    import subprocess
    import sys

    env = dict(udcodec_env, PYTHONPATH=os.pathsep.join([str(TESTS_DIR), udcodec_env["PYTHONPATH"]]))
    subprocess.run([sys.executable, "-m", "udcodec.cli", "run", "--adapter",
                    "broken.protocol:DecompressOutsideReturnsNoneAdapter", "--only", "FILTER-CONTAINER-ONLY",
                    "--only", "INTEROP-BLOSC1", "--only", "CONT-DECOMPRESS-OUTSIDE", "--report-json", "r.json"],
                   env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    results = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["results"]
    assert {r["clause"]: r["outcome"] for r in results} == {
        "FILTER-CONTAINER-ONLY": "fail", "INTEROP-BLOSC1": "fail", "CONT-DECOMPRESS-OUTSIDE": "fail"}, results
    assert all("harness error" not in r["message"] for r in results)
    assert any("returned NoneType" in r["message"] for r in results)


@pytest.mark.slow
def test_a_wrong_decoder_output_size_fails_one_clause(udcodec_env: dict[str, str], tmp_path: Path) -> None:
    """A host handing decoders an output twice the block, and checking their return: CB-DEC-OUTPUT-SIZE had blamed
    the codec ("returned 2048 ... escaped the implementation"), 13 clauses had failed apart on the harness codec's
    exception."""
    import json
    import os
    import subprocess
    import sys

    env = dict(udcodec_env, PYTHONPATH=os.pathsep.join([str(TESTS_DIR), udcodec_env["PYTHONPATH"]]))
    got = subprocess.run([sys.executable, "-m", "udcodec.cli", "run", "--adapter",
                          "broken.callbacks:DecoderOutputDoubledCheckedAdapter", "--only", "CB-DEC-OUTPUT-SIZE",
                          "--only", "RT-CONFIGS", "--only", "RT-SLICES", "--report-json", "r.json"],
                         env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert got.returncode == 1 and "could not write" not in got.stdout + got.stderr, got.stdout + got.stderr
    results = {r["clause"]: r for r in json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["results"]}
    assert results["CB-DEC-OUTPUT-SIZE"]["outcome"] == "fail"
    assert "the decoder's output holds 2048 bytes, but its block had 1024" in results["CB-DEC-OUTPUT-SIZE"]["message"]
    for clause in ("RT-CONFIGS", "RT-SLICES"):  # a pairwise clause's merge: test_pairs.py
        assert results[clause]["outcome"] == "skip", results[clause]["message"]
        assert results[clause]["extra"]["explained_by"]["clause"] == "CB-DEC-OUTPUT-SIZE"


def test_a_capability_the_harness_does_not_know_is_a_load_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from udcodec.engine.plugin import describe_adapter

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1]))
    why = describe_adapter("broken.protocol:MisspeltCapabilityAdapter")
    assert isinstance(why, str) and why.startswith(
        "adapter 'broken.protocol:MisspeltCapabilityAdapter' declares capabilities the harness does not know: "
        "'persistance' (known: append_chunk, "), why
