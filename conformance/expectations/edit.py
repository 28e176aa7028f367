"""Edit an expectations file as text: drop, replace and append entries, keeping everything else.

Comments, blank lines, quoting and the order of the entries that stay are kept. An entry's own
comment lines (directly above its ``- clause:`` line) go with it when it is dropped. The result is
loaded back and compared with what was asked for before anything is written.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from udcodec.expectations.model import Expectation, ExpectationsError, load_expectations

PLAIN_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")
DEFAULT_HEADER = (
    "# Known divergences of adapter {adapter} from the register_codec contract. Each entry: the\n"
    "# clause, a one-line reason and a reproduction. Maintained with `udcodec baseline update`.\n"
)


def _scalar(text: str) -> str:
    return text if PLAIN_ID.match(text) else json.dumps(text, ensure_ascii=False)


def _block(key: str, text: str, indent: str) -> list[str]:
    """``key: |`` with ``text`` as a literal block, or a quoted scalar when a block cannot carry it."""
    body = text[:-1] if text.endswith("\n") else text
    printable = all(ch.isprintable() or ch == "\n" for ch in body)
    if not body or body.endswith("\n") or not printable or any(ln != ln.rstrip() for ln in body.split("\n")):
        return [f"{indent}{key}: {json.dumps(text, ensure_ascii=False)}"]
    header = "|" + ("2" if body[0] == " " else "") + ("" if text.endswith("\n") else "-")
    inner = indent + "  "
    return [f"{indent}{key}: {header}"] + [inner + ln if ln else "" for ln in body.split("\n")]


def render_entry(entry: Expectation, dash: int = 2) -> list[str]:
    """The YAML lines of one entry, its ``-`` at column ``dash``."""
    key = " " * (dash + 2)
    lines = [f"{' ' * dash}- clause: {_scalar(entry.clause)}", f"{key}reason: {json.dumps(entry.reason, ensure_ascii=False)}"]
    lines += _block("reproduction", entry.reproduction, key)
    if entry.versions:
        lines.append(f"{key}versions: {json.dumps(entry.versions)}")
    if entry.upstream:
        lines.append(f"{key}upstream: {json.dumps(entry.upstream)}")
    if entry.expires:
        lines.append(f"{key}expires: {entry.expires.isoformat()}")
    return lines


@dataclass
class _Entry:
    gap: list[str]  # blank lines and detached comments before the entry
    comments: list[str]  # comment lines directly above it
    body: list[str]


@dataclass
class _Layout:
    head: list[str]
    entries: list[_Entry] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)
    dash: int = 2
    separated: bool = False  # entries separated by blank lines


def _is_trailer(line: str, dash: int) -> bool:
    """Blank, or a comment no deeper than the entries' dashes (deeper ``#`` lines are block content)."""
    stripped = line.strip()
    return not stripped or (stripped.startswith("#") and len(line) - len(line.lstrip()) <= dash)


def _split_trailer(lines: list[str], dash: int) -> tuple[list[str], list[str]]:
    end = len(lines)
    while end and _is_trailer(lines[end - 1], dash):
        end -= 1
    return lines[:end], lines[end:]


def _split_comments(trailer: list[str]) -> tuple[list[str], list[str]]:
    start = len(trailer)
    while start and trailer[start - 1].strip():
        start -= 1
    return trailer[:start], trailer[start:]


def _layout(text: str, path: str) -> _Layout:
    lines = text.splitlines()
    root = yaml.compose(text)
    seq = next((v for k, v in root.value if k.value == "expectations"), None) if root else None
    if not isinstance(seq, yaml.SequenceNode):
        raise ExpectationsError(path, None, "expectations", "is not a list")
    if seq.flow_style:
        if seq.value:
            raise ExpectationsError(path, seq.start_mark.line + 1, "expectations",
                                    "a flow-style list ([...]) cannot be edited; write it in block style")
        number = seq.start_mark.line
        head = lines[:number] + [lines[number][: seq.start_mark.column].rstrip()]
        return _Layout(head=head, tail=lines[number + 1:])
    if not seq.value:
        return _Layout(head=lines)
    starts = [item.start_mark.line for item in seq.value]
    dash = max(0, seq.value[0].start_mark.column - 2)
    end = min(seq.end_mark.line, len(lines))
    head, before = _split_trailer(lines[: starts[0]], dash)
    layout = _Layout(head=head, dash=dash)
    for i, start in enumerate(starts):
        stop = starts[i + 1] if i + 1 < len(starts) else end
        body, trailer = _split_trailer(lines[start:stop], dash)
        gap, comments = _split_comments(before)
        layout.entries.append(_Entry(gap, comments, body))
        before = trailer
    layout.tail = before + lines[end:]
    layout.separated = any(not ln.strip() for e in layout.entries[1:] for ln in e.gap)
    return layout


def _collapse(lines: list[str], leading: bool) -> list[str]:
    """``lines`` with runs of blank lines made one, and without leading blanks unless ``leading``."""
    out: list[str] = []
    for line in lines:
        if line.strip() or (out and out[-1].strip()) or (not out and leading):
            out.append(line)
    return out


def edit_text(
    text: str,
    path: str,
    drop: set[int],
    replace: dict[int, Expectation],
    append: list[Expectation],
) -> str:
    """``text`` with entries ``drop`` (indexes) removed, ``replace`` swapped in place, ``append`` added."""
    layout = _layout(text, path)
    out = list(layout.head)
    kept = 0
    carry: list[str] = []  # the gaps of dropped entries: their detached comments stay
    for i, entry in enumerate(layout.entries):
        if i in drop:
            carry += entry.gap
            continue
        gap = _collapse(carry + entry.gap, leading=bool(kept))
        body = render_entry(replace[i], layout.dash) if i in replace else entry.body
        out += gap + entry.comments + body
        kept, carry = kept + 1, []
    out += _collapse(carry, leading=bool(append))
    for new in append:
        if kept and layout.separated and out[-1].strip():
            out.append("")
        out += render_entry(new, layout.dash)
        kept += 1
    if not kept:  # an empty block list would read as null
        out = [re.sub(r"^expectations:\s*(#.*)?$", r"expectations: [] \1", ln).rstrip() for ln in out]
    out += layout.tail
    return "\n".join(out).rstrip("\n") + "\n"


def new_file_text(adapter: str) -> str:
    return DEFAULT_HEADER.format(adapter=adapter) + f"adapter: {_scalar(adapter)}\nexpectations: []\n"


def _same(a: Expectation, b: Expectation) -> bool:
    keys = ("clause", "reason", "reproduction", "versions", "upstream", "expires")
    return all(getattr(a, k) == getattr(b, k) for k in keys)


def write_checked(path: Path, text: str, wanted: list[Expectation]) -> None:
    """Write ``text`` to ``path`` atomically, after checking it loads back as exactly ``wanted``."""
    fd, tmp = tempfile.mkstemp(prefix=".udcodec-", suffix=".yaml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        got = load_expectations(tmp).entries
        if len(got) != len(wanted) or not all(_same(a, b) for a, b in zip(got, wanted, strict=True)):
            raise ExpectationsError(str(path), None, "expectations",
                                    "internal error: the edited file does not read back as intended; left unchanged")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
