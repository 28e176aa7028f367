"""Where a process died, read from what :mod:`faulthandler` wrote on its stderr: the innermost Python frame of the
thread that crashed, and what the process printed last before Python's fatal error (a C library's
``realloc(): invalid next size``). A crash report names it, so whose code was running reads from the report."""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import sysconfig
from dataclasses import dataclass

from udcodec.reports.bounds import printable

_FATAL = "Fatal Python error: "
_CURRENT = re.compile(r"^(Current thread 0x[0-9a-f]+ \(most recent call first\)|Stack \(most recent call first\)):$")
_FRAME = re.compile(r'^  File "(?P<file>.*)", line (?P<line>\d+) in (?P<func>.+)$')
#: How a line on a process's stderr starts that says what it does next (a check's :meth:`CheckContext.doing`, a fresh
#: interpreter's scenario step): a process killed for not ending, or whose process dies, is reported with the last.
DOING = "udcodec: doing: "
#: Lines a check or the harness writes on stderr, which are not the implementation's last words.
_OWN = ("udcodec: ",)


@dataclass(frozen=True)
class Frame:
    """One line of a faulthandler stack: ``shown`` (``blosc2/schunk.py:1366 in __setitem__``), and whether its code
    is the harness's or the standard library's rather than the implementation's or a codec's (``passive``)."""

    shown: str
    passive: bool


Root = tuple[str, str, bool]
#: Packages of the test runner the harness runs checks in: their frames are the harness's.
_RUNNERS = ("_pytest", "pluggy", "xdist", "execnet")


def _roots() -> list[Root]:
    """(directory, name, passive) a file's path is named against, longest directory first: the harness's packages
    (installed or editable, where ``udcodec.reference`` need not lie inside ``udcodec``; the reference is an
    implementation), the standard library and the test runner's packages, then ``sys.path``."""
    roots: list[Root] = []
    for name in ("udcodec.reference", "udcodec.adapters", "udcodec"):
        spec = importlib.util.find_spec(name)  # found, not imported: the parent may not have imported it
        for path in (spec.submodule_search_locations or []) if spec is not None else []:
            roots.append((os.path.realpath(path), name.replace(".", "/"), name != "udcodec.reference"))
    stdlib = {os.path.realpath(sysconfig.get_paths()[key]) for key in ("stdlib", "platstdlib")}
    roots.extend((path, "", True) for path in stdlib)
    for name in _RUNNERS:  # the test runner the harness runs checks in
        spec = importlib.util.find_spec(name)
        for path in (spec.submodule_search_locations or []) if spec is not None else []:
            roots.append((os.path.realpath(path), name, True))
    roots.extend((os.path.realpath(p), "", False) for p in sys.path if p and os.path.isdir(p))
    return sorted(roots, key=lambda r: len(r[0]), reverse=True)


def frame_of(filename: str, line: str, function: str, roots: list[Root] | None = None) -> Frame:
    """The frame, its file named as a module path (``blosc2/schunk.py``, ``udcodec/testcodecs.py``) or by base name."""
    shown, passive = os.path.basename(filename), False
    if filename.startswith("<"):
        shown, passive = filename, filename.startswith("<frozen ")
    else:
        real = os.path.realpath(filename)
        for root, name, passive_root in roots if roots is not None else _roots():
            if real.startswith(root + os.sep):
                rel = real[len(root) + 1:]
                shown, passive = (f"{name}/{rel}" if name else rel), passive_root
                break
    return Frame(f"{shown}:{line} in {function}", passive)


def _frames(lines: list[str]) -> list[Frame] | None:
    """The crashed thread's frames, innermost first; [] for a thread running no Python code; None when the tail
    holds no crashed thread's stack."""
    starts = [i for i, line in enumerate(lines) if _CURRENT.match(line)]
    if not starts:
        return None
    frames: list[Frame] = []
    roots = _roots()
    for line in lines[starts[-1] + 1:]:
        found = _FRAME.match(line)
        if found is None:
            break
        frames.append(frame_of(found["file"], found["line"], found["func"], roots))
    return frames


def _last_words(lines: list[str]) -> str:
    """The line the process printed just before Python's fatal error, unless it is the harness's own."""
    fatal = [i for i, line in enumerate(lines) if line.startswith(_FATAL)]
    if not fatal or fatal[-1] == 0:
        return ""
    before = lines[fatal[-1] - 1].strip()
    return "" if not before or before.startswith(_OWN) else printable(before[:200])


def crash_site(stderr_tail: str | None) -> str:
    """`` under FRAME``, then ``, after it printed "..."``; or ''.

    FRAME is the crashed thread's innermost Python frame (a crash in C code is reported under the Python frame that
    called into it); where that frame is the harness's, such as one of its test codecs, or the standard library's,
    such as ctypes', the nearest frame of other code that called it is named too.
    """
    lines = (stderr_tail or "").splitlines()
    frames = _frames(lines)
    text = ""
    if frames == []:
        text = " in a thread running no Python code"
    elif frames:
        text = f" under {frames[0].shown}"
        if frames[0].passive:
            caller = next((f for f in frames[1:] if not f.passive), None)
            if caller is not None:
                text += f", called from {caller.shown}"
    said = _last_words(lines)
    return text + (f', after it printed "{said}"' if said else "")


def while_doing(stderr_tail: str | None) -> str:
    """`` while it was ...``: the last thing the process said it did (:data:`DOING`), or ''."""
    said = [line.partition(DOING)[2] for line in (stderr_tail or "").splitlines() if DOING in line]  # maybe after a prefix
    return f" while it was {printable(said[-1][:300])}" if said else ""
