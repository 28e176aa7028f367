"""udcodec: conformance harness for Blosc2's user-defined codec API.

The repository keeps the harness in ``conformance/``, the contract in ``spec/``,
the reference implementation in ``reference/`` and the adapters in ``adapters/``;
all of them install under this one namespace.
"""

from typing import Any

__all__ = ["__version__"]


def __getattr__(name: str) -> Any:
    # Looked up on first use: importing importlib.metadata costs every fresh interpreter a tenth of a second.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("udcodec-conformance")
        except PackageNotFoundError:  # running from a source tree that was never installed
            found = "0.0.0+unknown"
        globals()["__version__"] = found  # looked up once: later reads find the module attribute
        return found
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
