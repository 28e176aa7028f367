"""Run profiles: how hard Hypothesis searches, how long a check may take, how wide the configuration sweep is."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, Phase, settings


@dataclass(frozen=True)
class Profile:
    name: str
    max_examples: int
    derandomize: bool
    timeout: float  # seconds per (clause, adapter) check before it is reported as a hang
    shrink: bool = True  # False: report the first failing example as drawn (faster, larger)
    sweep: str = "ci"  # the size of the configuration sweep (udcodec.sweep.SIZES)
    #: Set per clause by a time budget (``check-codec --budget``): the seconds its drawn examples may take
    #: (None: no limit), and whether the budget lowered ``max_examples`` (from ``full_examples``) and so
    #: shrinks the layouts too.
    allotment: float | None = None
    cut: bool = False
    full_examples: int = 0  # a cut profile's max_examples before the budget lowered it

    def settings(self) -> settings:
        return settings(
            max_examples=self.max_examples,
            derandomize=self.derandomize,
            deadline=None,
            database=None,
            print_blob=False,
            report_multiple_bugs=False,
            suppress_health_check=list(HealthCheck),
            phases=list(Phase) if self.shrink else [p for p in Phase if p not in (Phase.shrink, Phase.explain)],
        )


PROFILES: dict[str, Profile] = {
    "dev": Profile("dev", max_examples=8, derandomize=False, timeout=30.0, sweep="dev"),
    "ci": Profile("ci", max_examples=25, derandomize=True, timeout=60.0),
    "thorough": Profile("thorough", max_examples=300, derandomize=False, timeout=600.0, sweep="thorough"),
}
DEFAULT_PROFILE = "ci"


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; choose one of: {', '.join(PROFILES)}") from None
