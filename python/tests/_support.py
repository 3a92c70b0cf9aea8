"""Shared by the tests: the solve-mfg binary, and the peers (skipped with a message when absent)."""
import importlib
import os
import unittest

import solve_mfg


def binary():
    """The solve-mfg binary (solve_mfg.find_binary's search). Tests that need it skip when it cannot
    be found, or fail when SOLVE_MFG_REQUIRE_BINARY=1 (as `make python-test` sets it)."""
    try:
        return solve_mfg.find_binary()
    except solve_mfg.BinaryNotFound as e:
        if os.environ.get("SOLVE_MFG_REQUIRE_BINARY") == "1":
            raise
        raise unittest.SkipTest(f"no solve-mfg binary ({e})")


def peer(module, how):
    """Imports a peer's module, or skips the test with a message saying how to install it."""
    try:
        return importlib.import_module(module)
    except Exception as e:  # noqa: BLE001 (ImportError, or a broken install)
        raise unittest.SkipTest(f"{module} cannot be imported ({type(e).__name__}: {e}); {how}")
