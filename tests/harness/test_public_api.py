"""``udcodec.api``: one module names everything adapter and check authors import."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
import udcodec.adapters
import udcodec.api
from udcodec.adapters import protocol

#: Where each public name lives.
HOMES = {
    "udcodec.adapters.protocol": [
        "ADAPTER_OPERATIONS", "APIS", "CAPABILITIES", "CONTAINER_OPERATIONS", "FILTER_IDS", "FILTER_NAMES", "NOT_GIVEN",
        "SPLITMODE_IDS", "SPLITMODE_NAMES",
        "Adapter", "AdapterInfo", "CParams", "Callback", "Container", "DParams", "NotGiven", "given",
        "protocol_members", "value_of",
        "FilterCallback", "USER_FILTER_IDS", "user_filter_name", "NDContainer", "ND_CONTAINER_OPERATIONS",
        "unknown_capabilities",
    ],
    "udcodec.adapters.loader": ["AdapterLoadError", "UnknownAdapter", "load_adapter", "missing_operations"],
    "udcodec.adapters.blosc2like": ["ModuleAdapter", "ModuleContainer", "for_module"],
    "udcodec.checks.api": [
        "CapabilityMissing", "CheckContext", "CheckFailed", "CheckFn", "NotApplicable", "NotJudged", "Workaround", "check",
        "exception_types", "expect_rejection",
    ],
    "udcodec.outcomes": ["CheckResult", "Outcome"],
}


def test_all_lists_exactly_the_public_names() -> None:
    assert sorted(udcodec.api.__all__) == sorted(n for names in HOMES.values() for n in names)
    assert len(set(udcodec.api.__all__)) == len(udcodec.api.__all__)
    # "@py_*" names: pytest rewrites the asserts of every module of a distribution that registers a
    # pytest plugin, as the installed wheel does, and adds them.
    public = {n for n in vars(udcodec.api) if not n.startswith(("_", "@")) and n != "annotations"}
    assert public == set(udcodec.api.__all__)


@pytest.mark.parametrize(("home", "name"), [(h, n) for h, names in HOMES.items() for n in names])
def test_each_name_is_its_home_modules_object(home: str, name: str) -> None:
    assert getattr(udcodec.api, name) is getattr(importlib.import_module(home), name)


def _defined_in(path: str) -> set[str]:
    """The public names a module's source defines at top level (classes, functions, assignments)."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return {n for n in names if not n.startswith("_")}


def test_every_public_name_of_the_protocol_is_exported() -> None:
    """A name the protocol module gains must be added here and to ``udcodec.adapters``."""
    defined = _defined_in(protocol.__file__)
    assert {"Adapter", "Callback", "CAPABILITIES", "ADAPTER_OPERATIONS", "protocol_members"} <= defined
    assert defined - set(udcodec.api.__all__) == set()
    assert defined - set(udcodec.adapters.__all__) == set()
    for name in udcodec.adapters.__all__:
        assert getattr(udcodec.adapters, name) is getattr(protocol, name)
