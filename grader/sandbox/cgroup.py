"""The child's cgroups: memory (memory held in files, memfd, tmpfs, SysV shm, counts too) and its CPU share."""
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
    return cgroup_base("memory")


def cgroup_base(controller: str) -> dict | None:
    """{"path": this process's cgroup folder for ``controller`` ("memory" or "cpu"), "kind": "v1" | "v2"}
    if children with that controller's limit can be made there."""
    mounts = {}
    try:
        with open("/proc/self/mountinfo") as info:
            for line in info:
                left, _, right = line.partition(" - ")
                fields, (fstype, _, options) = left.split(), right.split()[:3]
                if fstype == "cgroup" and controller in options.split(","):
                    mounts["v1"] = (fields[4], fields[3])
                elif fstype == "cgroup2":
                    mounts.setdefault("v2", (fields[4], fields[3]))
        with open("/proc/self/cgroup") as groups:
            lines = [line.rstrip("\n").split(":", 2) for line in groups]
    except (OSError, ValueError):
        return None
    for _, controllers, path in sorted(lines, key=lambda l: l[1] == ""):         # v1 first
        kind = "v2" if controllers == "" else "v1" if controller in controllers.split(",") else None
        if kind not in mounts:
            continue
        point, root = mounts[kind]
        if root != "/" and under(path, root):          # a bind mount of part of the hierarchy
            path = path[len(root):] or "/"
        base = {"path": os.path.normpath(point + "/" + path), "kind": kind}
        if cgroup_works(base, controller):
            return base
    return None


# the file that limits a controller in a cgroup, and a value to try it with
LIMIT_FILES = {("memory", "v1"): ("memory.limit_in_bytes", str(1 << 30)),
               ("memory", "v2"): ("memory.max", str(1 << 30)),
               ("cpu", "v1"): ("cpu.shares", "1024"), ("cpu", "v2"): ("cpu.weight", "100")}


def cgroup_works(base: dict, controller: str = "memory") -> bool:
    """Can a child cgroup be made here and given a limit of ``controller``? Tried with a throwaway one."""
    probe = os.path.join(base["path"], f"grader-probe-{controller}-{os.getpid()}")
    try:
        os.mkdir(probe)
    except OSError:
        return False
    try:
        write_cgroup(probe, *LIMIT_FILES[controller, base["kind"]])
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


# -- the CPU share: one sandbox burning every core slows another by a bounded factor ---------------
#
# Each child's processes are one group for the scheduler (cgroup cpu controller, the same weight
# for every sandbox: cpu.shares 1024 in v1, cpu.weight 100 in v2), so under contention a sandbox
# gets its share of the machine however many processes or threads it runs: with k sandboxes busy
# at once, one of them gets at least about 1/k of the CPUs (less the grading processes' own use).
# Where the machine's cgroup for the cpu controller is not writable, the isolation notes say so.

CPU_WEIGHT = {"v1": ("cpu.shares", "1024"), "v2": ("cpu.weight", "100")}


def enter_cpu_cgroup(cgroup: dict | None) -> bool:
    """Join the child's CPU cgroup (as root, made here, removed with the sandbox); False where it fails."""
    if not cgroup:
        return False
    try:
        os.makedirs(cgroup["path"], exist_ok=True)
        write_cgroup(cgroup["path"], *CPU_WEIGHT[cgroup["kind"]])
        write_cgroup(cgroup["path"], "cgroup.procs", str(os.getpid()))
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
