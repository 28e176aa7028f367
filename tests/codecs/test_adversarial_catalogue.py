"""The adversarial catalogue (``conformance/adversarial.yaml``): every entry makes its data, cites a public
issue, and the codec checks run it: codecs broken the way the cited ones were fail, though their drawn
examples pass."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import udcodec.checks  # noqa: F401 - registers the checks
from udcodec.contract import Clause, load_contract
from udcodec.data import CATALOGUE_FILE, RECIPES, catalogue, load_catalogue
from udcodec.engine.runner import execute
from udcodec.outcomes import Outcome
from udcodec.profiles import get_profile
from udcodec.subject import CodecSubject

CONTRACT = load_contract()
PROFILE = dataclasses.replace(get_profile("dev"), derandomize=True, timeout=180.0)
GOOD = "udcodec.examples.zlib_codec"


def test_the_catalogue_has_15_to_25_entries_each_citing_a_github_issue() -> None:
    entries = catalogue()
    assert 15 <= len(entries) <= 25
    assert len({e.id for e in entries}) == len(entries)
    for entry in entries:
        assert entry.issue.startswith("https://github.com/") and ("/issues/" in entry.issue or "/pull/" in entry.issue)
        assert entry.recipe in RECIPES


@pytest.mark.parametrize("entry", catalogue(), ids=lambda e: e.id)
def test_every_entry_makes_its_data(entry) -> None:  # type: ignore[no-untyped-def]
    data = entry.data()
    assert len(data) == entry.nbytes == entry.items * np.dtype(entry.dtype).itemsize
    assert data == entry.data(), "an entry's data must be the same every time"


def test_the_entries_provoke_what_they_say() -> None:
    by_id = {e.id: e for e in catalogue()}
    subnormal = np.frombuffer(by_id["subnormal-block"].data(), dtype="<f4")
    assert (subnormal != 0).all() and (np.abs(subnormal) < np.finfo(np.float32).tiny).all()
    tiny = np.frombuffer(by_id["tiny-normal-block"].data(), dtype="<f8")
    assert (np.abs(tiny) >= np.finfo(np.float64).tiny).all() and (np.abs(tiny) < 2.0**-962).all()
    nans = np.frombuffer(by_id["nan-payloads"].data(), dtype="<u4")
    payloads = nans[np.isnan(nans.view("<f4"))] & 0x7FFFFF
    assert len(set(payloads.tolist())) > 100 and (payloads & 0x400000 == 0).any(), "signaling NaNs with payloads"
    assert by_id["zeros-past-7240-bytes"].data() == bytes(7241)
    late = by_id["match-at-block-end"].data()
    assert late[-11:] == late[:11]
    assert by_id["literal-run-of-65536"].data()[65536:] == by_id["literal-run-of-65536"].data()[:4096]


@pytest.mark.parametrize(("edit", "needle"), [
    (lambda text: text.replace("recipe: zeros", "recipe: no-such-recipe", 1), "unknown data recipe 'no-such-recipe'"),
    (lambda text: text.replace("    issue: https://github.com/Blosc/python-blosc2/issues/665\n", "", 1), "'issue' is a required"),
    (lambda text: text.replace("issues/665", "wiki/665", 1), "does not match"),
    (lambda text: text.replace("id: zeros-past-7240-bytes", "id: zeros-length-not-multiple-of-typesize", 1), "appears twice"),
])
def test_a_malformed_catalogue_is_refused_naming_the_problem(tmp_path: Path, edit, needle: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "adversarial.yaml"
    path.write_text(edit(CATALOGUE_FILE.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ValueError, match="adversarial.yaml") as caught:
        load_catalogue(path)
    assert needle in str(caught.value)


def _without_catalogue(clause: Clause) -> Clause:
    checks = tuple(dataclasses.replace(ref, params={**ref.params, "adversarial": False}) for ref in clause.checks)
    return dataclasses.replace(clause, checks=checks)


def _codec(encoder: str, decoder: str) -> CodecSubject:
    def target(name: str) -> str:
        return f"{GOOD}:{name}" if name in ("encoder", "decoder") else f"broken.codecs:{name}"

    return CodecSubject.build(encoder=target(encoder), decoder=target(decoder))


@pytest.mark.slow
@pytest.mark.parametrize(("clause", "encoder", "decoder", "recipe", "needle"), [
    ("CODEC-BLOCK-ROUNDTRIP", "encoder", "subnormal_flushing_decoder", "subnormals", "decoder(encoder(block)) != block"),
    ("CODEC-ROUNDTRIP", "encoder", "subnormal_flushing_decoder", "subnormals", "decompress(compress(x)) != x"),
    ("CODEC-BLOCK-ROUNDTRIP", "near_64k_encoder", "decoder", "yes-lines", "destination too small"),
])
def test_a_codec_broken_like_a_cited_one_fails_on_the_catalogue_only(clause: str, encoder: str, decoder: str,
                                                                    recipe: str, needle: str) -> None:
    codec = _codec(encoder, decoder)
    result = execute("reference", "reference", CONTRACT.get(clause), PROFILE, codec=codec)
    assert result.outcome is Outcome.FAIL, result.message
    assert needle in result.message and result.reproduction
    assert result.counterexample["content"] == recipe, result.counterexample
    # a catalogue entry is reported as given (its size is the point), named with the failure it records
    assert any(f"\n[the adversarial catalogue's entry {e.id}: {e.failure} ({e.issue})]" in result.message
               for e in catalogue() if e.recipe == recipe), result.message
    drawn = execute("reference", "reference", _without_catalogue(CONTRACT.get(clause)), PROFILE, codec=codec)
    assert drawn.outcome is Outcome.PASS, f"drawn examples alone found it: {drawn.message}"


@pytest.mark.slow
def test_the_catalogue_runs_first_and_counts_among_the_examples() -> None:
    codec = _codec("encoder", "decoder")
    result = execute("reference", "reference", CONTRACT.get("CODEC-BLOCK-ROUNDTRIP"), PROFILE, codec=codec)
    assert result.outcome is Outcome.PASS, result.message
    assert result.examples == {"ran": len(catalogue()) + PROFILE.max_examples,
                               "planned": len(catalogue()) + PROFILE.max_examples, "cut": False}
