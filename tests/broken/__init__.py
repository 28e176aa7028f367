"""Deliberately broken hosts: each adapter breaks one documented behaviour of the reference.

They prove that every clause's checks can fail. Adapters are loaded by spec string
(``broken.<module>:<Class>``) with the repository's ``tests`` folder on ``sys.path``/``PYTHONPATH``.
Each check runs in a forked child, so adapters may patch :mod:`udcodec.reference` in ``__init__``.
"""
