"""Run one module of a submission in a child process the grader controls.

The grading process never imports student code. For each network it forks a
child (cheap: torch is already imported) that

- starts a new session, so that it and everything it spawns can be killed;
- gets resource limits: address space (the memory cap), CPU time, file size,
  open files, no core dumps, and when the grader runs as root a process
  count and an unprivileged user id of its own;
- runs in a private scratch directory holding a copy of the one module file,
  with stdin closed and stdout/stderr going to a capped file;
- then answers the grader's requests ("import the module", "trace this
  call", ...) over a pipe, each with a wall-clock deadline.

The child only reports observations (shapes, traces, numbers). Verdicts are
computed in the grader's process, which the submission cannot reach.
"""
from __future__ import annotations

import json
import os
import resource
import select
import shutil
import signal
import struct
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from . import probes

ROOT = Path(__file__).resolve().parent.parent
SANDBOX_UID_BASE = 61000
MAX_SOURCE_BYTES = 1_000_000
MAX_REPLY_BYTES = 32_000_000
OUTPUT_LIMIT_BYTES = 8_000_000      # what the submission may print before writes fail
SHOWN_OUTPUT_CHARS = 1500


class SandboxError(Exception):
    """The child could not answer: ``status`` says why (timeout, crashed, memory, refused, ...)."""

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
    timeout: float = 60.0          # wall-clock seconds for all requests of one module together
    memory_mb: int = 3072          # address space the child may add to what it inherits


def send(fd: int, payload) -> None:
    data = json.dumps(payload).encode()
    os.write(fd, struct.pack(">I", len(data)))
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def read_exactly(fd: int, count: int, deadline: float | None) -> bytes:
    chunks, remaining = [], count
    while remaining:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def receive(fd: int, deadline: float | None = None):
    (length,) = struct.unpack(">I", read_exactly(fd, 4, deadline))
    if length > MAX_REPLY_BYTES:
        raise ValueError(f"reply of {length} bytes")
    return json.loads(read_exactly(fd, length, deadline))


def validate_source(path: Path, root: Path) -> bytes:
    """Read a submitted module, refusing links that leave the submission and absurd sizes."""
    resolved_root = root.resolve()
    if path.is_symlink():
        target = path.resolve()
        if resolved_root not in target.parents:
            raise SandboxError("refused", f"refused: {path.name} is a symbolic link outside the submission",
                               f"拒绝评分：{path.name} 是指向提交目录之外的符号链接")
    if not path.is_file():
        raise SandboxError("missing", f"{path.name} is missing from the submission",
                           f"提交中缺少 {path.name}")
    size = path.stat().st_size
    if size > MAX_SOURCE_BYTES:
        raise SandboxError("refused", f"refused: {path.name} is {size:,} bytes (limit {MAX_SOURCE_BYTES:,})",
                           f"拒绝评分：{path.name} 过大（{size:,} 字节）")
    return path.read_bytes()


