"""``--shard K/N``: a deterministic share of a run, so a CI job matrix spreads it over machines.

Shard K of N takes the items at positions K-1, K-1+N, K-1+2N, ... of the sorted list (round-robin):
every item lands in exactly one shard and the shards differ in size by one at most.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_SHARD = re.compile(r"(\d+)/(\d+)")


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def pick(self, items: Iterable[str]) -> list[str]:
        """This shard's share of ``items`` (sorted first; order of the result: sorted)."""
        return [item for i, item in enumerate(sorted(set(items))) if i % self.count == self.index - 1]

    def to_json(self) -> dict[str, int]:
        return {"index": self.index, "count": self.count}


def parse_shard(text: str) -> Shard:
    """``K/N`` with 1 <= K <= N; ValueError (one line) otherwise."""
    match = _SHARD.fullmatch(text.strip())
    if not match:
        raise ValueError(f"--shard {text!r}: give K/N, e.g. 1/3")
    index, count = int(match[1]), int(match[2])
    if count < 1 or not 1 <= index <= count:
        raise ValueError(f"--shard {text!r}: K must be between 1 and N (N at least 1)")
    return Shard(index, count)
