"""Editing expectations files as text: what stays is byte-identical, comments go with their entry."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from udcodec.adapters.loader import expectations_path
from udcodec.expectations.edit import edit_text, new_file_text, render_entry, write_checked
from udcodec.expectations.model import Expectation, ExpectationsError, load_expectations

TEXT = """\
# header comment
adapter: myport
expectations:
  # about the first entry
  - clause: REG-ID-TYPE
    reason: "floats are accepted"
    reproduction: |
      import myport
      # a comment inside the reproduction stays with it
      myport.register_codec("c", 170.0, f, f)

  # --- a detached section comment ---

  # about the second entry
  - clause: REG-CALLABLE
    reason: non-callables are accepted
    reproduction: x
    versions: ">=3"

  - clause: REG-NAME-TYPE
    reason: bytes names are accepted
    reproduction: y
# trailing comment
"""

NEW = Expectation(
    "CB-DEC-RETURN",
    'a "quoted" reason: with a colon',
    "import myport\n  indented line\n\nafter a blank line\n",
    versions="<2",
    upstream="https://example.org/issues/7",
    expires=date(2031, 12, 31),
)


def _load(tmp_path: Path, text: str) -> tuple[Expectation, ...]:
    path = tmp_path / "e.yaml"
    path.write_text(text, encoding="utf-8")
    return load_expectations(path).entries


def test_no_change_is_byte_identical(tmp_path: Path) -> None:
    assert edit_text(TEXT, "e.yaml", set(), {}, []) == TEXT
    shipped = expectations_path("blosc2")
    assert shipped is not None
    text = shipped.read_text(encoding="utf-8")
    assert edit_text(text, str(shipped), set(), {}, []) == text


def test_drop_takes_the_entry_and_its_own_comment(tmp_path: Path) -> None:
    out = edit_text(TEXT, "e.yaml", {1}, {}, [])
    assert "about the second entry" not in out and "REG-CALLABLE" not in out
    assert "# --- a detached section comment ---" in out  # not the entry's: it stays
    assert "# header comment" in out and "# trailing comment" in out
    assert "# a comment inside the reproduction stays with it" in out
    assert [e.clause for e in _load(tmp_path, out)] == ["REG-ID-TYPE", "REG-NAME-TYPE"]
    assert "\n\n\n" not in out


def test_drop_the_first_entry(tmp_path: Path) -> None:
    out = edit_text(TEXT, "e.yaml", {0}, {}, [])
    assert "about the first entry" not in out and "inside the reproduction" not in out
    assert out.startswith("# header comment\nadapter: myport\nexpectations:\n")
    assert [e.clause for e in _load(tmp_path, out)] == ["REG-CALLABLE", "REG-NAME-TYPE"]


def test_dropping_everything_leaves_a_valid_empty_list(tmp_path: Path) -> None:
    out = edit_text(TEXT, "e.yaml", {0, 1, 2}, {}, [])
    assert "expectations: []" in out
    assert _load(tmp_path, out) == ()


def test_replace_in_place_and_append(tmp_path: Path) -> None:
    renewed = Expectation("REG-CALLABLE", "still accepted", "x", ">=3", expires=date(2030, 1, 1))
    out = edit_text(TEXT, "e.yaml", set(), {1: renewed}, [NEW])
    entries = _load(tmp_path, out)
    assert [e.clause for e in entries] == [
        "REG-ID-TYPE",
        "REG-CALLABLE",
        "REG-NAME-TYPE",
        NEW.clause,
    ]
    assert entries[1].reason == "still accepted" and entries[1].expires == date(2030, 1, 1)
    assert "# about the second entry" in out  # the comment stays with the replaced entry
    new = entries[3]
    assert (new.reason, new.reproduction, new.versions) == (
        NEW.reason,
        NEW.reproduction,
        NEW.versions,
    )
    assert (new.upstream, new.expires) == (NEW.upstream, NEW.expires)
    assert out.index("REG-NAME-TYPE") < out.index(NEW.clause) < out.index("# trailing comment")


@pytest.mark.parametrize(
    "reproduction",
    [
        "no newline",
        "  leading spaces\n",
        "two trailing newlines\n\n",
        "tab\there\n",
        "bell\x07\n",
        "x\n",
    ],
)
def test_any_reproduction_round_trips(tmp_path: Path, reproduction: str) -> None:
    entry = Expectation("REG-ID-TYPE", "r", reproduction)
    text = "adapter: a\nexpectations:\n" + "\n".join(render_entry(entry)) + "\n"
    assert _load(tmp_path, text)[0].reproduction == reproduction


def test_a_new_file_starts_empty_and_grows(tmp_path: Path) -> None:
    text = new_file_text("myport_adapter:Adapter")
    assert _load(tmp_path, text) == ()
    out = edit_text(text, "e.yaml", set(), {}, [NEW])
    assert [e.clause for e in _load(tmp_path, out)] == [NEW.clause]
    assert load_expectations(tmp_path / "e.yaml").adapter == "myport_adapter:Adapter"


def test_flow_style_list_is_refused() -> None:
    text = "adapter: a\nexpectations: [{clause: X, reason: r, reproduction: x}]\n"
    with pytest.raises(ExpectationsError, match="flow-style"):
        edit_text(text, "e.yaml", set(), {}, [NEW])


def test_write_checked_refuses_a_text_that_reads_back_differently(tmp_path: Path) -> None:
    path = tmp_path / "e.yaml"
    path.write_text(TEXT, encoding="utf-8")
    wanted = list(load_expectations(path).entries)
    with pytest.raises(ExpectationsError, match="does not read back"):
        write_checked(path, edit_text(TEXT, str(path), {0}, {}, []), wanted)
    assert path.read_text(encoding="utf-8") == TEXT  # untouched
    assert [p.name for p in tmp_path.iterdir()] == ["e.yaml"]  # no temporary left behind
    write_checked(path, edit_text(TEXT, str(path), {0}, {}, []), wanted[1:])
    assert len(load_expectations(path).entries) == 2
