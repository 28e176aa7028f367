"""Failure messages lead with the root cause of an exception chain (``udcodec.checks.api.describe_exc``).

A host written in C re-raises a codec's exception as ``SystemError``; the codec's own exception,
which explains the failure, is the innermost of the chain and must come first, with its file:line.
"""

from __future__ import annotations

import pytest
from udcodec.checks.api import describe_exc, exception_chain, raised_at, root_cause


def _codec_fails() -> None:
    raise ValueError("could not broadcast input array from shape (26,) into shape (24,)")


def _host_reraises() -> None:
    try:
        _codec_fails()
    except ValueError as exc:
        raise SystemError("<class 'RuntimeError'> returned a result with an exception set") from exc


def _raised(fn: object) -> BaseException:
    with pytest.raises(Exception) as info:
        fn()  # type: ignore[operator]
    return info.value


def test_the_root_cause_comes_first_with_its_location_then_the_chain() -> None:
    exc = _raised(_host_reraises)
    assert isinstance(root_cause(exc), ValueError)
    text = describe_exc(exc)
    line = _codec_fails.__code__.co_firstlineno + 1
    assert text.startswith(f"ValueError: could not broadcast input array from shape (26,) into shape (24,) "
                           f"(at test_exception_messages.py:{line} in _codec_fails)"), text
    chain = text.split("; chain: ", 1)[1]
    assert chain.startswith("SystemError: <class 'RuntimeError'> returned a result with an exception set")
    assert chain.index("SystemError") < chain.index("ValueError")


def test_a_lone_exception_has_no_chain() -> None:
    exc = _raised(_codec_fails)
    assert exception_chain(exc) == [exc] and root_cause(exc) is exc
    assert "; chain:" not in describe_exc(exc)
    assert raised_at(exc).endswith("in _codec_fails")


def test_an_exception_never_raised_has_no_location() -> None:
    exc = ValueError("built, not raised")
    assert raised_at(exc) == ""
    assert describe_exc(exc) == "ValueError: built, not raised"


def test_a_suppressed_context_is_not_the_root_cause() -> None:
    def hides() -> None:
        try:
            _codec_fails()
        except ValueError:
            raise KeyError("outer") from None

    exc = _raised(hides)
    assert isinstance(root_cause(exc), KeyError)
    assert describe_exc(exc).startswith("KeyError: 'outer'")


def test_a_memory_error_is_raised_again_not_described() -> None:
    """Out of memory under the run's limit is no verdict: a check that describes it re-raises it, and the runner
    reports ``resource`` (INTEROP-BLOSC1 had failed, under --memory-limit 64M, for a library that could not load)."""
    try:
        try:
            raise MemoryError("cannot allocate")
        except MemoryError as inner:
            raise SystemError("callback failed") from inner
    except SystemError as exc:
        with pytest.raises(MemoryError, match="cannot allocate"):
            describe_exc(exc)


def test_a_library_the_loader_cannot_map_is_out_of_memory_not_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from udcodec.reference import builtin_codecs

    def refuse(name: str) -> object:
        raise ImportError(f"{name}.so: failed to map segment from shared object")

    monkeypatch.setattr(importlib, "import_module", refuse)
    builtin_codecs._library.cache_clear()
    try:
        with pytest.raises(MemoryError, match="failed to map segment"):
            builtin_codecs._library("lz4.block", "LZ4")
        monkeypatch.setattr(importlib, "import_module", lambda name: (_ for _ in ()).throw(ModuleNotFoundError(name)))
        with pytest.raises(NotImplementedError, match="needs the Python package behind lz4.block"):
            builtin_codecs._library("lz4.block", "LZ4")
    finally:
        builtin_codecs._library.cache_clear()


def test_a_module_of_a_package_is_named_by_its_package_path() -> None:
    """Host and peer may each raise from a ``schunk.py``: a pairwise failure named only the file's base name."""
    import udcodec.reference as ref
    from udcodec.reference import registry

    exc = _raised(lambda: ref.register_codec("x", 5, lambda *a: 0, lambda *a: 0))
    assert raised_at(exc).startswith("udcodec/reference/registry.py:")
    assert registry.__file__.endswith(raised_at(exc).split(":")[0].replace("udcodec/", ""))
    top = _raised(_codec_fails)  # a module outside any package keeps its base name
    assert raised_at(top).startswith("test_exception_messages.py:")


def test_a_quoted_wrong_output_size_explains_a_failure_whose_words_came_from_another_process() -> None:
    """What the harness's decoder raises when a host hands it an output of another size is recognised in any
    message quoting it, as a fresh interpreter's answer brings it back as text (``host_defect_in``)."""
    import numpy as np
    from udcodec.checks.api import CheckFailed, host_defect_in
    from udcodec.testcodecs import zlib_decoder, zlib_encoder

    block = np.arange(64, dtype=np.uint8)
    out = np.zeros(128, dtype=np.uint8)
    stream = out[:zlib_encoder(block, out, 0, None)].copy()
    exc = _raised(lambda: zlib_decoder(stream, np.zeros(32, dtype=np.uint8), 0, None))
    text = f"the fresh interpreter answered: {describe_exc(exc)}"
    found = host_defect_in(text)
    assert found is not None and found.check == "callbacks.decoder_sizes"
    assert found.why == "the decoder's output holds 32 bytes, but its block had 64"
    assert CheckFailed(text).explained_by == found
    assert host_defect_in("ValueError: the decoder's output was short") is None
