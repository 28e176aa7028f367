"""A codec plugin's compiled library: where Blosc2 finds it and what its ELF file says.

Blosc2 loads a plugin named NAME by trying ``libblosc2_NAME.so`` on the dynamic linker's path and then
the path that ``python -c "import blosc2_NAME; blosc2_NAME.print_libpath()"`` prints (``python`` from
``PATH``, then ``python3``), and reads the ``info`` symbol (a ``codec_info``: two ``char *``, the
encoder's and the decoder's symbol names). :func:`resolve` does the same without loading anything into
this process; :func:`inspect` reads the library with pyelftools.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from udcodec.resources import NO_ROOM_SAID, NO_ROOM_WORDS, OutOfDisk, exhausted

#: Undefined symbols a plugin takes from libblosc2.
BLOSC2_SYMBOL = re.compile(r"(blosc|b2nd)\w*")
_HEADER_PATH = re.compile(rb"[\x20-\x7e]*/blosc2/include/(?:blosc2|b2nd)\.h")


class PluginLibError(Exception):
    """The plugin's library cannot be found or read; the message says why, on one line."""


def interpreter_env(extra_path: str | None = None) -> dict[str, str]:
    """The environment of a child interpreter: ``python`` on ``PATH`` is this one, as in an active venv."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), *([extra_path] if extra_path else []),
                                   env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return env


def _child(code: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                          env=interpreter_env())


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "(no output)"


@dataclass
class Resolution:
    """Where the library was found, and how."""

    path: str | None
    how: str
    package_error: str | None = None  # why ``import blosc2_NAME`` failed, when it did


def resolve(name: str, timeout: float = 60.0) -> Resolution:
    """The plugin library Blosc2 would load for ``name``, found as Blosc2 finds it."""
    package = f"blosc2_{name}"
    try:
        got = _child(f"import {package}; {package}.print_libpath()", timeout)
    except subprocess.TimeoutExpired:
        return Resolution(None, "", f"`import {package}; {package}.print_libpath()` did not finish in {timeout:g} s")
    direct = ctypes.util.find_library(f"blosc2_{name}")
    if got.returncode == 0 and got.stdout.strip():
        printed = got.stdout.strip().splitlines()[-1].strip()
        return Resolution(printed, f"{package}.print_libpath()")
    problem = (_last_line(got.stderr) if got.returncode else f"{package}.print_libpath() printed nothing")
    if direct:
        return Resolution(direct, "the dynamic linker's search path", problem)
    return Resolution(None, "", problem)


def blosc2_under_test(timeout: float = 60.0) -> tuple[str | None, list[str]]:
    """The python-blosc2 version of this interpreter and its libblosc2 shared libraries (none when absent)."""
    got = _child("import blosc2, os; print(blosc2.__version__); print(os.path.dirname(blosc2.__file__))", timeout)
    if got.returncode != 0:
        return None, []
    version, folder = got.stdout.strip().splitlines()[-2:]
    found: list[str] = []
    for sub in ("lib", ".libs", "", "../blosc2.libs", "../lib"):
        found += sorted(glob.glob(os.path.join(folder, sub, "libblosc2.so*")))
    return version, [p for p in dict.fromkeys(os.path.realpath(p) for p in found) if os.path.isfile(p)]


@dataclass
class LibraryFacts:
    """What the ELF file of a plugin library says about it."""

    path: str
    exported: set[str] = field(default_factory=set)  # defined dynamic symbols
    functions: set[str] = field(default_factory=set)  # defined dynamic functions
    undefined: set[str] = field(default_factory=set)  # undefined non-weak dynamic symbols
    needed: list[str] = field(default_factory=list)  # DT_NEEDED
    info_names: tuple[str, str] | None = None  # the encoder and decoder `info` names
    info_problem: str | None = None
    headers: list[str] = field(default_factory=list)  # blosc2 header paths compiled in

    @property
    def blosc2_undefined(self) -> list[str]:
        return sorted(s for s in self.undefined if BLOSC2_SYMBOL.fullmatch(s))

    @property
    def links_libblosc2(self) -> bool:
        return any(n.startswith("libblosc2.so") for n in self.needed)


def _elf(path: str):  # type: ignore[no-untyped-def,unused-ignore]
    try:
        from elftools.elf.elffile import ELFFile
    except ImportError:
        raise PluginLibError("reading plugin libraries needs pyelftools: "
                             "pip install 'udcodec-conformance[plugins]' (or pip install pyelftools)") from None
    return ELFFile


def _read_cstring(elf, vaddr: int) -> str | None:  # type: ignore[no-untyped-def,unused-ignore]
    for section in elf.iter_sections():
        start, size = section["sh_addr"], section["sh_size"]
        if section["sh_type"] != "SHT_NOBITS" and start and start <= vaddr < start + size:
            data = section.data()[vaddr - start:]
            return data.split(b"\0", 1)[0].decode("utf-8", "replace")
    return None


def _pointer_targets(elf, address: int, count: int) -> list[int | None]:  # type: ignore[no-untyped-def,unused-ignore]
    """The values of ``count`` pointers stored at ``address``: from their dynamic relocations, else the bytes."""
    width = elf.elfclass // 8
    wanted = {address + i * width: i for i in range(count)}
    out: list[int | None] = [None] * count
    from elftools.elf.relocation import RelocationSection

    dynsym = elf.get_section_by_name(".dynsym")
    for section in elf.iter_sections():
        if not isinstance(section, RelocationSection):
            continue
        for reloc in section.iter_relocations():
            i = wanted.get(reloc["r_offset"])
            if i is None:
                continue
            addend = reloc["r_addend"] if reloc.is_RELA() else 0
            sym = reloc["r_info_sym"]
            base = dynsym.get_symbol(sym)["st_value"] if sym and dynsym is not None else 0
            out[i] = base + addend
    for offset, i in wanted.items():
        if out[i] is None:
            for section in elf.iter_sections():
                start = section["sh_addr"]
                if section["sh_type"] != "SHT_NOBITS" and start and start <= offset < start + section["sh_size"]:
                    raw = section.data()[offset - start: offset - start + width]
                    value = int.from_bytes(raw, "little" if elf.little_endian else "big")
                    out[i] = value or None
    return out


def inspect(path: str) -> LibraryFacts:
    """Read ``path`` (an ELF shared library) without loading it."""
    elf_file = _elf(path)
    facts = LibraryFacts(path)
    try:
        with open(path, "rb") as fh:
            elf = elf_file(fh)
            dynsym = elf.get_section_by_name(".dynsym")
            if dynsym is None:
                raise PluginLibError(f"{path} has no dynamic symbol table: it is not a shared library")
            info = None
            for sym in dynsym.iter_symbols():
                if not sym.name:
                    continue
                if sym["st_shndx"] == "SHN_UNDEF":
                    if sym["st_info"]["bind"] != "STB_WEAK":
                        facts.undefined.add(sym.name)
                    continue
                facts.exported.add(sym.name)
                if sym["st_info"]["type"] in ("STT_FUNC", "STT_GNU_IFUNC"):
                    facts.functions.add(sym.name)
                if sym.name == "info":
                    info = sym
            dynamic = elf.get_section_by_name(".dynamic")
            if dynamic is not None:
                facts.needed = [t.needed for t in dynamic.iter_tags() if t.entry.d_tag == "DT_NEEDED"]
            if info is None:
                facts.info_problem = "exports no `info` symbol (Blosc2 reads the encoder's and decoder's names from it)"
            elif info["st_info"]["type"] != "STT_OBJECT" or info["st_size"] < 2 * (elf.elfclass // 8):
                facts.info_problem = (f"its `info` symbol is a {info['st_info']['type']} of {info['st_size']} bytes, "
                                      "not a codec_info (two char pointers)")
            else:
                names = [_read_cstring(elf, t) if t else None for t in _pointer_targets(elf, info["st_value"], 2)]
                if names[0] is None or names[1] is None:
                    facts.info_problem = "its `info` symbol does not point at two symbol names"
                else:
                    facts.info_names = (names[0], names[1])
            rodata = elf.get_section_by_name(".rodata")
            if rodata is not None:
                facts.headers = sorted({m.decode() for m in _HEADER_PATH.findall(rodata.data())})
    except PluginLibError:
        raise
    except OSError as exc:
        raise PluginLibError(f"cannot read {path}: {exc.strerror or exc}") from None
    except Exception as exc:  # noqa: BLE001 - pyelftools raises its own errors on files that are not ELF
        raise PluginLibError(f"{path} is not a readable ELF shared library ({type(exc).__name__}: {exc})") from None
    return facts


def exported_symbols(path: str) -> set[str]:
    """The defined dynamic symbols of ``path`` (e.g. a libblosc2)."""
    return inspect(path).exported


def preflight(name: str) -> tuple[list[str], list[str], str | None]:
    """``(problems, notes, library path)`` of plugin ``name``: every problem is one line that stops the run."""
    problems: list[str] = []
    notes: list[str] = []
    found = resolve(name)
    if found.path is None:
        problems.append(f"no library found: package blosc2_{name} is not usable ({found.package_error}) and "
                        f"libblosc2_{name}.so is not on the dynamic linker's search path")
        return problems, notes, None
    if found.package_error:
        notes.append(f"package blosc2_{name} is not usable ({found.package_error})")
    if not Path(found.path).is_file():
        problems.append(f"library {found.path} (from {found.how}) does not exist")
        return problems, notes, None
    notes.append(f"library {found.path} (from {found.how})")
    try:
        facts = inspect(found.path)
    except PluginLibError as exc:
        return [*problems, str(exc)], notes, found.path
    if facts.info_problem:
        problems.append(f"{found.path} {facts.info_problem}")
    elif facts.info_names:
        for role, symbol in zip(("encoder", "decoder"), facts.info_names, strict=True):
            if symbol not in facts.functions:
                problems.append(f"`info` names the {role} {symbol!r}, which {found.path} does not export as a function")
        if not problems:
            notes.append(f"`info` names encoder {facts.info_names[0]!r} and decoder {facts.info_names[1]!r}")
    needs = facts.blosc2_undefined
    if needs:
        version, libs = blosc2_under_test()
        if version is None:
            problems.append(f"{found.path} needs {', '.join(needs)} from libblosc2, but python-blosc2 is not importable")
        elif not libs:
            problems.append(f"{found.path} needs {', '.join(needs)} from libblosc2, but python-blosc2 {version} "
                            "ships no libblosc2 shared library to resolve them against")
        else:
            provided = set().union(*(exported_symbols(p) for p in libs))
            missing = [s for s in needs if s not in provided]
            for symbol in missing:
                problems.append(f"{found.path} needs {symbol}, which libblosc2 of python-blosc2 {version} "
                                f"({libs[0]}) does not export")
            if not missing:
                notes.append(f"needs {', '.join(needs)}: all exported by libblosc2 of python-blosc2 {version}")
        if not facts.links_libblosc2:
            notes.append(f"does not link libblosc2 (no DT_NEEDED entry): {', '.join(needs)} resolve only once "
                         "something has loaded libblosc2 globally (CODEC-PLUGIN-STANDALONE)")
    if facts.headers:
        notes.append(f"built against the blosc2 headers at {', '.join(facts.headers)} (their version is not recorded)")
    elif facts.links_libblosc2:
        notes.append(f"links {', '.join(n for n in facts.needed if n.startswith('libblosc2'))}")
    else:
        notes.append("which blosc2 it was built against is not recorded in the library")
    return problems, notes, found.path


def run_standalone(adapter_spec: str, name: str, codec_id: int, version: int, library: str, *, register: bool,
                   sample: dict[str, Any] | None, timeout: float = 120.0) -> str | None:
    """Use plugin ``name`` on host ``adapter_spec`` in fresh interpreters that never import its package.

    First the library alone is loaded with every symbol bound now (RTLD_NOW), beside the host; then, when
    ``sample`` (dtype, meta, splitmode) is given, Blosc2 loads it itself and round-trips a small sample.
    Returns what went wrong, or None.
    """
    steps = [("load", "loading the library with every symbol bound (RTLD_NOW)")]
    if sample is not None:
        steps.append(("roundtrip", "a round trip through the host, which loads the library itself"))
    for step, what in steps:
        request = {"adapter": adapter_spec, "name": name, "id": codec_id, "version": version, "library": library,
                   "register": register, "sample": sample, "step": step}
        try:
            got = subprocess.run([sys.executable, "-c", "from udcodec.pluginlib import standalone_main; standalone_main()",
                                  json.dumps(request)], capture_output=True, text=True, timeout=timeout,
                                 env=interpreter_env())
        except subprocess.TimeoutExpired:
            return f"{what}, without importing blosc2_{name}: no answer within {timeout:g} s"
        answer = got.stdout.strip().splitlines()[-1] if got.stdout.strip() else ""
        if got.returncode != 0 or not answer.startswith("{"):
            how = (f"signal {signal.Signals(-got.returncode).name}" if got.returncode < 0
                   else f"exit status {got.returncode}")
            return (f"{what}, without importing blosc2_{name}, killed the process ({how}): "
                    f"{_last_line(got.stderr)}")
        result = json.loads(answer)
        if not result["ok"]:
            return f"{what}, without importing blosc2_{name}, failed: {result['error']}"
    return None


def standalone_main() -> None:
    """The child of :func:`run_standalone` (its request is ``sys.argv[1]``); prints one JSON line."""
    request = json.loads(sys.argv[1])
    from udcodec.adapters.loader import load_adapter
    from udcodec.adapters.protocol import CParams, DParams

    adapter = load_adapter(request["adapter"])
    result: dict[str, Any] = {"ok": True}
    try:
        if f"blosc2_{request['name']}" in sys.modules:
            raise RuntimeError(f"blosc2_{request['name']} was imported by the host")
        if request["step"] == "load":
            ctypes.CDLL(request["library"], mode=os.RTLD_NOW | os.RTLD_LOCAL)
        else:
            import numpy as np

            if request["register"]:
                adapter.register_codec(request["name"], request["id"], None, None, request["version"])
            sample = request["sample"]
            dtype = np.dtype(sample["dtype"])
            data = (np.arange(4096, dtype=np.int64) % 97).astype(dtype).tobytes()
            cparams = CParams(codec=request["id"], codec_meta=sample["meta"], typesize=dtype.itemsize,
                              splitmode=sample["splitmode"])
            container = adapter.create(cparams=cparams, dparams=DParams(), chunksize=len(data))
            container.append(data)
            if container.decompress_chunk(0) != data:
                raise AssertionError("the sample came back wrong")
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    sys.stdout.write("\n" + json.dumps(result) + "\n")


def _compile(command: list[str]) -> None:
    """Run the C compiler; PluginLibError with its last line of output when it fails, OutOfDisk when for want of room."""
    try:
        subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        full = exhausted(exc)
        output = str(getattr(exc, "stderr", None) or getattr(exc, "stdout", None) or exc)
        said = next((line.strip() for line in output.splitlines() if any(w in line for w in NO_ROOM_WORDS)), None)
        if full is not None or said is not None:
            raise OutOfDisk(f"{NO_ROOM_SAID}: the C compiler ({command[0]}) said: "
                            f"{said or _last_line(output)}") from None
        raise PluginLibError(f"the C compiler failed ({' '.join(command[:1])}): {_last_line(output)}") from None


# A plugin-shaped library: loading it creates a marker file, its own path (as loaded) + ".loaded"; `info`
# names a function (for both roles, as codec and as filter) that does nothing and returns an error, so a
# host that goes on to call it fails cleanly.
_MARKER_SOURCE = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
__attribute__((constructor)) static void udcodec_marker(void) {
  Dl_info self;
  char marker[4096];
  if (!dladdr((void *)udcodec_marker, &self) || !self.dli_fname) return;
  snprintf(marker, sizeof marker, "%s.loaded", self.dli_fname);
  FILE *f = fopen(marker, "w");
  if (f) fclose(f);
}
int udcodec_marker_refuse(void) { return -1; }
struct { const char *first, *second; } info = {"udcodec_marker_refuse", "udcodec_marker_refuse"};
"""


def plant_marker_libraries(tmp: Path, names: list[str]) -> list[tuple[str, Path]]:
    """For each plugin name, a library at the path ``libblosc2_NAME.so`` names from ``tmp`` (made reachable).

    Loading one creates the marker file beside it (``.loaded`` appended to its name); its ``info`` names a
    function that only returns -1. One library is built and copied. Returns (name, marker) pairs.
    PluginLibError without a C compiler, which builds it.
    """
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise PluginLibError("no C compiler (cc or gcc) here to build marker libraries")
    source, built = tmp / "udcodec_marker.c", tmp / "udcodec_marker.so"
    source.write_text(_MARKER_SOURCE)
    _compile([compiler, "-shared", "-fPIC", str(source), "-o", str(built), "-ldl"])
    planted = []
    for name in names:
        target = tmp / f"libblosc2_{name}.so"
        target.parent.mkdir(parents=True, exist_ok=True)  # "libblosc2_x/../m" needs libblosc2_x to exist
        library = Path(os.path.normpath(target))
        library.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, library)
        planted.append((name, library.with_name(library.name + ".loaded")))
    return planted


# A self-contained codec plugin (no blosc2 header, no libblosc2 symbol): byte run-length pairs after a
# 7-byte prefix recording what the encoder got (meta, the low byte of cparams->typesize, compcode, and
# cparams->blocksize, little-endian); the decoder refuses a stream whose prefix does not hold the meta it is
# given. blosc2_cparams begins with these fields, in this order, in every c-blosc2 release from 2.0.0 on.
_PROBE_SOURCE = r"""
#include <stdint.h>
#include <string.h>
typedef struct {
  uint8_t compcode, compcode_meta, clevel; int use_dict; int32_t typesize; int16_t nthreads; int32_t blocksize;
} cparams_head;
int udcodec_probe_encoder(const uint8_t *in, int32_t len, uint8_t *out, int32_t out_len, uint8_t meta,
                          const cparams_head *cp, const void *chunk) {
  (void)chunk;
  if (out_len < 7) return 0;
  out[0] = meta; out[1] = (uint8_t)cp->typesize; out[2] = cp->compcode;
  for (int b = 0; b < 4; b++) out[3 + b] = (uint8_t)((uint32_t)cp->blocksize >> (8 * b));
  int32_t n = 7;
  for (int32_t i = 0; i < len;) {
    int32_t run = 1;
    while (i + run < len && run < 255 && in[i + run] == in[i]) run++;
    if (n + 2 > out_len) return 0;
    out[n++] = (uint8_t)run; out[n++] = in[i]; i += run;
  }
  return n >= len ? 0 : n;
}
int udcodec_probe_decoder(const uint8_t *in, int32_t len, uint8_t *out, int32_t out_len, uint8_t meta,
                          const void *dp, const void *chunk) {
  (void)dp; (void)chunk;
  if (len < 7 || in[0] != meta) return -1;
  int32_t n = 0;
  for (int32_t i = 7; i + 1 < len; i += 2) {
    if (n + in[i] > out_len) return -1;
    memset(out + n, in[i + 1], in[i]); n += in[i];
  }
  return n;
}
struct { const char *encoder, *decoder; } info = {"udcodec_probe_encoder", "udcodec_probe_decoder"};
"""
# A self-contained filter plugin: forward adds meta + 1 to every byte, backward subtracts it.
_PROBE_FILTER_SOURCE = r"""
#include <stdint.h>
int udcodec_probe_forward(const uint8_t *src, uint8_t *dest, int32_t size, uint8_t meta, const void *cp, uint8_t id) {
  (void)cp; (void)id;
  for (int32_t i = 0; i < size; i++) dest[i] = (uint8_t)(src[i] + meta + 1);
  return 0;
}
int udcodec_probe_backward(const uint8_t *src, uint8_t *dest, int32_t size, uint8_t meta, const void *dp, uint8_t id) {
  (void)dp; (void)id;
  for (int32_t i = 0; i < size; i++) dest[i] = (uint8_t)(src[i] - meta - 1);
  return 0;
}
struct { const char *forward, *backward; } info = {"udcodec_probe_forward", "udcodec_probe_backward"};
"""
PROBE_INIT = (
    "import os\n\n\ndef print_libpath():\n"
    "    print(os.path.join(os.path.dirname(os.path.abspath(__file__)), {library!r}), end='')\n"
)


def install_probe_plugin(site: Path, name: str, kind: str = "codec") -> Path:
    """Build the probe codec (or ``kind="filter"``: filter) plugin as package ``blosc2_NAME`` under ``site``,
    as plugins are published.

    Its library is ``blosc2_NAME/libblosc2_NAME.so`` and ``print_libpath()`` prints it; returns the library.
    PluginLibError without a C compiler.
    """
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise PluginLibError("no C compiler (cc or gcc) here to build the probe plugin")
    package = site / f"blosc2_{name}"
    package.mkdir(parents=True, exist_ok=True)
    source, library = package / "probe.c", package / f"libblosc2_{name}.so"
    source.write_text(_PROBE_SOURCE if kind == "codec" else _PROBE_FILTER_SOURCE)
    _compile([compiler, "-shared", "-fPIC", "-O1", str(source), "-o", str(library)])
    (package / "__init__.py").write_text(PROBE_INIT.format(library=library.name))
    return library
