"""Integrity of the grader's own files, checked after every request when children share our uid."""
from __future__ import annotations

from pathlib import Path

from .paths import GRADER_DIR, REFERENCE_DIR, ROOT
from .trees import walk


# -- integrity of the grader's own files (checked when children share our uid) --

def tree_state(*folders: Path) -> dict[str, tuple]:
    state = {}
    for folder in folders:
        for path in sorted(walk(folder)) if folder.is_dir() else []:     # iterative: a child may nest folders
            if "__pycache__" in path.parts:
                continue
            try:
                info = path.lstat()
            except OSError:
                continue
            state[str(path)] = (info.st_mode, info.st_size, info.st_mtime_ns, info.st_ino)
    return state


class Integrity:
    def __init__(self):
        self.state = tree_state(GRADER_DIR, REFERENCE_DIR)

    def changed(self) -> list[str]:
        now = tree_state(GRADER_DIR, REFERENCE_DIR)
        if now == self.state:
            return []
        paths = sorted(k for k in set(now) | set(self.state) if now.get(k) != self.state.get(k))
        self.state = now         # report each change once
        return [str(Path(p).relative_to(ROOT)) for p in paths]


_INTEGRITY: Integrity | None = None
