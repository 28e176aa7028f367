"""The self-test's verdicts and figures: one :class:`MutantVerdict` per mutant, the summary, JSON and Markdown.

The JSON layout is ``udcodec/schemas/selftest-report.schema.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from udcodec.selftest.catalogue import Mutant
from udcodec.selftest.runner import Killer

REPORT_LAYOUT = "1.0"


@dataclass
class MutantVerdict:
    """What the contract made of one mutant."""

    mutant: Mutant
    killers: list[Killer] = field(default_factory=list)
    seconds: float = 0.0
    run: bool = True  # False: not run (--targeted and nothing to target, or the self-test was interrupted first)

    @property
    def killed(self) -> bool:
        return bool(self.killers)

    @property
    def must_killers(self) -> list[Killer]:
        return [k for k in self.killers if k.level == "MUST"]

    @property
    def should_killers(self) -> list[Killer]:
        return [k for k in self.killers if k.level != "MUST"]

    @property
    def missed(self) -> list[str]:
        """``killed_by`` clauses that did not catch it."""
        caught = {k.clause for k in self.killers}
        return [c for c in self.mutant.killed_by if c not in caught] if self.run else []

    @property
    def status(self) -> str:
        if not self.run:
            return "not run"
        if self.mutant.equivalent:
            return "equivalent, killed" if self.killed else "equivalent"
        if not self.killed:
            return "survived"
        return "killed" if self.must_killers else "killed by SHOULD only"

    @property
    def problems(self) -> list[str]:
        """Why this verdict fails the self-test (empty: it holds)."""
        out = []
        if self.status == "survived" and not self.mutant.survives:
            out.append("survived: no clause caught it")
        if self.mutant.survives and self.killed:
            out.append("listed as a known survivor, but " + ", ".join(sorted({k.clause for k in self.killers}))
                       + " caught it: drop its survives argument")
        if self.status == "equivalent, killed":
            out.append("marked equivalent, but " + ", ".join(sorted({k.clause for k in self.killers})) + " caught it")
        if self.missed:
            out.append("killed_by " + ", ".join(self.missed) + " did not catch it")
        return out


def summary(verdicts: list[MutantVerdict]) -> dict[str, Any]:
    """The figures: catalogue size, equivalents, kills (any clause / MUST clauses), survivors, rates."""
    run = [v for v in verdicts if v.run]
    proper = [v for v in run if not v.mutant.equivalent]
    killed = [v for v in proper if v.killed]
    by_must = [v for v in proper if v.must_killers]

    def rate(n: int) -> float:
        return round(100.0 * n / len(proper), 1) if proper else 100.0

    return {"mutants": len(verdicts), "run": len(run), "equivalent": len(run) - len(proper),
            "non_equivalent": len(proper), "killed": len(killed), "killed_by_must": len(by_must),
            "killed_by_should_only": len(killed) - len(by_must),
            "survivors": [v.mutant.id for v in proper if not v.killed],
            "kill_rate": rate(len(killed)), "must_kill_rate": rate(len(by_must)),
            "problems": sum(1 for v in verdicts if v.problems)}


def to_json(verdicts: list[MutantVerdict], meta: dict[str, Any]) -> dict[str, Any]:
    mutants = []
    for v in verdicts:
        m = v.mutant
        mutants.append({"id": m.id, "family": m.family, "description": m.description, "file": m.file,
                        "status": v.status, "equivalent": m.equivalent, "survives": m.survives, "killed_by": list(m.killed_by),
                        "must_killers": [k.as_dict() for k in v.must_killers],
                        "should_killers": [k.as_dict() for k in v.should_killers],
                        "missed": v.missed, "problems": v.problems, "seconds": round(v.seconds, 2)})
    return {"layout": REPORT_LAYOUT, **meta, "summary": summary(verdicts), "mutants": mutants}


def _clauses(killers: list[Killer]) -> str:
    names: list[str] = []
    for k in killers:
        name = k.clause if k.adapter == "reference" else f"{k.clause}[{k.adapter}]"
        if name not in names:
            names.append(name)
    return ", ".join(names) or "—"


def headline(verdicts: list[MutantVerdict]) -> str:
    s = summary(verdicts)
    return (f"{s['mutants']} mutants ({s['run']} run, {s['equivalent']} equivalent): {s['killed']} of "
            f"{s['non_equivalent']} killed ({s['kill_rate']} %), {s['killed_by_must']} by MUST clauses alone "
            f"({s['must_kill_rate']} %), {len(s['survivors'])} survived")


def to_markdown(verdicts: list[MutantVerdict], meta: dict[str, Any]) -> str:
    lines = ["# udcodec self-test: mutants of the reference", "",
             f"Profile `{meta['profile']}`, peer for the pairwise clauses: `{meta['peer'] or 'none'}`, "
             f"catalogue sha256 `{meta['catalogue']['sha256'][:12]}`.", "",
             *(["**Interrupted**: the mutants marked `not run` did not finish; the figures are of those that did.", ""]
               if meta.get("interrupted") else []),
             headline(verdicts) + ".", "",
             "| mutant | family | status | MUST clauses that caught it | SHOULD clauses |", "|---|---|---|---|---|"]
    for v in verdicts:
        lines.append(f"| `{v.mutant.id}` | {v.mutant.family} | {v.status} | {_clauses(v.must_killers)} "
                     f"| {_clauses(v.should_killers)} |")
    notes = [v for v in verdicts if v.mutant.equivalent or v.mutant.survives or v.problems]
    if notes:
        lines += ["", "## Equivalent mutants, known survivors and problems", ""]
        for v in notes:
            text = ("; ".join(v.problems) if v.problems else f"equivalent: {v.mutant.equivalent}" if v.mutant.equivalent
                    else f"survives: {v.mutant.survives}")
            lines.append(f"- `{v.mutant.id}` ({v.mutant.description}): {' '.join(text.split())}")
    return "\n".join(lines) + "\n"


def terminal_line(v: MutantVerdict) -> str:
    what = v.status
    if v.killed:
        what += f": {_clauses(v.must_killers)}"
        if v.should_killers:
            what += f" (SHOULD: {_clauses(v.should_killers)})"
    problems = "; ".join(v.problems)
    return f"{v.mutant.id:<28} {what}" + (f"  <- {problems}" if problems else "") + f"  [{v.seconds:.0f} s]"
