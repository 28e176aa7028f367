"""The one version-range rule of the harness.

Clauses (``spec/*.yaml``) and expectations (``adapters/expectations/*.yaml``) may carry ``versions``:
a PEP 440 specifier over the releases of python-blosc2 (the implementation
``udcodec.adapters.blosc2`` reports). It limits python-blosc2 only: every other implementation
(the reference, a port) is always in range.
"""

from __future__ import annotations

from packaging.specifiers import InvalidSpecifier, SpecifierSet

#: The one implementation a ``versions`` specifier limits.
VERSIONED_IMPLEMENTATION = "python-blosc2"


def specifier_problem(versions: str) -> str | None:
    """Why ``versions`` is not a version specifier, or None when it is one."""
    try:
        SpecifierSet(versions)
    except InvalidSpecifier as exc:
        return f"not a version specifier: {exc}"
    return None


def applies(versions: str | None, implementation: str, version: str) -> bool:
    """Whether something limited to ``versions`` (None: no limit) applies to ``implementation`` ``version``.

    Pre-releases count as the release they precede would (``4.0.0rc1`` is in ``>=3``).
    """
    if versions is None or implementation != VERSIONED_IMPLEMENTATION:
        return True
    return SpecifierSet(versions).contains(version, prereleases=True)
