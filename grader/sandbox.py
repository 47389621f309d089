"""Run one module of a submission in a child process the grader controls.

The grading process never imports student code. Children are forked from a
*zygote*: a fresh Python process, started once per grading process, that
imports only torch and the parts of the grader a child needs (``probes``,
``build``, ``trace``, ``spec``, ``train``, ``data``). A child therefore holds
none of the grading process's memory: no hidden checks, no cached
observations of the reference solution, no other submission's results.

Each child

- starts a new session, so that it and everything it spawns can be killed;
- gets resource limits: address space (the memory cap), CPU time, file size,
  open files, no core dumps, no new privileges;
- when the grader runs as root: runs under an unprivileged user id of its
  own (reserved for its lifetime) with a process limit, in a memory cgroup
  of its own where the machine has a writable one (memory held in files,
  memfd or SysV segments counts; otherwise ``os.memfd_create`` is refused in
  its process), and in private mount and IPC namespaces where
  - the repository (``solutions/``, ``tests/``, ``grader/``, ``.git``) and
    the folder holding it, the highest folder above the submission below a
    system folder (the whole class, at any depth: ``CLASS/<student>/...``),
    every top-level folder that is not the system's (``/home``, ``/root``,
    ``/work``, ...) and the paths in ``$GRADER_HIDE`` are empty, read-only
    folders;
  - ``/tmp``, ``/var/tmp``, ``/dev/shm`` and every other world-writable
    folder (``/run/lock`` = ``/var/lock``, ...) are small private tmpfs, and
    every other mount is read-only;
  - ``/proc`` shows only the child's own processes (``hidepid=2``);
  - SysV shared memory and message queues are its own, small, and go with
    its last process;
  the Python installation stays readable;
- runs in a private scratch directory holding a copy of the one module file,
  with stdin closed and stdout/stderr going to a capped file (shown
  truncated, with control characters escaped, grader stack frames and lines
  of the grader's hidden source removed);
- then answers the grader's requests ("import the module", "trace this
  call", ...) over a pipe, all of a module's requests within one wall-clock
  budget.

The child only reports observations (shapes, traces, numbers); verdicts are
computed in the grader's process. Before each reply the child checks that
the submission did not rewrite the grader's code, torch's or the builtins in
its process (``Guard``); a reply saying so, or any malformed reply, refuses
the module. When the grading ends every process of the sandbox is killed:
as root, every process of its user id; otherwise every process of its
session and every orphan the zygote (a child subreaper) inherited. When the
grading process dies, even by SIGKILL, the zygote sees its socket close,
kills every process below it and removes the sandboxes' cgroups and scratch
folders (a child also dies with the zygote: parent-death signal); at a
normal exit the grading process closes the sandboxes still open (the
reference's).

Without root the children run as the grader's own user: they can read (and
write) whatever that user can. The grader then says so on stderr, and checks
after every request that the grader's and the reference solutions' files did
not change (a module that changes them is refused).
"""
from __future__ import annotations

import atexit
import ctypes
import fcntl
import json
import os
import re
import resource
import select
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from .hidden import hidden_files
from .options import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT
from . import probes

ROOT = Path(__file__).resolve().parent.parent
GRADER_DIR = ROOT / "grader"
REFERENCE_DIR = ROOT / "solutions"
SANDBOX_UID_BASE = 61000
SANDBOX_UID_COUNT = 4000
# The memory cgroup's limit is the memory cap plus this: the child also owns the copies of the
# zygote's pages it writes to (Python's reference counts touch them); grading the reference
# adds about 20 MB in all, training more.
CGROUP_ALLOWANCE_MB = 128
MAX_SOURCE_BYTES = 1_000_000
MAX_REPLY_BYTES = 32_000_000
OUTPUT_LIMIT_BYTES = 8_000_000      # what the submission may print before writes fail
SHOWN_OUTPUT_CHARS = 1500
NPROC_LIMIT = 64 + 2 * (os.cpu_count() or 1)     # processes and threads (training uses one per core)
PRIVATE_TMP = {"/tmp": "size=64m,mode=1777", "/var/tmp": "size=8m,mode=1777", "/dev/shm": "size=8m,mode=1777"}
# Every other folder anyone may write (/run/lock = /var/lock, /dev/mqueue, ...; found by
# ``shared_folders``) gets a tiny private tmpfs: programs that expect it still work, and
# nothing written there reaches the next student or outlives the child.
SHARED_FOLDER_TMPFS = "size=1m,nr_inodes=64,mode=1777"
SHARED_FOLDER_DEPTH = 4          # how deep below / they are looked for; deeper ones are read-only anyway
# System V IPC in the child's private IPC namespace: small, so that it cannot hold much memory
# even without a memory cgroup (shmall is in pages).
IPC_LIMITS = {"kernel/shmmax": 8 << 20, "kernel/shmall": 2048, "kernel/shmmni": 16, "kernel/msgmni": 16,
              "kernel/msgmnb": 65536}
# The child sees the system's own top-level folders; every other one (/home, /root, /work,
# /opt, /srv, ...: where other copies of the kit, home folders and course files live) is
# hidden, and the Python installation is bound back wherever it is.
SYSTEM_DIRS = {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "run", "sbin", "sys", "tmp",
               "usr", "var"}
NEVER_HIDDEN = {"/", "/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc", "/proc", "/sys", "/dev",
                "/run", "/var", "/tmp", "/usr/local", "/usr/lib", "/usr/share"}
# Where a class folder stops: the folders of the system a class may be kept in. Below one of
# them, the highest folder above a submission is hidden whole (every classmate, at any depth).
SYSTEM_FOLDERS = NEVER_HIDDEN | {"/var/lib", "/var/cache", "/var/local", "/var/opt", "/var/spool", "/var/log",
                                 "/var/mail", "/var/www", "/usr/local/lib", "/usr/local/share", "/usr/local/bin",
                                 "/usr/lib64", "/usr/libexec", "/usr/src"}


def class_root(folder: Path) -> str:
    """The highest folder above a submission that is not one of the system's: hiding it hides every
    classmate, at any depth (CLASS/<student>/exercises: CLASS, or the folder that holds CLASS)."""
    top = folder
    for parent in folder.parents:
        if str(parent) in SYSTEM_FOLDERS or parent == parent.parent:
            break
        top = parent
    return str(top)


def outside_the_system() -> list[str]:
    try:
        return [f"/{entry.name}" for entry in os.scandir("/")
                if entry.is_dir(follow_symlinks=False) and entry.name not in SYSTEM_DIRS]
    except OSError:
        return ["/home", "/root", "/srv", "/mnt", "/media", "/opt"]
EXPOSED_GRADER_FILES = ("calibration.json",)      # read lazily by grader.train in the child
ZYGOTE_MODULES = ("grader.probes", "grader.build", "grader.computation.record", "grader.computation.weights",
                  "grader.spec", "grader.data", "grader.train")


class SandboxError(Exception):
    """The child could not answer: ``status`` says why (timeout, crashed, killed, exited, refused, tampered, ...)."""

    def __init__(self, status: str, english: str, chinese: str):
        super().__init__(english)
        self.status, self.english, self.chinese = status, english, chinese

    def message(self) -> str:
        return f"{self.english}\n{self.chinese}"


class StudentError(Exception):
    """The student's code raised while answering a request."""

    def __init__(self, kind: str, text: str, where: str):
        super().__init__(f"{kind}: {text}")
        self.kind, self.text, self.where = kind, text, where

    def message(self) -> str:
        where = f"\n    at {self.where}" if self.where else ""
        return f"{self.kind}: {self.text}{where}"


