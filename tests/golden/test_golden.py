"""Golden vectors (spec/golden, udcodec.golden): the manifest, the files, decoding, the generator.

The committed vectors are only read here: every test that writes works on a tmp_path copy.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import udcodec.reference as ref
import yaml
from udcodec import golden
from udcodec.adapters.loader import load_adapter
from udcodec.adapters.protocol import FILTER_IDS, SPLITMODE_IDS, USER_FILTER_IDS, DParams
from udcodec.cli import main as cli_main
from udcodec.golden import GoldenError, GoldenMismatch
from udcodec.golden.manifest import SCHEMA as MANIFEST_SCHEMA
from udcodec.golden.manifest import Kind

MANIFEST = golden.load_manifest()
ENTRIES = {e.name: e for e in MANIFEST}
CHUNKS = [e.name for e in MANIFEST.of_kind("chunk")]
FRAMES = [e.name for e in MANIFEST.of_kind("frame", "sframe")]
MAJORS = ("b2v2", "b2v3", "b2v4")
LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _blosc2_major() -> int | None:
    try:
        import blosc2
    except ImportError:
        return None
    return int(str(blosc2.__version__).split(".")[0])


BLOSC2_MAJOR = _blosc2_major()
needs_blosc2 = pytest.mark.skipif(BLOSC2_MAJOR is None, reason="python-blosc2 is not installed")
needs_blosc2_4 = pytest.mark.skipif(BLOSC2_MAJOR is None or BLOSC2_MAJOR < 4, reason="needs python-blosc2 4.x")


# ---- the committed manifest and files -------------------------------------------------------------

def test_committed_manifest_loads_with_every_major():
    assert MANIFEST.directory == golden.default_golden_dir()
    per_major = Counter(e.name.split("-")[0] for e in MANIFEST)
    assert set(per_major) == set(MAJORS)
    assert per_major == {m: sum(p.since <= int(m[3:]) for p in golden.PLANS) for m in MAJORS}
    for entry in MANIFEST:
        major = entry.name.split("-")[0]
        assert entry.library == "python-blosc2" and entry.library_major == int(major[3:])
        assert entry.file.startswith(major + "/")


def test_committed_vectors_are_small():
    total = sum(p.stat().st_size for p in MANIFEST.directory.rglob("*") if p.is_file())
    assert total < 300_000


@pytest.mark.parametrize("major", MAJORS)
def test_each_major_covers_the_required_cases(major: str):
    entries = [e for e in MANIFEST if e.name.startswith(major + "-")]
    chunks = [e for e in entries if e.kind == "chunk"]
    assert {e.codec.encoder.split(":")[0].rsplit(".", 1)[1] for e in chunks} == {"zlib_codec", "rle", "arange",
                                                                                  "testcodecs"}
    filters = {e.params.filters for e in chunks}
    assert {("nofilter",), ("shuffle",), ("bitshuffle",), ("delta",)} <= filters
    assert any(len(f) == 2 for f in filters)
    assert {"always", "never", "auto"} <= {e.params.splitmode for e in chunks}
    assert {1, 2, 3, 4, 8} <= {e.params.typesize for e in chunks}
    assert {0} < {e.params.blocksize for e in chunks}
    assert any(e.params.codec_meta for e in chunks)
    # user filters (register_filter): alone, beside builtin filters in other slots, in a memcpyed chunk, in a frame
    user = [e for e in entries if e.ufilters]
    assert any(e.params.filters == (str(e.ufilters[0].id),) for e in user)
    assert any(len(e.params.filters) >= 2 and e.params.filters[0] != "nofilter" and not e.params.filters[0].isdigit()
               for e in user)
    assert any(e.params.clevel == 0 for e in user) and any(e.kind == "frame" for e in user)
    frames = [e for e in entries if e.kind == "frame"]
    assert any(1 <= (e.params.nchunks or 0) <= 3 for e in frames)
    long = [e for e in frames if (e.params.nchunks or 0) >= 5 and e.content.nbytes % e.chunksize]
    assert any(e.content.recipe == "ramp-u32-zero-chunk2" for e in long)  # a zeros chunk, a short last chunk
    assert [e.kind for e in entries].count("sframe") == 1
    # special chunks (SChunk.fill_special), alone and in frames, in a container whose decoder must not run;
    # 2.x's fill_special takes no value
    specials = {(e.kind, e.special, e.params.typesize) for e in entries if e.special}
    assert {("chunk", "nan", 4), ("chunk", "nan", 8), ("frame", "nan", 4), ("frame", "nan", 8)} <= specials
    kinds = {"zero", "nan", "uninit"} | ({"value"} if major != "b2v2" else set())
    assert {s for k, s, _ in specials if k == "chunk"} == {s for k, s, _ in specials if k == "frame"} == kinds
    assert all(e.codec.decoder == "udcodec.testcodecs:forbidden_decoder" for e in entries if e.special)
    nd = {(e.special, e.content.recipe) for e in entries if e.kind == "ndarray" and e.special}
    assert nd == {("zero", "zeros"), ("value", "pi-f64"), ("value", "nan-f32")}  # blosc2.zeros, blosc2.full


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_file_and_recipe_match_the_manifest(name: str):
    entry = ENTRIES[name]
    golden.verify_file(entry)
    golden.verify_content(entry)
    assert entry.path().is_dir() == (entry.kind == "sframe")


@pytest.mark.parametrize("name", [n for n in CHUNKS if ENTRIES[n].special])
def test_special_chunk_header_records_its_kind(name: str):
    entry = ENTRIES[name]
    h = ref.parse_header(golden.read_chunk(entry))
    kinds = {"zero": ref.chunkformat.SPECIAL_ZERO, "nan": ref.chunkformat.SPECIAL_NAN,
             "value": ref.chunkformat.SPECIAL_VALUE, "uninit": ref.chunkformat.SPECIAL_UNINIT}
    assert (h.special, h.typesize, h.nbytes) == (kinds[entry.special], entry.params.typesize, entry.content.nbytes)
    assert h.cbytes == 32 + (entry.params.typesize if entry.special == "value" else 0)


@pytest.mark.parametrize("name", [n for n in CHUNKS if not ENTRIES[n].special])
def test_chunk_header_records_the_params(name: str):
    entry = ENTRIES[name]
    h = ref.parse_header(golden.read_chunk(entry))
    p = entry.params
    assert (h.udcodec, h.codec_meta, h.typesize, h.nbytes) == (p.codec, p.codec_meta, p.typesize,
                                                                entry.content.nbytes)
    assert [f for f in h.filters if f] == [FILTER_IDS.get(f) or int(f) for f in p.filters if f != "nofilter"]
    if p.blocksize:
        assert h.blocksize == p.blocksize
    if p.splitmode in ("always", "never") and p.typesize > 1 and not h.memcpyed:
        assert h.dont_split == (p.splitmode == "never")


def test_directory_digest_is_stable_and_order_independent(tmp_path: Path):
    one, two = tmp_path / "one", tmp_path / "two"
    for d, order in ((one, "ab"), (two, "ba")):
        (d / "sub").mkdir(parents=True)
        for name in order:
            (d / name).write_bytes(name.encode() * 3)
        (d / "sub" / "c").write_bytes(b"")
    assert golden.tree_sha256(one) == golden.tree_sha256(two)
    (two / "b").write_bytes(b"bbbb")
    assert golden.tree_sha256(one) != golden.tree_sha256(two)
    (two / "b").rename(two / "d")
    assert golden.tree_sha256(one) != golden.tree_sha256(two)


def test_verify_file_names_the_entry_and_both_digests(tmp_path: Path):
    copy = _copy(tmp_path)
    entry = ENTRIES[CHUNKS[0]]
    path = entry.path(copy)
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(GoldenMismatch) as info:
        golden.verify_file(entry, copy)
    assert info.value.entry == entry.name and info.value.field == "sha256"
    assert entry.sha256 in str(info.value) and golden.path_sha256(path) in str(info.value)
    path.unlink()
    with pytest.raises(GoldenMismatch, match="does not exist"):
        golden.verify_file(entry, copy)


def test_verify_content_catches_a_wrong_recipe_sha():
    entry = ENTRIES[CHUNKS[0]]
    bad = replace(entry, content=replace(entry.content, sha256="0" * 64))
    with pytest.raises(GoldenMismatch, match="content.sha256"):
        golden.verify_content(bad)


# ---- decoding -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", CHUNKS)
def test_chunk_decodes_in_the_reference(name: str):
    entry = ENTRIES[name]
    encoder, decoder = entry.codec.load()
    ref._reset_registry()
    try:
        ref.register_codec(entry.codec.name, entry.codec.id, encoder, decoder, entry.codec.version)
        for ufilter in entry.ufilters:
            ref.register_filter(ufilter.id, *ufilter.load())
        # The reference reads each vector as the python-blosc2 line that wrote it (blosc2_target).
        schunk = ref.SChunk(chunksize=entry.content.nbytes, cparams={"codec": entry.codec.id,
                                                                     "typesize": entry.params.typesize,
                                                                     "blosc2_target": entry.library_major},
                            dparams={"nthreads": 1})
        schunk.append_chunk(golden.read_chunk(entry))
        assert schunk.decompress_chunk(0) == golden.expected_bytes(entry)
    finally:
        ref._reset_registry()


@pytest.mark.parametrize("name", FRAMES)
def test_frame_opens_in_the_reference(name: str, tmp_path: Path):
    entry = ENTRIES[name]
    data = golden.decode_vector(load_adapter("reference"), entry, workdir=tmp_path)
    assert data == golden.expected_bytes(entry)


@needs_blosc2_4
@pytest.mark.parametrize("name", CHUNKS + FRAMES)
def test_vector_decodes_in_blosc2_4(name: str, tmp_path: Path):
    """Each vector decodes to its content, or one of several meanings written by 2.x/3.x to its groups reading,
    as recorded in the manifest: python-blosc2 4.x reads SHUFFLE's filters_meta as a byte-group size."""
    entry = ENTRIES[name]
    adapter = load_adapter("blosc2")
    # Frames open with their parameters and one thread: a plain open of a Python codec's container fails
    # on multi-core machines in python-blosc2 4.x (THREAD-DEFAULTS).
    got = golden.decode_vector(adapter, entry, workdir=tmp_path, open_with_params=True)
    if entry.other_readings and entry.library_major < 4:
        assert hashlib.sha256(got).hexdigest() == entry.readings["shuffle-meta-groups"]
    else:
        assert got == golden.expected_bytes(entry)
    if entry.kind != "chunk":
        opened = adapter.open(str(tmp_path / Path(entry.file).name), DParams(), entry.params.cparams())
        try:
            assert opened.nchunks == entry.params.nchunks
            assert opened.cparams().codec == entry.params.codec
        finally:
            opened.close()


