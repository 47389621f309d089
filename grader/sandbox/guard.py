"""What the submission may not do to the grader inside its own process: the snapshot of the callables
the probes rely on (checked around every request) and the audit hook."""
from __future__ import annotations

import json
import os
import select
import struct
import sys


# -- what the submission may not do to the grader inside its own process -----------------

def guard_snapshot() -> tuple:
    """Identity of the callables the probes rely on, taken before any student code runs.

    Checked before every reply with ``guard_check``: a submission
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
