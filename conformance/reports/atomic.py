"""Writing a report file atomically: readers see the previous file or the whole new one, never a part."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path


def encode(text: str) -> bytes:
    """``text`` as UTF-8, a lone surrogate (a non-UTF-8 file name, say) as its ``\\udcxx`` escape."""
    return text.encode("utf-8", errors="backslashreplace")


def write_atomic(path: str | os.PathLike[str], text: str | bytes) -> Path:
    """Write ``text`` (str: see :func:`encode`) to ``path``; return the path.

    The text goes to a temporary file in the same directory (parents created), is synced to disk and
    then renamed over ``path``. On any failure an existing ``path`` is left as it was and the temporary
    file is removed. A file at ``path`` the user cannot write to is refused, not replaced. A symbolic link is
    followed (the file it names is replaced, the link kept); what is no regular file (a device such as
    ``/dev/stdout``, a FIFO) is written to in place, never replaced.
    """
    given = Path(path)
    data = encode(text) if isinstance(text, str) else text
    if given.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(given))
    if given.exists() and not given.is_file():
        with open(given, "wb") as fh:  # a device or a FIFO: its reader gets the report
            fh.write(data)
        return given
    out = Path(os.path.realpath(given)) if given.is_symlink() else given
    if out.exists() and not os.access(out, os.W_OK):
        raise PermissionError(errno.EACCES, "Permission denied (a read-only file)", str(given))
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if out.exists():
            os.chmod(temp, out.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, out)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
    return given


def append_text(path: str | os.PathLike[str], text: str) -> Path:
    """Append ``text`` to ``path`` (``$GITHUB_STEP_SUMMARY`` wants appends): the old content plus the new,
    written with :func:`write_atomic` so a failed append leaves the file as it was."""
    out = Path(path)
    old = out.read_bytes() if out.is_file() else b""
    return write_atomic(out, old + encode(text))
