"""CODEC-ROUNDTRIP through NDArrays: image data, cases inside a codec's domain, and Python codecs on both hosts.

The plugins' own runs are ``tox -e plugins`` (adapters/expectations/plugins/grok.yaml, openhtj2k.yaml).
"""

from __future__ import annotations

import dataclasses
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import udcodec.checks  # noqa: F401 - registers the checks
from hypothesis import given, settings
from hypothesis import strategies as st
from udcodec.checks.ndcodec import nd_cases
from udcodec.contract import load_contract
from udcodec.domain import load_domain
from udcodec.engine.runner import execute
from udcodec.outcomes import Outcome
from udcodec.profiles import get_profile
from udcodec.strategies import IMAGES, make_image
from udcodec.subject import CodecSubject

TESTS_DIR = Path(__file__).resolve().parents[1]
IMAGE_DOMAIN = str(TESTS_DIR / "broken" / "domains" / "nd_images.yaml")
CLAUSE = load_contract().get("CODEC-ROUNDTRIP")
PROFILE = dataclasses.replace(get_profile("dev"), derandomize=True, timeout=180.0)
GOOD = "udcodec.examples.zlib_codec"


@pytest.mark.parametrize("kind", IMAGES)
@pytest.mark.parametrize("dtype", ["u1", "i1", "u2", "i2", "u4", "f4"])
def test_images_span_the_samples_and_differ_by_channel(kind: str, dtype: str) -> None:
    image = make_image(kind, (20, 30, 3), np.dtype(dtype), 7, channel_axis=2)
    assert image.shape == (20, 30, 3) and image.dtype == np.dtype(dtype)
    assert np.array_equal(image, make_image(kind, (20, 30, 3), np.dtype(dtype), 7, channel_axis=2))
    assert len(np.unique(image)) > 2, "an image of one or two values tests nothing"
    assert not np.array_equal(image[..., 0], image[..., 1])
    if np.dtype(dtype).kind in "iu":
        top = 255 if np.dtype(dtype).itemsize > 2 else np.iinfo(dtype).max
        assert np.iinfo(dtype).min <= image.min() and image.max() <= top


def test_images_of_other_layouts_and_an_unknown_kind() -> None:
    assert make_image("edges", (3, 9, 17), np.dtype("u4"), 0, channel_axis=0).shape == (3, 9, 17)
    assert make_image("texture", (33,), np.dtype("f8"), 0).shape == (33,)
    with pytest.raises(ValueError, match="unknown image kind 'stripes'"):
        make_image("stripes", (4, 4), np.dtype("u1"), 0)


@pytest.mark.parametrize("name", ["grok", "openhtj2k", "j2k", "htj2k"])
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_cases_stay_inside_the_domain(name: str, data: st.DataObject) -> None:
    domain = load_domain(name)
    dtypes = list(domain.dtypes or ())
    drawn = nd_cases(domain, dtypes, [0], [("nofilter",)], ["never"], [1])
    assert drawn is not None
    strategy, first = drawn
    rules = domain.shape
    for case in (first, data.draw(strategy)):
        assert case.shape == case.chunks == case.blocks
        assert len(case.shape) in rules["ndim"] and case.dtype in dtypes
        assert math.prod(case.shape) * np.dtype(case.dtype).itemsize >= rules.get("min_nbytes", 0)
        if case.channel_axis is not None:
            assert case.channel_axis == rules["channel_axis"]
            assert 1 <= case.shape[case.channel_axis] <= rules.get("max_channels", 4)
            assert case.shape[case.channel_axis] in rules.get("channels", range(1, 5))
        assert case.array().shape == case.shape


def test_the_first_case_is_the_readme_image() -> None:
    drawn = nd_cases(load_domain("openhtj2k"), ["u4"], [0], [("nofilter",)], ["never"], [1])
    assert drawn is not None and drawn[1].shape == (3, 64, 48) and drawn[1].image == "gradient"


def test_no_numeric_dtype_draws_nothing() -> None:
    assert nd_cases(None, ["V3", "c16"], [0], [("nofilter",)], ["never"], [1]) is None


@pytest.fixture
def broken_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(TESTS_DIR))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(TESTS_DIR), os.environ.get("PYTHONPATH")])))


def _codec(decoder: str, domain: str | None = IMAGE_DOMAIN) -> CodecSubject:
    return CodecSubject.build(encoder=f"{GOOD}:encoder", decoder=decoder, domain=domain)


@pytest.mark.slow
@pytest.mark.parametrize("host", ["reference", "blosc2"])
def test_a_python_codec_round_trips_images_through_ndarrays(host: str) -> None:
    result = execute(host, host, CLAUSE, PROFILE, codec=_codec(f"{GOOD}:decoder"))
    assert result.outcome is Outcome.PASS, result.message
    assert result.examples is not None and result.examples["ran"] > 1


@pytest.mark.slow
@pytest.mark.parametrize("host", ["reference", "blosc2"])
def test_a_corrupting_decoder_fails_through_ndarrays(host: str, broken_importable: None) -> None:
    result = execute(host, host, CLAUSE, PROFILE, codec=_codec("broken.codecs:corrupting_decoder"))
    assert result.outcome is Outcome.FAIL, result.message
    assert "asarray(x)[...] != x" in result.message and "an NDArray" in result.message
    assert result.reproduction is not None and "blosc2.asarray(image" in result.reproduction
    if host == "blosc2":  # the reproduction, run on its own, fails the same way
        ran = subprocess.run([sys.executable, "-c", result.reproduction], capture_output=True, text=True, timeout=120)
        assert ran.returncode != 0 and "asarray(image)[...] != image" in ran.stderr, ran.stderr[-2000:]


@pytest.mark.slow
@pytest.mark.parametrize("domain", [IMAGE_DOMAIN, None], ids=["ndarray-domain", "default-domain"])
def test_a_host_that_ignores_the_codec_fails(domain: str | None, broken_importable: None) -> None:
    """The default domain holds both containers: a Python codec is driven through NDArrays too."""
    result = execute("broken.ndarray:NDArrayIgnoresCodecAdapter", "reference", CLAUSE, PROFILE,
                     codec=_codec(f"{GOOD}:decoder", domain))
    assert result.outcome is Outcome.FAIL, result.message
    assert "of the NDArray records codec 5 meta 0, not the codec under test" in result.message
