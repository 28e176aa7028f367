"""Every codec clause can fail: each broken codec in ``tests/broken/codecs.py`` fails its clause.

The good example codecs pass every clause these rows name (so the failure comes from the breakage),
and together the rows cover every codec clause of the spec.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import NamedTuple

import pytest
from clause_can_fail import assert_fails, assert_passes, assert_rows_cover, run_clause, target
from udcodec.subject import CodecSubject

DOMAINS = Path(__file__).resolve().parents[1] / "broken" / "domains"
# dev-sized searches, derandomized; a generous timeout, since shrinking a failure takes ~20 s and twice
# that on a loaded 2-core machine.
TIMEOUT = 180.0
GOOD = "udcodec.examples.zlib_codec"
BROKEN = "broken.codecs"


class Breaks(NamedTuple):
    encoder: str
    decoder: str
    clause: str
    needle: str
    options: tuple[tuple[str, str], ...] = ()

    def subject(self) -> CodecSubject:
        def find(name: str) -> str:
            return target(name, good=GOOD, own=("encoder", "decoder"), broken=BROKEN)

        options = dict(self.options)
        domain = str(DOMAINS / options["domain"]) if "domain" in options else None
        subject = CodecSubject.build(encoder=find(self.encoder), decoder=find(self.decoder),
                                     metas=[int(m) for m in options.get("metas", "0").split()], domain=domain)
        # A version no host stores: the commands refuse it as an option (exit 2), so the subject is made here
        # directly, to show the check fails when a host rejects the registration.
        return dataclasses.replace(subject, version=int(options.get("version", 1)))


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
    Breaks("overcounting_encoder", "decoder", "CODEC-DETERMINISTIC", "the returned size counts 1 byte(s) the encoder never"),
    Breaks("encoder", "bytes_only_decoder", "CODEC-OUTSIDE-DOMAIN", "came back wrong instead of being refused",
           (("domain", "bytes_only.yaml"),)),
]
#: Codec clauses only a compiled plugin on a host that loads plugins can fail: their broken plugins are
#: built with the C compiler in ``tests/plugins/test_plugin_clauses.py`` (Python codecs are n/a there).
PLUGIN_ONLY = {"CODEC-PLUGIN-STANDALONE", "CODEC-THREADS"}


@pytest.mark.slow
@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.clause}-{r.encoder}-{r.decoder}")
def test_broken_codec_fails_its_clause(row: Breaks) -> None:
    assert_fails(run_clause(row.clause, row.subject(), TIMEOUT), row.needle, "codec")


@pytest.mark.slow
@pytest.mark.parametrize("clause", sorted({r.clause for r in ROWS}))
def test_the_good_codec_passes(clause: str) -> None:
    domain = str(DOMAINS / "bytes_only.yaml") if clause == "CODEC-OUTSIDE-DOMAIN" else None
    good = CodecSubject.build(encoder=f"{GOOD}:encoder", decoder=f"{GOOD}:decoder", metas=[0, 7], domain=domain)
    assert_passes(run_clause(clause, good, TIMEOUT))


def test_every_codec_clause_has_a_breaking_codec() -> None:
    assert_rows_cover("codec", (r.clause for r in ROWS), PLUGIN_ONLY)
