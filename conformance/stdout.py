"""The command's standard output, made to outlive its reader.

``udcodec run ... | head -1`` closes the pipe after one line, ``> /dev/full`` has no room, and a closed descriptor
(``>&-``) gives no stdout at all. What the command prints is the least of what it does: its reports and exit
status must not depend on it. :func:`keep_going` puts a stream in ``sys.stdout`` that drops what cannot be written
(the descriptor is pointed at ``/dev/null`` so nothing else trips on it either) and says once, on stderr, at exit.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
from typing import Any, TextIO


class _Resilient:
    """``stream``'s writes and flushes, until one fails; then nothing (what was lost is said at exit)."""

    def __init__(self, stream: TextIO | None, why: str | None = None) -> None:
        self._stream = stream
        self.lost = why  # why the output is gone, once it is

    def write(self, text: str) -> int:
        if self.lost is None and self._stream is not None:
            try:
                return self._stream.write(text)
            except (OSError, ValueError) as exc:  # ValueError: closed
                self._lose(exc)
        return len(text)

    def flush(self) -> None:
        if self.lost is None and self._stream is not None:
            try:
                self._stream.flush()
            except (OSError, ValueError) as exc:
                self._lose(exc)

    def isatty(self) -> bool:
        return self.lost is None and self._stream is not None and self._stream.isatty()

    def __getattr__(self, name: str) -> Any:  # encoding, errors, fileno, ...: the stream's
        if self._stream is None:
            raise AttributeError(name)
        return getattr(self._stream, name)

    def _lose(self, exc: OSError | ValueError) -> None:
        self.lost = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno() if self._stream is not None else 1)
            os.close(devnull)


def keep_going() -> None:
    """Make ``sys.stdout`` resilient for the rest of the process; only the process's own stdout is wrapped (one a
    caller put there, pytest's capture say, is the caller's)."""
    if sys.stdout is not sys.__stdout__:
        return
    stream: TextIO | None = sys.stdout
    why = None
    try:
        os.fstat(1)
    except OSError:  # started with fd 1 closed: what dups it (pytest's capture) finds /dev/null there
        why = "it is closed"
        devnull = os.open(os.devnull, os.O_WRONLY)
        if devnull != 1:
            os.dup2(devnull, 1)
            os.close(devnull)
        stream = None
    out = _Resilient(stream, why)
    sys.stdout = out

    @atexit.register
    def _say() -> None:
        out.flush()
        if out.lost is not None:
            with contextlib.suppress(OSError, ValueError):
                print(f"udcodec: the terminal output was cut (stdout: {out.lost}); the run went on, and its "
                      "reports and exit status are complete", file=sys.stderr)
