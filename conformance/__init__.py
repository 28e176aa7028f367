"""udcodec: conformance harness for Blosc2's user-defined codec API.

The repository keeps the harness in ``conformance/``, the contract in ``spec/``,
the reference implementation in ``reference/`` and the adapters in ``adapters/``;
all of them install under this one namespace.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("udcodec-conformance")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
