"""Reports written in an older JSON layout, brought up to the current one before they are validated.

Layout 1.1 had no ``n/a`` outcome: a clause that does not apply was a ``skip`` whose ``extra``
carried ``"not_applicable": true``. Upgraded to 1.2, it is ``n/a`` and its counts move with it.
Layout 1.2 had no ``interrupted`` flag (its runs were not marked, so 1.3 reads them as not
interrupted) and no ``resource`` outcome (its counts gain ``resource: 0``). Layout 1.3 recorded no
workarounds (its results gain an empty ``workarounds`` list: its checks used none visibly)
and no ``codec.throughput`` (optional in 1.4).
Layout 1.4 had no ``attribution`` of results: its failures were not retried with a builtin codec (null).
Layout 1.5 had no ``shard`` (its runs were whole: 1.6 reads ``null``).
Layout 1.6 counted no ``examples`` (its results gain ``null``: not counted, and no budget cut them).
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from typing import Any

from udcodec.outcomes import Outcome
from udcodec.reports.model import OUTCOME_ORDER

#: The ``extra`` key layout 1.1 marked a not-applicable skip with.
LEGACY_NOT_APPLICABLE_KEY = "not_applicable"
_SKIP, _NA, _RESOURCE = Outcome.SKIP.value, Outcome.NOT_APPLICABLE.value, Outcome.RESOURCE.value


def _recount(counts: Any, moved: int) -> Any:
    if not isinstance(counts, dict) or _SKIP not in counts:
        return counts  # left for validation to name
    counts = {**counts, _SKIP: counts[_SKIP] - moved, _NA: moved}
    return {o.value: counts[o.value] for o in OUTCOME_ORDER if o.value in counts}


def _from_1_1(data: dict[str, Any]) -> dict[str, Any]:
    moved: Counter[str] = Counter()
    for result in data.get("results", []):
        extra = result.get("extra") if isinstance(result, dict) else None
        if isinstance(extra, dict) and result.get("outcome") == _SKIP and extra.pop(LEGACY_NOT_APPLICABLE_KEY, False):
            result["outcome"] = _NA
            moved[result.get("adapter")] += 1
    summary = data.get("summary")
    if isinstance(summary, dict):
        if isinstance(summary.get("by_adapter"), dict):
            for adapter, counts in summary["by_adapter"].items():
                summary["by_adapter"][adapter] = _recount(counts, moved[adapter])
        summary["total"] = _recount(summary.get("total"), sum(moved.values()))
    data["schema_version"] = "1.2"
    return data


def _with_resource(counts: Any) -> Any:
    if not isinstance(counts, dict):
        return counts  # left for validation to name
    counts = {_RESOURCE: 0, **counts}
    return {o.value: counts[o.value] for o in OUTCOME_ORDER if o.value in counts}


def _from_1_2(data: dict[str, Any]) -> dict[str, Any]:
    summary = data.get("summary")
    if isinstance(summary, dict):
        if isinstance(summary.get("by_adapter"), dict):
            for adapter, counts in summary["by_adapter"].items():
                summary["by_adapter"][adapter] = _with_resource(counts)
        summary["total"] = _with_resource(summary.get("total"))
    data.setdefault("interrupted", False)
    data["schema_version"] = "1.3"
    return data


def _from_1_3(data: dict[str, Any]) -> dict[str, Any]:
    for result in data.get("results", []):
        if isinstance(result, dict):
            result.setdefault("workarounds", [])
    data["schema_version"] = "1.4"
    return data


def _from_1_4(data: dict[str, Any]) -> dict[str, Any]:
    for result in data.get("results", []):
        if isinstance(result, dict):
            result.setdefault("attribution", None)
    data["schema_version"] = "1.5"
    return data


def _from_1_5(data: dict[str, Any]) -> dict[str, Any]:
    data.setdefault("shard", None)
    data["schema_version"] = "1.6"
    return data


def _from_1_6(data: dict[str, Any]) -> dict[str, Any]:
    for result in data.get("results", []):
        if isinstance(result, dict):
            result.setdefault("examples", None)
    data["schema_version"] = "1.7"
    return data


#: An older layout -> the step that brings a report in it one version up.
UPGRADES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "1.1": _from_1_1, "1.2": _from_1_2, "1.3": _from_1_3, "1.4": _from_1_4, "1.5": _from_1_5, "1.6": _from_1_6}


def upgrade(data: Any) -> Any:
    """``data`` in the current layout if it is a report in an older one listed in :data:`UPGRADES` (a
    copy); anything else as it is."""
    if not isinstance(data, dict) or data.get("schema_version") not in UPGRADES:
        return data
    data = copy.deepcopy(data)
    while data.get("schema_version") in UPGRADES:
        data = UPGRADES[data["schema_version"]](data)
    return data
