"""The zygote process itself: it imports what children need, forks one on each request, reports
exits, and removes every sandbox when the grading process is gone."""
from __future__ import annotations

import json
import os
import select
import signal
import socket
import time

from .. import probes
from .compiler import compiler_imported, import_for_training, mark_kernels_never_compiled
from .cgroup import cgroup_base, memory_cgroup_base, remove_cgroup
from .child import child_main
from .filesystem import _SHARED_FOLDERS, shared_folders
from .namespaces import network_namespace, probe_namespaces
from .processes import descendants
from .seccomp import probe_filter
from .syscalls import PR_SET_CHILD_SUBREAPER, prctl
from .trees import remove as remove_tree

ZYGOTE_MODULES = ("grader.probes", "grader.build", "grader.computation.record", "grader.computation.weights",
                  "grader.spec", "grader.data", "grader.train")


def zygote_main(fd: int, settings: dict | None = None) -> None:
    """The zygote: import what children need, then fork one on each request and report exits.

    It ends when the grading process is gone (its end of the socket closes: a normal exit, a
    crash or SIGKILL), and first kills every process of its sandboxes and removes their
    cgroups and scratch folders (``remove_sandboxes``): nothing of a sandbox outlives grading.
    ``settings`` come from the grading process: its ``sys.path`` and network namespace.
    """
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
    marked = mark_kernels_never_compiled()
    probes.warm_up()
    grader_network = (settings or {}).get("grader_network") or ""
    own_network = network_namespace()
    # "zygote": this process (so every child) is off the grader's network (started in bwrap);
    # "child": each child gets a network namespace of its own (root, probed below)
    network = {"zygote": bool(grader_network and own_network and own_network != grader_network),
               "child": False, "why": "not root"}
    info = {"id": 0, "ready": True, "pid": os.getpid(), "namespaces": False, "why": "not root", "cgroup": None,
            "network": network, "kernels_marked": marked, "compiler": compiler_imported(), "cpu_cgroup": None}
    info["seccomp"], info["seccomp_why"] = probe_filter()
    if os.geteuid() == 0:
        info["namespaces"], info["why"], network["child"], network["why"] = probe_namespaces()
        _SHARED_FOLDERS[:] = shared_folders() if info["namespaces"] else []
        info["shared_folders"], info["cgroup"] = _SHARED_FOLDERS, memory_cgroup_base()
        info["cpu_cgroup"] = cgroup_base("cpu")
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
    """Answer the grading process until it closes the socket; remember what each child will leave.

    A child's exit is reported at once: each child's pidfd wakes the loop (a closing sandbox waits for
    it). Orphans of the children, which have no pidfd here, are collected at least every 50 ms."""
    pidfds: set[int] = set()
    while True:
        reap(sock)
        ready = select.select([sock, *pidfds], [], [], 0.05)[0]
        for descriptor in pidfds.intersection(ready):
            pidfds.discard(descriptor)
            os.close(descriptor)
        if sock not in ready:
            continue
        data, fds, _flags, _addr = socket.recv_fds(sock, 1 << 16, 4)
        if not data:
            return
        request = json.loads(data)
        reply = {"id": request["id"]}
        if request["op"] == "fork":
            if request["config"].get("trains") and not compiler_imported():
                import_for_training()
            pid = os.fork()
            if pid == 0:
                try:
                    sock.detach()
                    child_main(request["config"], fds[0], fds[1])
                finally:
                    os._exit(70)
            reply["pid"] = pid
            sandboxes[pid] = {"scratch": request["config"]["scratch"], "cgroup": request["config"].get("cgroup"),
                              "cpu_cgroup": request["config"].get("cpu_cgroup")}
            try:
                pidfds.add(os.pidfd_open(pid))
            except OSError:         # no pidfds here (Linux before 5.3): the 50 ms collection still reports it
                pass
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
        remove_cgroup(sandbox.get("cpu_cgroup"))
        remove_tree(sandbox["scratch"])


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