#: What python-blosc2 2.7.1, 3.12.2 and 4.14.1 decode the vectors of several meanings to (measured with each).
MEASURED = {"b2v2-zlib-shuffle-meta2-ts4": {"shuffle-meta-groups": "4750d7b7036cf113728119dd8d6bd86456fceda1e416b882edb304b9b7ed41ca"},
            "b2v4-zlib-shuffle-meta2-ts4": {"shuffle-meta-ignored": "0d8a1a92a1be7a88e1146fa6fa6ab2acab59039b70529db3f41b0aa986897a2a"}}


def test_the_other_readings_are_computed_and_agree_with_python_blosc2():
    """The manifest's other readings are what reading_bytes computes (as the generator records them), each
    reading's bytes of the writer's own reading are the content, and they agree with what real python-blosc2
    lines decode (MEASURED; udcodec history --only INTEROP-GOLDEN found the shuffle-meta-repeats bytes in
    python-blosc2 2.0.0 - 2.2.4, the shuffle-meta-ignored ones in 2.2.5 - 4.0.0 and the groups in 4.1.0 on)."""
    several = [e for e in ENTRIES.values() if e.other_readings]
    assert {e.name for e in several} == {n for n in CHUNKS if "shuffle-meta2" in n}
    for entry in several:
        assert golden.other_readings(entry) == entry.other_readings
        writer = golden.reading_of(entry.library_version)
        assert golden.reading_bytes(entry, writer) == golden.expected_bytes(entry)
        assert list(entry.readings) == [writer, *(r.name for r in entry.other_readings)]
        for name, sha in MEASURED.get(entry.name, {}).items():
            assert entry.readings[name] == sha


