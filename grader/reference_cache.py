"""The reference's observations, kept on disk between gradings.

The reference solution answers the same questions for every submission (the
grading is deterministic), so ``grade`` need not start the reference's
sandbox and recompute them at every call. The answers are saved per module in
``.cache/reference/MODULE-KEY.json`` at the kit's root, where KEY is a digest
of the module's reference source, the grader's code and the torch release:
a changed solution, grader or torch is simply a new key (and the old files
are removed). Gradescope's ``reference_cache.json`` (``gradescope.py``) holds
the same entries for all modules, computed when the package is built.

The pace probe (the reference's training speed, measured on the machine at
grading time) is never saved.

Who may read and change the files: as root, a submission runs under a user id
of its own that cannot open the folder (0700, files 0600, root's), in a
mount namespace where the kit's folder is empty. Without root a submission
runs as the grader's user and could rewrite the answers that later
submissions are compared with, so the cache is then off unless asked for
with ``D2L_KIT_REFERENCE_CACHE=on`` (or ``=DIR``: the folder to use);
``=off`` turns it off as root too.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRADER_DIR = ROOT / "grader"
VARIABLE = "D2L_KIT_REFERENCE_CACHE"
FORMAT = 1

_CODE: str | None = None


def torch_release() -> str:
    """torch's release, read from its installed metadata: the grading process does not import torch."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("torch").split("+")[0]
    except PackageNotFoundError:
        import torch
        return torch.__version__.split("+")[0]


def code_fingerprint() -> str:
    """The grader's code (every ``.py`` below grader/): what asks the questions and computes the answers."""
    global _CODE
    if _CODE is None:
        digest = hashlib.sha256()
        for path in sorted(GRADER_DIR.rglob("*.py")):
            if "__pycache__" not in path.parts:
                digest.update(path.relative_to(GRADER_DIR).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
        _CODE = digest.hexdigest()
    return _CODE


def key(module: str, source: bytes) -> str:
    digest = hashlib.sha256(f"{FORMAT}\0{module}\0{torch_release()}\0{code_fingerprint()}\0".encode())
    digest.update(source)
    return digest.hexdigest()[:32]


def folder() -> Path | None:
    """Where the cache is, or None when it is off (see the module's documentation)."""
    setting = os.environ.get(VARIABLE, "").strip()
    if setting.lower() in ("off", "0", "no", "false"):
        return None
    if setting and setting.lower() not in ("on", "1", "yes", "true"):
        return Path(setting)
    if os.name != "posix" or (os.geteuid() != 0 and not setting):
        return None
    return ROOT / ".cache" / "reference"


def entries(cache: dict) -> list[list]:
    """An observer's cache as JSON: ``[op, args, value]`` for each question (not the pace probe)."""
    return [[k[0], k[1], value] for k, value in cache.items() if isinstance(k, tuple) and len(k) == 2]


def fill(cache: dict, items) -> int:
    count = 0
    for op, args, value in items:
        cache.setdefault((op, args), value)
        count += 1
    return count


def load(module: str, source: bytes, cache: dict) -> int:
    """Fill ``cache`` (an observer's) from disk; the number of observations read."""
    directory = folder()
    if directory is None:
        return 0
    path = directory / f"{module}-{key(module, source)}.json"
    try:
        info = path.lstat()
        if not path.is_file() or (os.name == "posix" and info.st_uid != os.geteuid()):
            raise OSError("not ours")
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if not isinstance(data, dict) or data.get("module") != module:
        return 0
    try:
        return fill(cache, data.get("entries", []))
    except (TypeError, ValueError):
        cache.clear()
        return 0


def save(module: str, source: bytes, cache: dict) -> bool:
    """Write ``cache``'s observations for ``module`` (replacing older keys of the module); False if not written."""
    directory = folder()
    items = entries(cache)
    if directory is None or not items:
        return False
    name = f"{module}-{key(module, source)}.json"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if os.name == "posix" and directory.stat().st_uid == os.geteuid():
            directory.chmod(0o700)
        handle, temporary = tempfile.mkstemp(prefix=f".{module}-", dir=directory)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({"module": module, "torch": torch_release(), "entries": items}, out)
        os.replace(temporary, directory / name)
        for old in directory.glob(f"{module}-*.json"):
            if old.name != name:
                old.unlink()
    except (OSError, TypeError, ValueError):
        return False
    return True
