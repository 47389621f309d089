"""Finding a student's module files in a submission: at the top or deeper, one copy of each chosen."""
from __future__ import annotations

import os
from pathlib import Path

from .. import escaping
from ..spec import MODULES
from ..text import Text

MAX_SOURCE_BYTES = 1_000_000          # the sandbox refuses bigger module files; so do we
SKIP_DIRS = {"__MACOSX", "__pycache__", ".venv", "venv", "env", "site-packages", "node_modules", ".git"}
MAX_DEPTH = 6                          # how deep a module file may sit in a submission


def rank(parts: tuple[str, ...]) -> tuple:
    """Which of several copies of a module to grade: the shallowest, an ``exercises/`` one first."""
    return (len(parts), 0 if len(parts) > 1 and parts[-2] == "exercises" else 1, parts)


def ignored(parts: tuple[str, ...]) -> bool:
    return any(p in SKIP_DIRS or p.startswith(".") for p in parts[:-1]) or parts[-1].startswith("._")


def shown_path(parts) -> str:
    """A path inside a submission (its parts: names the student chose), as one inert line."""
    return "/".join(escaping.name(part) for part in parts)


def choose(paths: list[tuple[str, ...]], modules) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """For each module, the path (as parts) to grade among ``paths``, and notes on the choices."""
    chosen, notes = {}, []
    for module in modules:
        candidates = sorted((p for p in paths if p[-1] == f"{module}.py" and len(p) <= MAX_DEPTH
                             and not ignored(p)), key=rank)
        if candidates:
            chosen[module] = candidates[0]
            if len(candidates) > 1:
                listed = ', '.join(shown_path(c) for c in candidates[:4])
                notes.append(Text.say(f"several {module}.py ({listed}): graded {shown_path(candidates[0])}",
                                      f"有多个 {module}.py（{listed}）：评分的是 {shown_path(candidates[0])}"))
    return chosen, notes


def find_modules(folder: Path, modules=MODULES) -> tuple[dict[str, Path], list[str]]:
    """The module files of a submission folder, wherever they sit (links are not followed)."""
    folder = Path(folder)
    paths = []
    for directory, dirs, files in os.walk(folder, followlinks=False):
        rel = Path(directory).relative_to(folder).parts
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")
                         and len(rel) + 1 < MAX_DEPTH)
        paths += [rel + (name,) for name in files if name.endswith(".py")]
    chosen, notes = choose(paths, modules)
    return {m: folder.joinpath(*parts) for m, parts in chosen.items()}, notes