@dataclass
class Limits:
    timeout: float = DEFAULT_TIMEOUT        # wall-clock seconds for all requests of one module together
    memory_mb: int = DEFAULT_MEMORY_MB      # address space the child may add to what it inherits; 0: no cap


# -- the pipe protocol: a 4-byte length, then JSON ------------------------------

def send(fd: int, payload) -> None:
    data = json.dumps(payload).encode()
    os.write(fd, struct.pack(">I", len(data)))
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def read_exactly(fd: int, count: int, deadline: float | None) -> bytearray:
    """``count`` bytes from ``fd``. The buffer grows with what arrives, never with what was claimed:
    a forged length costs the reader only the bytes the writer really sent."""
    data = bytearray()
    while len(data) < count:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(count - len(data), 1 << 20))
        if not chunk:
            raise EOFError
        data += chunk
    return data


class ReplyTooLarge(ValueError):
    """A length header above ``MAX_REPLY_BYTES``: refused before a byte of the body is read (a
    ``ValueError``: the grading process refuses the module, as for any malformed reply)."""


def receive(fd: int, deadline: float | None = None):
    (length,) = struct.unpack(">I", read_exactly(fd, 4, deadline))
    if length > MAX_REPLY_BYTES:
        raise ReplyTooLarge(f"{length:,} bytes announced, at most {MAX_REPLY_BYTES:,}")
    try:
        return json.loads(read_exactly(fd, length, deadline))
    except RecursionError:
        raise ValueError("reply nested too deeply") from None


# -- what a submission may be ---------------------------------------------------

def refused(english: str, chinese: str, status: str = "refused") -> SandboxError:
    return SandboxError(status, english, chinese)


def validate_source(path: Path, root: Path) -> bytes:
    """Read a submitted module: no links leaving the submission, no special files, no absurd sizes."""
    path, resolved_root = Path(path), Path(root).resolve()
    name = path.name
    if path.is_symlink():
        target = path.resolve()
        if resolved_root not in target.parents:
            raise refused(f"refused: {name} is a symbolic link outside the submission",
                          f"拒绝评分：{name} 是指向提交目录之外的符号链接")
    if not path.exists():
        raise SandboxError("missing", f"{name} is missing from the submission", f"提交中缺少 {name}")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)   # a FIFO must not block us
    except OSError as error:
        raise refused(f"refused: {name} cannot be read ({error.strerror})",
                      f"拒绝评分：无法读取 {name}（{error.strerror}）") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise refused(f"refused: {name} is not a regular file", f"拒绝评分：{name} 不是普通文件")
        if info.st_size > MAX_SOURCE_BYTES:
            raise refused(f"refused: {name} is {info.st_size:,} bytes (limit {MAX_SOURCE_BYTES:,})",
                          f"拒绝评分：{name} 过大（{info.st_size:,} 字节，上限 {MAX_SOURCE_BYTES:,}）")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > MAX_SOURCE_BYTES:
                raise refused(f"refused: {name} is larger than {MAX_SOURCE_BYTES:,} bytes",
                              f"拒绝评分：{name} 过大（上限 {MAX_SOURCE_BYTES:,} 字节）")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


# -- what the submission printed, made safe to show ----------------------------

_HIDDEN_LINES: list[str] | None = None
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
GRADER_FRAME = re.compile(r'^\s*File "[^"\n]*(/grader/|/solutions/|/tests/)[^"\n]*"', re.M)


def hidden_lines() -> list[str]:
    """Lines (12 characters or more) of the grader's hidden source, longest first."""
    global _HIDDEN_LINES
    if _HIDDEN_LINES is None:
        lines = set()
        for path in hidden_files():
            try:
                text = path.read_text(encoding="utf-8")
            except OSError:
                continue
            lines.update(line.strip() for line in text.splitlines() if len(line.strip()) >= 12)
        _HIDDEN_LINES = sorted(lines, key=len, reverse=True)
    return _HIDDEN_LINES


def clean_text(text: str) -> str:
    """Escape control characters, drop grader stack frames and any line of the grader's hidden source."""
    text = CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256
                       else f"\\u{ord(m.group()):04x}", text)
    text = GRADER_FRAME.sub("  [grader stack frame removed]", text)
    for line in hidden_lines():
        if line in text:
            text = text.replace(line, "[grader source removed]")
    return text


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n... [{len(text) - limit:,} characters cut] ...\n{text[-half:]}"


# -- isolation: what this machine allows ----------------------------------------

_LIBC = None


def libc():
    global _LIBC
    if _LIBC is None:
        _LIBC = ctypes.CDLL(None, use_errno=True)
        _LIBC.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]
        _LIBC.unshare.argtypes = [ctypes.c_int]
        _LIBC.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    return _LIBC


CLONE_NEWNS, CLONE_NEWIPC = 0x00020000, 0x08000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 1024, 2048, 1 << 21
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, PR_SET_CHILD_SUBREAPER = 1, 38, 36
# per-mount flags, as /proc/self/mountinfo spells them: kept when a mount is made read-only
MOUNT_FLAGS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC, "noatime": MS_NOATIME,
               "nodiratime": MS_NODIRATIME, "relatime": MS_RELATIME}


def prctl(option: int, value: int) -> None:
    if libc().prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))


def mount(source, target, fstype, flags: int, data=None) -> None:
    def b(value):
        return None if value is None else str(value).encode()
    if libc().mount(b(source), b(target), b(fstype), flags, b(data)) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"mount {target}: {os.strerror(code)}")


def kernel_at_least(major: int, minor: int) -> bool:
    found = re.match(r"(\d+)\.(\d+)", os.uname().release)
    return found is not None and (int(found[1]), int(found[2])) >= (major, minor)


def mount_points() -> list[tuple[str, str, set[str]]]:
    """(mount point, file system type, per-mount options) of every mount this process sees, parents first."""
    found = []
    with open("/proc/self/mountinfo") as info:
        for line in info:
            left, _, right = line.partition(" - ")
            fields = left.split()
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), fields[4])
            found.append((point, right.split()[0], set(fields[5].split(","))))
    return found


def shared_folders(depth: int = SHARED_FOLDER_DEPTH) -> list[str]:
    """World-writable folders of the system (/run/lock, /dev/mqueue, ...): where two children could meet.

    A shallow walk of the system's top-level folders (about 0.1 s, once per zygote); real
    paths, without the ones ``PRIVATE_TMP`` covers. Deeper ones are read-only in the child.
    """
    found, stack = set(), [(f"/{name}", 1) for name in sorted(SYSTEM_DIRS - {"proc", "sys", "tmp"})]
    while stack:
        folder, level = stack.pop()
        try:
            with os.scandir(folder) as entries:
                entries = list(entries)
        except OSError:
            continue
        for entry in entries:
            try:
                if not entry.is_dir(follow_symlinks=False):
                    continue
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError:
                continue
            if mode & stat.S_IWOTH:
                found.add(os.path.realpath(entry.path))
            if level < depth:
                stack.append((entry.path, level + 1))
    return sorted(p for p in found if not any(under(p, private) for private in PRIVATE_TMP))


# -- the memory cgroup: memory held in files (memfd, tmpfs, SysV shm) counts too -------------
#
# RLIMIT_AS counts address space only: a file in memory that nobody maps (memfd_create, a
# tmpfs file, a SysV segment) escapes it. A memory cgroup per child counts everything its
# processes add. It is made below the grader's own cgroup, so it only works where that one
# is writable (root, cgroup v1 or a v2 cgroup with the memory controller delegated).

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


