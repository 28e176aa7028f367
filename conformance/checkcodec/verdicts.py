"""The committed verdicts of the example codecs (``udcodec/examples/verdicts.yaml``), validated on load.

The format is ``udcodec/schemas/verdicts.schema.json``; a malformed file raises :class:`VerdictsError`
naming the file, the line and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from udcodec.contract import SpecError, bundled_schema, load_validated_yaml

SCHEMA = bundled_schema("verdicts.schema.json")


class VerdictsError(SpecError):
    """A malformed verdicts file (the message names file, line and field)."""


@dataclass(frozen=True)
class Verdict:
    """The verdict one example codec gets: exactly the codec clauses in ``fails`` fail, those in ``not_judged`` are
    not judged (another clause fails of the defect their failing input shows), every other one passes."""

    module: str
    encoder: str
    decoder: str
    fails: tuple[str, ...]
    id: int | None = None
    metas: tuple[int, ...] = ()
    registration_error: str | None = None
    line: int = 0
    not_judged: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.module.rpartition(".")[2]


def default_verdicts_path() -> Path:
    return Path(str(resources.files("udcodec.examples"))) / "verdicts.yaml"


def load_verdicts(path: str | Path | None = None) -> tuple[Verdict, ...]:
    """Parse and validate a verdicts file (default: the bundled one); one module appears once."""
    path = Path(path) if path is not None else default_verdicts_path()
    data, lines = load_validated_yaml(path, SCHEMA, VerdictsError)
    verdicts: list[Verdict] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(data["codecs"]):
        line = lines.get(("codecs", i), 0)
        if raw["module"] in seen:
            raise VerdictsError(str(path), lines.get(("codecs", i, "module")), f"codecs[{i}].module",
                                f"{raw['module']} is listed twice (first at codecs[{seen[raw['module']]}])")
        seen[raw["module"]] = i
        verdicts.append(Verdict(raw["module"], raw["encoder"], raw["decoder"], tuple(raw["fails"]), raw.get("id"),
                                tuple(raw.get("metas", ())), raw.get("registration_error"), line,
                                tuple(raw.get("not_judged", ()))))
    return tuple(verdicts)


@dataclass(frozen=True)
class FilterVerdict:
    """The verdict one example filter gets: as :class:`Verdict`'s, over the filter clauses."""

    module: str
    forward: str
    backward: str
    fails: tuple[str, ...]
    id: int | None = None
    metas: tuple[int, ...] = ()
    line: int = 0
    not_judged: tuple[str, ...] = ()
    domain: str | None = None  # a file beside the examples (check-filter --domain)

    @property
    def name(self) -> str:
        return self.module.rpartition(".")[2] + (f"[{self.domain}]" if self.domain else "")

    def domain_path(self) -> str | None:
        return str(default_verdicts_path().parent / self.domain) if self.domain else None


def load_filter_verdicts(path: str | Path | None = None) -> tuple[FilterVerdict, ...]:
    """The example filters' verdicts (``filters`` of the verdicts file), validated like the codecs'."""
    path = Path(path) if path is not None else default_verdicts_path()
    data, lines = load_validated_yaml(path, SCHEMA, VerdictsError)
    return tuple(FilterVerdict(raw["module"], raw["forward"], raw["backward"], tuple(raw["fails"]), raw.get("id"),
                               tuple(raw.get("metas", ())), lines.get(("filters", i), 0),
                               tuple(raw.get("not_judged", ())), raw.get("domain"))
                 for i, raw in enumerate(data.get("filters", [])))
