"""Option values read alike wherever they are given: ``--expectations`` by ``udcodec run``/``check-codec``/
``check-filter`` and by the pytest plugin, and every command's timeouts in seconds.

Each door names an option as it spells it (``--expectations`` or ``--udcodec-expectations``); the rest of
every problem line is the same from both.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Collection, Iterable


def positive_seconds(text: str) -> float:
    """A positive, finite number of seconds (an argparse ``type``: a timeout of any command)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a positive, finite number of seconds")
    return value


def expectations_files(items: Iterable[str], adapters: Collection[str], *, option: str,
                       adapter_option: str) -> tuple[dict[str, str], list[str]]:
    """``{adapter: path}`` of the ``ADAPTER=PATH`` ``items``, and one problem line per item that is malformed
    or names an adapter that is not among ``adapters`` (given with ``adapter_option``)."""
    files: dict[str, str] = {}
    problems: list[str] = []
    for item in items:
        adapter, sep, path = item.partition("=")
        if not (sep and adapter and path):
            problems.append(f"{option} {item!r}: give ADAPTER=PATH")
        elif adapter not in adapters:
            problems.append(f"{option} {item!r}: adapter {adapter!r} is not run (give it with {adapter_option})")
        else:
            files[adapter] = path
    return files, problems
