"""The mutant catalogue: loading, validation against the reference's source, and applying one edit.

The format is ``udcodec/schemas/selftest-catalogue.schema.json``. Beyond the schema, every ``old``
snippet must occur exactly once in its file (an edit that matches nowhere or twice is a catalogue
that no longer fits the reference: it fails loudly instead of mutating the wrong place), ids are
unique, and the clauses named by ``killed_by`` exist in the contract.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from udcodec.contract import SpecError, bundled_schema, load_validated_yaml

SCHEMA: dict[str, Any] = bundled_schema("selftest-catalogue.schema.json")


class CatalogueError(SpecError):
    """A malformed catalogue, or one that does not fit the reference's source (names file, line, field)."""


@dataclass(frozen=True)
class Mutant:
    """One exact source edit of a reference module."""

    id: str
    family: str
    description: str
    file: str
    old: str
    new: str
    equivalent: str | None = None
    survives: str | None = None  # a known survivor's argument
    killed_by: tuple[str, ...] = ()
    fast: bool = False
    line: int = 0  # where the mutant's entry starts in the catalogue

    def apply(self, package_dir: Path) -> None:
        """Edit ``package_dir/file`` (a copy of the reference) in place."""
        path = package_dir / self.file
        text = path.read_text(encoding="utf-8")
        if text.count(self.old) != 1:
            raise CatalogueError(str(path), None, f"mutants[{self.id}].old",
                                 f"occurs {text.count(self.old)} times, expected exactly once")
        path.write_text(text.replace(self.old, self.new), encoding="utf-8")


def default_catalogue() -> Path:
    return Path(str(resources.files("udcodec.selftest") / "catalogue.yaml"))


def reference_dir() -> Path:
    """The source folder of the installed ``udcodec.reference`` (what every mutant is a copy of)."""
    return Path(str(resources.files("udcodec.reference")))


def load_catalogue(path: Path | None = None, source: Path | None = None,
                   clause_ids: Iterable[str] | None = None) -> list[Mutant]:
    """Read and validate the catalogue against the reference source in ``source`` (default: installed)."""
    path = path or default_catalogue()
    source = source or reference_dir()
    data, lines = load_validated_yaml(path, SCHEMA, CatalogueError)
    known = set(clause_ids) if clause_ids is not None else None
    mutants: list[Mutant] = []
    seen: set[str] = set()
    texts: dict[str, str] = {}
    for i, raw in enumerate(data["mutants"]):
        where = f"mutants[{raw['id']}]"

        def fail(key: str, problem: str, i: int = i, where: str = where) -> CatalogueError:
            return CatalogueError(str(path), lines.get(("mutants", i, key)) or lines.get(("mutants", i)),
                                  f"{where}.{key}", problem)

        if raw["id"] in seen:
            raise fail("id", "duplicate mutant id")
        seen.add(raw["id"])
        if raw["old"] == raw["new"]:
            raise fail("new", "is the same as old: the edit changes nothing")
        if raw["file"] not in texts:
            module = source / raw["file"]
            if not module.is_file():
                raise fail("file", f"{module} does not exist")
            texts[raw["file"]] = module.read_text(encoding="utf-8")
        count = texts[raw["file"]].count(raw["old"])
        if count != 1:
            found = "is not found" if count == 0 else f"is found {count} times"
            raise fail("old", f"{found} in {raw['file']}, expected exactly once")
        for clause in raw.get("killed_by", []):
            if known is not None and clause not in known:
                raise fail("killed_by", f"{clause} is no clause of the contract")
        mutants.append(Mutant(id=raw["id"], family=raw["family"], description=raw["description"],
                              file=raw["file"], old=raw["old"], new=raw["new"], equivalent=raw.get("equivalent"), survives=raw.get("survives"),
                              killed_by=tuple(raw.get("killed_by", ())), fast=bool(raw.get("fast", False)),
                              line=lines.get(("mutants", i), 0)))
    return mutants


def copy_reference(dest: Path, source: Path | None = None) -> Path:
    """Copy the reference's modules (no caches) to ``dest``; return it."""
    shutil.copytree(source or reference_dir(), dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest
