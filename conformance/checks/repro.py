"""Runnable Python snippets that reproduce a codec check's failing example outside the harness."""

from __future__ import annotations

import shlex
import textwrap
from typing import Any

from udcodec.adapters.protocol import SPLITMODE_IDS, CParams, value_of
from udcodec.contract import Clause
from udcodec.subject import CodecSubject, FilterSubject, Subject

#: Data longer than this is regenerated from its recipe instead of being spelled out in hex.
MAX_INLINE_BYTES = 4096
_SPLITMODE_NAMES = {"always": "ALWAYS_SPLIT", "never": "NEVER_SPLIT", "auto": "AUTO_SPLIT",
                    "forward_compat": "FORWARD_COMPAT_SPLIT"}


def data_literal(data: bytes, recipe: str) -> str:
    """An expression evaluating to ``data``: inline hex when short, else the harness call that made it."""
    if len(data) <= MAX_INLINE_BYTES:
        return f'bytes.fromhex("{data.hex()}")'
    return recipe


def _imports(codec: CodecSubject) -> str:
    lines = []
    for role, target in (("encoder", codec.encoder_target), ("decoder", codec.decoder_target)):
        module, _, attr = (target or "").partition(":")
        head, _, rest = attr.partition(".")
        lines.append(f"from {module} import {head} as {role}" + (f"\n{role} = {role}.{rest}" if rest else ""))
    return "\n".join(lines)


def _module_and_style(adapter: Any) -> tuple[str, str] | None:
    module = getattr(adapter, "module", None)
    style = getattr(adapter, "param_style", None)
    if module is None or style not in ("dict", "dataclass"):
        return None
    return module.__name__, style


def _cparams_source(cp: CParams, style: str) -> str:
    filters = ", ".join(f"blosc2.Filter.{f.upper()}" for f in value_of(cp.filters))
    fields = {
        "codec": str(cp.codec), "codec_meta": str(cp.codec_meta), "typesize": str(cp.typesize),
        "blocksize": str(cp.blocksize), "nthreads": "1", "filters": f"[{filters}]",
        "splitmode": f"blosc2.SplitMode.{_SPLITMODE_NAMES[value_of(cp.splitmode)]}",
    }
    assert cp.splitmode in SPLITMODE_IDS
    if style == "dict":
        return "{" + ", ".join(f'"{k}": {v}' for k, v in fields.items()) + "}"
    return "blosc2.CParams(" + ", ".join(f"{k}={v}" for k, v in fields.items()) + ")"


def host_prelude(codec: CodecSubject, adapter: Any, cparams: CParams, chunksize: int) -> list[str] | None:
    """Lines that import the host, register the codec and create ``schunk``; None for a third-party host."""
    found = _module_and_style(adapter)
    if found is None:
        return None
    module, style = found
    dparams = '{"nthreads": 1}' if style == "dict" else "blosc2.DParams(nthreads=1)"
    register = (f'blosc2.register_codec("{codec.name}", {codec.id}, None, None, {codec.version})' if codec.is_plugin
                else f'blosc2.register_codec("{codec.name}", {codec.id}, encoder, decoder, {codec.version})')
    if codec.is_global_plugin:
        register = f"# codec {codec.id} is Blosc2's global id of plugin {codec.name!r}: nothing to register"
    return [
        "import blosc2" if module == "blosc2" else f"import {module} as blosc2",
        *([f"import {codec.package}  # as the plugin's users do"] if codec.is_plugin else [_imports(codec)]),
        register,
        f"chunksize = {chunksize}",
        f"schunk = blosc2.SChunk(chunksize=chunksize, cparams={_cparams_source(cparams, style)},",
        f"                       dparams={dparams})",
    ]


def heading(clause: str, what: str, where: str = "") -> str:
    """A snippet's first line, ``# Reproduces CLAUSE: what``; a ``what`` of several lines (a codec's message can
    hold newlines) stays a comment on each."""
    return f"# Reproduces {clause}{where}: " + "\n# ".join(what.splitlines() or [""])


def registration(codec: CodecSubject, clause: str, what: str, adapter: Any, rerun: str) -> str:
    """A snippet that registers the codec on the host, as the check did."""
    prelude = host_prelude(codec, adapter, CParams(codec=codec.id), 1)
    if prelude is None:
        return f"{heading(clause, what, ' on a third-party host')}\n{rerun}\n"
    return "\n".join([heading(clause, what), *prelude[:-3], ""])


def _data_lines(data: bytes, recipe: str) -> list[str]:
    head = ["from udcodec.strategies import make_data"] if len(data) > MAX_INLINE_BYTES else []
    return [*head, f"data = {data_literal(data, recipe)}"]


def direct_call(codec: CodecSubject, clause: str, what: str, adapter: Any, cparams: CParams, data: bytes,
                recipe: str, body: str) -> str:
    """A snippet that calls the codec directly on one block, passing the host's SChunk as the container."""
    prelude = host_prelude(codec, adapter, cparams, max(len(data), 1))
    if prelude is None:
        prelude = [f"import {codec.package}" if codec.is_plugin else _imports(codec),
                   "schunk = None  # the host's container object"]
    if codec.is_plugin:  # the library's functions, called as c-blosc2 calls them, through guarded outputs
        prelude += ["from udcodec.plugincall import PluginCodec",
                    f'encoder, decoder = PluginCodec.load("{codec.name}", {codec.id}).pair({value_of(cparams.typesize)},'
                    f' splitmode="{value_of(cparams.splitmode)}", filters={tuple(value_of(cparams.filters))!r})']
    return "\n".join([
        heading(clause, what),
        "import numpy as np",
        *prelude,
        *_data_lines(data, recipe),
        "block = np.frombuffer(bytearray(data), dtype=np.uint8)",
        textwrap.dedent(body).strip(),
        "",
    ])


def through_host(codec: CodecSubject, clause: str, what: str, adapter: Any, cparams: CParams, chunksize: int,
                 data: bytes, recipe: str, rerun: str) -> str:
    """A snippet that registers the codec on the host and round-trips ``data`` through an SChunk."""
    prelude = host_prelude(codec, adapter, cparams, chunksize)
    if prelude is None:
        return f"{heading(clause, what, ' on a third-party host')}\n{rerun}\n"
    return "\n".join([
        heading(clause, what),
        "import numpy as np",
        *prelude,
        *_data_lines(data, recipe),
        "for start in range(0, len(data), chunksize):",
        "    schunk.append_data(data[start:start + chunksize])",
        'got = b"".join(schunk.decompress_chunk(i) for i in range(schunk.nchunks))',
        'assert got == data, "decompress(compress(data)) != data"',
        "",
    ])


def nd_through_host(codec: CodecSubject, clause: str, what: str, adapter: Any, cparams: CParams,
                    shape: tuple[int, ...], chunks: tuple[int, ...], blocks: tuple[int, ...], recipe: str,
                    rerun: str) -> str:
    """A snippet that registers the codec on the host and round-trips an image through ``asarray``, as users do."""
    prelude = host_prelude(codec, adapter, CParams(codec=codec.id), 1)
    found = _module_and_style(adapter)
    if prelude is None or found is None:
        return f"{heading(clause, what, ' on a third-party host')}\n{rerun}\n"
    filters = ", ".join(f"blosc2.Filter.{f.upper()}" for f in value_of(cparams.filters))
    fields = {"codec": str(cparams.codec), "codec_meta": str(cparams.codec_meta), "nthreads": str(cparams.nthreads),
              "filters": f"[{filters}]", "splitmode": f"blosc2.SplitMode.{_SPLITMODE_NAMES[value_of(cparams.splitmode)]}"}
    if found[1] == "dict":
        made = "{" + ", ".join(f'"{k}": {v}' for k, v in fields.items()) + "}"
        dparams = f'{{"nthreads": {cparams.nthreads}}}'
    else:
        made = "blosc2.CParams(" + ", ".join(f"{k}={v}" for k, v in fields.items()) + ")"
        dparams = f"blosc2.DParams(nthreads={cparams.nthreads})"
    return "\n".join([
        heading(clause, what),
        "import numpy as np",
        *prelude[:-3],
        "from udcodec.strategies import make_image",
        f"image = {recipe}  # {'x'.join(map(str, shape))}",
        f"a = blosc2.asarray(image, chunks={chunks}, blocks={blocks}, cparams={made}, dparams={dparams})",
        'assert np.array_equal(a[...], image), "asarray(image)[...] != image"',
        "",
    ])


def rerun_command(adapter_spec: str, clause: Clause, codec: Subject | None, peer_spec: str | None = None, *,
                  profile: str | None = None, timeout: float | None = None,
                  memory_limit: int | None | bool = False) -> str:
    """The command that re-runs one clause as the run did, isolated: it reports the same outcome (a crash, a hang
    within the timeout, a memory limit) where an in-process run would take the terminal down, wait forever or exit 0
    with the process. ``--no-isolation`` added to it runs the check in-process, for a debugger.

    ``profile``, ``timeout`` (seconds) and ``memory_limit`` (bytes; None: no limit; False: not said) are the run's,
    given where the outcome depends on them."""
    options = f" --profile {profile}" if profile else ""
    if timeout is not None:
        options += f" --timeout {timeout:g}"
    if memory_limit is not False:
        options += f" --memory-limit {memory_limit or 0}"
    if codec is None:
        peer = f" --adapter {shlex.quote(peer_spec)}" if peer_spec else ""
        return f"udcodec run{peer} --adapter {shlex.quote(adapter_spec)} --only {clause.id}{options}"
    if isinstance(codec, FilterSubject):
        metas = "".join(f" --meta {m}" for m in codec.metas)
        if codec.domain is not None:
            metas += f" --domain {shlex.quote(codec.domain.source)}"
        return (f"udcodec check-filter --forward {shlex.quote(codec.forward_target)} --backward"
                f" {shlex.quote(codec.backward_target)} --id {codec.id}{metas} --host {shlex.quote(adapter_spec)}"
                f" --only {clause.id}{options}")
    subject = (f"--plugin {shlex.quote(codec.name)}" if codec.is_plugin else
               f"--encoder {shlex.quote(codec.encoder_target or '')} --decoder {shlex.quote(codec.decoder_target or '')}"
               f" --name {shlex.quote(codec.name)}")
    metas = "".join(f" --meta {m}" for m in codec.metas)
    if codec.domain is not None:
        metas += f" --domain {shlex.quote(codec.domain.source)}"
    return (f"udcodec check-codec {subject} --id {codec.id}{metas} --host {shlex.quote(adapter_spec)}"
            f" --only {clause.id}{options}")
