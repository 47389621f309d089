"""Which hidden checks exist, with their kinds and points: pytest's own collection, once per process."""
from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

from ..spec import ALL_MODULES
from .plugin import CheckInfo, GradingPlugin

HIDDEN_TESTS = Path(__file__).resolve().parent.parent / "hidden_tests"


def test_paths() -> list[str]:
    """The kit's hidden tests, and a course's own (``D2L_KIT_CHECKS``: folders or files, ``:``-separated)."""
    extra = [p for p in os.environ.get("D2L_KIT_CHECKS", "").split(os.pathsep) if p]
    return [str(HIDDEN_TESTS), *extra]


def pytest_args(paths) -> list[str]:
    # Not the plugins that collect garbage after every session (unraisableexception: 0.2 s each, with
    # torch's objects on the heap) or capture logs per test: the checks use neither.
    return [*paths, "-s", "-p", "no:cacheprovider", "-p", "no:terminal", "-p", "no:stepwise",
            "-p", "no:unraisableexception", "-p", "no:threadexception", "-p", "no:logging",
            "--rootdir", str(HIDDEN_TESTS), "-c", str(HIDDEN_TESTS / "pytest.ini"),
            "--import-mode=importlib", "-W", "ignore::pytest.PytestAssertRewriteWarning"]


@functools.lru_cache(maxsize=None)
def _collect(paths: tuple[str, ...]) -> tuple[CheckInfo, ...]:
    plugin = GradingPlugin(ALL_MODULES)
    code = pytest.main([*pytest_args(paths), "--collect-only"], plugins=[plugin])
    if code not in (0, 5):
        raise RuntimeError(f"the hidden tests could not be collected (pytest exit code {code})")
    return tuple(plugin.checks)


def checks(module: str | None = None, kinds=None) -> list[CheckInfo]:
    found = _collect(tuple(test_paths()))
    return [c for c in found if (module is None or c.module == module) and (kinds is None or c.kind in kinds)]
