"""The child's own mount, IPC and network namespaces: whether this machine gives them, and entering
them."""
from __future__ import annotations

import ctypes
import os

from .syscalls import CLONE_NEWIPC, CLONE_NEWNS, MS_NOSUID, MS_PRIVATE, MS_REC, libc, mount

# System V IPC in the child's private IPC namespace: small, so that it cannot hold much memory
# even without a memory cgroup (shmall is in pages).
IPC_LIMITS = {"kernel/shmmax": 8 << 20, "kernel/shmall": 2048, "kernel/shmmni": 16, "kernel/msgmni": 16,
              "kernel/msgmnb": 65536}

# No network for a sandbox, not even loopback: a TCP listener on 127.0.0.1 of the grading
# machine or an abstract unix socket ("\0name": scoped by network namespace, not by the file
# system) must be out of reach. Two layers, as root:
# - the zygote starts inside bubblewrap (``bwrap``, Debian package ``bubblewrap``) with a
#   network (and UTS, IPC) namespace of its own: everything it forks is off the machine's
#   network, whatever happens in the child later;
# - each child unshares a network namespace of its own (``enter_namespaces``): two children of
#   one grading process (a student's and the reference's) cannot meet over their loopback
#   either, and without bwrap this alone keeps the network out.
# Not root, neither is possible here and ``isolation_notes`` says the network is not isolated.
CLONE_NEWNET = 0x40000000


def network_namespace() -> str:
    """This process's network namespace ("net:[4026531840]"), or "" where /proc does not say."""
    try:
        return os.readlink("/proc/self/ns/net")
    except OSError:
        return ""


def probe_namespaces() -> tuple[bool, str, bool, str]:
    """Can a child get private mount and IPC namespaces here, and a network namespace of its own?
    Tried in a throwaway child: (mount and IPC, why not, network, why not)."""
    pid = os.fork()
    if pid == 0:
        try:
            if libc().unshare(CLONE_NEWNS | CLONE_NEWIPC) != 0:
                os._exit(10 + ctypes.get_errno())
            mount(None, "/", None, MS_REC | MS_PRIVATE)
            mount("tmpfs", "/mnt" if os.path.isdir("/mnt") else "/tmp", "tmpfs", MS_NOSUID, "size=16k")
            if libc().unshare(CLONE_NEWNET) != 0:
                os._exit(200 + min(ctypes.get_errno(), 55))
            os._exit(0)
        except BaseException:
            os._exit(9)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code == 0:
        return True, "", True, ""
    if code >= 200:
        return True, "", False, f"unshare(CLONE_NEWNET) failed: {os.strerror(code - 200)}"
    if code >= 10:
        why = f"unshare(CLONE_NEWNS | CLONE_NEWIPC) failed: {os.strerror(code - 10)}"
    else:
        why = "mounting a tmpfs failed"
    return False, why, False, why


def enter_namespaces() -> list[str]:
    """Private mount, IPC and network namespaces: no SysV object or POSIX queue is shared with
    anyone, and all of them go with the child's last process; SysV limits are made small. The
    network namespace has only a loopback, down: no TCP listener of the machine (127.0.0.1
    included) and no abstract unix socket ("\\0name") outside the child can be reached."""
    if libc().unshare(CLONE_NEWNS | CLONE_NEWIPC) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"unshare(CLONE_NEWNS | CLONE_NEWIPC): {os.strerror(code)}")
    notes = []
    # Apart: where only this one fails, the mounts still hide the grader's world (and a zygote
    # started in bwrap is off the network already)
    if libc().unshare(CLONE_NEWNET) != 0:
        notes.append(f"no network namespace of its own ({os.strerror(ctypes.get_errno())})")
    try:                      # per IPC namespace: this one only
        for name, value in IPC_LIMITS.items():
            with open(f"/proc/sys/{name}", "w") as f:
                f.write(str(value))
    except OSError as error:
        notes.append(f"System V IPC limits not set ({error.strerror})")
    return notes
