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
            return version("udcodec-conformance")
        except PackageNotFoundError:  # running from a source tree that was never installed
            return "0.0.0+unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