NETWORK_NOTE = ("the network is not isolated ({why}): submissions can connect to services of this machine "
                "(TCP listeners on 127.0.0.1, abstract unix sockets) and beyond. Run the grader as root, with "
                "bubblewrap installed (apt-get install bubblewrap), for no network in the sandbox.")


def isolation_notes() -> list[str]:
    """What the sandbox cannot guarantee on this machine, for the instructor (empty when fully isolated)."""
    if os.geteuid() != 0:
        return [f"the grader runs as uid {os.geteuid()}, not root: submissions run as the same user and can "
                "read or write whatever that user can (the reference solutions, the grader, other "
                "submissions) and signal its processes. Files of grader/ and solutions/ are checked after "
                "every request, but run the grader as root for full isolation.",
                NETWORK_NOTE.format(why="not root")]
    z = zygote()
    notes = []
    if not z.info.get("namespaces"):
        notes.append(f"no private mount namespace ({z.info.get('why', 'unknown')}): submissions run as a private "
                     "user id but can read world-readable files (the reference solutions, the grader, other "
                     "submissions). Give the grader CAP_SYS_ADMIN (e.g. docker --cap-add SYS_ADMIN).")
    network = z.info.get("network") or {}
    if not network.get("zygote") and not network.get("child"):
        notes.append(NETWORK_NOTE.format(why=f"{z.bwrap_why or 'bwrap unused'}; {network.get('why') or 'unknown'}"))
    return notes


_WARNED = False


def warn_once() -> None:
    global _WARNED
    if not _WARNED:
        _WARNED = True
        for note in isolation_notes():
            print(f"grader: warning: {note}", file=sys.stderr)


# -- integrity of the grader's own files (checked when children share our uid) --

def tree_state(*folders: Path) -> dict[str, tuple]:
    state = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
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


# -- the zygote: a clean process that forks the children --------------------------
#
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
# --dev-bind / /: the zygote sees the machine's file system as it is (the children build their
# own view); --cap-add ALL: as root bwrap drops every capability unless told, and the zygote
# needs them to make the children's namespaces, cgroups and uids. Not --unshare-pid: the grader
# kills and waits for the pids the zygote reports. Not --die-with-parent: it would SIGKILL the
# zygote with the grading process, and the zygote must outlive it to kill what the children
# left and remove their cgroups and scratch folders (it ends when its socket closes).
BWRAP_OPTIONS = ("--unshare-net", "--unshare-uts", "--unshare-ipc", "--dev-bind", "/", "/", "--cap-add", "ALL")
_BWRAP: tuple[list[str], str] | None = None        # (command prefix or [], why not), tried once per process


def network_namespace() -> str:
    """This process's network namespace ("net:[4026531840]"), or "" where /proc does not say."""
    try:
        return os.readlink("/proc/self/ns/net")
    except OSError:
        return ""


def bwrap_prefix() -> tuple[list[str], str]:
    """``bwrap ... --`` to start the zygote with, or ``[]`` and why not.

    Only as root (where bwrap keeps the capabilities the zygote needs), not with
    ``GRADER_BWRAP=0``, and only if a quick self-test (this Python, started the same way,
    reports a network namespace other than ours) passes: a container without the rights
    bwrap needs falls back to the children's own namespaces.
    """
    global _BWRAP
    if os.geteuid() != 0:
        return [], "not root"
    if os.environ.get("GRADER_BWRAP", "") == "0":
        return [], "GRADER_BWRAP=0"
    if _BWRAP is None:
        tool = shutil.which("bwrap")
        if tool is None:
            _BWRAP = [], "bwrap not found (apt-get install bubblewrap)"
        else:
            prefix = [tool, *BWRAP_OPTIONS, "--"]
            try:
                test = subprocess.run(prefix + [sys.executable, "-I", "-S", "-c",
                                                "import os; print(os.readlink('/proc/self/ns/net'))"],
                                      stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30, cwd="/")
                inside, problem = test.stdout.strip(), test.stderr.strip()[-200:] or f"exit code {test.returncode}"
            except (OSError, subprocess.SubprocessError) as error:
                inside, problem = "", str(error)
            if inside.startswith("net:") and inside != network_namespace():
                _BWRAP = prefix, ""
            else:
                _BWRAP = [], f"bwrap does not work here ({problem})"
    return _BWRAP


class Zygote:
    """Parent side of the zygote (one per grading process)."""

    def __init__(self):
        self.owner = os.getpid()
        wrapper, self.bwrap_why = bwrap_prefix()
        try:
            self.start(wrapper)
        except RuntimeError as error:
            if not wrapper:
                raise
            try:
                self.proc.wait(timeout=5)       # it ended: it did not start in bwrap (still running: hung)
            except subprocess.TimeoutExpired:
                raise error from None
            # bwrap passed its self-test but the zygote exited in it: start it plainly (the
            # children still unshare a network namespace each), and not in bwrap again
            global _BWRAP
            _BWRAP = [], "the zygote did not start in bwrap"
            self.bwrap_why = _BWRAP[1]
            if self.sock is not None:
                self.sock.close()
            self.start([])

    def start(self, wrapper: list[str]) -> None:
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # sys.path goes over the socket, not on the command line: a child can read its own
        # /proc/self/cmdline (the zygote's), which must not name the grader's folders. So does our
        # network namespace: the zygote compares it with its own (is the network private?).
        paths = [os.path.abspath(p) if p else os.getcwd() for p in sys.path]
        boot = ("import sys, json, socket; s = socket.socket(fileno=int(sys.argv[1])); "
                "settings = json.loads(s.recv(1 << 20)); sys.path[:] = settings['path']; s.detach(); "
                "from grader.sandbox import zygote_main; zygote_main(int(sys.argv[1]), settings)")
        self.sock.send(json.dumps({"path": paths, "grader_network": network_namespace()}).encode())
        # bwrap keeps the descriptors it inherits: the socket (pass_fds) reaches the zygote
        self.proc = subprocess.Popen(wrapper + [sys.executable, "-I", "-c", boot, str(theirs.fileno())],
                                     pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, cwd="/", start_new_session=True)
        theirs.close()
        self.exits: dict[int, int] = {}
        self.replies: dict[int, dict] = {}
        self.counter = 0
        self.info = self.wait_for(0, deadline=time.monotonic() + 600)
        # bwrap forks: the zygote is its child, and its pid is the one that counts (a child's parent)
        self.pid = int(self.info.get("pid") or self.proc.pid)
        self.info["bwrap"] = bool(wrapper)

    def alive(self) -> bool:
        return self.owner == os.getpid() and self.proc.poll() is None and self.sock is not None

    def pump(self, timeout: float = 0.0) -> None:
        """Read what the zygote said: exit statuses and replies."""
        while self.sock is not None:
            if not select.select([self.sock], [], [], max(timeout, 0))[0]:
                return
            timeout = 0
            try:
                data = self.sock.recv(1 << 16)
            except OSError:
                data = b""
            if not data:
                self.sock.close()
                self.sock = None
                return
            message = json.loads(data)
            if "exited" in message:
                if len(self.exits) > 10_000:          # orphans nobody asks about
                    self.exits = {pid: status for pid, status in self.exits.items() if pid in _LIVE}
                self.exits[message["exited"]] = message["status"]
            else:
                self.replies[message.get("id", 0)] = message

    def wait_for(self, ident: int, deadline: float) -> dict:
        while ident not in self.replies:
            if self.sock is None or time.monotonic() > deadline:
                raise RuntimeError(f"the grader's zygote process did not answer (exit code {self.proc.poll()})")
            self.pump(min(0.5, deadline - time.monotonic()))
        return self.replies.pop(ident)

    def call(self, op: str, fds=(), timeout: float = 30.0, **args) -> dict:
        self.counter += 1
        payload = json.dumps({"op": op, "id": self.counter, **args}).encode()
        if fds:
            socket.send_fds(self.sock, [payload], list(fds))
        else:
            self.sock.send(payload)
        return self.wait_for(self.counter, time.monotonic() + timeout)

    def exit_status(self, pid: int, wait: float) -> int | None:
        end = time.monotonic() + wait
        while pid not in self.exits:
            if self.sock is None or time.monotonic() > end:
                return None
            self.pump(min(0.05, max(0.0, end - time.monotonic())))
        return self.exits.pop(pid)