@pytest.mark.parametrize(("version", "reading"), [
    ("2.0.0", "shuffle-meta-repeats"), ("2.2.4", "shuffle-meta-repeats"), ("2.2.5", "shuffle-meta-ignored"),
    ("3.12.2", "shuffle-meta-ignored"), ("4.0.0", "shuffle-meta-ignored"), ("4.1.0", "shuffle-meta-groups"),
    ("4.14.1", "shuffle-meta-groups")])
def test_each_release_has_its_reading(version: str, reading: str):
    assert golden.reading_of(version) == reading


def test_reading_bytes_refuses_what_it_cannot_compute():
    with pytest.raises(ValueError, match="SHUFFLE alone"):
        golden.reading_bytes(ENTRIES[FRAMES[0]], "shuffle-meta-groups")
    with pytest.raises(ValueError, match="unknown reading"):
        golden.reading_bytes(ENTRIES["b2v4-zlib-shuffle-meta2-ts4"], "shuffle-meta-twice")


def test_reading_bytes_leaves_the_reference_registry_as_it_was():
    ref._reset_registry()
    ref.register_codec("mine", 248, lambda *a: 0, lambda *a: 0)
    before = dict(ref.ucodecs_registry)
    golden.reading_bytes(ENTRIES["b2v4-zlib-shuffle-meta2-ts4"], "shuffle-meta-groups")
    assert ref.ucodecs_registry == before
    ref._reset_registry()


def test_the_reference_reads_every_vector_of_several_meanings_as_python_blosc2_4(tmp_path: Path):
    reference = load_adapter("reference")
    for entry in (e for e in ENTRIES.values() if e.other_readings):
        got = golden.decode_vector(reference, entry, workdir=tmp_path)
        assert hashlib.sha256(got).hexdigest() == entry.readings["shuffle-meta-groups"], entry.name
        ref._reset_registry()


