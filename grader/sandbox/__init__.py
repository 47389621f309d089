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
- gets a seccomp filter (inherited by every program it starts): the kernel
  keyring calls (``add_key``, ``request_key``, ``keyctl``), whose keyrings
  are kept per uid after its last process, and ``bpf`` fail with EPERM;
- when the grader runs as root: runs under an unprivileged user id of its
  own (drawn at random from 67 million, reserved for its lifetime) with a
  process limit, in a memory cgroup of its own where the machine has a
  writable one (memory held in files, memfd or SysV segments counts;
  otherwise ``os.memfd_create`` is refused in its process), in a CPU cgroup
  of its own where that controller is writable (one equal share: a sandbox
  busy on every core slows another by a bounded factor, however many
  processes it runs), and in private mount and IPC namespaces where
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

The parts of this package, each with one job (none of them imports the
package itself, and ``probes`` imports none of them: no import cycle):

- ``box``: ``Sandbox``, the grading process's side of one child, and
  ``close_all``;
- ``zygote_client``: the grading process's handle on its zygote (started in
  bubblewrap where that works);
- ``zygote_server``: the zygote process itself (``zygote_main``; the modules
  it imports for its children: ``ZYGOTE_MODULES``);
- ``child``: the forked child's set-up (``child_main``), which ends in
- ``serve``: the child's request loop, answering with ``grader.probes``;
- ``channel``: the pipe's framing (``send``, ``receive``), each reply measured
  (length, values, depth) before it is parsed;
- ``guard``: the snapshot and the audit hook against tampering in the child;
- ``limits``: ``Limits`` and the child's rlimits; ``cgroup``: its memory
  cgroup and CPU share; ``uids``: its private user id; ``seccomp``: its
  filter of kernel calls; ``processes``: /proc's process tables;
- ``namespaces``, ``filesystem``: the child's private namespaces and view of
  the machine; ``syscalls``: ``mount``, ``unshare``, ``prctl``; ``paths``:
  what is hidden from it and what is shown;
- ``submission``: ``validate_source``; ``output``: what the child printed,
  made safe to show; ``errors``: ``SandboxError``, ``StudentError``;
- ``integrity``: the check of the grader's files (children of our uid);
  ``trees``: folders a child wrote, listed and removed without recursion;
  ``notes``: what this machine cannot isolate (``isolation_notes``).
"""
from __future__ import annotations

import tempfile  # noqa: F401  (``sandbox.tempfile``: the tests make scratch folders with it)

from . import filesystem, integrity, notes, output, syscalls, zygote_client
from .box import Sandbox, close_all
from .channel import MAX_REPLY_BYTES, ReplyTooLarge, receive, send
from .errors import SandboxError, StudentError, describe_student_exception
from .guard import Blocked, guard_check, guard_snapshot, install_audit_hook
from .limits import Limits
from .notes import isolation_notes, warn_once
from .output import clean_text, hidden_lines
from .paths import EXPOSED_GRADER_FILES, GRADER_DIR, REFERENCE_DIR, ROOT
from .processes import descendants, proc_status, process_table, processes_of_uid
from .submission import validate_source
from .zygote_client import _LIVE, Zygote, bwrap_prefix, current_zygote, start_zygote, zygote

# Not imported here: the zygote's side (``zygote_server``) imports torch, which the grading process does not
# need (``python -m grader grade`` starts its zygote while it loads the rest).

__all__ = ["Blocked", "EXPOSED_GRADER_FILES", "GRADER_DIR", "Limits", "MAX_REPLY_BYTES", "REFERENCE_DIR",
           "ROOT", "ReplyTooLarge", "Sandbox", "SandboxError", "StudentError", "Zygote",
           "bwrap_prefix", "clean_text", "close_all", "current_zygote", "describe_student_exception",
           "descendants", "guard_check", "guard_snapshot", "hidden_lines", "install_audit_hook",
           "isolation_notes", "proc_status", "process_table", "processes_of_uid", "receive", "send",
           "start_zygote", "validate_source", "warn_once", "zygote"]
