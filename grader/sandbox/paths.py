"""Where things are: the repository, the system's folders, and which paths a child is shown or
hidden (the class, the top-level folders that are not the system's, the data)."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
GRADER_DIR = ROOT / "grader"
REFERENCE_DIR = ROOT / "solutions"

# The child sees the system's own top-level folders; every other one (/home, /root, /work,
# /opt, /srv, ...: where other copies of the kit, home folders and course files live) is
# hidden, and the Python installation is bound back wherever it is.
SYSTEM_DIRS = {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "run", "sbin", "sys", "tmp",
               "usr", "var"}
NEVER_HIDDEN = {"/", "/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc", "/proc", "/sys", "/dev",
                "/run", "/var", "/tmp", "/usr/local", "/usr/lib", "/usr/share"}
# Where a class folder stops: the folders of the system a class may be kept in. Below one of
# them, the highest folder above a submission is hidden whole (every classmate, at any depth).
SYSTEM_FOLDERS = NEVER_HIDDEN | {"/var/lib", "/var/cache", "/var/local", "/var/opt", "/var/spool", "/var/log",
                                 "/var/mail", "/var/www", "/usr/local/lib", "/usr/local/share", "/usr/local/bin",
                                 "/usr/lib64", "/usr/libexec", "/usr/src"}


def class_root(folder: Path) -> str:
    """The highest folder above a submission that is not one of the system's: hiding it hides every
    classmate, at any depth (CLASS/<student>/exercises: CLASS, or the folder that holds CLASS)."""
    top = folder
    for parent in folder.parents:
        if str(parent) in SYSTEM_FOLDERS or parent == parent.parent:
            break
        top = parent
    return str(top)


def outside_the_system() -> list[str]:
    try:
        return [f"/{entry.name}" for entry in os.scandir("/")
                if entry.is_dir(follow_symlinks=False) and entry.name not in SYSTEM_DIRS]
    except OSError:
        return ["/home", "/root", "/srv", "/mnt", "/media", "/opt"]


EXPOSED_GRADER_FILES = ("calibration.json",)      # read lazily by grader.recipes in the child


def data_folders() -> list[str]:
    """Where Fashion-MNIST may be on this machine (``grader/data.py``'s places), real paths included."""
    from ..data import SYSTEM_DIR, DataNotFoundError, locate
    places = [str(SYSTEM_DIR), os.environ.get("FASHION_MNIST_DIR", "")]
    try:
        places.append(str(locate(download=False)[0]))
    except (DataNotFoundError, OSError):
        pass
    return sorted({q for p in places if p for q in (os.path.abspath(p), os.path.realpath(p))})


def data_dir_may_be_shown(directory: str) -> bool:
    """Not the repository or a folder above it, nor inside the kit's code, solutions or tests."""
    roots = (str(ROOT), str(ROOT.resolve()))
    private = [os.path.join(r, name) for r in roots for name in ("grader", "solutions", "tests", ".git")]
    return not any(under(r, directory) for r in roots) and not any(under(directory, f) for f in private)


def hidden_around(folder: Path, hide_data: bool = True) -> list[str]:
    """What student code working on ``folder`` must see as empty: the kit (and the folder holding it),
    ``folder`` and its class (``class_root``), every top-level folder that is not the system's,
    ``$GRADER_HIDE`` and, unless the grader shows it on purpose, the data it trains and tests on."""
    paths = [str(ROOT), str(ROOT.resolve()), str(ROOT.resolve().parent), *outside_the_system()]
    for each in (folder, folder.resolve()):
        paths += [str(each), class_root(each)]
    paths += [p for p in os.environ.get("GRADER_HIDE", "").split(os.pathsep) if p]
    if hide_data:
        paths += [p for p in data_folders() if os.path.isdir(p)]
    return sorted({os.path.abspath(p) for p in paths} - NEVER_HIDDEN)


def under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")