class Sandbox:
    """One module of one submission, running in its own child process."""

    def __init__(self, submission: Path, module: str, limits: Limits, slot: int = 0):
        self.submission, self.module, self.limits = Path(submission), module, limits
        self.pid: int | None = None
        self.uid = SANDBOX_UID_BASE + (os.getpid() * 8 + slot) % 4000 if os.geteuid() == 0 else None
        self.deadline = None
        self.dead: SandboxError | None = None
        self.scratch = Path(tempfile.mkdtemp(prefix=f"grader-{module}-"))
        self.output_path = self.scratch / "output.txt"

    # -- parent side ------------------------------------------------------

    def start(self, source: bytes) -> None:
        """Fork the child; it waits for requests. Call before any thread is started."""
        (self.scratch / f"{self.module}.py").write_bytes(source)
        self.output_path.touch()
        if self.uid is not None:
            for path in (self.scratch, self.scratch / f"{self.module}.py", self.output_path):
                os.chown(path, self.uid, self.uid)
            os.chmod(self.scratch, 0o700)
        request_r, request_w = os.pipe()
        reply_r, reply_w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:   # child: never returns
            try:
                os.close(request_w)
                os.close(reply_r)
                self._child(request_r, reply_w)
            finally:
                os._exit(70)
        os.close(request_r)
        os.close(reply_w)
        self.pid, self.requests, self.replies = pid, request_w, reply_r

    def request(self, op: str, activity: str, **args):
        """Ask the child for an observation; ``activity`` names what it does, for messages."""
        if self.dead is not None:
            raise self.dead
        if self.deadline is None:
            self.deadline = time.monotonic() + self.limits.timeout
        try:
            send(self.requests, {"op": op, "args": args})
            reply = receive(self.replies, self.deadline)
        except TimeoutError:
            self.dead = SandboxError(
                "timeout", f"timed out after {self.limits.timeout:g} s while {activity}",
                f"超时：{activity} 时超过 {self.limits.timeout:g} 秒")
        except (EOFError, BrokenPipeError, OSError):
            self.dead = self._death(activity)
        except (ValueError, struct.error, UnicodeDecodeError):
            self.dead = SandboxError(
                "tampered", f"the submission wrote to the grader's channel while {activity}",
                f"提交的代码篡改了评分通道（{activity} 时）")
        if self.dead is not None:
            self.stop()
            raise self.dead
        if not isinstance(reply, dict) or "ok" not in reply:
            self.dead = SandboxError("tampered", f"malformed reply while {activity}",
                                     f"评分通道收到异常数据（{activity} 时）")
            self.stop()
            raise self.dead
        if reply["ok"]:
            return reply["result"]
        error = reply["error"]
        raise StudentError(str(error.get("kind")), str(error.get("text"))[:2000], str(error.get("where"))[:500])

    def _death(self, activity: str) -> SandboxError:
        status = self._reap(wait=2.0)
        if status is None:
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
        code = os.WEXITSTATUS(status)
        return SandboxError("exited", f"the process exited (exit code {code}) while {activity}",
                            f"{activity} 时进程退出（退出码 {code}）")

    def _reap(self, wait: float):
        end = time.monotonic() + wait
        while True:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                return None
            if pid:
                self.pid = None
                return status
            if time.monotonic() > end:
                return None
            time.sleep(0.01)

    def stop(self) -> None:
        """Kill the child and everything it started."""
        if self.pid is not None:
            for sig in (signal.SIGKILL,):
                try:
                    os.killpg(self.pid, sig)
                except ProcessLookupError:
                    pass
            self._reap(wait=5.0)
        kill_leftovers(self.uid, self.scratch)
        for fd in ("requests", "replies"):
            if hasattr(self, fd):
                try:
                    os.close(getattr(self, fd))
                except OSError:
                    pass
                delattr(self, fd)

    def output(self) -> str:
        """What the submission printed, truncated (head and tail)."""
        try:
            data = self.output_path.read_bytes()
        except OSError:
            return ""
        text = data.decode("utf-8", errors="replace")
        if len(text) > SHOWN_OUTPUT_CHARS:
            half = SHOWN_OUTPUT_CHARS // 2
            text = f"{text[:half]}\n... [{len(text) - SHOWN_OUTPUT_CHARS:,} characters cut] ...\n{text[-half:]}"
        return text

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
        return printed

    # -- child side -------------------------------------------------------

    def _child(self, requests: int, replies: int) -> None:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        out = os.open(self.output_path, os.O_WRONLY | os.O_APPEND)
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
        inherited = address_space_bytes()
        memory = inherited + self.limits.memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        cpu = int(self.limits.timeout * 2 + 10)
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        resource.setrlimit(resource.RLIMIT_FSIZE, (OUTPUT_LIMIT_BYTES, OUTPUT_LIMIT_BYTES))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
        if self.uid is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (64, 64))
            os.setgroups([])
            os.setgid(self.uid)
            os.setuid(self.uid)
        os.chdir(self.scratch)
        os.environ.clear()
        os.environ.update({"HOME": str(self.scratch), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                           "GRADER_SANDBOX": str(self.scratch), "OMP_NUM_THREADS": "1"})
        sys.path[:] = [str(self.scratch)] + [p for p in sys.path if p and Path(p).resolve() != ROOT]
        sys.stdout = open(1, "w", encoding="utf-8", errors="replace", closefd=False, buffering=1)
        sys.stderr = sys.stdout
        sys.stdin = open(0, "r", closefd=False)
        sys.argv = [f"{self.module}.py"]
        probes.serve(requests, replies, self.scratch / f"{self.module}.py", self.module)


def address_space_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def kill_leftovers(uid: int | None, scratch: Path) -> None:
    """Kill every process the sandbox left: all of its uid, or those that carry its marker."""
    marker = f"GRADER_SANDBOX={scratch}".encode()
    for _ in range(5):
        found = False
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == os.getpid():
                continue
            try:
                if uid is not None:
                    if os.stat(f"/proc/{entry}").st_uid != uid:
                        continue
                else:
                    with open(f"/proc/{entry}/environ", "rb") as env:
                        if marker not in env.read().split(b"\0"):
                            continue
                os.kill(int(entry), signal.SIGKILL)
                found = True
            except (OSError, ProcessLookupError):
                continue
        if not found:
            return
        time.sleep(0.05)


def describe_student_exception(error: BaseException, source: Path) -> dict:
    """Type, message and the student's line, with no grader frames."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == str(source)]
    where = f"{source.name} line {frames[-1].lineno}: {(frames[-1].line or '').strip()}" if frames else ""
    return {"kind": type(error).__name__, "text": str(error)[:2000], "where": where}
