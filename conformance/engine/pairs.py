"""Pairwise (interoperability) clauses: which peers an adapter is checked against, and one result from many.

A pairwise clause is checked for adapter X against every peer P: the run's other adapters and, when
X is not the reference, the bundled reference (so a port or a python-blosc2 line checked alone is
still checked against the reference). Each (X, P) pair runs in its own isolated process; the
per-pair outcomes are merged into the one (clause, X) result the reports hold, and listed under
``extra["pairs"]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from udcodec.outcomes import ALSO_BUILTIN, EXPLAINED_BY, Attribution, CheckResult, Outcome

REFERENCE = "reference"

#: Which outcome of two wins when per-pair results merge (later in the tuple = worse): the clause is
#: n/a only when it applies to no peer, and a pass with one peer outweighs a skip with another.
SEVERITY: tuple[Outcome, ...] = (Outcome.NOT_APPLICABLE, Outcome.SKIP, Outcome.PASS, Outcome.XPASS, Outcome.XFAIL,
                                 Outcome.FAIL, Outcome.HANG, Outcome.RESOURCE, Outcome.CRASH,
                                 Outcome.ERROR)


def peer_specs(own_spec: str, own_name: str, run_specs: Sequence[tuple[str, str]]) -> list[str]:
    """Peers of adapter ``own_spec`` among the run's (spec, name) pairs, plus the reference when missing."""
    peers = [spec for spec, name in run_specs if spec != own_spec and name != own_name]
    names = {name for spec, name in run_specs if spec != own_spec}
    if own_name != REFERENCE and own_spec != REFERENCE and REFERENCE not in names and REFERENCE not in peers:
        peers.append(REFERENCE)
    return peers


def merge(clause: str, adapter: str, per_peer: list[tuple[str, CheckResult]]) -> CheckResult:
    """One result for ``(clause, adapter)`` from its per-peer results: the worst outcome wins."""
    if not per_peer:
        raise ValueError("merge needs at least one per-peer result")
    first = per_peer[0][1]
    worst = max((r for _, r in per_peer), key=lambda r: SEVERITY.index(r.outcome))
    merged = CheckResult(clause=clause, adapter=adapter, outcome=worst.outcome, level=first.level,
                         subject=first.subject, duration=sum(r.duration for _, r in per_peer))
    lines = []
    for peer, r in per_peer:
        if r.outcome != Outcome.PASS:
            lines.append(f"with peer {peer}: {r.outcome.value}: {r.message}".rstrip(": "))
    merged.message = "\n".join(lines)
    bad = next((r for _, r in per_peer if r.outcome == worst.outcome), worst)
    merged.counterexample, merged.reproduction = bad.counterexample, bad.reproduction
    merged.signal, merged.stderr_tail = bad.signal, bad.stderr_tail
    merged.attribution = _attribution([r for _, r in per_peer if r.outcome == worst.outcome])
    pairs: list[dict[str, Any]] = []
    for peer, r in per_peer:
        entry: dict[str, Any] = {"peer": peer, "outcome": r.outcome.value, "message": r.message,
                                 "duration": r.duration}
        pairs.append(entry)
        merged.workarounds.extend(w for w in r.workarounds if w not in merged.workarounds)
        for key, value in r.extra.items():
            if key != EXPLAINED_BY:
                merged.extra.setdefault(key, {})[peer] = value
    merged.extra["pairs"] = pairs
    failing = [r for _, r in per_peer if r.outcome is Outcome.FAIL]
    if worst.outcome is Outcome.FAIL and all(EXPLAINED_BY in r.extra for r in failing):
        # every pair failed of a more basic defect: the clause's failure is explained as each pair's was
        merged.extra[EXPLAINED_BY] = failing[0].extra[EXPLAINED_BY]
    return merged


def _attribution(results: list[CheckResult]) -> Attribution | None:
    """The attribution of the worst per-peer results: a builtin codec reproducing any of them wins."""
    found = {r.attribution for r in results if r.attribution}
    return ALSO_BUILTIN if ALSO_BUILTIN in found else next(iter(found), None)
