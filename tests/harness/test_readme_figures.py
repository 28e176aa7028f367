"""README.md's generated figures match the code (``readme_figures.py``), and the check has teeth."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
import readme_figures as rf


@pytest.fixture(scope="module")
def sources() -> rf.Sources:
    return rf.Sources()


def test_every_region_matches_the_code(sources):
    found = rf.problems(rf.FILES, sources)
    assert not found, "\n".join(found) + "\nregenerate with: python tests/harness/readme_figures.py"


def test_every_path_and_module_the_readmes_name_exists():
    assert rf.stale_names() == []


@pytest.fixture
def copies(tmp_path) -> list[Path]:
    out = []
    for path in rf.FILES:
        target = tmp_path / path.relative_to(rf.ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
        out.append(target)
    return out


def test_a_region_that_differs_is_named(copies, sources):
    readme = copies[0]
    text = readme.read_text(encoding="utf-8")
    start = text.index("<!-- figures:sweep -->") + len("<!-- figures:sweep -->")
    readme.write_text(text[:start] + "84" + text[text.index(" chunks", start):], encoding="utf-8")
    found = rf.problems(copies, sources)
    assert len(found) == 1 and "region 'sweep' differs" in found[0]
    fixed, changed = rf.update(readme.read_text(encoding="utf-8"), sources)
    assert changed == ["sweep"] and fixed == text


def test_unknown_unclosed_and_missing_regions_are_reported(copies, sources):
    readme = copies[0]
    text = readme.read_text(encoding="utf-8")
    text = text.replace("<!-- /figures:outcomes -->", "", 1)  # unclosed; so 'outcomes' is in no file
    text += "\n<!-- figures:no-such-figure -->1<!-- /figures:no-such-figure -->\n"
    readme.write_text(text, encoding="utf-8")
    found = "\n".join(rf.problems(copies, sources))
    assert "region 'outcomes' is not closed" in found
    assert "unknown region 'no-such-figure'" in found
    assert "no file has a region 'outcomes'" in found


def test_figures_follow_the_expectations_file(sources):
    changed = rf.Sources()
    changed.__dict__["expectations"] = dataclasses.replace(sources.expectations,
                                                           entries=sources.expectations.entries[1:])
    before, after = rf.quickstart_verdicts(sources), rf.quickstart_verdicts(changed)
    assert before != after
    assert f"the other {len(changed.divergences(sources.blosc2_versions()[-1]))} are divergences" in after


def test_a_version_range_splits_the_lines(sources):
    changed = rf.Sources()
    first, *rest = sources.expectations.entries
    changed.__dict__["expectations"] = dataclasses.replace(
        sources.expectations, entries=(dataclasses.replace(first, versions=">=4"), *rest))
    text = rf.lines_divergences(changed)
    assert "the same" not in text and f"version ranges are recorded for `{first.clause}`" in text
    oldest, newest = changed.blosc2_versions()[0], changed.blosc2_versions()[-1]
    # The other entries' own ranges count too; the first entry now holds for the newest line only.
    others = {v: sum(e.holds_for("python-blosc2", v) for e in rest) for v in (oldest, newest)}
    assert f"{oldest} diverges on {others[oldest]} clauses" in text
    assert f"{newest} diverges on {others[newest] + 1} clauses" in text


def test_certificate_level_follows_must_divergences(sources):
    should_only = rf.Sources()
    should = {c.id for c in sources.contract if c.level == "SHOULD"}
    should_only.__dict__["expectations"] = dataclasses.replace(
        sources.expectations, entries=tuple(e for e in sources.expectations.entries if e.clause in should))
    assert "reaches `core`" in rf.certificate_levels(should_only)
    none_left = rf.Sources()
    none_left.__dict__["expectations"] = dataclasses.replace(sources.expectations, entries=())
    assert "reaches `full`" in rf.certificate_levels(none_left)
    assert "reaches `none`" in rf.certificate_levels(sources)


def test_a_stale_path_or_module_is_named(copies):
    readme = copies[0]
    readme.write_text(readme.read_text(encoding="utf-8")
                      + "\n`conformance/interop_matrix.py` and `udcodec.no_such_module`\n", encoding="utf-8")
    found = rf.stale_names([readme], rf.ROOT)
    assert [f.rpartition("README.md: ")[2] for f in found] == ["no such path 'conformance/interop_matrix.py'",
                                                                "no such module or attribute 'udcodec.no_such_module'"]
