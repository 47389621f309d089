"""The private user id of a sandbox (as root): reserved for its lifetime, never a real account's."""
from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path

from .processes import processes_of_uid

SANDBOX_UID_BASE = 61000
SANDBOX_UID_COUNT = 4000


def uid_lock_dir() -> Path:
    folder = Path("/run/grader-sandbox") if os.access("/run", os.W_OK) else \
        Path(tempfile.gettempdir()) / "grader-sandbox-uids"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def uid_in_use(uid: int) -> bool:
    try:
        import pwd
        pwd.getpwuid(uid)
        return True            # a real account: never ours
    except (KeyError, ImportError):
        pass
    return bool(processes_of_uid(uid))


def reserve_uid(hint: int) -> tuple[int, int]:
    """A private uid for one sandbox, held (flock) for its lifetime so parallel graders never share one."""
    folder = uid_lock_dir()
    for i in range(SANDBOX_UID_COUNT):
        uid = SANDBOX_UID_BASE + (hint + i) % SANDBOX_UID_COUNT
        fd = os.open(folder / str(uid), os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        if uid_in_use(uid):
            os.close(fd)
            continue
        return uid, fd
    raise RuntimeError("no free sandbox uid")