_ZYGOTE: Zygote | None = None


def current_zygote() -> Zygote | None:
    """This process's zygote, if it has a live one (a forked grading process inherits its parent's: not ours)."""
    z = _ZYGOTE
    return z if z is not None and z.owner == os.getpid() and z.sock is not None else None


def zygote() -> Zygote:
    global _ZYGOTE, _INTEGRITY
    if _ZYGOTE is None or not _ZYGOTE.alive():
        if _ZYGOTE is not None and _ZYGOTE.owner == os.getpid() and _ZYGOTE.proc.poll() is None:
            _ZYGOTE.proc.kill()
        _ZYGOTE = Zygote()
        if _INTEGRITY is None and os.geteuid() != 0:
            _INTEGRITY = Integrity()
    return _ZYGOTE


_SHARED_FOLDERS: list[str] = []      # found by the zygote (as root); every child inherits the list


def zygote_main(fd: int, settings: dict | None = None) -> None:
    """The zygote: import what children need, then fork one on each request and report exits.

    It ends when the grading process is gone (its end of the socket closes: a normal exit, a
    crash or SIGKILL), and first kills every process of its sandboxes and removes their
    cgroups and scratch folders (``remove_sandboxes``): nothing of a sandbox outlives grading.
    ``settings`` come from the grading process: its ``sys.path`` and network namespace.
    """
    global _SHARED_FOLDERS
    try:
        prctl(PR_SET_CHILD_SUBREAPER, 1)       # orphans of the children come back here: none escapes
    except OSError:
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sock = socket.socket(fileno=fd)
    import importlib
    for name in ZYGOTE_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    probes.warm_up()
    grader_network = (settings or {}).get("grader_network") or ""
    own_network = network_namespace()
    # "zygote": this process (so every child) is off the grader's network (started in bwrap);
    # "child": each child gets a network namespace of its own (root, probed below)
    network = {"zygote": bool(grader_network and own_network and own_network != grader_network),
               "child": False, "why": "not root"}
    info = {"id": 0, "ready": True, "pid": os.getpid(), "namespaces": False, "why": "not root", "cgroup": None,
            "network": network}
    if os.geteuid() == 0:
        info["namespaces"], info["why"], network["child"], network["why"] = probe_namespaces()
        _SHARED_FOLDERS = shared_folders() if info["namespaces"] else []
        info["shared_folders"], info["cgroup"] = _SHARED_FOLDERS, memory_cgroup_base()
    sandboxes: dict[int, dict] = {}
    try:
        sock.send(json.dumps(info).encode())
        serve_forks(sock, sandboxes)
    except OSError:          # the grader is gone mid-reply
        pass
    finally:
        remove_sandboxes(sandboxes)
        os._exit(0)


def serve_forks(sock, sandboxes: dict[int, dict]) -> None:
    """Answer the grading process until it closes the socket; remember what each child will leave."""
    while True:
        reap(sock)
        if not select.select([sock], [], [], 0.05)[0]:
            continue
        data, fds, _flags, _addr = socket.recv_fds(sock, 1 << 16, 4)
        if not data:
            return
        request = json.loads(data)
        reply = {"id": request["id"]}
        if request["op"] == "fork":
            pid = os.fork()
            if pid == 0:
                try:
                    sock.detach()
                    child_main(request["config"], fds[0], fds[1])
                finally:
                    os._exit(70)
            reply["pid"] = pid
            sandboxes[pid] = {"scratch": request["config"]["scratch"], "cgroup": request["config"].get("cgroup")}
        elif request["op"] == "killall":
            reply["killed"] = killall_uid(request["uid"])
        for descriptor in fds:
            os.close(descriptor)
        sock.send(json.dumps(reply).encode())


def reap(sock=None) -> None:
    """Collect exited children (and orphans), telling the grading process when there is one."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if not pid:
            return
        if sock is not None:
            sock.send(json.dumps({"exited": pid, "status": status}).encode())


def remove_sandboxes(sandboxes: dict[int, dict]) -> None:
    """In the zygote, once the grader is gone: kill everything below it, remove cgroups and scratch folders.

    Every process a child started is below the zygote (a child subreaper inherits orphans), so
    killing its descendants kills them all, whatever their uid or session. When the grader
    closed every sandbox itself, there is nothing left to do.
    """
    end = time.monotonic() + 5.0
    while time.monotonic() < end:
        victims = descendants(os.getpid())
        if not victims:
            break
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        reap()
        time.sleep(0.02)
    for sandbox in sandboxes.values():
        remove_cgroup(sandbox.get("cgroup"))
        shutil.rmtree(sandbox["scratch"], ignore_errors=True)


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


def killall_uid(uid: int) -> bool:
    """Kill every process of ``uid`` at once: a throwaway child takes that uid and kills -1."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.kill(-1, signal.SIGKILL)       # every process this uid may signal; not itself
        except BaseException:
            pass
        os._exit(0)
    os.waitpid(pid, 0)
    return True


# -- the child ----------------------------------------------------------------------

def child_main(config: dict, requests: int, replies: int) -> None:
    """In the forked child: isolate, then serve requests. Never returns."""
    zygote_pid = os.getppid()
    os.setsid()
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    scratch, module = Path(config["scratch"]), config["module"]
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    out = os.open(config["output"], os.O_WRONLY | os.O_APPEND)
    os.dup2(out, 1)
    os.dup2(out, 2)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)    # printing past the cap fails instead of killing
    keep = {0, 1, 2, requests, replies}
    for fd in map(int, os.listdir("/proc/self/fd")):
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass
    set_limits(config)
    hello = {"hidden": False, "why": "not root", "notes": [], "cgroup": False}
    work = scratch
    uid = config["uid"]
    if uid is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (NPROC_LIMIT, NPROC_LIMIT))
        hello["cgroup"] = enter_memory_cgroup(config.get("cgroup"))
        source = (scratch / f"{module}.py").read_bytes()
        work, problems, hello["notes"] = private_filesystem(config, source)
        hello.update(hidden=not problems, why="; ".join(problems))
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    else:
        try:   # a fork bomb of our own user must not starve the machine
            count = sum(1 for p in os.listdir("/proc") if p.isdigit())
            resource.setrlimit(resource.RLIMIT_NPROC, (count + NPROC_LIMIT, count + NPROC_LIMIT))
        except (OSError, ValueError):
            pass
    die_with(zygote_pid)
    if not hello["cgroup"]:
        refuse_memfd()
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    os.chdir(work)
    os.environ.clear()
    os.environ.update({"HOME": str(work), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TMPDIR": "/tmp",
                       "GRADER_SANDBOX": config["marker"], "OMP_NUM_THREADS": "1", **config["env"]})
    sys.path[:] = [str(work)] + [p for p in sys.path if p and Path(p).resolve() != ROOT]
    sys.stdout = open(1, "w", encoding="utf-8", errors="replace", closefd=False, buffering=1)
    sys.stderr = sys.stdout
    sys.stdin = open(0, "r", closefd=False)
    sys.argv = [f"{module}.py"]
    send(replies, {"hello": hello})          # before any student code runs
    probes.serve(requests, replies, work / f"{module}.py", module,
                 protected_pids=(os.getppid(), int(config["grader_pid"])), replay=bool(config.get("replay")))


