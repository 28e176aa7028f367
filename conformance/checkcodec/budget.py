"""``check-codec --budget SECONDS``: fit a run of a slow codec into a time budget.

The codec's cost of one call is measured first (:func:`call_seconds`: a few encoder and decoder calls
on representative blocks, in a child process isolated as the checks are). :func:`plan` then gives each selected clause a
profile of its own: an example count that fits its share of the budget and the seconds its drawn
examples may take (the check stops drawing once they are spent). The floor is what a budget never
removes: every clause runs at least one drawn example, and the explicit examples its checks give
first (every content kind of CODEC-ROUNDTRIP's first layout, the adversarial catalogue) always run.

The estimates are deliberately simple: a fixed cost per (clause, host) check process and per run,
and a number of codec calls per example for each check (counted with a codec that logs its calls,
profile ci; benchmarks/README.md). A run can still exceed its budget when one example is costlier
than estimated; the JSON report says per clause how many examples ran and whether the budget cut them.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from udcodec.contract import Clause
from udcodec.profiles import Profile

#: ``--budget`` when none is given, per profile (seconds for the whole run, every host).
DEFAULT_BUDGETS: dict[str, float] = {"dev": 30.0, "ci": 60.0, "thorough": 1800.0}
#: Seconds a run costs before its first clause (interpreter, imports, hosts described, reports) ...
RUN_OVERHEAD = 5.0
#: ... and per (clause, host): the check's process, the host's containers (measured with a no-op codec).
CHECK_OVERHEAD = 0.6
#: Codec calls (encoder or decoder) of one drawn example, per check: as drawn by the profile, and (host
#: round trips) with the layout a cut clause draws: one content kind, one chunk of a few blocks
#: (``codec.roundtrip`` under ``Profile.cut``). Host round trips multiply by their split modes.
CALLS_PER_EXAMPLE: dict[str, tuple[float, float]] = {
    "codec.roundtrip": (60.0, 6.0), "codec.block_roundtrip": (2.0, 2.0), "codec.encoder_size": (1.0, 1.0),
    "codec.decoder_size": (2.0, 2.0), "codec.small_output": (2.0, 2.0), "codec.no_overrun": (2.0, 2.0),
    "codec.incompressible": (2.0, 2.0), "codec.deterministic": (2.0, 2.0), "codec.no_retained_buffers": (2.0, 2.0),
    "codec.interleaved": (6.0, 6.0), "codec.outside_domain": (0.0, 0.0), "codec.registers": (0.0, 0.0),
    "codec.plugin_standalone": (0.0, 0.0), "codec.decoder_bounds": (2.0, 2.0),
    "codec.threads": (0.0, 0.0),  # plugins only (no measured cost); its rounds are the spec's, not drawn
}
#: A clause whose share fits this many examples as the profile draws them keeps its layouts and stops drawing once
#: the share is spent; below it, its host round trips draw smaller layouts (``Profile.cut``). The calls above are
#: counted on the blocks the checks draw, most of them smaller than the blocks the cost is measured on (``SAMPLES``).
FULL_LAYOUT_EXAMPLES = 5
#: Codec calls of the explicit examples every host runs whatever the budget (the floor), per host.
FLOOR_CALLS = 150.0
#: Representative blocks the cost is measured on: (recipe, dtype, items).
SAMPLES = (("smooth", "i4", 1024), ("random", "u1", 4096), ("text", "u1", 2048))


class BudgetError(ValueError):
    """A ``--budget`` value that is not a positive number of seconds (or ``none``)."""


def parse_budget(text: str | None, profile: str) -> float | None:
    """Seconds of ``--budget TEXT`` (the profile's default when None; ``none``: no budget)."""
    if text is None:
        return DEFAULT_BUDGETS.get(profile)
    if text.strip().lower() == "none":
        return None
    try:
        value = float(text)
    except ValueError:
        raise BudgetError(f"--budget {text!r}: give a number of seconds, or 'none'") from None
    if not math.isfinite(value) or value <= 0:
        raise BudgetError(f"--budget {text!r}: give a positive, finite number of seconds, or 'none'")
    return value


def call_seconds(encoder: Any, decoder: Any, metas: Iterable[int] = (0,)) -> float:
    """The codec's mean seconds per call (encoder and decoder) over :data:`SAMPLES`; raises what the codec raises."""
    from udcodec.data import make_data
    from udcodec.reference import SChunk

    meta = next(iter(metas), 0)
    calls, spent = 0, 0.0
    for recipe, dtype, items in SAMPLES:
        data = make_data(recipe, items * np.dtype(dtype).itemsize, dtype=dtype, seed=1)
        block = np.frombuffer(bytearray(data), dtype=np.uint8)
        out = np.zeros(len(data), dtype=np.uint8)
        # as a host calls it: with a container of the block's items (a codec may read schunk.typesize)
        schunk = SChunk(chunksize=len(data), cparams={"typesize": np.dtype(dtype).itemsize, "nthreads": 1})
        t0 = time.perf_counter()
        n = encoder(block, out, meta, schunk)
        spent += time.perf_counter() - t0
        calls += 1
        if isinstance(n, int | np.integer) and 0 < int(n) <= len(data):
            restored = np.zeros(len(data), dtype=np.uint8)
            t0 = time.perf_counter()
            decoder(np.frombuffer(bytearray(out[: int(n)].tobytes()), dtype=np.uint8), restored, meta, schunk)
            spent += time.perf_counter() - t0
            calls += 1
        if spent > 2.0:  # a very slow codec: a few calls tell enough
            break
    return spent / calls


@dataclasses.dataclass(frozen=True)
class Plan:
    """The run's budget and what it gives each clause."""

    seconds: float
    call_seconds: float | None
    profiles: dict[str, Profile]  # clause id -> its profile (the run's when the budget does not cut it)

    def profile_for(self, clause_id: str, default: Profile) -> Profile:
        return self.profiles.get(clause_id, default)

    def describe(self) -> dict[str, Any]:
        """The report's ``codec.budget``."""
        lowered = sorted(c for c, p in self.profiles.items() if p.cut)
        return {"seconds": self.seconds, "call_seconds": self.call_seconds, "lowered": lowered}


def _calls(clause: Clause, cut: bool) -> float:
    total = 0.0
    for ref in clause.checks:
        full, reduced = CALLS_PER_EXAMPLE.get(ref.name, (2.0, 2.0))
        total += (reduced if cut else full) * len(ref.params.get("splitmodes", ["never"]))
    return total


def plan(seconds: float, call: float | None, clauses: Iterable[Clause], hosts: int, profile: Profile) -> Plan:
    """Example counts and allotments for ``clauses`` on ``hosts`` hosts that fit ``seconds``.

    The time left after the overheads is shared out cheapest clause first: a clause whose examples fit its
    share as the profile draws them keeps the profile and leaves what it does not need to the others. With no
    measured cost (``call`` None: a plugin) the counts stay the profile's and only the allotments bound the drawn
    examples.
    """
    clauses = list(clauses)
    hosts = max(hosts, 1)
    pairs = max(1, len(clauses) * hosts)
    floor = (call or 0.0) * FLOOR_CALLS * hosts
    left = max(0.0, seconds - RUN_OVERHEAD - CHECK_OVERHEAD * pairs - floor)
    profiles: dict[str, Profile] = {}
    if call is None:
        return Plan(seconds, call, {c.id: dataclasses.replace(profile, allotment=left / pairs) for c in clauses})
    need = {c.id: profile.max_examples * _calls(c, cut=False) * call for c in clauses}  # per host, as drawn
    waiting = sorted(clauses, key=lambda c: need[c.id])
    while waiting and need[waiting[0].id] <= left / (len(waiting) * hosts):
        left -= need[waiting.pop(0).id] * hosts  # fits as drawn: the run's profile
    share = left / max(1, len(waiting) * hosts)
    for clause in waiting:
        full = _calls(clause, cut=False)
        if FULL_LAYOUT_EXAMPLES * full * call <= share:  # drawn as the profile draws them, until the share is spent
            profiles[clause.id] = dataclasses.replace(profile, allotment=share)
            continue
        calls = _calls(clause, cut=True)
        examples = max(1, min(profile.max_examples, int(share / (call * calls)))) if calls else profile.max_examples
        profiles[clause.id] = dataclasses.replace(profile, max_examples=examples, allotment=share, cut=True,
                                                 full_examples=profile.max_examples)
    return Plan(seconds, call, profiles)


def write(path: Path, seconds: float, call: float | None) -> None:
    """What the command hands the pytest plugin (``--udcodec-budget``)."""
    path.write_text(json.dumps({"seconds": seconds, "call_seconds": call}), encoding="utf-8")


def read(path: str) -> tuple[float, float | None]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return float(data["seconds"]), None if data["call_seconds"] is None else float(data["call_seconds"])
