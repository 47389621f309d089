"""The parent side: ``Sandbox``, one module of one submission in its own child process, and
``close_all``, which closes at exit what the grading process left open."""
from __future__ import annotations

import atexit
import os
import select
import signal
import struct
import sys
import tempfile
import time
from pathlib import Path

from ..escaping import inert
from . import integrity, trees
from .cgroup import CGROUP_ALLOWANCE_MB, cgroup_oom_kills, remove_cgroup
from .channel import ReplyTooLarge, receive, send
from .errors import SandboxError, StudentError
from .limits import Limits
from .notes import warn_once
from .output import SHOWN_OUTPUT_CHARS, clean_text, shorten
from .paths import EXPOSED_GRADER_FILES, GRADER_DIR, ROOT, data_dir_may_be_shown, hidden_around, under
from .processes import process_table, processes_of_uid
from .uids import release_uid, reserve_uid
from .zygote_client import _LIVE, Zygote, current_zygote, zygote


# -- the parent side --------------------------------------------------------------

class Sandbox:
    """One module of one submission, running in its own child process."""

    def __init__(self, submission: Path, module: str, limits: Limits, slot: int = 0, data_dir=None,
                 replay: bool = False):
        self.submission, self.module, self.limits, self.slot = Path(submission), module, limits, slot
        # A replay child measures the networks that graphs describe and holds no student code
        # (probes.ReplayProbes). Fashion-MNIST, as the grading process found it, is shown (even inside
        # the repository) and named by FASHION_MNIST_DIR only to a child given ``data_dir``: a replay
        # that trains (every network, the BatchNorm from scratch included, trains on a replay).
        self.replay = replay
        if data_dir is not None and not replay:
            raise ValueError("the data is shown to replay children only: student code never sees it")
        self.data_dir = Path(data_dir).resolve() if data_dir is not None else None
        self.pid: int | None = None
        self.uid: int | None = None
        self.uid_lock: int | None = None
        self.deadline = None
        self.dead: SandboxError | None = None
        self.greeted = False
        self.told_to_leave = False
        self.hello: dict = {}
        self.cgroup: dict | None = None
        self.cpu_cgroup: dict | None = None
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
            self.uid, self.uid_lock = reserve_uid()
            for path in (self.scratch, self.scratch / f"{self.module}.py", self.output_path):
                os.chown(path, self.uid, self.uid)
            os.chmod(self.scratch, 0o700)
        request_r, request_w = os.pipe()
        reply_r, reply_w = os.pipe()
        config = {"module": self.module, "scratch": str(self.scratch), "output": str(self.output_path),
                  "uid": self.uid, "timeout": self.limits.timeout, "memory_mb": self.limits.memory_mb,
                  "marker": str(self.scratch), "grader_pid": os.getpid(), "hide": self.hidden_paths(),
                  "expose": self.exposed_paths(), "cgroup": self.memory_cgroup(z),
                  "cpu_cgroup": self.cpu_share(z),
                  "replay": self.replay, "trains": self.data_dir is not None,
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

    def cpu_share(self, z: "Zygote") -> dict | None:
        """The child's CPU cgroup (made by the child, removed in ``stop``): as root, one share of the machine."""
        base = z.info.get("cpu_cgroup")
        if self.uid is None or not base:
            return None
        self.cpu_cgroup = {"path": os.path.join(base["path"], f"grader-{self.scratch.name}"), "kind": base["kind"]}
        return self.cpu_cgroup

    def hidden_paths(self) -> list[str]:
        # the data is shown only to a child that trains on it (``data_dir``)
        return hidden_around(self.submission, hide_data=self.data_dir is None)

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
        changed = integrity._INTEGRITY.changed() if integrity._INTEGRITY is not None else []
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
        # an exception's name and place are one line each (a class named "X\nTotal: 9 / 9" is shown escaped);
        # its message may have lines of its own, which every report indents under the check's
        raise StudentError(inert(clean_text(str(error.get("kind"))[:100])),
                           clean_text(str(error.get("text"))[:2000]),
                           inert(clean_text(str(error.get("where"))[:500])))

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
        if self.cpu_cgroup is not None:
            remove_cgroup(self.cpu_cgroup)
            self.cpu_cgroup = None
        if self.uid_lock is not None:
            release_uid(self.uid, self.uid_lock)
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

    def leave(self) -> None:
        """Ask the child to exit, without waiting: sandboxes told together exit together (a child's exit
        takes about 35 ms), and ``close`` then collects each."""
        if self.pid is not None and self.dead is None and not self.told_to_leave:
            self.told_to_leave = True
            try:
                send(self.requests, {"op": "exit", "args": {}})
            except OSError:
                pass

    def close(self) -> str:
        if self.pid is not None and self.dead is None:
            self.leave()
            self._reap(wait=0.5)
        self.stop()
        printed = self.output()
        trees.remove(self.scratch)      # the child may have built a tree thousands of folders deep there
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
                trees.remove(box.scratch)
