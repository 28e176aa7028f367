"""Per-adapter expected failures: ``clause id -> reason + minimal reproduction``, validated on load.

File format (YAML)::

    adapter: blosc2
    expectations:
      - clause: REG-ID-TYPE
        reason: one line saying how the implementation diverges
        reproduction: |
          import blosc2
          ...
        versions: ">=3"        # optional: python-blosc2 releases the entry holds for
        upstream: https://github.com/Blosc/python-blosc2/issues/1   # optional: where it is tracked
        expires: 2027-01-31     # optional: after this date `udcodec run --strict` fails on it

``udcodec baseline update`` rewrites such a file from a fresh run (see :mod:`udcodec.expectations.baseline`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from udcodec.contract import SpecError, bundled_schema, load_validated_yaml
from udcodec.versions import applies, specifier_problem

#: The file format, ``udcodec/schemas/expectations.schema.json``; what it cannot say is checked on load.
SCHEMA: dict[str, Any] = bundled_schema("expectations.schema.json")


class ExpectationsError(SpecError):
    """A malformed expectations file (the message names file, line and field)."""


@dataclass(frozen=True)
class Expectation:
    clause: str
    reason: str
    reproduction: str
    versions: str | None = None
    line: int = 0
    upstream: str | None = None
    expires: date | None = None

    def expired(self, today: date | None = None) -> bool:
        """Whether ``expires`` is set and lies before ``today`` (default: today, UTC)."""
        return self.expires is not None and self.expires < (today or datetime.now(UTC).date())

    def holds_for(self, implementation: str, version: str) -> bool:
        return applies(self.versions, implementation, version)


@dataclass(frozen=True)
class Expectations:
    path: str
    adapter: str
    entries: tuple[Expectation, ...]

    def for_clause(self, clause: str, implementation: str, version: str) -> Expectation | None:
        for entry in self.entries:
            if entry.clause == clause and entry.holds_for(implementation, version):
                return entry
        return None


def load_expectations(path: str | Path) -> Expectations:
    """Parse and validate one expectations file; raise :class:`ExpectationsError` if malformed."""
    name = str(path)
    data, lines = load_validated_yaml(Path(path), SCHEMA, ExpectationsError)
    entries = []
    seen: set[str] = set()
    for i, raw in enumerate(data["expectations"]):
        line = lines.get(("expectations", i), 0)
        problem = specifier_problem(raw["versions"]) if "versions" in raw else None
        if problem:
            raise ExpectationsError(name, lines.get(("expectations", i, "versions")), f"expectations[{i}].versions", problem)
        expires = _expires(raw.get("expires"), name, lines.get(("expectations", i, "expires")), i)
        if "\n" in raw["reason"]:  # the schema's $ lets one trailing newline through
            raise ExpectationsError(name, lines.get(("expectations", i, "reason")), f"expectations[{i}].reason",
                                    "must be one line")
        key = f"{raw['clause']}|{raw.get('versions')}"
        if key in seen:
            raise ExpectationsError(name, line, f"expectations[{i}].clause", f"{raw['clause']} is listed twice")
        seen.add(key)
        entries.append(Expectation(raw["clause"], raw["reason"], raw["reproduction"], raw.get("versions"), line,
                                   raw.get("upstream"), expires))
    return Expectations(name, data["adapter"], tuple(entries))


def _expires(value: Any, file: str, line: int | None, index: int) -> date | None:
    """``expires`` as a date: YAML reads ``2027-01-31`` as a date already, a quoted one is a string."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ExpectationsError(file, line, f"expectations[{index}].expires", f"{value!r} is not a date (YYYY-MM-DD)")
