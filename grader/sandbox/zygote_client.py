"""The grading process's side of its zygote: starting it (in bubblewrap where that works), asking it
to fork or kill, and collecting what it reports."""
from __future__ import annotations

import json
import os
import select
import shutil
import socket
import subprocess
import sys
import time

from . import integrity
from .namespaces import network_namespace


# -- the zygote: a clean process that forks the children --------------------------
#
# --dev-bind / /: the zygote sees the machine's file system as it is (the children build their
# own view); --cap-add ALL: as root bwrap drops every capability unless told, and the zygote
# needs them to make the children's namespaces, cgroups and uids. Not --unshare-pid: the grader
# kills and waits for the pids the zygote reports. Not --die-with-parent: it would SIGKILL the
# zygote with the grading process, and the zygote must outlive it to kill what the children
# left and remove their cgroups and scratch folders (it ends when its socket closes).
BWRAP_OPTIONS = ("--unshare-net", "--unshare-uts", "--unshare-ipc", "--dev-bind", "/", "/", "--cap-add", "ALL")
_BWRAP: tuple[list[str], str] | None = None        # (command prefix or [], why not), tried once per process


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
    """Parent side of the zygote (one per grading process).

    Made in two steps: ``Zygote()`` starts the process, ``ready()`` waits for its greeting. Between
    them the zygote imports torch while the grading process goes on (``start_zygote``)."""

    def __init__(self):
        self.owner = os.getpid()
        self.info: dict | None = None
        self.wrapper, self.bwrap_why = bwrap_prefix()
        self.launch(self.wrapper)

    def ready(self) -> "Zygote":
        if self.info is not None:
            return self
        try:
            self.greet()
        except RuntimeError as error:
            if not self.wrapper:
                raise
            try:
                self.proc.wait(timeout=5)       # it ended: it did not start in bwrap (still running: hung)
            except subprocess.TimeoutExpired:
                raise error from None
            # bwrap passed its self-test but the zygote exited in it: start it plainly (the
            # children still unshare a network namespace each), and not in bwrap again
            global _BWRAP
            _BWRAP = [], "the zygote did not start in bwrap"
            self.wrapper, self.bwrap_why = _BWRAP
            if self.sock is not None:
                self.sock.close()
            self.launch([])
            self.greet()
        return self

    def launch(self, wrapper: list[str]) -> None:
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # sys.path goes over the socket, not on the command line: a child can read its own
        # /proc/self/cmdline (the zygote's), which must not name the grader's folders. So does our
        # network namespace: the zygote compares it with its own (is the network private?).
        paths = [os.path.abspath(p) if p else os.getcwd() for p in sys.path]
        boot = ("import sys, json, socket; s = socket.socket(fileno=int(sys.argv[1])); "
                "settings = json.loads(s.recv(1 << 20)); sys.path[:] = settings['path']; s.detach(); "
                "from grader.sandbox.zygote_server import zygote_main; zygote_main(int(sys.argv[1]), settings)")
        self.sock.send(json.dumps({"path": paths, "grader_network": network_namespace()}).encode())
        # bwrap keeps the descriptors it inherits: the socket (pass_fds) reaches the zygote
        self.proc = subprocess.Popen(wrapper + [sys.executable, "-I", "-c", boot, str(theirs.fileno())],
                                     pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, cwd="/", start_new_session=True)
        theirs.close()
        self.exits: dict[int, int] = {}
        self.replies: dict[int, dict] = {}
        self.counter = 0

    def greet(self) -> None:
        info = self.wait_for(0, deadline=time.monotonic() + 600)
        # bwrap forks: the zygote is its child, and its pid is the one that counts (a child's parent)
        self.pid = int(info.get("pid") or self.proc.pid)
        info["bwrap"] = bool(self.wrapper)
        self.info = info

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
    """This process's zygote, if it has a live, greeted one (a forked grading process inherits its
    parent's: not ours)."""
    z = _ZYGOTE
    return z if z is not None and z.owner == os.getpid() and z.sock is not None and z.info is not None else None


def start_zygote() -> None:
    """Start this process's zygote now and go on: it is ready by the first ``zygote()`` (its torch import,
    a few seconds, overlaps the grading process's own work)."""
    global _ZYGOTE
    if _ZYGOTE is None or not _ZYGOTE.alive():
        if _ZYGOTE is not None and _ZYGOTE.owner == os.getpid() and _ZYGOTE.proc.poll() is None:
            _ZYGOTE.proc.kill()
        _ZYGOTE = Zygote()


def zygote() -> Zygote:
    start_zygote()
    _ZYGOTE.ready()
    if integrity._INTEGRITY is None and os.geteuid() != 0:
        integrity._INTEGRITY = integrity.Integrity()
    return _ZYGOTE


_LIVE: dict[int, "Sandbox"] = {}      # the sandboxes with a child, by its pid (``box.Sandbox``)
