"""Option values read alike wherever they are given: ``--expectations``, ``--only``/``--skip`` and the adapters
by ``udcodec run``/``check-codec``/``check-filter`` and by the pytest plugin, and every command's timeouts in
seconds.

Each door names an option as it spells it (``--expectations`` or ``--udcodec-expectations``); the rest of
every problem line is the same from both.
"""

from __future__ import annotations

import argparse
import fnmatch
import math
from collections.abc import Collection, Iterable, Sequence


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
            given = ", ".join(sorted(adapters)) or "none"
            problems.append(f"{option} {item!r}: {adapter!r} is not an adapter of this run, as given with "
                            f"{adapter_option} (given: {given}); the key is that spec, not the adapter's name")
        else:
            files[adapter] = path
    return files, problems


def selection_problems(ids: Sequence[str], only: Sequence[str], skip: Sequence[str], subject: str, *,
                       prefix: str = "--") -> list[str]:
    """A line per ``only``/``skip`` glob that matches none of the ``subject`` clause ``ids``; else one line if
    together they leave none of them to run."""
    unmatched = [f"{prefix}{option} {glob}: matches no {subject} clause (`udcodec list` shows them)"
                 for option, globs in (("only", only), ("skip", skip)) for glob in globs
                 if not any(fnmatch.fnmatchcase(i, glob) for i in ids)]
    selected = [i for i in ids if (not only or any(fnmatch.fnmatchcase(i, g) for g in only))
                and not any(fnmatch.fnmatchcase(i, g) for g in skip)]
    if unmatched or not ids or selected:
        return unmatched
    return [f"{prefix}only/{prefix}skip leave no {subject} clause to run"]


def same_adapter_twice(adapters: Sequence[str], flag: str) -> list[str]:
    """A line per adapter given again, by one name or two (``reference`` and its ``module:attribute``): it would
    run twice under one name, and its counts double."""
    from udcodec.adapters.loader import UnknownAdapter, adapter_target

    problems: list[str] = []
    seen: dict[str, str] = {}
    for spec in adapters:
        try:
            target = adapter_target(spec)
        except (UnknownAdapter, ValueError):
            continue  # a spec that names no adapter has its own line
        if target in seen:
            also = "" if seen[target] == spec else f" (as {seen[target]})"
            problems.append(f"{flag} {spec}: given twice{also}; each adapter runs once")
        seen.setdefault(target, spec)
    return problems
