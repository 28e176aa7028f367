"""Codec domain files (``udcodec.domain``): the shipped ones load, malformed ones name file and field,
each axis keeps only what the domain accepts, and a lossy tolerance holds or names the bound it breaks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from udcodec.domain import DomainError, Tolerance, load_domain, shipped
from udcodec.subject import CodecSpecError, CodecSubject


@pytest.mark.parametrize("name", ["openzl", "grok", "openhtj2k", "j2k", "htj2k"])
def test_the_shipped_domains_load(name: str) -> None:
    assert name in shipped()
    domain = load_domain(name)
    assert domain.codec == name and domain.lossless


def test_an_ndarray_only_domain_is_not_drivable_and_says_why() -> None:
    grok = load_domain("grok")
    assert not grok.drivable
    assert "accepts only ndarray containers" in grok.not_drivable_reason()
    assert "CODEC-ROUNDTRIP drives NDArrays" in grok.not_drivable_reason()
    assert load_domain("openzl").drivable
    assert load_domain("openhtj2k").max_threads == 1 and grok.max_threads is None


def test_each_axis_keeps_what_the_domain_accepts(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text("codec: c\ncontainers: [schunk]\ndtypes: [u1, i2]\ntypesizes: [1]\nfilters: [[nofilter]]\n"
                    "splitmodes: [never]\nmetas: [0, 3]\ngenerators: [random]\n")
    d = load_domain(str(path))
    assert d.keep("dtypes", ["u1", "i2", "f8"]) == ["u1"]  # i2 is a listed dtype but typesize 2
    assert d.keep("filters", [["nofilter"], ["shuffle"]]) == [["nofilter"]]
    assert d.keep("splitmodes", ["always", "never"]) == ["never"]
    assert d.keep("metas", [0, 1, 3]) == [0, 3]
    assert d.keep("contents", ["random", "zeros"]) == ["random"]
    assert d.describe("filters") == "filter pipelines nofilter" and d.describe("splitmodes") == "splitmodes never"


@pytest.mark.parametrize(("text", "needle"), [
    ("codec: c\n", "(top level): 'containers' is a required property"),
    ("codec: c\ncontainers: [tape]\n", "containers.0: 'tape' is not one of"),
    ("codec: c\ncontainers: [schunk]\nsplitmodes: [sometimes]\n", "splitmodes.0:"),
    ("codec: c\ncontainers: [schunk]\ndtypes: [notadtype]\n", "dtypes: 'notadtype' is not a NumPy dtype"),
    ("codec: c\ncontainers: [schunk]\nlossy: {}\n", "lossy:"),
    ("codec: c\ncontainers: [ndarray]\nmax_threads: 0\n", "max_threads: 0 is less than the minimum of 1"),
    ("codec: [\n", "not YAML"),
])
def test_a_malformed_domain_names_file_and_field(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(DomainError) as err:
        load_domain(str(path))
    assert str(err.value).startswith(str(path)) and needle in str(err.value)


def test_a_missing_domain_lists_the_shipped_ones() -> None:
    with pytest.raises(DomainError, match="shipped domains: grok, .*openzl"):
        load_domain("no-such-domain")


def test_check_codec_names_the_option_for_a_bad_domain(tmp_path: Path) -> None:
    with pytest.raises(CodecSpecError, match=r"^--domain .*cannot read the domain file"):
        CodecSubject.build(plugin="openzl", id=38, domain=str(tmp_path / "missing.yaml"))


def test_a_tolerance_holds_or_names_the_bound() -> None:
    want = np.arange(100, dtype=np.uint8).tobytes()
    near = (np.arange(100, dtype=np.uint8) + np.array([0, 1] * 50, dtype=np.uint8)).tobytes()
    assert Tolerance(max_abs_error=1).problem(near, want, "u1") is None
    assert Tolerance(max_abs_error=0).problem(near, want, "u1") == "max abs error 1 > 0"
    assert Tolerance(bits=1).problem(near, want, "u1") is None
    assert Tolerance(bits=0).problem(near, want, "u1") == "max abs error 1 reaches past the low 0 bits"
    assert Tolerance(psnr=40).problem(near, want, "u1") is None
    assert Tolerance(psnr=60).problem(near, want, "u1").startswith("PSNR 51.1 dB < 60 dB")
    assert Tolerance(max_abs_error=5).problem(near[:-1], want, "u1") == "99 bytes came back for 100"
