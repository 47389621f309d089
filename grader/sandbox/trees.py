"""Folders a child could write, listed and removed without recursion (``walk``, ``remove``).

A child may build a tree thousands of folders deep in its scratch folder (or, as the grader's own
user, next to the grader's files): ``mkdir`` relative to an open folder has no length limit.
``shutil.rmtree`` and ``Path.rglob`` recurse once per level and raised ``RecursionError`` in the
grading process. Here ``remove`` moves each subfolder up to the top before emptying it (two open
folders at a time, each entry moved at most once) and ``walk`` keeps its own stack of paths.
"""
from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path


def walk(folder: Path):
    """Every path below ``folder`` (links not followed), in no particular order; unreadable parts are skipped."""
    pending = [str(folder)]
    while pending:
        try:
            with os.scandir(pending.pop()) as entries:
                for entry in entries:
                    yield Path(entry.path)
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            pending.append(entry.path)
                    except OSError:
                        continue
        except OSError:
            continue


def remove(folder) -> None:
    """Remove ``folder`` and everything in it, whatever its depth; errors are ignored (as ``rmtree``'s)."""
    try:
        top = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        try:
            os.unlink(folder)           # a file or a link where the folder was
        except OSError:
            pass
        return
    try:
        for _ in range(1_000_000):      # every round removes or moves at least one entry
            if not empty_round(top):
                break
    finally:
        os.close(top)
    try:
        os.rmdir(folder)
    except OSError:
        pass


def empty_round(top: int) -> bool:
    """One pass over ``top``'s entries: files go; each folder's subfolders move up to ``top``, its files go, and
    it goes. True while something was done (a folder moved up is emptied in a later round)."""
    done = False
    for name in os.listdir(top):
        try:
            info = os.stat(name, dir_fd=top, follow_symlinks=False)
            if not stat.S_ISDIR(info.st_mode):
                os.unlink(name, dir_fd=top)
                done = True
                continue
            if info.st_mode & 0o700 != 0o700:        # a folder its owner made unreadable (as the grader's user)
                os.chmod(name, 0o700, dir_fd=top)
            inner = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=top)
        except OSError:
            continue
        try:
            for child in os.listdir(inner):
                try:
                    if stat.S_ISDIR(os.stat(child, dir_fd=inner, follow_symlinks=False).st_mode):
                        os.rename(child, f".grader-remove-{secrets.token_hex(8)}", src_dir_fd=inner, dst_dir_fd=top)
                    else:
                        os.unlink(child, dir_fd=inner)
                    done = True
                except OSError:
                    continue
        finally:
            os.close(inner)
        try:
            os.rmdir(name, dir_fd=top)
            done = True
        except OSError:
            pass
    return done
