"""The example of the ``blosc2.register_codec`` documentation, verbatim, as a test subject.

``SOURCE`` is the example exactly as the documentation prints it. It is run here with ``np`` and ``sys``
imported (the page assumes them) and with ``blosc2`` standing for a stub that records the registration,
so that importing this module changes no real registry. Its failures are reported, not fixed:

* the last line registers ``decoder``, which the example never defines (it defines ``decoder1``), so the
  registration itself raises ``NameError`` (kept in ``REGISTRATION_ERROR``);
* ``encoder`` and ``decoder1`` are the pair the example means; ``udcodec check-codec`` reports which
  clauses they break (see ``verdicts.yaml``).
"""

from __future__ import annotations

import sys
from types import SimpleNamespace
from typing import Any

import numpy as np

SOURCE = '''\
# Define encoder and decoder functions
def encoder(input, output, meta, schunk):
    # Check whether the data is an arange
    step = int(input[1] - input[0])
    res = input[1:] - input[:-1]
    if np.min(res) == np.max(res):
        output[0:4] = input[0:4]  # start
        n = step.to_bytes(4, sys.byteorder)
        output[4:8] = [n[i] for i in range(4)]
        return 8
    else:
        # Not compressible, tell Blosc2 to do a memcpy
        return 0

def decoder1(input, output, meta, schunk):
    # For decoding we only have to worry about the arange case
    # (other cases are handled by Blosc2)
    output[:] = [input[0] + i * input[1] for i in range(output.size)]

    return output.size

# Register codec
codec_name = 'codec1'
id = 180
blosc2.register_codec(codec_name, id, encoder, decoder)
'''

#: Calls the example made to ``blosc2.register_codec``: (args, kwargs).
REGISTRATIONS: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
#: What running the example raised (its registration line names an undefined ``decoder``), or None.
REGISTRATION_ERROR: BaseException | None = None

_namespace: dict[str, Any] = {
    "np": np,
    "sys": sys,
    "blosc2": SimpleNamespace(register_codec=lambda *a, **k: REGISTRATIONS.append((a, k))),
    "__name__": __name__,
}
try:
    exec(compile(SOURCE, __file__ + ":SOURCE", "exec"), _namespace)
except NameError as exc:
    REGISTRATION_ERROR = exc

encoder = _namespace["encoder"]
decoder1 = _namespace["decoder1"]
