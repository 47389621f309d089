"""The private user id of a sandbox (as root): drawn at random from a large range, reserved for its
lifetime, never a real account's.

Drawn at random, not from the worker's number: whatever the kernel still keeps for a uid after its
last process (keyrings, refused anyway by the child's seccomp filter) is not found by the next
sandbox of the same worker, nor by anyone who can guess which uid a student will get. The range,
0x70000000 to 0x73FFFFFF (67 million ids), is one that systemd leaves unused (above the container
ranges, below 2^31) and that no account, DynamicUser or /etc/subuid range uses; where this process
sees only part of the uids (a user namespace's uid_map, e.g. a container's 0-65535) the ids are
drawn from the mapped ones above 61000 instead (the range the grader used before).
"""
from __future__ import annotations

import errno
import fcntl
import os
import secrets
import tempfile
from pathlib import Path

from .processes import processes_of_uid

SANDBOX_UID_FIRST, SANDBOX_UID_COUNT = 0x7000_0000, 0x0400_0000
FALLBACK_UID_FIRST = 61000           # inside a small uid_map (a container's 0-65535)
TRIES = 200


def uid_lock_dir() -> Path:
    folder = Path("/run/grader-sandbox") if os.access("/run", os.W_OK) else \
        Path(tempfile.gettempdir()) / "grader-sandbox-uids"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def id_ranges(path: str) -> list[range]:
    """The ids this process can use, from /proc/self/uid_map or gid_map (every id where there is none)."""
    try:
        with open(path) as f:
            return [range(int(inside), int(inside) + int(count)) for inside, _, count in
                    (line.split() for line in f if line.strip())]
    except (OSError, ValueError):
        return [range(0, 1 << 32)]


def subordinate_ranges() -> list[range]:
    """The ids /etc/subuid and /etc/subgid give users for their containers: never ours."""
    found = []
    for path in ("/etc/subuid", "/etc/subgid"):
        try:
            with open(path) as f:
                for line in f:
                    parts = line.strip().split(":")
                    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                        found.append(range(int(parts[1]), int(parts[1]) + int(parts[2])))
        except OSError:
            pass
    return found


def candidate_ranges() -> list[range]:
    """Where sandbox uids are drawn from: the large range, cut to the ids this process can map (uid and gid)."""
    def cut(ranges: list[range], maps: list[range]) -> list[range]:
        return [range(max(r.start, m.start), min(r.stop, m.stop)) for r in ranges for m in maps
                if max(r.start, m.start) < min(r.stop, m.stop)]
    maps = cut(id_ranges("/proc/self/uid_map"), id_ranges("/proc/self/gid_map"))
    found = cut([range(SANDBOX_UID_FIRST, SANDBOX_UID_FIRST + SANDBOX_UID_COUNT)], maps)
    if not found:
        found = cut([range(FALLBACK_UID_FIRST, 65534)], maps)
    return found


def draw_uid(ranges: list[range]) -> int:
    total = sum(len(r) for r in ranges)
    index = secrets.randbelow(total)
    for r in ranges:
        if index < len(r):
            return r[index]
        index -= len(r)
    raise AssertionError("unreachable")


def uid_in_use(uid: int, subordinate: list[range] | None = None) -> bool:
    return someone_elses(uid, subordinate) or bool(processes_of_uid(uid))


def someone_elses(uid: int, subordinate: list[range] | None = None) -> bool:
    """An account's or a group's id, or one that /etc/subuid or /etc/subgid gives a user."""
    try:
        import pwd
        pwd.getpwuid(uid)
        return True            # a real account: never ours
    except (KeyError, ImportError):
        pass
    try:
        import grp
        grp.getgrgid(uid)
        return True            # a group's id: never the sandbox's gid
    except (KeyError, ImportError):
        pass
    return any(uid in r for r in (subordinate if subordinate is not None else subordinate_ranges()))


def reserve_uid(hint: int | None = None) -> tuple[int, int]:
    """A private uid for one sandbox, drawn at random and held (flock on a file named after it) for its
    lifetime, so parallel graders never share one. ``hint`` is ignored (kept for older callers).

    Give it back with ``release_uid``, which removes the lock file: a lock is taken only on the file
    the name still points to, so a holder removing its file never lets two sandboxes hold one uid."""
    folder, ranges, subordinate = uid_lock_dir(), candidate_ranges(), subordinate_ranges()
    if not ranges:
        raise RuntimeError("no free sandbox uid (no uid this process can map)")
    for _ in range(TRIES):
        uid = draw_uid(ranges)
        if someone_elses(uid, subordinate):
            continue
        path = folder / str(uid)
        fd = os.open(path, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.fstat(fd).st_ino != os.stat(path).st_ino:
                raise BlockingIOError(errno.EAGAIN, "removed meanwhile")
        except (BlockingIOError, FileNotFoundError):
            os.close(fd)
            continue
        if processes_of_uid(uid):
            release_uid(uid, fd)
            continue
        return uid, fd
    raise RuntimeError("no free sandbox uid")


def release_uid(uid: int, fd: int) -> None:
    """Give a reserved uid back: remove its lock file while still holding the lock, then close it."""
    try:
        os.unlink(uid_lock_dir() / str(uid))
    except OSError:
        pass
    os.close(fd)