def set_limits(config: dict) -> None:
    if config["memory_mb"]:    # 0: no address-space cap (CUDA maps far more address space than it uses)
        memory = address_space_bytes() + int(config["memory_mb"]) * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(float(config["timeout"]) * 2 + 10)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (OUTPUT_LIMIT_BYTES, OUTPUT_LIMIT_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))


def enter_memory_cgroup(cgroup: dict | None) -> bool:
    """Join the child's memory cgroup (as root); False where there is none or it fails."""
    if not cgroup:
        return False
    try:
        join_memory_cgroup(cgroup)
        return True
    except OSError:
        return False


def die_with(zygote_pid: int) -> None:
    """SIGKILL when the zygote dies (it kills the rest: see ``remove_sandboxes``); if it is dead already, exit.

    Set after the uid switch, which would clear it."""
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != zygote_pid:
        os._exit(1)


def refuse_memfd() -> None:
    """Without a memory cgroup, memory in a memfd escapes the cap: ``os.memfd_create`` is refused here.

    Done before the guard's snapshot, so putting a function back is tampering; ``ctypes`` is
    refused by the audit hook. A program the submission starts is not covered (see README)."""
    import posix

    def memfd_create(*args, **kwargs):
        raise Blocked("os.memfd_create is not allowed in a submission (its memory would escape the memory cap)")
    os.memfd_create = posix.memfd_create = memfd_create


def private_filesystem(config: dict, source: bytes) -> tuple[Path, list[str], list[str]]:
    """As root: private mount and IPC namespaces hiding the grader's world.

    Returns the scratch directory to work in, what could not be hidden (empty when
    everything is) and notes on what is weaker than usual (no private /proc, ...).
    """
    try:
        work, notes = private_mounts(config, source)
        return work, [], notes
    except OSError as error:
        problems = [str(error)]
    work = Path("/tmp") / Path(config["scratch"]).name
    if not (Path(config["scratch"]) / f"{config['module']}.py").is_file():   # /tmp was replaced already
        try:
            work.mkdir(mode=0o700, exist_ok=True)
            (work / f"{config['module']}.py").write_bytes(source)
            for path in (work, work / f"{config['module']}.py"):
                os.chown(path, config["uid"], config["uid"])
            return work, problems, []
        except OSError as error:
            problems.append(str(error))
    return Path(config["scratch"]), problems, []


def private_mounts(config: dict, source: bytes) -> tuple[Path, list[str]]:
    """The child's view of the machine; raises OSError where it cannot hide the grader's world.

    In order: new namespaces; the Python installation opened (to bind it back later); small
    private tmpfs on every place anyone may write; empty folders over what is hidden; the
    Python installation bound back, read-only; a /proc showing only the child's own
    processes; every other mount read-only (a world-writable folder the search missed
    included); the scratch folder with the module in the private /tmp.
    """
    notes = enter_namespaces()
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    exposed = []          # opened in the new namespace (a bind mount's source must be in it), before hiding
    for path in config["expose"]:
        try:
            exposed.append((path, os.open(path, os.O_PATH | os.O_CLOEXEC), os.path.isdir(path)))
        except OSError:
            continue
    private = private_writable_places()
    hidden = hide(config["hide"])
    bound = bind_back(exposed, private, hidden)
    for path, fd, _ in exposed:
        os.close(fd)
    for path in hidden:
        if os.path.isdir(path):
            mount(None, path, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
    notes += private_proc()
    read_only_elsewhere(keep=set(private) | set(hidden) | set(bound))
    work = Path("/tmp") / Path(config["scratch"]).name
    work.mkdir(mode=0o700, exist_ok=True)
    (work / f"{config['module']}.py").write_bytes(source)
    for path in (work, work / f"{config['module']}.py"):
        os.chown(path, config["uid"], config["uid"])
    return work, notes


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


def private_writable_places() -> list[str]:
    """A small private tmpfs on /tmp, /var/tmp, /dev/shm and every other world-writable folder."""
    private = []
    places = list(PRIVATE_TMP.items()) + [(folder, SHARED_FOLDER_TMPFS) for folder in _SHARED_FOLDERS]
    for path, options in places:
        if os.path.isdir(path) and not os.path.islink(path) and not any(under(path, p) for p in private):
            mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, options)
            private.append(path)
    return private


def hide(paths: list[str]) -> list[str]:
    """An empty tmpfs over each folder (``/dev/null`` over each file) of ``paths``; returns what was hidden."""
    hidden: list[str] = []
    for path in sorted(set(paths), key=len):
        if any(under(path, h) for h in hidden):
            continue
        if os.path.isdir(path) and not os.path.islink(path):
            mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=1m,mode=755")
            hidden.append(path)
        elif os.path.isfile(path) and not os.path.islink(path):
            mount("/dev/null", path, None, MS_BIND)
            hidden.append(path)
    return hidden