def test_decode_vector_leaves_the_golden_files_alone(tmp_path: Path):
    copy = _copy(tmp_path / "golden")
    before = {n: golden.path_sha256(ENTRIES[n].path(copy)) for n in FRAMES}
    for name in FRAMES:
        if ENTRIES[name].kind == "frame":
            golden.decode_vector(load_adapter("reference"), ENTRIES[name], copy)
    assert {n: golden.path_sha256(ENTRIES[n].path(copy)) for n in FRAMES} == before


def test_codec_register_refuses_an_id_held_by_another_codec():
    adapter = load_adapter("reference")
    spec = ENTRIES[CHUNKS[0]].codec
    spec.register(adapter)
    spec.register(adapter)  # the same codec again: fine
    with pytest.raises(ValueError, match="already registered"):
        replace(spec, name="other").register(adapter)
    ref._reset_registry()


# ---- the generator --------------------------------------------------------------------------------

def _copy(target: Path) -> Path:
    shutil.copytree(MANIFEST.directory, target, dirs_exist_ok=True)
    return target


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture
def major_prefix() -> str:
    return f"b2v{BLOSC2_MAJOR}"


@pytest.mark.slow
@needs_blosc2
def test_generate_reproduces_the_committed_vectors(tmp_path: Path, major_prefix: str):
    copy = _copy(tmp_path / "golden")
    before = _snapshot(copy)
    report = golden.generate(copy)
    assert not report.refused and not report.added and not report.overwritten and not report.repaired
    assert sorted(report.unchanged) == sorted(n for n in ENTRIES if n.startswith(major_prefix + "-"))
    assert _snapshot(copy) == before


def _tamper(copy: Path, name: str) -> str:
    """Make the copy hold other bytes for ``name``, recorded in its manifest: returns the fake sha256."""
    manifest = golden.load_manifest(copy)
    path = manifest.get(name).path(copy)
    path.write_bytes(path.read_bytes()[:-1] + b"\x99")
    fake = golden.path_sha256(path)
    entries = [replace(e, sha256=fake) if e.name == name else e for e in manifest]
    golden.write_manifest(copy, entries)
    return fake


@pytest.mark.slow
@needs_blosc2
def test_generate_refuses_a_changed_vector_without_force(tmp_path: Path, major_prefix: str):
    copy = _copy(tmp_path / "golden")
    name = f"{major_prefix}-zlib-shuffle-ts4"
    fake = _tamper(copy, name)
    tampered = _snapshot(copy)
    report = golden.generate(copy)
    assert report.changed == [(name, fake, ENTRIES[name].sha256)]
    assert report.refused and not report.added
    assert _snapshot(copy) == tampered  # nothing written
    assert any(name in line and fake in line and ENTRIES[name].sha256 in line for line in report.lines())


@pytest.mark.slow
@needs_blosc2
def test_generate_command_refusal_exits_1_naming_old_and_new_sha(tmp_path: Path, major_prefix: str,
                                                                  capsys: pytest.CaptureFixture[str]):
    copy = _copy(tmp_path / "golden")
    name = f"{major_prefix}-frame-zlib-3chunks"
    fake = _tamper(copy, name)
    assert cli_main(["golden", "generate", "--out", str(copy)]) == 1
    err = capsys.readouterr().err
    assert f"CHANGED {name}: old sha256 {fake}, new sha256 {ENTRIES[name].sha256}" in err


@pytest.mark.slow
@needs_blosc2
def test_generate_force_overwrites_and_keeps_other_majors(tmp_path: Path, major_prefix: str):
    copy = _copy(tmp_path / "golden")
    name = f"{major_prefix}-sframe-zlib-delta-4chunks"
    index = ENTRIES[name].path(copy) / "chunks.b2frame"
    index.write_bytes(index.read_bytes() + b"junk")
    manifest = golden.load_manifest(copy)
    golden.write_manifest(copy, [replace(e, sha256=golden.path_sha256(e.path(copy))) if e.name == name else e
                                 for e in manifest])
    assert golden.generate(copy).refused
    assert cli_main(["golden", "generate", "--out", str(copy), "--force"]) == 0
    assert _snapshot(copy) == _snapshot(MANIFEST.directory)  # the tampered vector is back, others untouched


@pytest.mark.slow
@needs_blosc2
def test_generate_adds_missing_vectors_and_repairs_damaged_files(tmp_path: Path, major_prefix: str):
    copy = _copy(tmp_path / "golden")
    manifest = golden.load_manifest(copy)
    dropped = f"{major_prefix}-rle-nofilter-ts1"
    damaged = f"{major_prefix}-arange-ts8-meta8"
    manifest.get(dropped).path(copy).unlink()
    manifest.get(damaged).path(copy).write_bytes(b"not a chunk")
    golden.write_manifest(copy, [e for e in manifest if e.name != dropped])
    report = golden.generate(copy)
    assert report.added == [dropped] and report.repaired == [damaged] and not report.refused
    assert _snapshot(copy) == _snapshot(MANIFEST.directory)


