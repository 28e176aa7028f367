"""Outcomes of one (clause, adapter) check and the record the reports are built from."""

from __future__ import annotations

import enum
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

#: Most characters of one message or stderr tail kept: by a check's failure, and by every file report.
MESSAGE_MAX = 64 * 1024


_CUT = re.compile(r"\n\[\.\.\. (\d+) characters cut \.\.\.\]\n")


def clip(text: str, limit: int = MESSAGE_MAX) -> str:
    """``text`` if it has at most ``limit`` characters, else its head and tail around a note of the cut. A text
    clipped before (a message quoting a clipped one) is cut around its note, which then counts every character cut."""
    if len(text) <= limit:
        return text
    earlier = _CUT.search(text)
    if earlier is None:
        head, tail, cut = text, "", 0
    else:
        head, tail, cut = text[:earlier.start()], text[earlier.end():], int(earlier.group(1))
    if not tail:  # nothing cut yet: half the room to each end
        head, tail = text[:limit // 2], text[limit // 2:]
    keep_head = min(len(head), limit // 2)
    keep_tail = min(len(tail), limit - keep_head)
    keep_head = min(len(head), limit - keep_tail)  # a short tail leaves its room to the head
    cut += len(head) - keep_head + len(tail) - keep_tail
    return f"{head[:keep_head]}\n[... {cut} characters cut ...]\n{tail[len(tail) - keep_tail:]}"


def exc_text(exc: BaseException) -> str:
    """``str(exc)``, or what went wrong making it: an implementation's exception may have a ``__str__`` that raises
    or returns no string, and its message is reported, never raised again."""
    try:
        return str(exc)
    except Exception as err:  # noqa: BLE001
        return f"<str() of the exception raised {type(err).__name__}>"


#: The outcomes pytest itself knows.
PytestOutcome = Literal["passed", "failed", "skipped"]


class Outcome(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    XFAIL = "xfail"  # failed, and the adapter's expectations file said it would
    XPASS = "xpass"  # expected to fail, but passed
    SKIP = "skip"  # the adapter lacks a capability the check needs, or another clause's defect hides this one
    NOT_APPLICABLE = "n/a"  # the clause does not apply to this implementation (check, version range, no peer)
    CRASH = "crash"  # the isolated process died (signal or abnormal exit)
    HANG = "hang"  # the check exceeded its timeout and was killed
    RESOURCE = "resource"  # the check exceeded a resource limit of its process (memory) or its machine (disk)
    ERROR = "error"  # a harness problem: bad spec, adapter not importable, bug in a check

    @property
    def pytest_outcome(self) -> PytestOutcome:
        """The outcome pytest reports for this one: ``passed``, ``failed`` or ``skipped``."""
        return PYTEST_OUTCOMES[self]


#: What pytest reports for each outcome (an ``xpass`` under ``--strict`` is made ``failed`` by the plugin).
PYTEST_OUTCOMES: dict[Outcome, PytestOutcome] = {
    Outcome.PASS: "passed",
    Outcome.FAIL: "failed",
    Outcome.XFAIL: "skipped",
    Outcome.XPASS: "passed",
    Outcome.SKIP: "skipped",
    Outcome.NOT_APPLICABLE: "skipped",
    Outcome.CRASH: "failed",
    Outcome.HANG: "failed",
    Outcome.RESOURCE: "failed",
    Outcome.ERROR: "failed",
}

#: Where a failure lies, from retrying the failing example with a builtin codec (same filters, typesize,
#: block size): the Blosc2 format or filter pipeline (it fails with a builtin codec too), or the user-codec
#: path only. None when the clause was not retried (it passed, or a retry is not meaningful for it).
Attribution = Literal["also with builtin codecs", "user-codec path only"]
ALSO_BUILTIN: Attribution = "also with builtin codecs"
USER_CODEC_ONLY: Attribution = "user-codec path only"
ATTRIBUTIONS: tuple[Attribution, ...] = (ALSO_BUILTIN, USER_CODEC_ONLY)

#: Outcomes that make ``udcodec run`` exit non-zero.
#: ``CheckResult.extra`` key of a failure's explanation, ``{"check", "why"}`` (see ``udcodec.checks.api.Explanation``).
#: Once settled (the clause of ``check`` failed of the same cause), the result is ``skip`` and the key also holds
#: that ``"clause"`` and the failure's own ``"message"`` and ``"counterexample"``.
EXPLAINED_BY = "explained_by"

#: ``CheckResult.extra`` key of what the implementation did beside its verdict that a user should know: processes it
#: left running, output it flooded (one sentence each; the reports list them whatever the outcome).
CONDUCT = "conduct"

UNEXPECTED = frozenset({Outcome.FAIL, Outcome.CRASH, Outcome.HANG, Outcome.RESOURCE, Outcome.ERROR})
#: What an expectations entry turns into ``xfail``: the clause's implementation was judged and did not
#: keep it (a check error is the harness's, never expected).
EXPECTABLE = frozenset({Outcome.FAIL, Outcome.CRASH, Outcome.HANG, Outcome.RESOURCE})
#: Outcomes that make ``udcodec run --strict`` exit non-zero as well.
UNEXPECTED_STRICT = UNEXPECTED | {Outcome.XPASS}


@dataclass
class CheckResult:
    """What one (clause, adapter) run produced; serialised into every report."""

    clause: str
    adapter: str
    outcome: Outcome
    duration: float = 0.0
    message: str = ""
    level: str = "MUST"
    subject: str = "host"
    counterexample: Any = None
    reproduction: str | None = None
    expected_reason: str | None = None  # set for xfail / xpass
    signal: str | None = None  # set for crash
    stderr_tail: str | None = None  # set for crash / hang / resource
    nodeid: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    #: Known defects the checks got past to test something else: ``{"name", "defect", "how"}`` each.
    workarounds: list[dict[str, str]] = field(default_factory=list)
    attribution: Attribution | None = None  # a failure retried with a builtin codec
    #: ``{"ran", "planned", "cut"}``: the examples the clause's properties ran (None: it draws none)
    examples: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["outcome"] = self.outcome.value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CheckResult:
        data = dict(data)
        data["outcome"] = Outcome(data["outcome"])
        return cls(**data)
