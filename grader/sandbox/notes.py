"""What the sandbox cannot guarantee on this machine, said once on stderr for the instructor."""
from __future__ import annotations

import os
import sys

from .zygote_client import zygote

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
    if "seccomp" in z.info and not z.info["seccomp"]:
        notes.append(f"no seccomp filter ({z.info.get('seccomp_why') or 'unknown'}): submissions can use the "
                     "kernel's keyrings, which outlive a sandbox and are kept per user id.")
    if not z.info.get("namespaces"):
        notes.append(f"no private mount namespace ({z.info.get('why', 'unknown')}): submissions run as a private "
                     "user id but can read world-readable files (the reference solutions, the grader, other "
                     "submissions). Give the grader CAP_SYS_ADMIN (e.g. docker --cap-add SYS_ADMIN).")
    network = z.info.get("network") or {}
    if not network.get("zygote") and not network.get("child"):
        notes.append(NETWORK_NOTE.format(why=f"{z.bwrap_why or 'bwrap unused'}; {network.get('why') or 'unknown'}"))
    if "cpu_cgroup" in z.info and not z.info["cpu_cgroup"]:
        notes.append("no CPU share per submission (this process's cgroup for the cpu controller is not writable: "
                     "cgroup v1 cpu, or v2 with the cpu controller delegated): a submission that keeps every core "
                     "busy slows the others being graded on this machine.")
    return notes


_WARNED = False


def warn_once() -> None:
    global _WARNED
    if not _WARNED:
        _WARNED = True
        for note in isolation_notes():
            print(f"grader: warning: {note}", file=sys.stderr)
