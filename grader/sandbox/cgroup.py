"""The child's memory cgroup: memory held in files (memfd, tmpfs, SysV shm) counts too."""
from __future__ import annotations

import os
import time

from .paths import under


# -- the memory cgroup: memory held in files (memfd, tmpfs, SysV shm) counts too -------------
#
# RLIMIT_AS counts address space only: a file in memory that nobody maps (memfd_create, a
# tmpfs file, a SysV segment) escapes it. A memory cgroup per child counts everything its
# processes add. It is made below the grader's own cgroup, so it only works where that one
# is writable (root, cgroup v1 or a v2 cgroup with the memory controller delegated).

# The memory cgroup's limit is the memory cap plus this: the child also owns the copies of the
# zygote's pages it writes to (Python's reference counts touch them); grading the reference
# adds about 20 MB in all, training more.
CGROUP_ALLOWANCE_MB = 128


def memory_cgroup_base() -> dict | None:
    """{"path": this process's memory cgroup folder, "kind": "v1" | "v2"} if children can be made there."""
    mounts = {}
    try:
        with open("/proc/self/mountinfo") as info:
            for line in info:
                left, _, right = line.partition(" - ")
                fields, (fstype, _, options) = left.split(), right.split()[:3]
                if fstype == "cgroup" and "memory" in options.split(","):
                    mounts["v1"] = (fields[4], fields[3])
                elif fstype == "cgroup2":
                    mounts.setdefault("v2", (fields[4], fields[3]))
        with open("/proc/self/cgroup") as groups:
            lines = [line.rstrip("\n").split(":", 2) for line in groups]
    except (OSError, ValueError):
        return None
    for _, controllers, path in sorted(lines, key=lambda l: l[1] == ""):         # v1 first
        kind = "v2" if controllers == "" else "v1" if "memory" in controllers.split(",") else None
        if kind not in mounts:
            continue
        point, root = mounts[kind]
        if root != "/" and under(path, root):          # a bind mount of part of the hierarchy
            path = path[len(root):] or "/"
        base = {"path": os.path.normpath(point + "/" + path), "kind": kind}
        if cgroup_works(base):
            return base
    return None


def cgroup_works(base: dict) -> bool:
    """Can a child cgroup be made here and given a memory limit? Tried with a throwaway one."""
    probe = os.path.join(base["path"], f"grader-probe-{os.getpid()}")
    try:
        os.mkdir(probe)
    except OSError:
        return False
    try:
        write_cgroup(probe, "memory.limit_in_bytes" if base["kind"] == "v1" else "memory.max", str(1 << 30))
        return True
    except OSError:
        return False
    finally:
        try:
            os.rmdir(probe)
        except OSError:
            pass


def write_cgroup(folder: str, name: str, value: str) -> None:
    with open(os.path.join(folder, name), "w") as f:
        f.write(value)


def join_memory_cgroup(cgroup: dict) -> None:
    """In the child, as root: make its cgroup, limit it (no swap either), and move in; raises OSError."""
    folder, limit = cgroup["path"], str(cgroup["bytes"])
    os.makedirs(folder, exist_ok=True)
    if cgroup["kind"] == "v1":
        for name in ("memory.memsw.limit_in_bytes", "memory.limit_in_bytes", "memory.memsw.limit_in_bytes"):
            try:        # memsw (memory + swap) must stay >= memory: set around it; absent without swap accounting
                write_cgroup(folder, name, limit)
            except OSError:
                if name == "memory.limit_in_bytes":
                    raise
    else:
        write_cgroup(folder, "memory.max", limit)
        try:
            write_cgroup(folder, "memory.swap.max", "0")
        except OSError:
            pass
    write_cgroup(folder, "cgroup.procs", str(os.getpid()))


def enter_memory_cgroup(cgroup: dict | None) -> bool:
    """Join the child's memory cgroup (as root); False where there is none or it fails."""
    if not cgroup:
        return False
    try:
        join_memory_cgroup(cgroup)
        return True
    except OSError:
        return False


def cgroup_oom_kills(cgroup: dict | None) -> int:
    """How many processes the kernel killed in this cgroup for want of memory."""
    if not cgroup:
        return 0
    name = "memory.oom_control" if cgroup["kind"] == "v1" else "memory.events"
    try:
        with open(os.path.join(cgroup["path"], name)) as f:
            for line in f:
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
    except (OSError, ValueError):
        pass
    return 0


def remove_cgroup(cgroup: dict | None, wait: float = 1.0) -> None:
    """Remove a child's cgroup once its processes are gone (rmdir fails while a dying one is in it)."""
    if not cgroup:
        return
    end = time.monotonic() + wait
    while True:
        try:
            os.rmdir(cgroup["path"])
            return
        except FileNotFoundError:
            return
        except OSError:
            if time.monotonic() > end:
                return
            time.sleep(0.01)
