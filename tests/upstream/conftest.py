"""The upstream files and the shim are run in subprocesses by test_upstream.py, never collected here."""

collect_ignore_glob = ["python_blosc2_4_14_1/*", "shim/*"]
