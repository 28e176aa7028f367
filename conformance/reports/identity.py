"""Byte-identity rates per configuration family, from the ``byte_identity`` data of pairwise results.

Byte identity is symmetric, so each unordered pair of implementations is stated once.
"""

from __future__ import annotations

from dataclasses import dataclass

from udcodec.reports.model import RunRecord

KEY = "byte_identity"


@dataclass(frozen=True)
class IdentityRow:
    clause: str
    adapter: str
    peer: str
    family: str
    identical: int
    total: int

    @property
    def rate(self) -> float:
        return self.identical / self.total if self.total else 0.0


def identity_rows(record: RunRecord) -> list[IdentityRow]:
    """One row per (clause, unordered adapter pair, family), in result order."""
    rows: list[IdentityRow] = []
    seen: set[tuple[str, frozenset[str]]] = set()
    for result in record.results:
        by_peer = result.extra.get(KEY)
        if not isinstance(by_peer, dict):
            continue
        for peer, families in by_peer.items():
            pair = (result.clause, frozenset((result.adapter, peer)))
            if pair in seen or not isinstance(families, dict):
                continue
            seen.add(pair)
            for family, counts in families.items():
                rows.append(IdentityRow(result.clause, result.adapter, peer, family,
                                        int(counts["identical"]), int(counts["total"])))
    return rows


def render_identity_text(record: RunRecord) -> str:
    """Plain-text lines for the terminal: ``reference = blosc2: shuffle 15/15, runs 1/3, ... (75/77)``."""
    lines: list[str] = []
    groups: dict[tuple[str, str, str], list[IdentityRow]] = {}
    for row in identity_rows(record):
        groups.setdefault((row.clause, row.adapter, row.peer), []).append(row)
    for (clause, adapter, peer), rows in groups.items():
        same, total = sum(r.identical for r in rows), sum(r.total for r in rows)
        families = ", ".join(f"{r.family} {r.identical}/{r.total}" for r in rows)
        lines.append(f"{clause}: {adapter} = {peer}: {same}/{total} byte-identical ({families})")
    return "\n".join(lines)


def render_identity_markdown(record: RunRecord) -> list[str]:
    """A Markdown section with one table row per (pair, family); empty when no pairwise run measured it."""
    rows = identity_rows(record)
    if not rows:
        return []
    lines = ["### Byte identity per configuration family", "",
             "| implementations | family | byte-identical chunks | rate |", "|---|---|---|---|"]
    for r in rows:
        lines.append(f"| `{r.adapter}` = `{r.peer}` | {r.family} | {r.identical}/{r.total} | {r.rate:.0%} |")
    lines.append("")
    return lines