@pytest.mark.slow
@needs_blosc2
def test_generate_into_an_empty_directory(tmp_path: Path, major_prefix: str):
    report = golden.generate(tmp_path / "new")
    fresh = golden.load_manifest(tmp_path / "new")
    assert sorted(report.added) == sorted(e.name for e in fresh) == sorted(
        n for n in ENTRIES if n.startswith(major_prefix + "-"))
    for entry in fresh:
        golden.verify_file(entry, fresh.directory)
        assert entry.sha256 == ENTRIES[entry.name].sha256


# ---- the command line -----------------------------------------------------------------------------

def test_verify_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert cli_main(["golden", "verify"]) == 0
    assert f"{len(MANIFEST)} vectors" in capsys.readouterr().out
    copy = _copy(tmp_path / "golden")
    assert cli_main(["golden", "verify", "--dir", str(copy)]) == 0
    victim = ENTRIES[FRAMES[0]]
    victim.path(copy).write_bytes(b"")
    assert cli_main(["golden", "verify", "--dir", str(copy)]) == 1
    out = capsys.readouterr().out
    assert f"MISMATCH {victim.name}: sha256:" in out and "1 mismatch" in out


def test_verify_recomputes_the_other_readings(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """A wrong other_readings sha256 had verified, then failed INTEROP-GOLDEN for every host."""
    copy = _copy(tmp_path / "golden")
    manifest = copy / "manifest.yaml"
    entry = ENTRIES["b2v2-zlib-shuffle-meta2-ts4"]
    groups = entry.readings["shuffle-meta-groups"]
    manifest.write_text(manifest.read_text().replace(groups, "f" * 64))
    assert cli_main(["golden", "verify", "--dir", str(copy)]) == 1
    out = capsys.readouterr().out
    assert f"MISMATCH {entry.name}: other_readings.shuffle-meta-groups: manifest {'f' * 64}, computed {groups}" in out


@pytest.mark.parametrize("odd", ["fifo", "link in a sparse frame"])
def test_verify_names_what_is_no_regular_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], odd: str):
    """A FIFO in place of a vector had made verify wait forever; a link in a sparse frame had verified, then made
    the check's copy of it fail."""
    copy = _copy(tmp_path / "golden")
    if odd == "fifo":
        entry = ENTRIES[CHUNKS[0]]
        entry.path(copy).unlink()
        os.mkfifo(entry.path(copy))
    else:
        entry = next(e for e in ENTRIES.values() if e.kind == "sframe")
        (entry.path(copy) / "up").symlink_to("..")
    assert cli_main(["golden", "verify", "--dir", str(copy)]) == 1
    out = capsys.readouterr().out
    assert f"MISMATCH {entry.name}: file: " in out and "is no regular file or directory" in out


