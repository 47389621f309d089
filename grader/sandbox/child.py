"""The forked child: it isolates itself (session, limits, uid, cgroup, namespaces), then serves the
grader's requests (``serve``). It never returns."""
from __future__ import annotations

import os
import resource
import signal
import sys
from pathlib import Path

from .cgroup import enter_cpu_cgroup, enter_memory_cgroup
from .channel import send
from .compiler import compiler_imported
from .filesystem import private_filesystem
from .limits import NPROC_LIMIT, refuse_memfd, set_limits
from .paths import ROOT
from .seccomp import install_filter
from .serve import serve
from .syscalls import PR_SET_NO_NEW_PRIVS, PR_SET_PDEATHSIG, prctl


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
    hello = {"hidden": False, "why": "not root", "notes": [], "cgroup": False, "cpu": False, "seccomp": False,
             "compiler": compiler_imported()}
    work = scratch
    uid = config["uid"]
    if uid is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (NPROC_LIMIT, NPROC_LIMIT))
        hello["cgroup"] = enter_memory_cgroup(config.get("cgroup"))
        hello["cpu"] = enter_cpu_cgroup(config.get("cpu_cgroup"))
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
    try:     # no keyrings (per uid, they outlive the sandbox): in this process and every program it starts
        install_filter()
        hello["seccomp"] = True
    except OSError as e:
        hello["notes"] = [*hello["notes"], f"no seccomp filter ({e.strerror or e})"]
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
    serve(requests, replies, work / f"{module}.py", module,
          protected_pids=(os.getppid(), int(config["grader_pid"])), replay=bool(config.get("replay")))


def die_with(zygote_pid: int) -> None:
    """SIGKILL when the zygote dies (it kills the rest: see ``remove_sandboxes``); if it is dead already, exit.

    Set after the uid switch, which would clear it."""
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != zygote_pid:
        os._exit(1)
