"""The public API of ``udcodec``, in one module: what adapter authors and check authors import.

Adapter authors implement :class:`Adapter` (and its :class:`Container`), usually by subclassing
:class:`ModuleAdapter` for a module with python-blosc2's API, and try it with
``udcodec smoke --adapter module:Class``; :func:`load_adapter` finds adapters as the command
line does. Check authors register functions with :func:`check`; a check receives a
:class:`CheckContext` and fails by raising :class:`CheckFailed` (``ctx.fail``).

Besides this module, the public surface is :mod:`udcodec.adapters`, :mod:`udcodec.reference`
and the ``udcodec`` command; everything else is the harness's own and may change.
The harness's modules never import this one (checks import :mod:`udcodec.checks.api`).
"""

from __future__ import annotations

from udcodec import adapters as _adapters
from udcodec.adapters import *  # noqa: F403 - the protocol, named once in udcodec.adapters.__all__
from udcodec.adapters.blosc2like import ModuleAdapter, ModuleContainer, for_module
from udcodec.adapters.loader import (
    AdapterLoadError,
    UnknownAdapter,
    load_adapter,
    missing_operations,
)
from udcodec.checks.api import (
    CapabilityMissing,
    CheckContext,
    CheckFailed,
    CheckFn,
    NotApplicable,
    NotJudged,
    Workaround,
    check,
    exception_types,
    expect_rejection,
)
from udcodec.outcomes import CheckResult, Outcome

__all__ = [
    # the adapter protocol
    *_adapters.__all__,
    # writing and loading adapters
    "AdapterLoadError",
    "ModuleAdapter",
    "ModuleContainer",
    "UnknownAdapter",
    "for_module",
    "load_adapter",
    "missing_operations",
    # writing checks
    "CapabilityMissing",
    "CheckContext",
    "CheckFailed",
    "CheckFn",
    "NotApplicable",
    "NotJudged",
    "Workaround",
    "check",
    "exception_types",
    "expect_rejection",
    # outcomes
    "CheckResult",
    "Outcome",
]
