"""Every clause can fail: each broken host in ``tests/broken`` must make its clauses fail.

"A check that cannot fail is a defect." The table below maps each deliberately broken adapter to
the clauses it must make fail, with a substring the failure message must contain; a coverage test
demands that together they fail every clause of the contract the reference can run, and the
reference must pass each of those clauses (so the failure comes from the breakage).

Checks run with the ``dev`` profile's example count, derandomized so the drawn examples (and
therefore the verdicts) are the same on every run.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
import udcodec.checks  # noqa: F401 - registers the checks
from udcodec.adapters.reference import ReferenceAdapter
from udcodec.checks.api import CHECKS
from udcodec.contract import load_contract
from udcodec.engine.runner import execute
from udcodec.outcomes import Outcome
from udcodec.profiles import get_profile

TESTS_DIR = Path(__file__).resolve().parents[1]
CONTRACT = load_contract()
PROFILE = dataclasses.replace(get_profile("dev"), derandomize=True)
HANG_TIMEOUT = 3.0
#: The writing side of pairwise clauses: the reference (a broken host reads what it wrote).
PEER = "reference"


class Breaks(NamedTuple):
    """An ``adapter`` of ``tests/broken/<module>.py`` must fail ``clause`` naming ``needle``."""

    module: str
    adapter: str
    clause: str
    needle: str

    @property
    def spec(self) -> str:
        return f"broken.{self.module}:{self.adapter}"


#: ``[module]`` of tests/broken, then rows: adapter class | clause it must fail | message substring.
ROWS = """
[registration]
RefusesId255Adapter                 | REG-ID-RANGE            | 255, enc, dec) was rejected
AcceptsId256Adapter                 | REG-ID-OUT-OF-RANGE     | 256, enc, dec): was accepted
IntConvertsFloatIdsAdapter          | REG-ID-TYPE             | 170.0, enc, dec): was accepted
RejectsNumpyIdsAdapter              | REG-ID-INTEGER-LIKE     | np.uint8(200), enc, dec) was rej
OverwritesDuplicateIdAdapter        | REG-ID-DUPLICATE        | second time: was accepted
LeavesPartialEntryAdapter           | REG-REJECT-ATOMIC       | but changed the registry
RemembersRejectedIdsAdapter         | REG-REJECT-ATOMIC       | with valid arguments failed
AcceptsUnpairedAdapter              | REG-PAIRED              | enc, None): was accepted
AcceptsNonCallablesAdapter          | REG-CALLABLE            | 1, dec): was accepted
StringifiesNamesAdapter             | REG-NAME-TYPE           | (5, 172, enc, dec): was accepted
AcceptsEmptyNamesAdapter            | REG-NAME-VALUE          | ('', 173, enc, dec): was accepted
TruncatesNamesAtNulAdapter          | REG-NAME-NUL            | ('co\\x00dec', 174, enc, dec): was accepted
WrapsVersionAdapter                 | REG-VERSION-RANGE       | version=-1): was accepted
IntConvertsVersionAdapter           | REG-VERSION-TYPE        | version='1'): was accepted
ReturnsIdAdapter                    | REG-RETURNS-NONE        | returned 230, expected None
StoresWrappedCallbacksAdapter       | REG-REGISTRY-ENTRY      | expected ('entry', encoder
TruncatesFloatIdsAdapter            | REG-ID-NONINTEGER-CLAIMS | registering id 180 failed
VagueIdErrorsAdapter                | REG-ERROR-NAMES         | 'invalid codec id' does not name 159, 160, 255
[callbacks]
EncoderGetsMemoryviewAdapter        | CB-ENC-ARGS             | memoryview/ndarray, expected numpy
DecoderGetsZeroMetaAdapter          | CB-DEC-ARGS             | meta is 0, expected the codec_meta
PassesNoContainerAdapter            | CB-ENC-ARGS             | NoneType, expected the container
PassesNoContainerAdapter            | CB-DEC-ARGS             | NoneType, expected the container
EncoderInputOffByOneAdapter         | CB-ENC-INPUT-BLOCKS     | blocks in order
DecoderInputPaddedAdapter           | CB-DEC-OUTPUT-SIZE      | that no encoder call returned
DecoderOutputOversizedAdapter       | CB-DEC-OUTPUT-SIZE      | output holds 1032 bytes, but its block had 1024
ClampsEncoderReturnAdapter          | CB-ENC-RETURN-RANGE     | returning -1: no error was
CoercesEncoderReturnAdapter         | CB-ENC-RETURN-TYPE      | returning None: no error was
IgnoresDecoderReturnAdapter         | CB-DEC-RETURN           | returning -1: no error was
SwallowsEncoderExceptionAdapter     | CB-ENC-EXCEPTION        | but the call succeeded
ReplacesDecoderExceptionAdapter     | CB-DEC-EXCEPTION        | did not reach the caller
SuppressesEncoderExceptionAdapter   | CB-ENC-EXCEPTION        | did not reach the caller
RaisesSystemErrorAdapter            | CB-NO-SYSTEMERROR       | the caller got SystemError
StoresPastReturnAdapter             | CB-OUTPUT-PAST-RETURN   | not what the encoder returned
CallbacksOnWorkerThreadAdapter      | THREAD-ONE-THREAD       | not only on the calling thread
EncoderInputAliasesCallerAdapter    | CB-BUFFER-LIFETIME      | these changed: the caller's array
BlocksizeIgnoresTypesizeAdapter     | CB-BLOCKS-WHOLE-ITEMS   | the encoder's inputs were blocks of 16384, 16384, 7231 bytes, not whole 3-byte items
BlocksizeIgnoresTypesizeAdapter     | FILTER-BLOCKS-WHOLE-ITEMS | forward's inputs were blocks of 32768, 7231 bytes, not whole 3-byte items
[containers]
CompressesOutsideContainerAdapter   | CONT-COMPRESS-OUTSIDE   | outside a container: succeeded
DecompressesOutsideContainerAdapter | CONT-DECOMPRESS-OUTSIDE | outside a container: succeeded
HeaderWithoutMetaAdapter            | ID-HEADER               | records codec 222 meta 0
DecodesWithCurrentCodecAdapter      | ID-DECODE-BY-CHUNK      | with the container's other codec
ReopenLosesLastChunkAdapter         | ID-REOPEN               | reopened container's data differs
MissingCodecUnnamedAdapter          | ID-MISSING-CODEC        | not name the missing codec id 226
FlipsLastByteAdapter                | RT-CHUNKS               | decompress(compress(x)) != x
SkipsUnfilteringAdapter             | RT-FILTERS              | decompress(compress(x)) != x
SkipsUnfilteringAdapter             | RT-CONFIGS              | reads its own chunk back wrong
ReversesSplitStreamsAdapter         | RT-SPLITMODES           | decompress(compress(x)) != x
SliceDropsLastItemAdapter           | RT-SLICES               | differs from the data
ChunkIndexClampedAdapter            | RT-CHUNK-INDEX          | decompress_chunk(-1) gave 256 bytes that are not chunk 2's
ChunkIntoFillsWholeBufferAdapter    | RT-CHUNK-INTO           | chunk 0 into a bytearray 8 bytes larger: the 8 bytes past the chunk's were overwritten; chunk 0 into a bytearray 4 bytes too small was not refused
DamagedStreamsReadAsZerosAdapter    | RT-DAMAGED-STREAMS      | with BLOSCLZ, LZ4, LZ4HC, ZLIB, ZSTD, block 1's stream overwritten with 0xFF bytes: decompress2(chunk) returned
SliceUndoesDeltaAloneAdapter        | RT-SLICES-FILTERS       | through the filters delta differs from the data
SliceZeroFillsPastEndAdapter        | INTEROP-FRAME-OPEN      | (the stop past the end) read back wrong
AllowsThreadsAtCreationAdapter      | THREAD-CPARAMS-CREATE   | cparams.nthreads=2: was accepted
AllowsThreadsAtCreationAdapter      | THREAD-DPARAMS-CREATE   | dparams.nthreads=2: was accepted
SwallowsThreadUpdateErrorAdapter    | THREAD-CPARAMS-UPDATE   | cparams.nthreads to 2: was
SwallowsThreadUpdateErrorAdapter    | THREAD-DPARAMS-UPDATE   | dparams.nthreads to 2: was
IgnoresForeignShuffleFlagAdapter    | INTEROP-CHUNK-DECODE    | written by reference, read by
DropsShuffleFlagOnWriteAdapter      | INTEROP-CHUNK-DECODE    | read by reference
ReopenLosesLastChunkAdapter         | INTEROP-FRAME-OPEN      | sees 5 chunks
ReopenLosesLastChunkAdapter         | INTEROP-SFRAME-OPEN     | sees 5 chunks
FrameChunksKeepTrailingBytesAdapter | INTEROP-FRAME-OPEN      | is not the chunk reference stored
WritesFixedBlocksizeAdapter         | INTEROP-CHUNK-BYTES     | header fields differ: blocksize
DefaultsToAlwaysSplitAdapter        | CONT-SPLITMODE-DEFAULT  | split flag split, documented unsplit; encoder inputs 16x 256 bytes (meta 0), documented 4x 1024 bytes (meta 0)
DefaultsTypesizeToOneAdapter        | CONT-TYPESIZE-DEFAULT   | with the documented typesize=8 given: typesize 1, documented 8
DefaultsTypesizeToOneAdapter        | CONT-TYPESIZE-DEFAULT-2X | with the documented typesize=8 given: typesize 1, documented 8
DefaultsToNoFiltersAdapter          | CONT-FILTERS-DEFAULT    | filters [0, 0, 0, 0, 0, 0], documented [0, 0, 0, 0, 0, 1]
DefaultsCodecMetaToMinusOneAdapter  | CONT-CODEC-META-DEFAULT | codec_meta 255, documented 0; encoder inputs 4x 1024 bytes (meta 255), documented 4x 1024 bytes (meta 0)
IgnoresForeignShuffleFlagAdapter    | INTEROP-GOLDEN          | golden vectors did not decode in
ReadsShuffleMetaOneHighAdapter      | INTEROP-GOLDEN          | (nor is it the bytes of shuffle-meta-repeats, shuffle-meta-groups)
FiltersInPlaceAdapter               | RT-INPUT-UNCHANGED      | numpy with filters ['delta', 'bitshuffle', 'shuffle']
DictCParamsIgnoredAdapter           | CONT-COMPRESS-SPELLINGS | cparams={...}) wrote a chunk recording codec 4, not 202
FlatFieldsIgnoredAdapter            | CONT-COMPRESS-SPELLINGS | **fields) did not use the user codec: NotImplementedError
DictDParamsDecodesUserChunksAdapter | CONT-DECOMPRESS-OUTSIDE | decompress2(src, dparams={...}) succeeded
HeaderVersionOneAdapter             | ID-HEADER-PARAMS        | (version 7): versionlz is 1, written with 7
HeaderWithoutDeltaFlagAdapter       | ID-HEADER-PARAMS        | delta flag is clear, written with set
ReopenLosesLastChunkAdapter         | INTEROP-GOLDEN          | golden vectors did not decode in
ExpandsF32NaNChunksAsF64Adapter     | INTEROP-GOLDEN          | b2v4-special-nan-f4 (chunk by python-blosc2 4.14.1)
CallsDecoderOnSpecialChunksAdapter  | INTEROP-GOLDEN          | b2v2-special-nan-f4 (chunk by python-blosc2 2.7.1): decoding raised AssertionError: the decoder was called
ReadsBlosc1BitshuffleAsShuffleAdapter | INTEROP-BLOSC1        | blosc1-zstd-bitshuffle-ts4 (zstd clevel 5 bitshuffle typesize 4
KeepsTypesizeOnAssignAdapter        | CONT-ASSIGN-TYPESIZE    | the next chunk records codec 207 and typesize 4
NegativeItemOffByOneAdapter         | RT-ITEMS                | container[-1] read [1739], expected [1746]
ItemWritesPastEndDroppedAdapter     | RT-ITEM-WRITES          | = 50 items, the container's chunks hold 250 items, item 250 missing
ItemWritesLastPieceDroppedAdapter   | RT-ITEM-WRITES          | container[250:480] = 230 items, the container's chunks hold 400 items, item 400 missing
[reopen]
ReopenForgetsCodecMetaAdapter       | REOPEN-KEEPS            | silently changed codec_meta from 3 to 0
ReopenAppendsWithoutMetaAdapter     | REOPEN-APPEND           | an appended chunk records codec 243 meta 0
ReopenForgetsFiltersMetaAdapter     | REOPEN-KEEPS            | silently changed filters_meta from [4] to []
ReopenTypesizeByteAdapter           | REOPEN-KEEPS            | typesize 300: open(path) silently changed typesize from 300 to 44
ReopenFiltersMetaInt8Adapter        | REOPEN-KEEPS            | TRUNC_PREC meta -20: open(path) raised OverflowError
ReopenAppendsOverStoredAdapter      | REOPEN-APPEND           | and a close, the file opened again raised
PartialCparamsReplaceAllAdapter     | REOPEN-SPELLINGS        | cparams=CParams(nthreads=1)): silently changed codec from 244
ReopenForgetsClevelAdapter          | REOPEN-KEEPS            | silently changed clevel from 7 to 5
AssignedCparamsNotWrittenAdapter    | REOPEN-ASSIGNED         | then assigned the cparams of codec 246: open(path) silently changed codec from 246 to 1
ReadOnlyOpenWritesAdapter           | REOPEN-READ-ONLY        | after open(path, mode='r') an append was accepted
ReadOnlyCloseRewritesAdapter        | REOPEN-READ-ONLY        | wrote to the file (its bytes are the same, its modification time is not)
ReadOnlyAppendChunkAdapter          | REOPEN-READ-ONLY        | an append of a compressed chunk was accepted
[threads]
DefaultThreadsFromCoresAdapter      | THREAD-DEFAULTS         | with 2 core(s), create failed
DefaultThreadsIgnoreFiltersAdapter  | THREAD-DEFAULTS-FILTERS | with 2 core(s), create failed: ValueError: cannot use multi-threading with user-defined Python filters
IgnoresThreadsAtOpenAdapter         | THREAD-OPEN             | dparams with nthreads=2): was accepted
SwitchDropsThreadsAdapter           | THREAD-SWITCH           | to Python codec 188: was accepted
OpenKeepsWriterThreadsAdapter       | THREAD-OPEN-WRITER      | with 1 core(s), a frame written with nthreads=4: switch failed
ChunkDoorThreadsAdapter             | THREAD-CHUNK-DOOR       | with nthreads=4 was decoded on
LateRegistrationThreadsAdapter      | THREAD-REGISTER-AFTER-OPEN | readers the decoder ran on threads besides the caller's
DecodesOutsideInWorkersAdapter      | THREAD-OUTSIDE          | decompress2(chunk, dparams=...nthreads=4) ran Python codec 214 on
DecodesOutsideInWorkersAdapter      | THREAD-OUTSIDE-FILTERS  | decompress2(chunk, dparams=...nthreads=4) ran Python filter 215 on
[ndarray]
WritesFirstChunkOnlyAdapter         | ND-ROUNDTRIP            | after writing
IgnoresBlockshapeAdapter            | ND-BLOCKS               | the encoder got blocks of
TrustsMetalayerLayoutAdapter        | ND-DTYPE-CONTRADICTION  | relabelled 1000/1000/200/<i2, the array opened and read as <i2, shape (1000,)
DtypeNameMetalayerAdapter           | ND-METALAYER            | the b2nd metalayer's dtype string (byte 45)
NDArrayDropsThreadsAdapter          | ND-THREADS              | was accepted
SumsFirstChunkAdapter               | ND-REDUCTIONS           | sum() gave
ExpressionSkipsLastChunkAdapter     | ND-EXPRESSIONS          | (a + 1)[:] gave
SliceTakesCoreThreadsAdapter        | ND-COPIES               | all work with 1 core(s); with 4 core(s), array.slice(key) failed
NDSelectionUndoesDeltaAloneAdapter  | ND-SLICES-FILTERS       | 7x10/5x7/2x3/<f8 through delta: [(slice(1, 6, None)
NDReopenForgetsCodecMetaAdapter     | ND-REOPEN               | reopened with codec 165 meta 0
SparseNumbersByCountAdapter         | ND-REOPEN               | in a sparse frame: after the writes after asarray, reopened: item
RewriteCountsSpecialsAdapter        | ND-REOPEN               | in a contiguous frame: after the writes after open(mode='a') and clevel=9, reopened: raised
NDPartialCparamsResetAdapter        | ND-REOPEN-SPELLINGS     | silently changed codec/meta from 167/3 to 167/0
NDReadOnlyWritableAdapter           | ND-READ-ONLY            | after open(path, mode='r'): writing its first item was accepted; the file's bytes changed
FortranOrderBlocksAdapter           | INTEROP-NDARRAY-FRAME   | reads different values
NDReopenForgetsCodecMetaAdapter     | INTEROP-NDARRAY-FRAME   | reads codec meta 0 (written: 3)
MetalayerFixarray3BitsAdapter       | INTEROP-NDARRAY-FRAME   | 2x2x2x2x2x2x2x2/1x2x2x2x2x2x2x2/1x1x1x2x2x2x2x2/<i4 (data) written by reference
FortranOrderBlocksAdapter           | INTEROP-GOLDEN          | b2v4-nd-zlib-f8-7x10 (ndarray by python-blosc2 4.14.1)
[memcpy]
DecodesRawChunksAdapter             | MEMCPY-ROUNDTRIP        | raw-stored data did not
DecodesRawChunksAdapter             | MEMCPY-NO-DECODE        | the decoder was called
DecodesRawChunksAdapter             | ND-MEMCPY               | the decoder was called
StoresChunkRawOnRawBlockAdapter     | MEMCPY-MIXED            | the decoder was called 0 times
ShortEncoderOutputAdapter           | MEMCPY-NO-GAIN          | blocks whose encoder returned output.size
[plugins]
FallsBackForMissingPluginAdapter    | PLUG-MISSING            | yet compressing with it and decompressing succeeded
StoresUncompressedForMissingPluginAdapter | PLUG-MISSING      | yet appending a clevel-0 chunk with it
UnvalidatedPluginNamesAdapter       | PLUG-NAME               | ('', 241) as a plugin: was accepted
SeparatePluginIdsAdapter            | PLUG-ID-SHARED          | the same plugin twice at id 244: both registrations were accepted
ClaimsIdBeforeValidatingAdapter     | PLUG-REJECT-FREES-ID    | was rejected, a Python codec at that id failed
ShellLoadsPluginsAdapter            | PLUG-NAME-NO-SHELL      | were run by a shell
PluginGetsZeroMetaAdapter           | PLUG-INSTALLED          | the installed plugin's encoder got meta 0, typesize 4 (low byte), codec id 239 and block size 1024 in its cparams; the chunk's are 77, 4, 239 and 1024
PluginGetsNoBlocksizeAdapter        | PLUG-INSTALLED          | codec id 239 and block size 0 in its cparams; the chunk's are 77, 4, 239 and 1024
UnvalidatedPluginNamesAdapter       | PLUG-NAME-NO-PATH       | 3 of 3 plugin names made the host load a library outside the plugin search
UnlistedPluginsAdapter              | PLUG-REGISTRY-LISTED    | but the registry lists only
[filters]
SharesFilterBuffersAdapter          | FILTER-BUFFER-LIFETIME | the caller's array (first difference
UnvalidatedFilterRegistrationAdapter | FILTER-ID-RANGE        | register_filter(159, forward, backward): was accepted
FilterIdRangeExclusiveAdapter       | FILTER-ID-RANGE        | registering a valid filter (id 160) was rejected
UnvalidatedFilterRegistrationAdapter | FILTER-ID-TYPE         | register_filter(170.0, forward, backward): was accepted
UnvalidatedFilterRegistrationAdapter | FILTER-PAIRED          | register_filter(170, fn, None): was accepted
UnvalidatedFilterRegistrationAdapter | FILTER-CALLABLE        | register_filter(171, 1, 2): was accepted
UnvalidatedFilterPluginNamesAdapter | FILTER-PLUGIN-NAME      | register_filter(193, None, None, None): was accepted
FilterPluginGetsZeroMetaAdapter     | FILTER-PLUGIN-INSTALLED | got bytes shifted by 1, not by meta + 1 = 42
UnvalidatedFilterPluginNamesAdapter | FILTER-PLUGIN-NO-PATH   | 3 of 3 plugin names made the host load a library outside the plugin search
OverwritesFilterIdAdapter           | FILTER-DUPLICATE        | a second time: was accepted
FilterGetsZeroMetaAdapter           | FILTER-ARGS             | got meta 0, expected the slot's filters_meta 77
UserFiltersLastAdapter              | FILTER-ANY-SLOT         | did not receive the output of the slots before it
IdentityFiltersAdapter              | FILTER-USER-CODEC       | did not receive the filtered blocks
FilterReturnMustBeNoneAdapter       | FILTER-RETURN-IGNORED   | filters returning 0 made the round trip fail
ZerosAfterFiltersAdapter            | FILTER-ZEROS-OUTPUT     | stored as a special chunk (blosc2 flags 0x10)
SwallowsFilterExceptionAdapter      | FILTER-EXCEPTION        | but the append succeeded
SkipsUnregisteredFiltersAdapter     | FILTER-UNREGISTERED     | unregistered filter 185: was accepted
UnfiltersMemcpyedChunksAdapter      | FILTER-MEMCPY           | clevel 0: decompress(compress(x)) != x
WritesIntoSourceAdapter             | FILTER-SOURCE-INTACT    | wrote into the caller's buffer
ForgetsFiltersOnReopenAdapter       | FILTER-REOPEN           | the reopened container's data differs
ForgetsFiltersOnReopenAdapter       | FILTER-REOPEN-UNREGISTERED | was read without filter 191 registered
NoOpMissingFilterPluginAdapter      | FILTER-PLUGIN-MISSING   | compressing and decompressing with it succeeded
IgnoresChunkFiltersAdapter          | FILTER-INTEROP-CHUNKS   | read by broken.filters:IgnoresChunkFiltersAdapter: first difference
FormatAsCodecIdAdapter              | FILTER-INTEROP-CHUNKS   | read by broken.filters:FormatAsCodecIdAdapter: decoding raised
UserFiltersLastAdapter              | FILTER-INTEROP-BYTES    | UserFiltersLastAdapter and reference write differ (header fields differ: filters
ForgetsFiltersOnReopenAdapter       | FILTER-INTEROP-FRAME    | reads back different in
[containers]
AllowsThreadsAtCreationAdapter      | FILTER-ONE-THREAD       | was accepted
CompressesOutsideContainerAdapter   | FILTER-CONTAINER-ONLY   | outside a container succeeded
"""


def _parse(rows: str) -> tuple[Breaks, ...]:
    table: list[Breaks] = []
    module = ""
    for line in filter(None, map(str.strip, rows.splitlines())):
        if line.startswith("["):
            module = line.strip("[]")
        else:
            adapter, clause, needle = (cell.strip() for cell in line.split("|"))
            table.append(Breaks(module, adapter, clause, needle))
    return tuple(table)


TABLE = _parse(ROWS)


#: Cases a harness bug turns into ``error`` instead of ``fail``; strict, so that a fix shows up.
HARNESS_BUGS: dict[tuple[str, str], str] = {}


def _params() -> list[object]:
    marks = {key: pytest.mark.xfail(reason=why, strict=True) for key, why in HARNESS_BUGS.items()}
    return [
        pytest.param(
            case,
            id=f"{case.adapter}-{case.clause}",
            marks=[marks[(case.adapter, case.clause)]]
            if (case.adapter, case.clause) in marks
            else [],
        )
        for case in TABLE
    ]


@pytest.fixture(scope="module", autouse=True)
def broken_importable() -> Iterator[None]:
    """Make ``broken.*`` importable here, in forked children and in ``udcodec.checks.fresh`` processes."""
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(TESTS_DIR))
        mp.setenv(
            "PYTHONPATH",
            os.pathsep.join(filter(None, [str(TESTS_DIR), os.environ.get("PYTHONPATH")])),
        )
        yield


def _runnable_by_reference() -> list[str]:
    """Ids of the clauses whose checks need only capabilities the reference has."""
    caps = ReferenceAdapter().capabilities()
    return [
        c.id
        for c in CONTRACT
        if c.subject == "host"
        if all(CHECKS[ref.name].requires <= caps for ref in c.checks if ref.name in CHECKS)
    ]


@pytest.mark.slow
@pytest.mark.parametrize("case", _params())
def test_broken_host_fails_clause(case: Breaks) -> None:
    clause = CONTRACT.get(case.clause)
    result = execute(case.spec, case.adapter, clause, PROFILE, peer_spec=PEER if clause.pairwise else None)
    assert result.outcome is Outcome.FAIL, (
        f"{case.spec} on {case.clause}: {result.outcome}: {result.message}"
    )
    assert case.needle in result.message, (
        f"{case.clause}: message does not name the problem: {result.message}"
    )


#: Reopen defects, each with the one REOPEN-* clause it fails; the other clauses pass, or are not judged (skip).
ONE_REOPEN_CLAUSE = {
    "ReopenForgetsClevelAdapter": "REOPEN-KEEPS",
    "ReopenForgetsCodecMetaAdapter": "REOPEN-KEEPS",
    "ReopenAppendsWithoutMetaAdapter": "REOPEN-APPEND",
    # the file opened again raises an error naming each spelling's own copy: one defect all the same
    "ReopenAppendsOverStoredAdapter": "REOPEN-APPEND",
    "PartialCparamsReplaceAllAdapter": "REOPEN-SPELLINGS",
    "AssignedCparamsNotWrittenAdapter": "REOPEN-ASSIGNED",
}


@pytest.mark.slow
@pytest.mark.parametrize("adapter", sorted(ONE_REOPEN_CLAUSE))
def test_a_reopen_defect_fails_one_reopen_clause(adapter: str) -> None:
    outcomes = {}
    for clause_id in ("REOPEN-KEEPS", "REOPEN-APPEND", "REOPEN-SPELLINGS", "REOPEN-ASSIGNED"):
        result = execute(f"broken.reopen:{adapter}", adapter, CONTRACT.get(clause_id), PROFILE)
        outcomes[clause_id] = result.outcome
        assert result.outcome in (Outcome.PASS, Outcome.FAIL, Outcome.SKIP), result.message
        assert result.outcome is not Outcome.SKIP or "REOPEN-KEEPS judges" in result.message, result.message
    assert [c for c, o in outcomes.items() if o is Outcome.FAIL] == [ONE_REOPEN_CLAUSE[adapter]], outcomes


@pytest.mark.slow
def test_an_ndarray_reopen_defect_of_every_spelling_fails_nd_reopen_alone() -> None:
    spec = "broken.ndarray:NDReopenForgetsCodecMetaAdapter"
    assert execute(spec, "nd", CONTRACT.get("ND-REOPEN"), PROFILE).outcome is Outcome.FAIL
    spellings = execute(spec, "nd", CONTRACT.get("ND-REOPEN-SPELLINGS"), PROFILE)
    assert spellings.outcome is Outcome.PASS, spellings.message


@pytest.mark.slow
def test_arrays_never_made_fail_nd_roundtrip_and_leave_nd_copies_not_judged() -> None:
    spec = "broken.ndarray:NDArraysRefusedAdapter"
    assert execute(spec, "nd", CONTRACT.get("ND-ROUNDTRIP"), PROFILE).outcome is Outcome.FAIL
    copies = execute(spec, "nd", CONTRACT.get("ND-COPIES"), PROFILE)
    assert copies.outcome is Outcome.SKIP and "which ND-ROUNDTRIP judges" in copies.message, copies.message


@pytest.mark.slow
def test_a_saved_array_a_plain_open_refuses_is_opened_past_it_and_said() -> None:
    """ND-COPIES judges save(path), not the open that reads the file back: THREAD-OPEN judges that."""
    result = execute("broken.ndarray:PlainOpenRefusesThreadsAdapter", "nd", CONTRACT.get("ND-COPIES"), PROFILE)
    assert result.outcome is Outcome.PASS, result.message
    assert [w["name"] for w in result.workarounds] == ["open-with-written-params"], result.workarounds


@pytest.mark.slow
def test_a_failure_without_a_counterexample_gives_the_command_that_fails_again(tmp_path: Path) -> None:
    spec = "broken.reopen:ReopenForgetsClevelAdapter"
    result = execute(spec, "port", CONTRACT.get("REOPEN-KEEPS"), PROFILE)
    assert result.outcome is Outcome.FAIL and result.counterexample is None
    assert result.reproduction == f"udcodec run --adapter {spec} --only REOPEN-KEEPS --profile dev"
    argv = shlex.split(result.reproduction)
    again = subprocess.run([sys.executable, "-m", "udcodec.cli", *argv[1:], "--report-json", "r.json"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 1, again.stdout + again.stderr
    (rerun,) = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["results"]
    assert (rerun["outcome"], rerun["reproduction"]) == ("fail", result.reproduction)


@pytest.mark.slow
def test_a_header_writer_swapping_codec_and_meta_fails_id_header_alone() -> None:
    """A port writing the codec id and meta in each other's header byte had also failed CONT-ASSIGN-TYPESIZE and
    REOPEN-APPEND, on the chunks they read the codec of (found by a port audit)."""
    from udcodec.reports.causes import settle_explained

    spec = "broken.containers:HeaderSwapsCodecAndMetaAdapter"
    results = [execute(spec, "port", CONTRACT.get(c), PROFILE)
               for c in ("ID-HEADER", "CONT-ASSIGN-TYPESIZE", "REOPEN-APPEND")]
    settle_explained(results)
    assert [r.outcome for r in results] == [Outcome.FAIL, Outcome.SKIP, Outcome.SKIP], [r.message for r in results]
    assert all("the defect ID-HEADER fails of (chunk 0 header records codec" in r.message for r in results[1:])


@pytest.mark.slow
def test_a_frame_reader_forgetting_the_codec_meta_fails_reopen_keeps_alone() -> None:
    """A port whose frames reopen with codec meta 0 failed ND-REOPEN and INTEROP-NDARRAY-FRAME apart, beside
    REOPEN-KEEPS: an NDArray's frame is a frame (found by a port audit)."""
    from udcodec.reports.causes import settle_explained

    spec = "broken.ndarray:FramesForgetCodecMetaAdapter"
    results = [execute(spec, "port", CONTRACT.get(c), PROFILE, peer_spec=PEER)
               for c in ("REOPEN-KEEPS", "ND-REOPEN", "INTEROP-NDARRAY-FRAME")]
    settle_explained(results)
    assert [r.outcome for r in results] == [Outcome.FAIL, Outcome.SKIP, Outcome.SKIP], [r.message for r in results]
    assert all("REOPEN-KEEPS fails of (open(path): silently changed codec_meta from 3 to 0)" in r.message
               for r in results[1:]), [r.message for r in results]


@pytest.mark.slow
def test_full_arrays_fail_where_python_blosc2_reads_them() -> None:
    """INTEROP-NDARRAY-FRAME's ``full()`` arrays fail a host whose special chunks record another block size than
    the array's. Only c-blosc2's b2nd reader refuses them (the reference expands a special chunk whatever block
    size it records), so python-blosc2 is the peer here, and the reference as peer passes the same host."""
    pytest.importorskip("blosc2")
    clause = CONTRACT.get("INTEROP-NDARRAY-FRAME")
    spec = "broken.ndarray:FullChunkBlocksizeAdapter"
    lenient = execute(spec, "FullChunkBlocksizeAdapter", clause, PROFILE, peer_spec=PEER)
    assert lenient.outcome is Outcome.PASS, lenient.message
    result = execute(spec, "FullChunkBlocksizeAdapter", clause, PROFILE, peer_spec="blosc2")
    assert result.outcome is Outcome.FAIL, f"{result.outcome}: {result.message}"
    params = clause.checks[0].params
    shaped = [text for text in params["layouts"] if not text.startswith("-/")]  # a 0-d array has no full() here
    lines = result.message.splitlines()
    assert len(lines) == len(shaped) * len(params["fills"]), result.message
    assert all("(full of " in line and "read by blosc2: blosc2 could not open and read it" in line
               for line in lines), result.message
    assert "(data)" not in result.message


HOST_CLAUSES = [c.id for c in CONTRACT if c.subject == "host"]  # codec clauses: tests/codecs


@pytest.mark.slow
@pytest.mark.parametrize("clause_id", HOST_CLAUSES)
def test_reference_passes(clause_id: str) -> None:
    clause = CONTRACT.get(clause_id)
    result = execute("reference", "reference", clause, PROFILE, peer_spec=PEER if clause.pairwise else None)
    assert result.outcome is Outcome.PASS, f"{clause_id}: {result.outcome}: {result.message}"


def test_every_clause_has_a_broken_host() -> None:
    known = set(CONTRACT.ids())
    covered = {case.clause for case in TABLE}
    assert not covered - known, (
        f"the table names clauses the contract lacks: {sorted(covered - known)}"
    )
    uncovered = [cid for cid in _runnable_by_reference() if cid not in covered]
    assert not uncovered, f"no broken host shows these clauses can fail: {uncovered}"


def test_where_only_a_crash_could_show_the_chunk_door_race_every_round_is_tried() -> None:
    """A host whose one-thread control read fails too (its defect is ID-DECODE-BY-CHUNK's) and that never crashes
    passes THREAD-CHUNK-DOOR only after every round of forks; the rounds are in the result."""
    result = execute("broken.containers:DecodesWithCurrentCodecAdapter", "x", CONTRACT.get("THREAD-CHUNK-DOOR"), PROFILE)
    door = result.extra["door"]
    assert result.outcome is Outcome.PASS, result.message
    assert door["control"] is not None and door["ended"] == []
    assert (door["rounds"], door["answered"]) == (3, 72)
    reference = execute("reference", "reference", CONTRACT.get("THREAD-CHUNK-DOOR"), PROFILE).extra["door"]
    assert (reference["control"], reference["rounds"]) == (None, 1)  # its reads judge it: one round


def test_a_host_that_takes_outside_calls_with_threads_without_racing_passes_every_round() -> None:
    """A host that takes decompress2 of a Python codec with several threads and decodes on the caller's thread
    passes THREAD-OUTSIDE after every round (a race a loaded machine hides would show in a later one); the
    reference, which refuses those calls, takes one round."""
    result = execute("broken.containers:DecompressesOutsideContainerAdapter", "x", CONTRACT.get("THREAD-OUTSIDE"),
                     PROFILE)
    assert (result.outcome, result.extra["outside"]["rounds"]) == (Outcome.PASS, 3), result.message
    reference = execute("reference", "reference", CONTRACT.get("THREAD-OUTSIDE"), PROFILE)
    assert (reference.outcome, reference.extra["outside"]["rounds"]) == (Outcome.PASS, 1), reference.message


def test_a_host_that_refuses_outside_calls_from_inside_the_codec_path_gets_every_round() -> None:
    """python-blosc2 4.8.1 refuses decompress2 of a Python codec through a SystemError with one thread and several, and
    with several a race kills some processes: a loaded run saw none die in one round. A refusal through a SystemError
    reached the codec's path, so every round is tried; the reference's refusal, made up front, takes one."""
    result = execute("broken.threads:RefusesOutsideThroughSystemErrorAdapter", "x", CONTRACT.get("THREAD-OUTSIDE"),
                     PROFILE)
    assert (result.outcome, result.extra["outside"]["rounds"]) == (Outcome.PASS, 3), result.message


def test_a_read_defect_fails_the_slice_clause_and_leaves_item_writes_not_judged() -> None:
    """A host whose get_slice drops an item fails RT-SLICES; RT-ITEM-WRITES, whose writes reach the chunks intact,
    is not failed for it (it says why it is not judged)."""
    spec = "broken.containers:SliceDropsLastItemAdapter"
    writes = execute(spec, "slices", CONTRACT.get("RT-ITEM-WRITES"), PROFILE)
    assert writes.outcome is Outcome.SKIP, writes.message
    assert "the chunks hold the written items, but get_slice of the whole container reads" in writes.message
    assert "RT-SLICES judges get_slice" in writes.message
    assert execute(spec, "slices", CONTRACT.get("RT-SLICES"), PROFILE).outcome is Outcome.FAIL


def test_a_segfault_in_a_fresh_interpreter_is_a_crash_with_stderr() -> None:
    """A check whose implementation runs in interpreters of its own (here, of simulated core counts) reports their
    death as the check child's: ``crash``, the signal, their last words, and the command that runs it again."""
    from broken.processes import CRASH_MARKER

    spec = "broken.processes:SegfaultingAdapter"
    result = execute(spec, "segfaulting", CONTRACT.get("THREAD-DEFAULTS"), PROFILE)
    assert (result.outcome, result.signal) == (Outcome.CRASH, "SIGSEGV"), result.message
    assert result.message.startswith("[threads.defaults_under_core_counts] with 1 core(s) the interpreter failed: "
                                     "the implementation crashed the process (SIGSEGV) under ctypes/"), result.message
    assert f"called from {_crashing_line('SegfaultingAdapter')}" in result.message  # the fresh one's faulthandler
    assert result.message.endswith(" while it was registering codec 'mt' at id 186"), result.message
    assert CRASH_MARKER in (result.stderr_tail or ""), result.stderr_tail
    assert result.reproduction == f"udcodec run --adapter {spec} --only THREAD-DEFAULTS --profile dev"


def test_segfault_is_a_crash_with_stderr() -> None:
    from broken.processes import CRASH_MARKER

    result = execute(
        "broken.processes:SegfaultingAdapter",
        "segfaulting",
        CONTRACT.get("REG-RETURNS-NONE"),
        PROFILE,
    )
    assert result.outcome is Outcome.CRASH, result.message
    assert result.signal == "SIGSEGV"
    assert result.message.startswith("the implementation crashed the process (SIGSEGV) under ctypes/"), result.message
    assert result.message.endswith(f", called from {_crashing_line('SegfaultingAdapter')}, "
                                   f'after it printed "{CRASH_MARKER}"'), result.message
    assert CRASH_MARKER in (result.stderr_tail or ""), f"stderr tail: {result.stderr_tail!r}"


def _crashing_line(adapter: str) -> str:
    """``broken/processes.py:N in register_codec``: the line of ``adapter``'s register_codec that reads address 0."""
    import inspect

    import broken.processes

    method = getattr(broken.processes, adapter).register_codec
    lines, first = inspect.getsourcelines(method)
    at = next(first + i for i, line in enumerate(lines) if "string_at(0)" in line)
    return f"broken/processes.py:{at} in register_codec"


def test_python_stderr_reaches_the_crash_tail() -> None:
    from broken.processes import PY_CRASH_MARKER

    result = execute(
        "broken.processes:SegfaultingAdapter",
        "segfaulting",
        CONTRACT.get("REG-RETURNS-NONE"),
        PROFILE,
    )
    assert PY_CRASH_MARKER in (result.stderr_tail or ""), f"stderr tail: {result.stderr_tail!r}"


@pytest.mark.slow
def test_hang_is_killed_at_the_timeout() -> None:
    start = time.monotonic()
    result = execute(
        "broken.processes:HangingAdapter",
        "hanging",
        CONTRACT.get("RT-CHUNKS"),
        PROFILE,
        timeout=HANG_TIMEOUT,
    )
    elapsed = time.monotonic() - start
    assert result.outcome is Outcome.HANG, result.message
    assert f"no result within {HANG_TIMEOUT:g} s" in result.message
    assert elapsed < HANG_TIMEOUT + 30, f"took {elapsed:.1f} s"  # killed, not waited for (the adapter sleeps longer)


def test_exit_is_a_crash_naming_the_status() -> None:
    result = execute(
        "broken.processes:ExitingAdapter", "exiting", CONTRACT.get("REG-RETURNS-NONE"), PROFILE
    )
    assert result.outcome is Outcome.CRASH, result.message
    assert result.signal is None
    assert "exited with status 3" in result.message


def test_unimportable_adapter_is_an_error() -> None:
    result = execute(
        "broken.unimportable:UnimportableAdapter",
        "unimportable",
        CONTRACT.get("REG-RETURNS-NONE"),
        PROFILE,
    )
    assert result.outcome is Outcome.ERROR, result.message
    assert "could not be loaded" in result.message and "broken on purpose" in result.message


@pytest.mark.slow
@pytest.mark.parametrize("adapter", ["LeavesPartialEntryAdapter", "RemembersRejectedIdsAdapter"])
def test_failure_messages_are_stable(adapter: str) -> None:
    """The same failure reads the same on every run: no memory address of a callback in the message."""
    clause = CONTRACT.get("REG-REJECT-ATOMIC")
    messages = [execute(f"broken.registration:{adapter}", adapter, clause, PROFILE).message for _ in range(2)]
    assert messages[0] == messages[1]
    assert " at 0x" not in messages[0], messages[0]
