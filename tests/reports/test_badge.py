"""The SVG badge of a certificate level (``udcodec.reports.badge``) and ``udcodec verify --badge``."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from udcodec import cli
from udcodec.contract import load_contract
from udcodec.outcomes import CheckResult, Outcome
from udcodec.reports.badge import LEVEL_COLOURS, render_badge
from udcodec.reports.certificate import LEVEL_ORDER, build_certificate
from udcodec.reports.model import AdapterRun, RunRecord

SVG = "{http://www.w3.org/2000/svg}"


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def _fills(svg: str) -> list[str]:
    return [r.attrib["fill"] for r in ET.fromstring(svg).iter(f"{SVG}rect")]


@pytest.mark.parametrize("level", LEVEL_ORDER)
def test_a_badge_per_level_parses_and_shows_it(level: str) -> None:
    svg = render_badge(level)
    assert _texts(svg) == ["udcodec", level]
    assert _fills(svg) == ["#555", LEVEL_COLOURS[level]]
    root = ET.fromstring(svg)
    assert root.attrib["aria-label"] == f"udcodec: {level}"
    assert int(root.attrib["width"]) == sum(int(r.attrib["width"]) for r in root.iter(f"{SVG}rect"))


def test_levels_have_distinct_colours_and_no_other_level_has_a_badge() -> None:
    assert set(LEVEL_COLOURS) == set(LEVEL_ORDER)
    assert len(set(LEVEL_COLOURS.values())) == len(LEVEL_ORDER)
    with pytest.raises(ValueError, match="no badge for level 'gold'"):
        render_badge("gold")


def _certificate(tmp_path: Path, fail: str | None = None) -> Path:
    ids = [c.id for c in load_contract() if c.subject == "host"]
    results = [CheckResult(c, "port", Outcome.FAIL if c == fail else Outcome.PASS) for c in ids]
    record = RunRecord("1.0.0", "0" * 64, adapters=[AdapterRun("myport:A", "port", "myport", "2.0")],
                       results=results)
    path = tmp_path / "cert.json"
    path.write_text(json.dumps(build_certificate(record, "port", load_contract())), encoding="utf-8")
    return path


@pytest.mark.parametrize(("fail", "level"), [(None, "full"), ("PLUG-NAME", "core"), ("REG-ID-TYPE", "none")])
def test_verify_writes_the_badge_of_the_level(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fail: str | None, level: str
) -> None:
    out = tmp_path / "b" / "badge.svg"
    assert cli.main(["verify", str(_certificate(tmp_path, fail)), "--badge", str(out)]) == 0
    assert _texts(out.read_text("utf-8")) == ["udcodec", level]
    assert f"badge ({level}) written to {out}" in capsys.readouterr().out


def test_a_certificate_that_no_longer_holds_gets_the_none_badge(tmp_path: Path) -> None:
    cert = _certificate(tmp_path)
    data = json.loads(cert.read_text("utf-8"))
    data["spec"]["sha256"] = "1" * 64  # issued against another spec, where REG-ID-TYPE read otherwise
    data["clauses"]["REG-ID-TYPE"]["digest"] = "0" * 16
    cert.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "badge.svg"
    assert cli.main(["verify", str(cert), "--badge", str(out)]) == 1
    assert _texts(out.read_text("utf-8")) == ["udcodec", "none"]


def test_an_unwritable_badge_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    assert cli.main(["verify", str(_certificate(tmp_path)), "--badge", str(tmp_path / "file" / "b.svg")]) == 2
    assert "could not write the badge" in capsys.readouterr().err