def bind_back(exposed: list[tuple[str, int, bool]], private: list[str], hidden: list[str]) -> list[str]:
    """Bind the exposed paths that a new mount covered back, read-only; returns them."""
    done: list[str] = []
    covering = [h for h in private + hidden if os.path.isdir(h)]
    for path, fd, is_dir in sorted(exposed, key=lambda e: len(e[0])):
        if not any(under(path, h) for h in covering) or any(under(path, d) for d in done):
            continue
        if any(under(h, path) for h in hidden):
            continue          # binding it back would show what is hidden below it
        if is_dir:
            os.makedirs(path, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, "a").close()
        mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
        mount(None, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
        done.append(path)
    return done


def private_proc() -> list[str]:
    """A /proc of the child's own, showing only its user's processes (hidepid=2): not the
    grader's, not another sandbox's, nor their command lines.

    Before Linux 5.8 all proc mounts of a PID namespace share their options: hidepid there
    would change the grader's /proc too, so it is left alone (and said)."""
    if not kernel_at_least(5, 8):
        return ["other users' processes are visible in /proc (Linux older than 5.8)"]
    try:
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2")
    except OSError as error:
        return [f"other users' processes are visible in /proc ({error.strerror})"]
    return []


def read_only_elsewhere(keep: set[str]) -> None:
    """Make every other mount read-only (``/`` first): no file anywhere else can be written, even by a
    uid that owns it or in a world-writable folder ``shared_folders`` did not find. /proc stays."""
    for point, _fstype, options in mount_points():
        if point in keep or under(point, "/proc"):
            continue
        flags = MS_BIND | MS_REMOUNT | MS_RDONLY
        for name, flag in MOUNT_FLAGS.items():
            if name in options:
                flags |= flag
        try:
            mount(None, point, None, flags)
        except OSError:
            if point == "/":
                raise
            # covered by a newer mount, or gone: nothing to write there


def data_folders() -> list[str]:
    """Where Fashion-MNIST may be on this machine (``grader/data.py``'s places), real paths included."""
    from .data import SYSTEM_DIR, DataNotFoundError, locate
    places = [str(SYSTEM_DIR), os.environ.get("FASHION_MNIST_DIR", "")]
    try:
        places.append(str(locate(download=False)[0]))
    except (DataNotFoundError, OSError):
        pass
    return sorted({q for p in places if p for q in (os.path.abspath(p), os.path.realpath(p))})


def data_dir_may_be_shown(directory: str) -> bool:
    """Not the repository or a folder above it, nor inside the kit's code, solutions or tests."""
    roots = (str(ROOT), str(ROOT.resolve()))
    private = [os.path.join(r, name) for r in roots for name in ("grader", "solutions", "tests", ".git")]
    return not any(under(r, directory) for r in roots) and not any(under(directory, f) for f in private)


def under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def address_space_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


# -- what the submission may not do to the grader inside its own process -----------------

def guard_snapshot() -> tuple:
    """Identity of the callables the probes rely on, taken before any student code runs.

    Checked before and after every request with ``guard_check``: a submission
    that swaps a function or class of the grader (or a function's
    ``__code__``), of torch, ``math``, ``json``, ``os``, or a builtin, in its
    own process, is refused. Only identities are compared, with operators, so
    patching a builtin cannot fool the check itself.
    """
    import builtins
    import math

    import torch
    from torch import nn
    from torch.nn import functional
    namespaces, classes = [], [torch.Tensor, torch._C.TensorBase, nn.Module]
    for name, module in list(sys.modules.items()):
        if module is not None and (name == "grader" or name.startswith("grader.")):
            namespaces.append((name, vars(module)))
            for key, value in list(vars(module).items()):
                if isinstance(value, type) and getattr(value, "__module__", "") == name:
                    namespaces.append((f"{name}.{key}", vars(value)))
                    classes.append(value)
    namespaces += [("builtins", vars(builtins)), ("math", vars(math)), ("json", vars(json)), ("os", vars(os)),
                   ("struct", vars(struct)), ("select", vars(select)), ("torch", vars(torch)),
                   ("torch.nn.functional", vars(functional)), ("torch.Tensor", vars(torch.Tensor)),
                   ("torch._C.TensorBase", vars(torch._C.TensorBase)), ("torch.nn.Module", vars(nn.Module)),
                   ("torch.testing", vars(torch.testing)), ("torch.overrides", vars(torch.overrides))]
    entries = []
    for label, namespace in namespaces:
        for key, value in list(namespace.items()):
            try:
                if not callable(value) and not isinstance(value, (staticmethod, classmethod, property)):
                    continue
                code = getattr(value, "__code__", None)
                if code is not None and not isinstance(code, type(guard_check.__code__)):
                    code = None
            except Exception:
                continue
            entries.append((namespace, key, value, code, f"{label}.{key}"))
    for cls in classes:     # a new attribute shadowing an inherited one (Tensor.__eq__) shows in the count
        entries.append((vars(cls), None, len(vars(cls)), None, f"{cls.__module__}.{cls.__qualname__}"))
    modules = sys.modules
    for key in list(modules):
        if key == "grader" or key.startswith("grader.") or key in ("torch", "torch.nn", "builtins", "math", "json"):
            entries.append((modules, key, modules[key], None, f"sys.modules.{key}"))
    return tuple(entries)


def guard_check(snapshot: tuple):
    """The first watched name that no longer holds the same object (or code), or None."""
    for namespace, key, value, code, label in snapshot:
        if key is None:
            if namespace.__len__() != value:
                return label
            continue
        if key not in namespace:
            return label
        current = namespace[key]
        if current is not value:
            return label
        if code is not None and current.__code__ is not code:
            return label
    return None


BLOCKED_EVENTS = ("gc.get_objects", "gc.get_referrers", "gc.get_referents", "sys.setprofile", "sys.settrace",
                  "sys._current_frames", "function.__new__")


class Blocked(RuntimeError):
    """An operation the grader does not allow in a submission."""


def install_audit_hook(protected_pids: tuple) -> None:
    """Refuse, from now on in this process, what no honest submission needs.

    ``ctypes`` (loading libraries, raw memory: the audited calls, and the
    module's own ``memmove``/``memset``/``string_at``/``cast``, which CPython
    does not audit), ``gc`` object walks, swapping a function's code, tracing
    hooks, opening a process's memory (``/proc/<pid>/mem``) and signalling the
    grader's processes. An audit hook cannot be removed; it is written with
    operators, ``str`` methods and functions captured here, so patched builtins
    or ``os`` functions cannot fool it. Reading the rest of ``/proc``
    (``/proc/meminfo``, ``/proc/cpuinfo``, ``/proc/self/status``: what psutil
    or torch read) is allowed.
    """
    import posix
    stat_of, fspath = posix.stat, posix.fspath
    not_a_path = (OSError, ValueError, TypeError, UnicodeError)
    try:
        proc_device = stat_of("/proc").st_dev
    except OSError:
        proc_device = None

    def process_memory(path) -> bool:
        """``/proc/<pid>/mem`` (or a task's), by name or through any other path to it (a link, a
        relative one): of the files in /proc it is the only regular one of mode 0600."""
        if path.__class__ is int:          # a descriptor: its opening was checked
            return False
        try:
            path = fspath(path)
            if path.__class__ is bytes:
                path = path.decode("utf-8", "surrogateescape")
        except not_a_path:
            return False
        if path.__class__ is not str:
            return False
        # by name, for a path relative to a descriptor of /proc/<pid> (os.open(..., dir_fd=)),
        # which stat below cannot see
        if path.rstrip("/").rpartition("/")[2] == "mem" and (path.startswith("/proc/") or not path.startswith("/")):
            return True
        try:
            found = stat_of(path)
        except not_a_path:
            return False                   # not there: opening it creates a file, not /proc's
        return found.st_dev == proc_device and found.st_mode & 0o170777 == 0o100600

    def hook(event, args):
        if event.startswith("ctypes.") or event in BLOCKED_EVENTS:
            raise Blocked(f"{event} is not allowed in a submission")
        if event == "object.__setattr__" or event == "object.__delattr__":
            if args[1] == "__code__":     # audited for functions (not for classes); torch sets defaults itself
                raise Blocked("changing __code__ of a function is not allowed in a submission")
        elif event == "open":
            if process_memory(args[0]):
                raise Blocked("opening process memory is not allowed in a submission")
        elif event == "os.kill" or event == "os.killpg":
            target = args[0]
            if target.__class__ is int and (target == -1 or target in protected_pids):
                raise Blocked(f"signalling the grader's process {target} is not allowed in a submission")
    sys.addaudithook(hook)
    import ctypes

    def blocked(*args, **kwargs):
        raise Blocked("raw memory access through ctypes is not allowed in a submission")
    for name in ("memmove", "memset", "string_at", "wstring_at", "cast"):
        setattr(ctypes, name, blocked)


# -- the parent side --------------------------------------------------------------

_LIVE: dict[int, "Sandbox"] = {}


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


def proc_status(pid: str) -> dict[str, str]:
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def processes_of_uid(uid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                uids = proc_status(entry)["Uid"].split()
            except (OSError, KeyError):
                continue
            if str(uid) in uids:
                found.append(int(entry))
    return found


def process_table() -> dict[int, tuple[int, int]]:
    """pid -> (ppid, session) of every process."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
                table[int(entry)] = (int(fields[1]), int(fields[3]))
            except (OSError, IndexError, ValueError):
                continue
    return table


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``, by parent pid."""
    children: dict[int, list[int]] = {}
    for child, (ppid, _) in process_table().items():
        children.setdefault(ppid, []).append(child)
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


class Sandbox:
    """One module of one submission, running in its own child process."""

    def __init__(self, submission: Path, module: str, limits: Limits, slot: int = 0, data_dir=None,
                 replay: bool = False):
        self.submission, self.module, self.limits, self.slot = Path(submission), module, limits, slot
        # A replay child measures the networks that graphs describe and holds no student code
        # (probes.ReplayProbes). Fashion-MNIST, as the grading process found it, is shown (even inside
        # the repository) and named by FASHION_MNIST_DIR only to a child given ``data_dir``: a replay
        # that trains, or the BatchNorm from scratch, which trains in the student's process.
        self.replay = replay
        self.data_dir = Path(data_dir).resolve() if data_dir is not None else None
        self.pid: int | None = None
        self.uid: int | None = None
        self.uid_lock: int | None = None
        self.deadline = None
        self.dead: SandboxError | None = None
        self.greeted = False
        self.hello: dict = {}
        self.cgroup: dict | None = None
        self.scratch = Path(tempfile.mkdtemp(prefix=f"grader-{module}-"))
        self.output_path = self.scratch / "output.txt"
        self.owner = os.getpid()
        _OPEN[id(self)] = self        # closed at exit if nobody did (the reference's sandboxes)

    # -- parent side ------------------------------------------------------

    def start(self, source: bytes) -> None:
        """Ask the zygote for a child; it waits for requests."""
        z = zygote()
        warn_once()
        (self.scratch / f"{self.module}.py").write_bytes(source)
        self.output_path.touch()
        if os.geteuid() == 0:
            self.uid, self.uid_lock = reserve_uid((os.getpid() * 8 + self.slot) % SANDBOX_UID_COUNT)
            for path in (self.scratch, self.scratch / f"{self.module}.py", self.output_path):
                os.chown(path, self.uid, self.uid)
            os.chmod(self.scratch, 0o700)
        request_r, request_w = os.pipe()
        reply_r, reply_w = os.pipe()
        config = {"module": self.module, "scratch": str(self.scratch), "output": str(self.output_path),
                  "uid": self.uid, "timeout": self.limits.timeout, "memory_mb": self.limits.memory_mb,
                  "marker": str(self.scratch), "grader_pid": os.getpid(), "hide": self.hidden_paths(),
                  "expose": self.exposed_paths(), "cgroup": self.memory_cgroup(z),
                  "replay": self.replay,
                  "env": ({"FASHION_MNIST_DIR": str(self.data_dir)} if self.data_dir is not None else {})}
        try:
            self.pid = z.call("fork", fds=(request_r, reply_w), config=config)["pid"]
        finally:
            os.close(request_r)
            os.close(reply_w)
        _LIVE[self.pid] = self
        self.session = self.pid
        self.requests, self.replies = request_w, reply_r

    def memory_cgroup(self, z: "Zygote") -> dict | None:
        """The child's memory cgroup (made by the child, removed in ``stop``): as root, with a memory cap."""
        base = z.info.get("cgroup")
        if self.uid is None or not base or not self.limits.memory_mb:
            return None
        self.cgroup = {"path": os.path.join(base["path"], f"grader-{self.scratch.name}"), "kind": base["kind"],
                       "bytes": (self.limits.memory_mb + CGROUP_ALLOWANCE_MB) << 20}
        return self.cgroup

    def hidden_paths(self) -> list[str]:
        paths = [str(ROOT), str(ROOT.resolve()), str(ROOT.resolve().parent), *outside_the_system()]
        for folder in (self.submission, self.submission.resolve()):
            paths += [str(folder), class_root(folder)]
        paths += [p for p in os.environ.get("GRADER_HIDE", "").split(os.pathsep) if p]
        if self.data_dir is None:   # student code never sees the data the grader trains and tests on
            paths += [p for p in data_folders() if os.path.isdir(p)]
        return sorted({os.path.abspath(p) for p in paths} - NEVER_HIDDEN)

    def exposed_paths(self) -> list[str]:
        paths = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix}
        prefixes = {os.path.realpath(p) for p in paths}
        # Only the Python installation's part of sys.path: a driver script's own folder
        # (sys.path[0], e.g. /tmp) is not needed in the child and must stay hidden or private.
        paths |= {p for p in sys.path if p and os.path.isdir(p) and (
            "site-packages" in Path(p).parts or "dist-packages" in Path(p).parts
            or any(under(os.path.realpath(p), pre) for pre in prefixes))}
        paths |= {str(GRADER_DIR / name) for name in EXPOSED_GRADER_FILES if (GRADER_DIR / name).is_file()}
        roots = {str(ROOT), str(ROOT.resolve())}
        result = set()
        for p in paths:
            for q in (os.path.abspath(p), os.path.realpath(p)):
                if any(under(r, q) for r in roots):
                    continue       # never the repository nor a folder above it
                if any(under(q, r) for r in roots) and not (
                        q.startswith(str(GRADER_DIR) + "/") and Path(q).name in EXPOSED_GRADER_FILES
                        or any(under(q, pre) and not any(under(r, pre) for r in roots) for pre in prefixes)
                        or "site-packages" in Path(q).parts or "dist-packages" in Path(q).parts):
                    continue       # inside the repository: only the Python installation and listed files
                result.add(q)
        if self.data_dir is not None and data_dir_may_be_shown(str(self.data_dir)):
            result.add(str(self.data_dir))
        return sorted(result)

    def refuse(self, status, english, chinese) -> SandboxError:
        self.dead = SandboxError(status, english, chinese)
        self.stop()
        return self.dead

    def wait_readable(self) -> None:
        """Until a reply starts, the child dies (even if a process it left keeps the pipe open) or time runs out."""
        while True:
            z = current_zygote()      # without one (it was killed), the pipe alone tells
            wait = self.deadline - time.monotonic() if self.deadline is not None else 0.5
            if self.deadline is not None and wait <= 0:
                raise TimeoutError
            watch = [self.replies] + ([z.sock] if z is not None else [])
            ready = select.select(watch, [], [], min(max(wait, 0), 0.5))[0]
            if self.replies in ready:
                return
            if z is not None and z.sock in ready:
                z.pump()
            if z is not None and self.pid in z.exits:
                if select.select([self.replies], [], [], 0.2)[0]:
                    return
                raise EOFError

    def receive_reply(self):
        self.wait_readable()
        return receive(self.replies, self.deadline if self.deadline is not None else time.monotonic() + 600)

    def request(self, op: str, activity: str, **args):
        """Ask the child for an observation; ``activity`` names what it does, for messages."""
        if self.dead is not None:
            raise self.dead
        if self.deadline is None:
            self.deadline = time.monotonic() + self.limits.timeout
        name = f"{self.module}.py"
        try:
            send(self.requests, {"op": op, "args": args})
            if not self.greeted:
                hello = self.receive_reply()
                if not isinstance(hello, dict) or "hello" not in hello:
                    raise ValueError("no greeting")
                self.greeted, self.hello = True, hello["hello"]
            reply = self.receive_reply()
        except TimeoutError:
            self.dead = SandboxError(
                "timeout", f"timed out after {self.limits.timeout:g} s while {activity}",
                f"超时：{activity} 时超过 {self.limits.timeout:g} 秒")
        except (EOFError, BrokenPipeError, OSError):
            self.dead = self._death(activity)
        except ReplyTooLarge as error:
            self.dead = SandboxError(
                "tampered", f"refused: {name} sent a reply too large while {activity} ({error})",
                f"拒绝评分：{name} 在{activity}时发送了过大的回复")
        except (ValueError, struct.error, UnicodeDecodeError, RecursionError):
            self.dead = SandboxError(
                "tampered", f"refused: {name} wrote to the grader's private channel while {activity}",
                f"拒绝评分：{name} 在{activity}时篡改了评分通道")
        if self.dead is not None:
            self.stop()
            raise self.dead
        changed = _INTEGRITY.changed() if _INTEGRITY is not None else []
        if changed:
            print(f"grader: warning: files of the grader changed while {name} ran ({', '.join(changed[:10])}); "
                  "restore them before grading further", file=sys.stderr)
            raise self.refuse("tampered", f"refused: the grader's files changed while {activity} "
                              f"({', '.join(changed[:5])}); {name} is not graded",
                              f"拒绝评分：{activity} 时评分程序的文件被修改（{', '.join(changed[:5])}）")
        if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool):
            raise self.refuse("tampered", f"refused: malformed reply from {name} while {activity}",
                              f"拒绝评分：{activity} 时评分通道收到异常数据")
        if "tampered" in reply:
            what = clean_text(str(reply["tampered"]))[:200]
            raise self.refuse("tampered", f"refused: {name} replaced {what} (code the grader relies on) "
                              f"while {activity}",
                              f"拒绝评分：{name} 在{activity}时替换了评分程序依赖的代码（{what}）")
        if reply["ok"]:
            return reply.get("result")
        error = reply.get("error")
        if not isinstance(error, dict):
            raise self.refuse("tampered", f"refused: malformed reply from {name} while {activity}",
                              f"拒绝评分：{activity} 时评分通道收到异常数据")
        raise StudentError(clean_text(str(error.get("kind")))[:100], clean_text(str(error.get("text"))[:2000]),
                           clean_text(str(error.get("where"))[:500]))

    def _death(self, activity: str) -> SandboxError:
        status = self._reap(wait=2.0)
        if cgroup_oom_kills(self.cgroup):
            return SandboxError("killed", f"ran out of memory while {activity} (limit {self.limits.memory_mb} MB, "
                                "memory held in files included)",
                                f"{activity} 时内存超出限制（{self.limits.memory_mb} MB，含文件占用的内存）")
        if status is None:
            if current_zygote() is None:
                return SandboxError("crashed", f"the grader's helper process was killed while {activity}",
                                    f"{activity} 时评分程序的辅助进程被杀死")
            return SandboxError("crashed", f"the child process stopped answering while {activity}",
                                f"子进程在 {activity} 时停止响应")
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            name = signal.Signals(number).name if number in signal.Signals._value2member_map_ else str(number)
            if number == signal.SIGKILL:
                return SandboxError("killed", f"killed ({name}) while {activity}: out of memory or "
                                    f"CPU time (limit {self.limits.memory_mb} MB)",
                                    f"{activity} 时进程被杀死（{name}）：内存或 CPU 时间超限")
            return SandboxError("crashed", f"crashed with signal {name} while {activity}",
                                f"{activity} 时进程因信号 {name} 崩溃")
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else status
        return SandboxError("exited", f"the process exited (exit code {code}) while {activity}",
                            f"{activity} 时进程退出（退出码 {code}）")

    def _reap(self, wait: float):
        if self.pid is None:
            return None
        z = current_zygote()
        status = z.exit_status(self.pid, wait) if z is not None else None
        if status is not None:
            _LIVE.pop(self.pid, None)
            self.pid = None
        return status

    def stop(self) -> None:
        """Kill the child and everything it started; never waits long."""
        if self.pid is not None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                os.kill(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self._reap(wait=2.0)
            _LIVE.pop(self.pid, None)
            self.pid = None
        if getattr(self, "session", None) is not None:
            _LIVE.pop(self.session, None)
            self.kill_leftovers(self.session)
            self.session = None
        if self.cgroup is not None:
            remove_cgroup(self.cgroup)
            self.cgroup = None
        if self.uid_lock is not None:
            os.close(self.uid_lock)
            self.uid_lock = None
        for fd in ("requests", "replies"):
            if hasattr(self, fd):
                try:
                    os.close(getattr(self, fd))
                except OSError:
                    pass
                delattr(self, fd)

    def kill_leftovers(self, session: int | None) -> None:
        """As root every process of the sandbox's uid; otherwise its session and the zygote's orphans."""
        end = time.monotonic() + 3.0
        z = current_zygote()
        while time.monotonic() < end:
            if self.uid is not None:
                found = processes_of_uid(self.uid)
                if found and z is not None:
                    try:
                        z.call("killall", uid=self.uid, timeout=5)
                    except (OSError, RuntimeError):
                        pass
                for pid in found:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
            else:
                found = self.same_user_leftovers(session, z)
                for pid in found:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
            if not found:
                return
            if z is not None:
                z.pump(0.02)
            else:
                time.sleep(0.02)

    def same_user_leftovers(self, session: int | None, z: Zygote | None) -> list[int]:
        table = process_table()
        live = {pid for pid in _LIVE if pid != session}
        roots = set()
        for pid, (ppid, sid) in table.items():
            if pid == os.getpid() or (z is not None and pid == z.pid) or pid in live:
                continue
            if session is not None and sid == session:
                roots.add(pid)
            elif z is not None and ppid == z.pid and sid not in live:
                roots.add(pid)     # an orphan the zygote inherited, of no live sandbox
            else:
                try:
                    with open(f"/proc/{pid}/environ", "rb") as env:
                        if f"GRADER_SANDBOX={self.scratch}".encode() in env.read().split(b"\0"):
                            roots.add(pid)
                except OSError:
                    pass
        children: dict[int, list[int]] = {}
        for pid, (ppid, _) in table.items():
            children.setdefault(ppid, []).append(pid)
        found, stack = set(), list(roots)
        while stack:
            pid = stack.pop()
            if pid in found or pid == os.getpid():
                continue
            found.add(pid)
            stack += children.get(pid, [])
        return sorted(found)

    def output(self) -> str:
        """What the submission printed, truncated (head and tail), made safe to show."""
        try:
            with open(self.output_path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                if size > 4 * SHOWN_OUTPUT_CHARS:
                    head = f.read(2 * SHOWN_OUTPUT_CHARS)
                    f.seek(max(0, size - 2 * SHOWN_OUTPUT_CHARS))
                    tail = f.read(2 * SHOWN_OUTPUT_CHARS)
                    text = (head.decode("utf-8", errors="replace")[:SHOWN_OUTPUT_CHARS // 2]
                            + f"\n... [about {size - SHOWN_OUTPUT_CHARS:,} bytes cut] ...\n"
                            + tail.decode("utf-8", errors="replace")[-(SHOWN_OUTPUT_CHARS // 2):])
                    return clean_text(text)
                data = f.read()
        except OSError:
            return ""
        return clean_text(shorten(data.decode("utf-8", errors="replace"), SHOWN_OUTPUT_CHARS))

    def close(self) -> str:
        if self.pid is not None and self.dead is None:
            try:
                send(self.requests, {"op": "exit", "args": {}})
            except OSError:
                pass
            self._reap(wait=0.5)
        self.stop()
        printed = self.output()
        shutil.rmtree(self.scratch, ignore_errors=True)
        _OPEN.pop(id(self), None)
        return printed


_OPEN: dict[int, Sandbox] = {}         # every sandbox not closed yet, with its scratch folder


@atexit.register
def close_all() -> None:
    """At exit, close what the grading process left open (its reference sandboxes): no scratch folder stays."""
    for box in list(_OPEN.values()):
        if box.owner == os.getpid():
            try:
                box.close()
            except Exception:
                shutil.rmtree(box.scratch, ignore_errors=True)


def describe_student_exception(error: BaseException, source: Path) -> dict:
    """Type, message and the student's line, with no grader frames."""
    try:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == str(source)]
        where = f"{source.name} line {frames[-1].lineno}: {(frames[-1].line or '').strip()}" if frames else ""
    except BaseException:
        where = ""
    try:
        kind = str(type(error).__name__)[:100]
    except BaseException:
        kind = "Exception"
    try:
        text = str(error)[:2000]
    except BaseException:
        text = "(its message could not be shown)"
    return {"kind": kind, "text": text, "where": where[:500]}
