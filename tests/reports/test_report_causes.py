"""Failures grouped by root cause, the codec named, and why a run with failures exits 0 (no checks run)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from udcodec.outcomes import EXPLAINED_BY, CheckResult, Outcome
from udcodec.reports import render_failures, render_markdown, validate_report
from udcodec.reports.causes import cause_key, group_by_cause, settle_explained
from udcodec.reports.model import AdapterRun, RunRecord
from udcodec.reports.terminal import render_codec

CODEC = {"name": "lzma_200", "id": 200, "encoder": "mylzma:encode", "decoder": "mylzma:decode", "plugin": False,
         "metas": [0], "version": 1}
AT = "(at mylzma.py:12 in encode)"


def fail(clause: str, adapter: str, message: str, level: str = "MUST", **kw: object) -> CheckResult:
    return CheckResult(clause, adapter, Outcome.FAIL, message=message, level=level, subject="codec",
                       reproduction=f"# reproduces {clause}[{adapter}]", counterexample={"clause": clause}, **kw)  # type: ignore[arg-type]


def codec_record(results: list[CheckResult]) -> RunRecord:
    return RunRecord(spec_version="1.0.0", spec_sha256="ab" * 32, profile="dev", command=["udcodec", "check-codec"],
                     started=datetime(2026, 1, 1, tzinfo=UTC), finished=datetime(2026, 1, 1, 0, 0, 3, tzinfo=UTC),
                     adapters=[AdapterRun(spec=a, name=a) for a in ("reference", "blosc2")], results=results,
                     codec=CODEC)


ONE_CAUSE = [
    fail("CODEC-ROUNDTRIP", "blosc2", f"[codec.roundtrip] the round trip raised ValueError: shape (26,) into (24,) {AT}; "
         "chain: SystemError: <class 'RuntimeError'> returned a result with an exception set <- ValueError: ..."),
    fail("CODEC-ROUNDTRIP", "reference", f"[codec.roundtrip] the round trip raised ValueError: shape (26,) into (24,) {AT}"),
    fail("CODEC-SMALL-OUTPUT", "reference", f"[codec.small_output] the encoder raised ValueError: shape (11,) into (0,) "
         f"{AT} (encoding into an output of 0 bytes)"),
    fail("CODEC-TYPESIZES", "blosc2", "[codec.roundtrip] decompress(compress(x)) != x: first difference at byte 3"),
    fail("CODEC-SPLITMODES", "blosc2", "[codec.roundtrip] decompress(compress(x)) != x: first difference at byte 3"),
]


def test_the_key_is_the_exception_type_and_location_else_the_first_line() -> None:
    assert cause_key(ONE_CAUSE[0]) == "ValueError at mylzma.py:12 in encode"
    assert cause_key(ONE_CAUSE[2]) == "ValueError at mylzma.py:12 in encode"
    assert cause_key(ONE_CAUSE[3]) == "decompress(compress(x)) != x: first difference at byte #"


def test_messages_that_differ_only_in_numbers_are_one_cause() -> None:
    at = [fail("CODEC-TYPESIZES", "blosc2", f"[codec.roundtrip] decompress(compress(x)) != x: first difference at byte {n} "
               f"(got 0x{n:02x}, expected 0x{n + 1:02x}; {n * 1.5} MiB)") for n in (3, 700)]
    assert cause_key(at[0]) == cause_key(at[1]) == (
        "decompress(compress(x)) != x: first difference at byte # (got #, expected #; # MiB)")
    assert len(group_by_cause(at)) == 1


def test_numbers_inside_names_and_versions_are_kept_apart() -> None:
    dtypes = [fail("CODEC-TYPESIZES", "blosc2", f"[codec.roundtrip] items of {d} read back wrong") for d in ("float32", "<i8")]
    assert [cause_key(r) for r in dtypes] == ["items of float32 read back wrong", "items of <i8 read back wrong"]
    assert cause_key(fail("X", "blosc2", "needs blosc2 2.7.1")) == "needs blosc2 #"


def test_different_causes_stay_apart() -> None:
    other_line = fail("X", "reference", "[codec.roundtrip] the round trip raised ValueError: bad (at mylzma.py:13 in encode)")
    other_type = fail("Y", "reference", f"[codec.roundtrip] the round trip raised KeyError: 'k' {AT}")
    other_text = fail("Z", "reference", "[codec.roundtrip] decompress(compress(x)) != x: the output is short")
    groups = group_by_cause([*ONE_CAUSE, other_line, other_type, other_text])
    assert [len(g.results) for g in groups] == [3, 2, 1, 1, 1]
    assert [g.first.clause for g in groups] == ["CODEC-ROUNDTRIP", "CODEC-TYPESIZES", "X", "Y", "Z"]


def test_the_terminal_shows_each_cause_once_in_full_and_counts_the_rest() -> None:
    text = render_failures(codec_record(ONE_CAUSE))
    assert text.count("reproduction:") == 2 and text.count("counterexample:") == 2
    assert ("the same cause (ValueError at mylzma.py:12 in encode) also explains 2 more: "
            "CODEC-ROUNDTRIP [reference], CODEC-SMALL-OUTPUT [reference]") in text
    assert "also explains 1 more: CODEC-SPLITMODES [blosc2]" in text
    assert "shape (11,)" not in text  # the others are named, not repeated


def test_the_markdown_names_the_codec_and_groups_by_cause() -> None:
    markdown = render_markdown(codec_record(ONE_CAUSE))
    assert markdown.startswith("## udcodec check-codec `lzma_200`: ❌ 5 unexpected\n")
    assert "Codec `lzma_200` · id 200 · encoder `mylzma:encode` · decoder `mylzma:decode` · version 1" in markdown
    assert markdown.count("Reproduction:") == 2
    assert "also explains 2 more: CODEC-ROUNDTRIP [reference], CODEC-SMALL-OUTPUT [reference]" in markdown


def test_a_host_run_names_no_codec(record: RunRecord) -> None:
    assert render_codec(record) == ""
    assert render_markdown(record).startswith("## udcodec conformance: ")
    assert render_codec(codec_record([])) == ("codec lzma_200 (id 200, encoder mylzma:encode, "
                                              "decoder mylzma:decode)")


def test_should_failures_exit_0_and_say_why() -> None:
    should = [fail("CODEC-NO-OVERRUN", h, f"[codec.no_overrun] wrote past its stream on {h}", level="SHOULD")
              for h in ("reference", "blosc2")]
    rec = codec_record([*should, CheckResult("CODEC-ROUNDTRIP", "reference", Outcome.PASS, subject="codec")])
    assert rec.exit_status == 0
    assert rec.exit_reason() == ("udcodec: exit 0: the 2 failures are of SHOULD clauses (not required; "
                                 "check-codec fails on MUST clauses only)")
    assert "exit 0: the 2 failures are of SHOULD clauses" in render_markdown(rec)
    text = render_failures(rec)
    assert text.startswith("SHOULD clauses failed (2; not required):") and "wrote past its stream on blosc2" in text


def test_expected_failures_exit_0_and_say_why() -> None:
    xfail = CheckResult("REG-X", "blosc2", Outcome.XFAIL, subject="host", expected_reason="upstream bug")
    rec = codec_record([xfail])
    assert rec.exit_reason() == "udcodec: exit 0: the failure is expected (xfail: listed in an expectations file)"


def test_no_exit_0_line_when_the_run_fails_or_nothing_failed(record: RunRecord) -> None:
    assert record.exit_status == 1 and record.exit_reason() == ""
    must_and_should = codec_record([ONE_CAUSE[0], fail("CODEC-NO-OVERRUN", "blosc2", "wrote", level="SHOULD")])
    assert must_and_should.exit_status == 1 and must_and_should.exit_reason() == ""
    assert codec_record([CheckResult("CODEC-ROUNDTRIP", "reference", Outcome.PASS, subject="codec")]).exit_reason() == ""


def test_no_exit_0_line_when_a_report_could_not_be_written() -> None:
    """The run then exits 1: the terminal and the Markdown had said "exit 0: the failure is expected" above it."""
    rec = codec_record([CheckResult("REG-X", "blosc2", Outcome.XFAIL, subject="host", expected_reason="upstream")])
    rec.exit_status = 1  # what write_reports sets when a report was not written
    assert rec.exit_reason() == ""
    assert "exit 0" not in render_markdown(rec)


def explained(clause: str, adapter: str, message: str, check: str, why: str) -> CheckResult:
    return fail(clause, adapter, message, extra={EXPLAINED_BY: {"check": check, "why": why}})


DEC_SIZE = "[codec.decoder_size] the decoder returned 0, not the decompressed size 12"
ROUNDTRIP = "[codec.roundtrip] the round trip raised ValueError: decoder of user codec 200 returned 0"


def test_a_failure_the_basic_clause_fails_of_is_settled_as_not_judged_and_keeps_what_it_said() -> None:
    basic = fail("CODEC-DEC-SIZE", "reference", DEC_SIZE)
    derived = explained("CODEC-ROUNDTRIP", "reference", ROUNDTRIP, "codec.decoder_size", "the decoder returned")
    assert settle_explained([derived, basic]) == [derived]
    assert basic.outcome is Outcome.FAIL and derived.outcome is Outcome.SKIP
    assert derived.message == ("[codec.roundtrip] not judged: its failing input shows the defect CODEC-DEC-SIZE fails"
                               " of (the decoder returned)")
    assert derived.counterexample is None and derived.reproduction == "# reproduces CODEC-ROUNDTRIP[reference]"
    assert derived.extra[EXPLAINED_BY] == {"check": "codec.decoder_size", "why": "the decoder returned",
                                           "clause": "CODEC-DEC-SIZE", "message": ROUNDTRIP,
                                           "counterexample": {"clause": "CODEC-ROUNDTRIP"}}
    assert settle_explained([derived, basic]) == []  # settling twice (shards, then their merge) changes nothing


@pytest.mark.parametrize("others", [
    [],  # the basic clause did not run
    [CheckResult("CODEC-DEC-SIZE", "reference", Outcome.PASS, subject="codec")],
    [fail("CODEC-DEC-SIZE", "blosc2", DEC_SIZE)],  # another adapter's failure
    [fail("CODEC-DEC-SIZE", "reference", "[codec.decoder_size] the decoder raised IndexError")],  # another cause
    [fail("CODEC-DEC-SIZE", "reference", "[codec.encoder_size] the decoder returned 0")],  # another check's words
], ids=["not-run", "passed", "other-adapter", "other-cause", "other-check"])
def test_a_failure_stays_a_failure_unless_the_basic_clause_fails_of_the_same_defect(others: list[CheckResult]) -> None:
    derived = explained("CODEC-ROUNDTRIP", "reference", ROUNDTRIP, "codec.decoder_size", "the decoder returned")
    assert settle_explained([derived, *others]) == []
    assert derived.outcome is Outcome.FAIL and derived.message == ROUNDTRIP


def test_two_explained_failures_never_explain_each_other_away() -> None:
    one = explained("CODEC-META", "reference", "[codec.interleaved] the decoder returned 0", "codec.roundtrip", "the")
    two = explained("CODEC-ROUNDTRIP", "reference", "[codec.roundtrip] the decoder returned 0", "codec.interleaved",
                    "the")
    assert settle_explained([one, two]) == []
    assert one.outcome is two.outcome is Outcome.FAIL


def test_an_expected_failure_is_left_as_expected() -> None:
    derived = explained("CODEC-ROUNDTRIP", "reference", ROUNDTRIP, "codec.decoder_size", "the decoder returned")
    derived.outcome = Outcome.XFAIL
    assert settle_explained([derived, fail("CODEC-DEC-SIZE", "reference", DEC_SIZE)]) == []
    assert derived.outcome is Outcome.XFAIL


def test_a_settled_result_validates_against_the_report_schema() -> None:
    derived = explained("CODEC-ROUNDTRIP", "reference", ROUNDTRIP, "codec.decoder_size", "the decoder returned")
    record = codec_record([derived, fail("CODEC-DEC-SIZE", "reference", DEC_SIZE)])
    settle_explained(record.results)
    validate_report(record.to_json())
    assert record.summary()["reference"]["skip"] == 1 and record.summary()["reference"]["fail"] == 1


def test_the_terminal_names_what_a_failure_keeps_from_being_judged() -> None:
    derived = explained("CODEC-ROUNDTRIP", "reference", ROUNDTRIP, "codec.decoder_size", "the decoder returned")
    record = codec_record([derived, fail("CODEC-DEC-SIZE", "reference", DEC_SIZE)])
    settle_explained(record.results)
    text = render_failures(record)
    assert ("its defect keeps 1 more from being judged (skip; their failing input shows it): CODEC-ROUNDTRIP"
            " [reference]") in text
    assert "FAIL CODEC-ROUNDTRIP" not in text


def test_a_new_result_is_settled_against_the_results_already_in_and_they_are_left_alone() -> None:
    basic = fail("CODEC-DEC-SIZE", "reference", DEC_SIZE)
    earlier = explained("CODEC-META", "reference", "[codec.interleaved] the decoder returned 0", "codec.decoder_size",
                        "the decoder returned")
    new = explained("CODEC-ROUNDTRIP", "reference", ROUNDTRIP, "codec.decoder_size", "the decoder returned")
    assert settle_explained([new], against=[earlier, basic]) == [new]
    assert earlier.outcome is Outcome.FAIL  # settled when the record is built, with every result in


def test_an_expected_or_should_failure_explains_no_must_failure_away() -> None:
    """An xfail basic clause had settled a MUST failure of data corruption (the run exited 0); a SHOULD one too."""
    derived = explained("CODEC-ROUNDTRIP", "reference", ROUNDTRIP, "codec.decoder_size", "the decoder returned")
    expected = fail("CODEC-DEC-SIZE", "reference", DEC_SIZE)
    expected.outcome = Outcome.XFAIL
    should = fail("CODEC-TINY-BLOCKS", "reference", DEC_SIZE.replace("decoder_size", "block_roundtrip"),
                  level="SHOULD")
    assert settle_explained([derived, expected]) == []
    tiny = explained("CODEC-TYPESIZES", "reference", ROUNDTRIP, "codec.block_roundtrip", "the decoder returned")
    assert settle_explained([tiny, should]) == []
    assert derived.outcome is tiny.outcome is Outcome.FAIL


def test_one_line_raising_for_two_reasons_is_two_defects() -> None:
    raised = "the encoder raised ValueError: typesize 11 is not supported (at codec.py:9 in _require)"
    derived = explained("CODEC-TYPESIZES", "reference", f"[codec.roundtrip] {raised}", "codec.block_roundtrip", raised)
    other = fail("CODEC-BLOCK-ROUNDTRIP", "reference", "[codec.block_roundtrip] the encoder raised ValueError: block "
                 "of 7241 bytes is too large (at codec.py:9 in _require) (encoding then decoding one block)")
    assert settle_explained([derived, other]) == []
    same = fail("CODEC-BLOCK-ROUNDTRIP", "reference", "[codec.block_roundtrip] the encoder raised ValueError: "
                "typesize 3 is not supported (at codec.py:9 in _require) (encoding then decoding one block)")
    assert settle_explained([derived, same]) == [derived]
