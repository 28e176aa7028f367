"""Example user codecs, shipped as test subjects for ``udcodec check-codec``.

* :mod:`~udcodec.examples.doc_example` -- the example of the ``register_codec`` documentation, verbatim;
* :mod:`~udcodec.examples.arange` -- that example corrected: arithmetic progressions of 1, 2, 4 or 8-byte items;
* :mod:`~udcodec.examples.rle` -- a run-length codec;
* :mod:`~udcodec.examples.zlib_codec` -- the standard library's zlib.

``verdicts.yaml`` holds the verdict each one is expected to get (format: ``udcodec/schemas/verdicts.schema.json``,
loaded by :mod:`udcodec.checkcodec.verdicts`); our tests hold them to it.
"""
