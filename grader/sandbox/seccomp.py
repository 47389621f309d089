"""The child's seccomp filter: the kernel calls that keep state per user id beyond a process's life
are refused (EPERM) in the child and in every program it starts.

Why these calls. A sandbox's processes all die with it, its files are on private tmpfs, its
SysV and POSIX IPC objects in its own IPC namespace, its sockets in its own network namespace.
What the kernel keeps *per uid*, beyond the uid's last process, is its keyrings: the user
keyring (``@u``), the user session keyring and the persistent keyring (``keyctl
get_persistent``, kept for days) are found again by the next process of that uid, so a later
sandbox under the same uid could read what an earlier one stored there (a submission's whole
source, say). ``add_key``, ``request_key`` and ``keyctl`` are the only ways in (``request_key``
also starts ``/sbin/request-key`` as root). Reviewed and left alone, because they go with the
uid's last process (which the grader kills) or are private already: process and thread counts,
inotify instances and watches, epoll watches, pending signals, POSIX message queue bytes, pipe
buffers and locked memory (per-uid counters, released with the processes); SysV and POSIX IPC
objects (the child's IPC namespace); files (read-only mounts, private tmpfs); ``setpriority`` and
``ioprio_set`` for a whole uid (only the sandbox's own processes have it). ``bpf`` is refused
too: a pinned map would outlive the process, and nothing a submission needs uses it.

The filter checks the calling convention: a system call of another architecture (x86_64's
32-bit ``int 0x80`` or x32 calls, arm32 on arm64) would reach the same kernel code under other
numbers, so every such call is refused. torch, numpy and the kit never make these calls.

Installed with ``PR_SET_NO_NEW_PRIVS`` and the ``seccomp`` call (``SECCOMP_FILTER_FLAG_TSYNC``:
every thread), or ``prctl(PR_SET_SECCOMP)`` where that call is missing; a filter is inherited by
every child and kept across ``execve``, and nothing can remove it.
"""
from __future__ import annotations

import ctypes
import errno
import os
import platform

# struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]
_NR, _ARCH = 0, 4
# classic BPF
_LD_W_ABS, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06
SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO = 0x7FFF0000, 0x00050000
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC = 1, 1
X32_SYSCALL_BIT = 0x40000000

# machine -> (audit architecture, the ``seccomp`` call's number, refused calls by name)
ARCHITECTURES = {
    "x86_64": (0xC000003E, 317, {"add_key": 248, "request_key": 249, "keyctl": 250, "bpf": 321}),
    "aarch64": (0xC00000B7, 277, {"add_key": 217, "request_key": 218, "keyctl": 219, "bpf": 280}),
}
ARCHITECTURES["amd64"] = ARCHITECTURES["x86_64"]
ARCHITECTURES["arm64"] = ARCHITECTURES["aarch64"]
REFUSED = ("add_key", "request_key", "keyctl", "bpf")


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def program(machine: str | None = None) -> list[tuple[int, int, int, int]]:
    """The filter as (code, jt, jf, k) instructions, for this machine (or ``machine``)."""
    arch, _, numbers = ARCHITECTURES[(machine or platform.machine()).lower()]
    denied = sorted(numbers[name] for name in REFUSED)
    checks = [(_JGE_K, X32_SYSCALL_BIT)] if arch == ARCHITECTURES["x86_64"][0] else []
    checks += [(_JEQ_K, number) for number in denied]
    # 0: load arch; 1: native? else deny; 2: load nr; 3..: each check jumps to deny; allow; deny
    deny = 3 + len(checks) + 1                      # index of the deny instruction
    code = [(_LD_W_ABS, 0, 0, _ARCH), (_JEQ_K, 0, deny - 2, arch), (_LD_W_ABS, 0, 0, _NR)]
    for op, k in checks:
        code.append((op, deny - (len(code) + 1), 0, k))
    code.append((_RET_K, 0, 0, SECCOMP_RET_ALLOW))
    code.append((_RET_K, 0, 0, SECCOMP_RET_ERRNO | errno.EPERM))
    return code


def supported() -> bool:
    return platform.machine().lower() in ARCHITECTURES


def install_filter() -> None:
    """Refuse the per-uid kernel calls (EPERM) in this process, its threads and all it starts; raises OSError."""
    machine = platform.machine().lower()
    if machine not in ARCHITECTURES:
        raise OSError(errno.ENOSYS, f"no seccomp filter for the {platform.machine()} architecture")
    code = program(machine)
    instructions = (_SockFilter * len(code))(*[_SockFilter(*row) for row in code])
    prog = _SockFprog(len(code), ctypes.cast(instructions, ctypes.POINTER(_SockFilter)))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    libc.syscall.restype = ctypes.c_long
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        code_ = ctypes.get_errno()
        raise OSError(code_, f"prctl(PR_SET_NO_NEW_PRIVS): {os.strerror(code_)}")
    number = ARCHITECTURES[machine][1]
    if libc.syscall(ctypes.c_long(number), ctypes.c_long(SECCOMP_SET_MODE_FILTER),
                    ctypes.c_long(SECCOMP_FILTER_FLAG_TSYNC), ctypes.byref(prog)) == 0:
        return
    failed = ctypes.get_errno()
    if failed not in (errno.ENOSYS, errno.EINVAL):
        raise OSError(failed, f"seccomp(SECCOMP_SET_MODE_FILTER): {os.strerror(failed)}")
    # no seccomp() call (before Linux 3.17): the prctl, for this thread (a forked child has only one)
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0) != 0:
        failed = ctypes.get_errno()
        raise OSError(failed, f"prctl(PR_SET_SECCOMP): {os.strerror(failed)}")


def probe_filter() -> tuple[bool, str]:
    """Can a child install the filter here, and does it refuse ``keyctl``? Tried in a throwaway child."""
    if not supported():
        return False, f"no seccomp filter for the {platform.machine()} architecture"
    pid = os.fork()
    if pid == 0:
        try:
            install_filter()
        except OSError as e:
            os._exit(10 + min(e.errno or 0, 100))
        except BaseException:
            os._exit(9)
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            keyctl = ARCHITECTURES[platform.machine().lower()][2]["keyctl"]
            refused = libc.syscall(keyctl, 0, -4, 0) == -1 and ctypes.get_errno() == errno.EPERM
            os._exit(0 if refused else 8)        # KEYCTL_GET_KEYRING_ID of @u, without creating it
        except BaseException:
            os._exit(9)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code == 0:
        return True, ""
    if code >= 10:
        return False, f"installing a seccomp filter failed: {os.strerror(code - 10)}"
    return False, "the seccomp filter did not refuse keyctl"
