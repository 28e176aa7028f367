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
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from udcodec.contract import SpecError, load_validated_yaml

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["adapter", "expectations"],
    "properties": {
        "adapter": {"type": "string", "minLength": 1},
        "expectations": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["clause", "reason", "reproduction"],
                "properties": {
                    "clause": {"type": "string", "minLength": 1},
                    "reason": {"type": "string", "minLength": 1, "pattern": "^[^\\n]+$"},
                    "reproduction": {"type": "string", "minLength": 1},
                    "versions": {"type": "string", "minLength": 1},
                },
            },
        },
    },
}


class ExpectationsError(SpecError):
    """A malformed expectations file (the message names file, line and field)."""


@dataclass(frozen=True)
class Expectation:
    clause: str
    reason: str
    reproduction: str
    versions: str | None = None
    line: int = 0

    def holds_for(self, implementation: str, version: str) -> bool:
        if self.versions is None or implementation != "python-blosc2":
            return True
        return SpecifierSet(self.versions).contains(version, prereleases=True)


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
        if "versions" in raw:
            try:
                SpecifierSet(raw["versions"])
            except InvalidSpecifier as exc:
                raise ExpectationsError(name, lines.get(("expectations", i, "versions")), f"expectations[{i}].versions",
                                        f"not a version specifier: {exc}") from exc
        if "\n" in raw["reason"]:  # the schema's $ lets one trailing newline through
            raise ExpectationsError(name, lines.get(("expectations", i, "reason")), f"expectations[{i}].reason",
                                    "must be one line")
        key = f"{raw['clause']}|{raw.get('versions')}"
        if key in seen:
            raise ExpectationsError(name, line, f"expectations[{i}].clause", f"{raw['clause']} is listed twice")
        seen.add(key)
        entries.append(Expectation(raw["clause"], raw["reason"], raw["reproduction"], raw.get("versions"), line))
    return Expectations(name, data["adapter"], tuple(entries))
