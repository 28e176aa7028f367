"""Running out of memory or disk under a check: no verdict on the implementation, the outcome ``resource``."""

from __future__ import annotations

import errno
import os
import shutil

#: errno values of a file system that has no room left (full, or over the user's quota).
NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT})
#: How an OSError of those reads once made a string (``shutil.Error`` keeps only that).
_NO_ROOM_TEXT = tuple(f"[Errno {n}]" for n in NO_ROOM)
#: How the message of an :class:`OutOfDisk` begins.
NO_ROOM_SAID = "no room left on the file system"
#: Bytes free below which a file system counts as full: a check that failed on it gets no verdict (``resource``).
LOW_ROOM = 1 << 20
#: What a tool that ran out of disk (the C compiler) writes.
NO_ROOM_WORDS = ("No space left on device", "Disk quota exceeded")


class OutOfDisk(MemoryError):
    """The file system a check wrote to had no room left.

    A MemoryError, so that every path that keeps running out of memory from reading as the implementation's failure
    (the clause is ``resource``) keeps this too.
    """


def _no_room(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in NO_ROOM:
        return True
    if isinstance(exc, shutil.Error):  # copytree's: a list of (source, destination, reason as text)
        return any(any(t in str(entry) for t in _NO_ROOM_TEXT) for entry in (exc.args[0] if exc.args else ()))
    return False


def exhausted(exc: BaseException) -> MemoryError | None:
    """The MemoryError in ``exc``'s chain, or an :class:`OutOfDisk` for a file system out of room in it; else None."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, MemoryError):
            return cur
        if _no_room(cur):
            text = str(cur)
            text = text if len(text) <= 1000 else text[:1000] + "…"
            found = OutOfDisk(f"{NO_ROOM_SAID}: {type(cur).__name__}: {text}")
            found.__cause__ = cur
            return found
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return None


def disk_free(path: str) -> int | None:
    """Bytes an unprivileged process may still write on the file system of ``path`` (None: unknown)."""
    try:
        st = os.statvfs(path)
    except OSError:
        return None
    return st.f_bavail * st.f_frsize


def out_of_room(free: int | None) -> bool:
    """Whether ``free`` bytes (:func:`disk_free`) are too few for a check's files (:data:`LOW_ROOM`)."""
    return free is not None and free < LOW_ROOM
