"""Every codec clause can fail: each broken codec in ``tests/broken/codecs.py`` fails its clause.

The good example codecs pass every clause these rows name (so the failure comes from the breakage),
and together the rows cover every codec clause of the spec.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import NamedTuple

import pytest
import udcodec.checks  # noqa: F401 - registers the checks
from udcodec.contract import load_contract
from udcodec.engine.runner import execute
from udcodec.outcomes import Outcome
from udcodec.profiles import get_profile
from udcodec.subject import CodecSubject

TESTS_DIR = Path(__file__).resolve().parents[1]
if str(TESTS_DIR) not in sys.path:  # the broken codecs are imported as ``broken.codecs`` (tests/ on sys.path)
    sys.path.insert(0, str(TESTS_DIR))
CONTRACT = load_contract()
# dev-sized searches, derandomized; a generous timeout, since shrinking a failure takes ~20 s and twice
# that on a loaded 2-core machine.
PROFILE = dataclasses.replace(get_profile("dev"), derandomize=True, timeout=180.0)
GOOD = "udcodec.examples.zlib_codec"
BROKEN = "broken.codecs"


class Breaks(NamedTuple):
    encoder: str
    decoder: str
    clause: str
    needle: str
    options: tuple[tuple[str, str], ...] = ()

    def subject(self) -> CodecSubject:
        def target(name: str) -> str:
            return f"{GOOD}:{name}" if name in ("encoder", "decoder") else f"{BROKEN}:{name}"

        options = dict(self.options)
        domain = str(TESTS_DIR / "broken" / "domains" / options["domain"]) if "domain" in options else None
        return CodecSubject.build(encoder=target(self.encoder), decoder=target(self.decoder),
                                  version=options.get("version", 1),
                                  metas=[int(m) for m in options.get("metas", "0").split()], domain=domain)


ROWS = [
    Breaks("encoder", "decoder", "CODEC-REGISTERS", "rejected the codec's registration", (("version", "256"),)),
    Breaks("encoder", "corrupting_decoder", "CODEC-ROUNDTRIP", "decompress(compress(x)) != x"),
    Breaks("encoder", "corrupting_decoder", "CODEC-ROUNDTRIP", "asarray(x)[...] != x", (("domain", "nd_images.yaml"),)),
    Breaks("encoder", "corrupting_decoder", "CODEC-BLOCK-ROUNDTRIP", "decoder(encoder(block)) != block"),
    Breaks("float_size_encoder", "decoder", "CODEC-ENC-SIZE", "not an integer size"),
    Breaks("oversize_encoder", "decoder", "CODEC-ENC-SIZE", "outside [0,"),
    Breaks("encoder", "zero_returning_decoder", "CODEC-DEC-SIZE", "not the decompressed size"),
    Breaks("encoder", "truncating_decoder", "CODEC-DEC-BOUNDS", "it reports bytes it had no room for"),
    Breaks("unchecked_encoder", "decoder", "CODEC-SMALL-OUTPUT", "the encoder raised"),
    Breaks("stateful_encoder", "stateful_decoder", "CODEC-META", "decoder(encoder(block)) != block", (("metas", "0 7"),)),
    Breaks("retaining_encoder", "decoder", "CODEC-NO-RETAIN", "still references its encoder input"),
    Breaks("encoder", "wide_item_decoder", "CODEC-TYPESIZES", "decompress(compress(x)) != x"),
    Breaks("item_view_encoder", "decoder", "CODEC-SPLITMODES", "not made of"),
    Breaks("tiny_block_encoder", "decoder", "CODEC-SMALL-BLOCKS", "the encoder raised IndexError"),
    Breaks("scribbling_encoder", "decoder", "CODEC-NO-OVERRUN", "wrote"),
    Breaks("second_byte_encoder", "decoder", "CODEC-TINY-BLOCKS", "the encoder raised IndexError"),
    Breaks("copying_encoder", "copying_decoder", "CODEC-INCOMPRESSIBLE", "should return 0"),
    Breaks("salted_encoder", "salted_decoder", "CODEC-DETERMINISTIC", "gave different results"),
    Breaks("encoder", "bytes_only_decoder", "CODEC-OUTSIDE-DOMAIN", "came back wrong instead of being refused",
           (("domain", "bytes_only.yaml"),)),
]
#: Codec clauses only a compiled plugin on a host that loads plugins can fail: their broken plugins are
#: built with the C compiler in ``tests/plugins/test_plugin_clauses.py`` (Python codecs are n/a there).
PLUGIN_ONLY = {"CODEC-PLUGIN-STANDALONE", "CODEC-THREADS"}


@pytest.mark.slow
@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.clause}-{r.encoder}-{r.decoder}")
def test_broken_codec_fails_its_clause(row: Breaks) -> None:
    result = execute("reference", "reference", CONTRACT.get(row.clause), PROFILE, codec=row.subject())
    assert result.outcome is Outcome.FAIL, f"{result.outcome}: {result.message}"
    assert row.needle in result.message, result.message
    assert result.reproduction, "a failing codec check must come with a reproduction"


@pytest.mark.slow
@pytest.mark.parametrize("clause", sorted({r.clause for r in ROWS}))
def test_the_good_codec_passes(clause: str) -> None:
    domain = str(TESTS_DIR / "broken" / "domains" / "bytes_only.yaml") if clause == "CODEC-OUTSIDE-DOMAIN" else None
    good = CodecSubject.build(encoder=f"{GOOD}:encoder", decoder=f"{GOOD}:decoder", metas=[0, 7], domain=domain)
    result = execute("reference", "reference", CONTRACT.get(clause), PROFILE, codec=good)
    assert result.outcome is Outcome.PASS, result.message


def test_every_codec_clause_has_a_breaking_codec() -> None:
    codec_clauses = {c.id for c in CONTRACT if c.subject == "codec"}
    assert codec_clauses == {r.clause for r in ROWS} | PLUGIN_ONLY