@pytest.mark.parametrize(("text", "problem"), [
    ("    nbytes: 2048.0", "content.nbytes: must be an integer, got 2048.0"),
    ("    nbytes: 99999999999999", "content.nbytes: 99999999999999 is out of range 1..268435456"),
])
def test_verify_refuses_sizes_no_vector_has(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
                                            problem: str):
    """A float size had ended in a TypeError traceback, a huge one in a MemoryError."""
    copy = _copy(tmp_path / "golden")
    manifest = copy / "manifest.yaml"
    manifest.write_text(manifest.read_text().replace("    nbytes: 2048\n", text + "\n", 1))
    assert cli_main(["golden", "verify", "--dir", str(copy)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].endswith(problem), err


@pytest.mark.parametrize(("where", "text", "problem"), [
    ("manifest.yaml", "format: 1\nvectors: &a [*a]\n", "manifest.yaml:2: <manifest>: <yaml>: an alias that holds"),
    ("blosc1/manifest.yaml", "format: 1\nvectors: &a [*a]\n", "blosc1/manifest.yaml:2: <manifest>: <yaml>: an alias"),
    ("blosc1/manifest.yaml", "format: 1\nvectors: [foo]\n", "blosc1/manifest.yaml:2: vectors[0]: <entry>: must be a mapping"),
])
def test_verify_names_a_malformed_manifest_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str,
                                                       text: str, problem: str):
    """A recursive alias had recursed until RecursionError; an entry that is no mapping had been an AttributeError."""
    copy = _copy(tmp_path / "golden")
    (copy / where).write_text(text)
    assert cli_main(["golden", "verify", "--dir", str(copy)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and problem in err[0], err


def test_golden_command_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert cli_main(["golden", "verify", "--dir", str(tmp_path / "nope")]) == 2
    assert "not a directory" in capsys.readouterr().err
    assert cli_main(["golden", "verify", "--dir", str(tmp_path)]) == 2  # no manifest
    assert "manifest.yaml" in capsys.readouterr().err
    (tmp_path / "file").write_text("x")
    assert cli_main(["golden", "generate", "--out", str(tmp_path / "file")]) == 2
    assert "is not a directory" in capsys.readouterr().err
    bad = _copy(tmp_path / "bad")
    (bad / "manifest.yaml").write_text("format: 1\nvectors: [1]\n")
    assert cli_main(["golden", "verify", "--dir", str(bad)]) == 2
    assert cli_main(["golden", "generate", "--out", str(bad)]) == 2
    assert "malformed golden vectors" in capsys.readouterr().err
    for argv in (["golden"], ["golden", "bogus"]):
        with pytest.raises(SystemExit) as info:
            cli_main(argv)
        assert info.value.code == 2


# ---- manifest validation --------------------------------------------------------------------------

def _raw() -> dict[str, Any]:
    data: dict[str, Any] = yaml.load((MANIFEST.directory / "manifest.yaml").read_text(), Loader=LOADER)
    return data


def _frame_index(data: dict[str, Any]) -> int:
    return next(i for i, v in enumerate(data["vectors"]) if v["kind"] == "frame")


def _set(path: tuple[Any, ...], value: Any) -> Any:
    def mutate(data: dict[str, Any]) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return mutate


def _delete(path: tuple[Any, ...]) -> Any:
    def mutate(data: dict[str, Any]) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return mutate


FIRST = MANIFEST.entries[0].name
SECOND = MANIFEST.entries[1].name
V0 = ("vectors", 0)
ND = next(i for i, e in enumerate(MANIFEST.entries) if e.kind == "ndarray")
ENTRY_ND = MANIFEST.entries[ND].name
SEVERAL = next(i for i, e in enumerate(MANIFEST.entries) if e.other_readings)
ENTRY_OF_SEVERAL = MANIFEST.entries[SEVERAL].name

MALFORMED = [
    # (id, mutation, entry, field, problem fragment, key whose line is named)
    ("kind", _set((*V0, "kind"), "blob"), FIRST, "kind", "is not one of chunk, frame, sframe", "kind"),
    ("missing", _delete((*V0, "params", "typesize")), FIRST, "params.typesize", "missing", "params"),
    ("unknown-field", _set((*V0, "colour"), "red"), FIRST, "colour", "unknown field", "colour"),
    ("short-sha", _set((*V0, "sha256"), "abc"), FIRST, "sha256", "64 lowercase hex", "sha256"),
    ("codec-id", _set((*V0, "codec", "id"), 200), FIRST, "codec.id", "differs from params.codec", "id"),
    ("encoder-missing", _set((*V0, "codec", "encoder"), "udcodec.examples.nope:encoder"), FIRST,
     "codec.encoder", "cannot be imported", "encoder"),
    ("encoder-outside", _set((*V0, "codec", "decoder"), "os:system"), FIRST, "codec.decoder",
     "udcodec.<module>:<attribute>", "decoder"),
    ("recipe", _set((*V0, "content", "recipe"), "lorem"), FIRST, "content.recipe", "is not one of", "recipe"),
    ("filter", _set((*V0, "params", "filters"), ["shuffle", "lz4"]), FIRST, "params.filters[1]",
     "is not one of", "lz4"),
    ("filters-meta", _set((*V0, "params", "filters_meta"), [0, 0, 0]), FIRST, "params.filters_meta",
     "one meta per filter", "filters_meta"),
    ("typesize-range", _set((*V0, "params", "typesize"), 0), FIRST, "params.typesize", "out of range", "typesize"),
    ("bool-int", _set((*V0, "params", "clevel"), True), FIRST, "params.clevel", "must be an integer", "clevel"),
    ("escape", _set((*V0, "file"), "../outside.chunk"), FIRST, "file", "relative POSIX path", "file"),
    ("version-float", _set((*V0, "library_version"), 4.1), FIRST, "library_version", "quote it",
     "library_version"),
    ("version-word", _set((*V0, "library_version"), "banana"), FIRST, "library_version",
     "is not a release of the library", "library_version"),
    ("dtype-unknown", _set(("vectors", ND, "ndarray", "dtype"), "<c4"), ENTRY_ND, "ndarray.dtype",
     "'<c4' is no NumPy dtype", "dtype"),
    ("duplicate", _set(("vectors", 1, "name"), FIRST), FIRST, "name", "duplicate name", "name"),
    ("same-file", _set(("vectors", 1, "file"), MANIFEST.entries[0].file), SECOND, "file", "overlaps", "file"),
    ("chunk-with-chunksize", _set((*V0, "params", "chunksize"), 4096), FIRST, "params.chunksize",
     "unknown field", "chunksize"),
    ("not-a-mapping", _set(V0, "just a string"), "vectors[0]", "<entry>", "must be a mapping", None),
    ("other-readings-unasked", _set((*V0, "other_readings"), [{"name": "shuffle-meta-groups", "sha256": "0" * 64}]),
     FIRST, "other_readings", "given exactly when SHUFFLE has a nonzero filters_meta", "other_readings"),
    ("other-readings-missing", _delete(("vectors", SEVERAL, "other_readings")), ENTRY_OF_SEVERAL,
     "other_readings", "given exactly when SHUFFLE has a nonzero filters_meta", "name"),
    ("other-readings-with-the-writers", _set(("vectors", SEVERAL, "other_readings", 0, "name"),
                                             golden.reading_of(MANIFEST.entries[SEVERAL].library_version)),
     ENTRY_OF_SEVERAL, "other_readings", "every reading but that of the writer", "other_readings"),
    ("other-readings-unknown", _set(("vectors", SEVERAL, "other_readings", 0, "name"), "shuffle-meta-bits"),
     ENTRY_OF_SEVERAL, "other_readings[0].name", "is not one of", "name"),
]


@pytest.mark.parametrize(("mutate", "entry", "field", "problem", "key"),
                         [pytest.param(*case[1:], id=case[0]) for case in MALFORMED])
def test_malformed_entry_names_file_line_entry_and_field(tmp_path: Path, mutate: Any, entry: str, field: str,
                                                         problem: str, key: str | None):
    data = _raw()
    mutate(data)
    golden_dir = tmp_path / "g"
    golden_dir.mkdir()
    text = yaml.dump(data, Dumper=DUMPER, sort_keys=False)
    (golden_dir / "manifest.yaml").write_text(text)
    with pytest.raises(GoldenError) as info:
        golden.load_manifest(golden_dir)
    err = info.value
    assert (err.file, err.entry, err.field) == (str(golden_dir / "manifest.yaml"), entry, field)
    assert problem in err.problem
    assert str(err).startswith(f"{err.file}:{err.line}: {entry}: {field}: ")
    if key is not None:
        assert err.line is not None and re.match(rf"^[\s-]*{re.escape(key)}\b", text.splitlines()[err.line - 1])


def test_malformed_frame_entry(tmp_path: Path):
    data = _raw()
    i = _frame_index(data)
    data["vectors"][i]["params"]["nchunks"] += 1
    (tmp_path / "manifest.yaml").write_text(yaml.dump(data, Dumper=DUMPER, sort_keys=False))
    with pytest.raises(GoldenError) as info:
        golden.load_manifest(tmp_path)
    assert (info.value.entry, info.value.field) == (data["vectors"][i]["name"], "params.nchunks")
    assert "makes" in info.value.problem


@pytest.mark.parametrize(("text", "field", "problem"), [
    ("format: 2\nvectors: []\n", "format", "must be 1"),
    ("format: 1\nvectors: {}\n", "vectors", "must be a list"),
    ("format: 1\nvectors: []\nextra: 1\n", "extra", "unknown field"),
    ("- 1\n", "<document>", "must be a mapping"),
    ("format: 1\nvectors: [\n", "<yaml>", "expected"),
])
def test_malformed_manifest_document(tmp_path: Path, text: str, field: str, problem: str):
    (tmp_path / "manifest.yaml").write_text(text)
    with pytest.raises(GoldenError) as info:
        golden.load_manifest(tmp_path)
    assert (info.value.entry, info.value.field) == ("<manifest>", field)
    assert problem in info.value.problem


def test_missing_manifest(tmp_path: Path):
    with pytest.raises(GoldenError) as info:
        golden.load_manifest(tmp_path)
    assert info.value.field == "<file>" and "cannot be read" in info.value.problem


def test_empty_manifest_is_valid(tmp_path: Path):
    (tmp_path / "manifest.yaml").write_text("format: 1\nvectors: []\n")
    assert len(golden.load_manifest(tmp_path)) == 0


def test_the_manifest_schema_names_what_the_code_knows() -> None:
    """The schema's lists of kinds, filters, split modes and recipes are the code's (one is not edited alone)."""
    entry = MANIFEST_SCHEMA["$defs"]["entry"]
    params = entry["properties"]["params"]["properties"]
    assert entry["properties"]["kind"]["enum"] == list(Kind.__args__)
    assert params["filters"]["items"]["enum"] == [*FILTER_IDS, *(str(i) for i in USER_FILTER_IDS)]  # user filters by id
    assert params["splitmode"]["enum"] == list(SPLITMODE_IDS)
    assert sorted(entry["properties"]["content"]["properties"]["recipe"]["enum"]) == sorted(golden.RECIPES)


@pytest.mark.parametrize(("mutate", "field", "problem"), [
    (_set((*V0, "params", "filters"), []), "params.filters", "must hold 1..6 filters, got 0"),
    (_set((*V0, "params", "codec_meta"), 256), "params.codec_meta", "256 is out of range 0..255"),
    (_set((*V0, "name"), "Upper"), "name", "'Upper' is not a lowercase name"),
    (_set((*V0, "codec", "name"), ""), "codec.name", "must be a non-empty string, got ''"),
    (_set((*V0, "params"), [1]), "params", "must be a mapping, got list"),
], ids=["no-filters", "meta-range", "name-pattern", "empty-name", "params-list"])
def test_schema_violations_read_like_the_manifest_rules(tmp_path: Path, mutate: Any, field: str, problem: str) -> None:
    data = _raw()
    mutate(data)
    (tmp_path / "manifest.yaml").write_text(yaml.dump(data, Dumper=DUMPER, sort_keys=False))
    with pytest.raises(GoldenError) as info:
        golden.load_manifest(tmp_path)
    assert (info.value.entry, info.value.field) == (data["vectors"][0]["name"], field)  # the entry as written
    assert info.value.problem.startswith(problem)


def test_the_first_violation_in_the_file_is_named(tmp_path: Path) -> None:
    data = _raw()
    data["vectors"][1]["kind"] = "blob"
    data["vectors"][0]["content"]["nbytes"] = 0
    (tmp_path / "manifest.yaml").write_text(yaml.dump(data, Dumper=DUMPER, sort_keys=False))
    with pytest.raises(GoldenError) as info:
        golden.load_manifest(tmp_path)
    assert (info.value.entry, info.value.field) == (FIRST, "content.nbytes")


@pytest.mark.parametrize(("change", "field", "problem"), [
    (lambda v: v["ndarray"].update(blocks=[1, 4, 3]), "ndarray.blocks", "must be positive and fit in chunks"),
    (lambda v: v["ndarray"].update(dtype="<f8"), "ndarray", "must be the item size 8"),
    (lambda v: v["ndarray"].update(blocks=[1, 2]), "ndarray", "as many dimensions"),
    (lambda v: v.pop("ndarray"), "ndarray", "given for every ndarray vector"),
    (lambda v: v["ndarray"].update(dtype="float64"), "ndarray.dtype", "numeric NumPy dtype string"),
], ids=["blocks", "dtype", "dims", "missing", "dtype-name"])
def test_malformed_ndarray_entry(tmp_path: Path, change: Any, field: str, problem: str) -> None:
    data = _raw()
    i = next(k for k, v in enumerate(data["vectors"]) if v["kind"] == "ndarray")
    change(data["vectors"][i])
    (tmp_path / "manifest.yaml").write_text(yaml.dump(data, Dumper=DUMPER, sort_keys=False))
    with pytest.raises(GoldenError) as info:
        golden.load_manifest(tmp_path)
    assert (info.value.entry, info.value.field) == (data["vectors"][i]["name"], field)
    assert problem in info.value.problem


@pytest.mark.parametrize("name", [e.name for e in MANIFEST if e.kind == "ndarray"])
def test_ndarray_vectors_open_as_ndarrays_in_the_reference(name: str) -> None:
    """Every major's NDArray frame carries the b2nd metalayer of its manifest geometry; the reference reads it."""
    import numpy as np

    entry = MANIFEST.get(name)
    ref._reset_registry()
    entry.codec.register(load_adapter("reference"))
    arr = ref.open(entry.path())
    g = entry.ndarray
    assert g is not None and isinstance(arr, ref.NDArray)
    assert (arr.shape, arr.chunks, arr.blocks, arr.dtype.str) == (g.shape, g.chunks, g.blocks, g.dtype)
    want = np.frombuffer(golden.expected_bytes(entry), g.dtype).reshape(g.shape)
    assert np.ascontiguousarray(arr[...]).tobytes() == want.tobytes()
    if entry.special is not None:  # blosc2.zeros/full write special chunks, asarray compresses the values
        assert {ref.parse_header(arr.schunk.get_chunk(i)).special for i in range(arr.schunk.nchunks)} == \
            {ref.chunkformat.SPECIAL_ZERO if entry.special == "zero" else ref.chunkformat.SPECIAL_VALUE}
        return
    p = entry.params
    ours = ref.asarray(want, chunks=g.chunks, blocks=g.blocks, cparams={
        "codec": p.codec, "codec_meta": p.codec_meta, "clevel": p.clevel, "nthreads": 1,
        "splitmode": SPLITMODE_IDS[p.splitmode], "filters": [FILTER_IDS[f] for f in p.filters],
        "blosc2_target": entry.library_major})
    assert [ours.schunk.get_chunk(i) for i in range(ours.schunk.nchunks)] == \
        [arr.schunk.get_chunk(i) for i in range(arr.schunk.nchunks)]
