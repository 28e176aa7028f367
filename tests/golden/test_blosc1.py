"""Blosc1 golden chunks (spec/golden/blosc1, udcodec.golden.blosc1): the manifest, the files, decoding, the writer.

The committed chunks are only read here: every test that writes works on a tmp_path copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import udcodec.reference as ref
import yaml
from udcodec.cli import main as cli_main
from udcodec.golden import GoldenError, default_golden_dir
from udcodec.golden.blosc1 import (
    PLANS,
    SHUFFLES,
    WRITER_VERSION,
    generate_blosc1,
    iter_problems,
    load_blosc1,
)

VECTORS = load_blosc1()
BY_NAME = {e.name: e for e in VECTORS}


def _installed(module: str) -> str | None:
    try:
        return str(__import__(module).__version__)
    except ImportError:
        return None


needs_writer = pytest.mark.skipif(_installed("blosc") != WRITER_VERSION,
                                  reason=f"needs python-blosc {WRITER_VERSION} (pip install '.[blosc1]')")


def test_the_committed_chunks_match_the_manifest():
    assert [e.name for e in VECTORS] == sorted(f"blosc1-{short}" for short, *_ in PLANS)
    assert list(iter_problems()) == []
    assert {(e.writer, e.writer_version) for e in VECTORS} == {("python-blosc", WRITER_VERSION)}


def test_they_cover_codecs_shuffles_typesizes_split_and_memcpyed():
    headers = {e.name: ref.parse_header(e.read()) for e in VECTORS}
    assert all(h.header_len == 16 and h.version == 2 for h in headers.values())
    compressed = [e for e in VECTORS if not headers[e.name].memcpyed]
    assert {e.params.cname for e in compressed} >= {"blosclz", "lz4", "zlib", "zstd"}
    typesizes = {s: {e.params.typesize for e in compressed if e.params.shuffle == s} for s in SHUFFLES}
    assert typesizes == {"noshuffle": {1, 4, 8}, "shuffle": {4, 8}, "bitshuffle": {1, 4, 8}}
    assert {e.params.shuffle for e in VECTORS if headers[e.name].memcpyed and e.params.clevel == 0} == \
        {"noshuffle", "shuffle", "bitshuffle"}
    multi = [headers[e.name] for e in compressed if e.params.typesize > 1]
    assert any(h.dont_split for h in multi) and any(not h.dont_split for h in multi)
    # bit-shuffled blocks of a multiple of 8 items, and blocks Blosc1 stored as they were
    bitshuffled = [(e.params.typesize, headers[e.name]) for e in compressed if e.params.shuffle == "bitshuffle"]
    items = [(h.blocksize // ts, h.nbytes % h.blocksize // ts) for ts, h in bitshuffled if ts > 1]
    assert any(full % 8 == 0 for full, _ in items) and any(full % 8 or last % 8 for full, last in items)


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_decompresses_in_the_reference(name: str):
    entry = BY_NAME[name]
    assert ref.decompress2(entry.read()) == entry.expected()


@pytest.mark.skipif(_installed("blosc2") is None, reason="python-blosc2 is not installed")
@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_decompresses_in_blosc2(name: str):
    import blosc2

    entry = BY_NAME[name]
    assert blosc2.decompress2(entry.read()) == entry.expected()


def test_bit_shuffled_blosc1_blocks_of_no_multiple_of_8_items_are_stored_as_they_are():
    entry = BY_NAME["blosc1-blosclz-bitshuffle-ts8"]  # one block of 550 items
    h = ref.parse_header(entry.read())
    assert h.blocksize // 8 % 8 and ref.decompress2(entry.read()) == entry.expected()
    extended = bytearray(entry.read())  # the same bytes read as a version 3 chunk would be bit-unshuffled
    extended[0] = 3
    assert ref.decompress2(bytes(extended)) != entry.expected()


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "golden"
    shutil.copytree(default_golden_dir() / "blosc1", target / "blosc1")
    return target


def test_verify_names_a_damaged_chunk(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    copy = tmp_path / "golden"
    shutil.copytree(default_golden_dir(), copy)
    victim = VECTORS[0]
    victim.path(copy).write_bytes(b"\x02\x01")
    assert cli_main(["golden", "verify", "--dir", str(copy)]) == 1
    out = capsys.readouterr().out
    assert f"MISMATCH {victim.name}: sha256:" in out and f"and {len(VECTORS)} Blosc1 chunks" in out
    assert [(p.entry, p.field) for p in iter_problems(copy)] == [(victim.name, "sha256")]


@pytest.mark.parametrize(("change", "field", "problem", "at"), [
    (lambda v: v.update(writer="c-blosc"), "writer", "must be 'python-blosc', got 'c-blosc'", "writer:"),
    (lambda v: v["params"].update(shuffle="delta"), "params.shuffle", "'delta' is not one of", "shuffle:"),
    (lambda v: v["content"].update(recipe="no-such"), "content.recipe", "is no golden recipe", "recipe:"),
    (lambda v: v.pop("sha256"), "sha256", "missing", "- "),
])
def test_a_malformed_manifest_names_line_entry_and_field(tmp_path: Path, change, field: str, problem: str, at: str):
    copy = _copy(tmp_path)
    path = copy / "blosc1" / "manifest.yaml"
    data = yaml.safe_load(path.read_text())
    change(data["vectors"][1])
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(GoldenError) as info:
        load_blosc1(copy)
    assert info.value.entry == data["vectors"][1]["name"] and info.value.field == field
    assert problem in info.value.problem
    entry_starts = [n for n, line in enumerate(path.read_text().splitlines(), 1) if line.startswith("- ")]
    assert info.value.line is not None and entry_starts[1] <= info.value.line < entry_starts[2]
    assert path.read_text().splitlines()[info.value.line - 1].lstrip().startswith(at)
    assert str(info.value).startswith(f"{path}:{info.value.line}: ")


def test_generate_without_the_pinned_writer_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(__import__("sys").modules, "blosc", None)  # import blosc raises ImportError
    assert cli_main(["golden", "generate-blosc1", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"blosc=={WRITER_VERSION}" in err


@pytest.mark.slow
@needs_writer
def test_generate_reproduces_the_committed_chunks_and_refuses_a_change(tmp_path: Path):
    copy = _copy(tmp_path)
    report = generate_blosc1(copy)
    assert sorted(report.unchanged) == sorted(BY_NAME) and not report.refused
    victim = VECTORS[0]
    path = copy / "blosc1" / "manifest.yaml"
    path.write_text(path.read_text().replace(victim.sha256, "f" * 64))
    report = generate_blosc1(copy)
    assert report.changed == [(victim.name, "f" * 64, victim.sha256)]
    assert generate_blosc1(copy, force=True).overwritten == [victim.name]
    assert list(iter_problems(copy)) == []
