"""The child's loop: it answers the grader's requests with the probes' observations, guarded."""
from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import torch

from ..probes import Probes, ReplayProbes
from .channel import receive, send
from .errors import describe_student_exception
from .guard import guard_check, guard_snapshot, install_audit_hook


def serve(requests: int, replies: int, source: Path, module_name: str, protected_pids: tuple = (),
          replay: bool = False) -> None:
    """Answer the grader's requests until told to exit (or the pipe closes).

    Before any student code runs it takes a snapshot of the grader's, torch's
    and the builtins' callables and installs an audit hook (see
    ``sandbox.install_audit_hook``); before each reply it checks the
    snapshot, and a submission that changed any of them (during this request
    or since the last) gets a "tampered" reply instead of an observation. The grader's process refuses
    the module on such a reply. This is a check inside the submission's own
    process, so it only raises the bar: the verdicts never rely on it.
    """
    torch.set_num_threads(1)
    probes = ReplayProbes(module_name) if replay else Probes(source, module_name)
    handlers = {name[3:]: getattr(probes, name) for name in dir(probes) if name.startswith("do_")}
    snapshot = guard_snapshot()
    check, check_code, reply, reply_code = guard_check, guard_check.__code__, send, send.__code__
    describe, serialize, leave, write, pack, size = describe_student_exception, json.dumps, os._exit, os.write, \
        struct.pack, len
    install_audit_hook(tuple(protected_pids))

    def tampered():
        if check.__code__ is not check_code or reply.__code__ is not reply_code:
            return "grader.sandbox"
        return check(snapshot)

    def refuse(label):
        """Say so with captured primitives only: json and the builtins may be the submission's now."""
        name = "".join([c for c in label if c.isalnum() or c in "._"]).encode("ascii", "replace")[:200]
        data = b'{"ok": false, "tampered": "' + name + b'"}'
        write(replies, pack(">I", size(data)) + data)
        leave(0)

    while True:
        try:
            request = receive(requests)
        except (EOFError, OSError, ValueError, struct.error):
            leave(0)
        if request.__class__ is not dict or request.get("op") == "exit":
            leave(0)
        handler = handlers.get(request.get("op"))
        try:
            if handler is None:
                raise ValueError(f"unknown request {request.get('op')!r}")
            answer = {"ok": True, "result": handler(**request.get("args", {}))}
            serialize(answer)
        except BaseException as error:   # SystemExit and KeyboardInterrupt from student code too
            try:
                answer = {"ok": False, "error": describe(error, source)}
            except BaseException:
                answer = {"ok": False, "error": {"kind": "Exception", "text": "", "where": ""}}
        changed = tampered()        # once, before the reply: a change made at any time so far shows
        if changed is not None:
            refuse(changed)
        reply(replies, answer)
