"""What the tests that make every codec and every filter clause fail share: one clause run on the reference
with a subject, and the assertions on its result and on the rows' coverage of the subject's clauses."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import udcodec.checks  # noqa: F401 - registers the checks
from udcodec.contract import load_contract
from udcodec.engine.runner import execute
from udcodec.outcomes import CheckResult, Outcome
from udcodec.profiles import Profile, get_profile
from udcodec.subject import Subject

CONTRACT = load_contract()


def dev_profile(timeout: float) -> Profile:
    """The dev profile derandomized, with ``timeout`` seconds per clause."""
    return dataclasses.replace(get_profile("dev"), derandomize=True, timeout=timeout)


def target(name: str, *, good: str, own: Iterable[str], broken: str, prefixes: dict[str, str] | None = None) -> str:
    """``module:name``: in ``good`` for the good subject's ``own`` names, in the module of a name's prefix
    (``prefixes``), else in ``broken``."""
    if name in own:
        return f"{good}:{name}"
    module = next((m for prefix, m in (prefixes or {}).items() if name.startswith(prefix)), broken)
    return f"{module}:{name}"


def run_clause(clause: str, subject: Subject, timeout: float) -> CheckResult:
    """``clause`` on the reference with ``subject`` under :func:`dev_profile`."""
    return execute("reference", "reference", CONTRACT.get(clause), dev_profile(timeout), codec=subject)


def assert_fails(result: CheckResult, needle: str, kind: str) -> None:
    """A broken ``kind`` (codec, filter) fails its clause, saying ``needle``, with a reproduction."""
    assert result.outcome is Outcome.FAIL, f"{result.outcome}: {result.message}"
    assert needle in result.message, result.message
    assert result.reproduction, f"a failing {kind} check must come with a reproduction"


def assert_passes(result: CheckResult) -> None:
    assert result.outcome is Outcome.PASS, result.message


def assert_rows_cover(kind: str, rows: Iterable[str], elsewhere: Iterable[str] = ()) -> None:
    """The rows' clauses, with those failed ``elsewhere``, are every clause of subject ``kind``."""
    assert {c.id for c in CONTRACT if c.subject == kind} == set(rows) | set(elsewhere)
