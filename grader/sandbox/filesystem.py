"""The child's view of the machine, as root: private tmpfs where anyone may write, empty folders
over what is hidden, the Python installation bound back, a private /proc, the rest read-only."""
from __future__ import annotations

import os
import stat
from pathlib import Path

from .namespaces import enter_namespaces
from .paths import SYSTEM_DIRS, under
from .syscalls import (MOUNT_FLAGS, MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_RDONLY, MS_REC,
                       MS_REMOUNT, kernel_at_least, mount, mount_points)

PRIVATE_TMP = {"/tmp": "size=64m,mode=1777", "/var/tmp": "size=8m,mode=1777", "/dev/shm": "size=8m,mode=1777"}
# Every other folder anyone may write (/run/lock = /var/lock, /dev/mqueue, ...; found by
# ``shared_folders``) gets a tiny private tmpfs: programs that expect it still work, and
# nothing written there reaches the next student or outlives the child.
SHARED_FOLDER_TMPFS = "size=1m,nr_inodes=64,mode=1777"
SHARED_FOLDER_DEPTH = 4          # how deep below / they are looked for; deeper ones are read-only anyway

_SHARED_FOLDERS: list[str] = []      # found by the zygote (as root); every child inherits the list


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
