"""Gradescope without privileges (issue 25, item 2): ``run_autograder`` in a container with Docker's
default capabilities, where the grader's sandbox cannot make mount namespaces (no ``CAP_SYS_ADMIN``).

The child then runs the student's code under a private uid in the machine's own file tree: what keeps
the hidden checks, the solutions, the reference cache and the results from it is only that setup.sh
made everything the grader owns unreadable to other users (``lock_kit``) and that run_autograder
creates nothing readable (``umask 077``). Here a hostile submission reads and prints what it can, its
lines reversed (the grader removes verbatim lines of its source from what students see, not
encoded ones), under ``capsh --drop=cap_sys_admin`` (libcap2-bin) or, failing that,
``setpriv --bounding-set -sys_admin`` (util-linux); none of it may reach results.json.

Also here: setup.sh's torch step with a fake pip on PATH (no fallback to PyPI's CUDA build).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SETUP = ROOT / "grader" / "templates" / "gradescope_setup.sh"
CAP_SYS_ADMIN = 21

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox drops to a private uid only as root")


def without_sys_admin() -> list[str] | None:
    """A command prefix that runs ``bash ARGS...`` as root without CAP_SYS_ADMIN, or None."""
    capsh, setpriv = shutil.which("capsh"), shutil.which("setpriv")
    if capsh:
        return [capsh, "--drop=cap_sys_admin", "--"]            # capsh passes what follows -- to /bin/bash
    if setpriv:
        return [setpriv, "--bounding-set", "-sys_admin", "--inh-caps", "-sys_admin", "bash"]
    return None


def capabilities(prefix: list[str]) -> int:
    out = subprocess.run(prefix + ["-c", "grep CapEff /proc/self/status"], capture_output=True, text=True,
                         timeout=30).stdout
    return int(out.split()[1], 16)


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gradescope") / "autograder.zip"
    result = subprocess.run([sys.executable, "-m", "grader", "gradescope", str(out), "--no-train", "--only", "lenet,batch_norm"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return out


def world_traversable_folder() -> Path:
    """A folder every uid may enter (unlike pytest's tmp_path, 0700 under /tmp/pytest-of-root): the
    child must find the kit where a container keeps it, /autograder."""
    base = Path(tempfile.mkdtemp(prefix="gradescope-unprivileged-", dir="/tmp"))
    os.chmod(base, 0o755)
    return base


def layout(package: Path, base: Path) -> Path:
    """``base/autograder`` as Gradescope lays it out (``test_gradescope.layout``), made with a umask
    that leaves files world-readable, and a result another submission might have left."""
    from tests.test_gradescope import gradescope_layout
    old = os.umask(0o022)
    try:
        root = gradescope_layout(package, base)
    finally:
        os.umask(old)
    # what a finished run of another submission might have left: also private
    (root / "results" / "results.json").write_text('{"score": 0, "output": "ANOTHER-STUDENTS-RESULT"}')
    return root


def run_without_sys_admin(prefix: list[str], root: Path) -> dict:
    """``run_autograder`` without CAP_SYS_ADMIN (``prefix``); its results.json."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable)
    result = subprocess.run(prefix + [str(root / "run_autograder")], cwd="/", env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


def lock(root: Path) -> subprocess.CompletedProcess:
    """setup.sh's last step alone: its functions, sourced (the script runs its steps only when executed)."""
    env = dict(os.environ, AUTOGRADER_ROOT=str(root))
    return subprocess.run(["bash", "-c", 'source "$1" && lock_kit', "setup", str(root / "source" / "setup.sh")],
                          env=env, capture_output=True, text=True, timeout=60)


HOSTILE = r'''
import os
ROOT = {root!r}
KIT = ROOT + "/source/kit"
EXPOSED = {exposed!r}
found, report = 0, []
targets = [KIT + "/grader/hidden_tests/check_structure.py", KIT + "/grader/hidden_tests/pytest.ini",
           KIT + "/solutions/lenet.py", KIT + "/reference_cache.json", KIT + "/grader/grade.py",
           KIT + "/autograder.json", ROOT + "/results/results.json", ROOT + "/source/setup.sh"]
for folder in (KIT + "/grader/hidden_tests", KIT + "/solutions", KIT + "/grader", KIT, ROOT + "/results",
               KIT + "/grader/__pycache__", KIT + "/grader/hidden_tests/__pycache__"):
    try:
        targets += [os.path.join(folder, name) for name in sorted(os.listdir(folder))]
    except OSError as error:
        report.append("NO-LIST " + folder + " " + type(error).__name__)
for path in dict.fromkeys(targets):
    if os.path.basename(path) in EXPOSED or not os.path.isfile(path):
        continue
    try:
        with open(path, "rb") as f:
            data = f.read(6000)
    except OSError:
        continue
    found += 1
    lines = [l.strip() for l in data.decode("utf-8", "replace").splitlines() if len(l.strip()) >= 20]
    report.append("OPENED " + path)
    report += ["  " + line[:120][::-1] for line in lines[:2]]
print("HOSTILE-START uid", os.getuid(), "sees-hidden-tests", os.path.exists(KIT + "/grader/hidden_tests"),
      "opened", found)
print("\n".join(report[:40]))
'''


def hidden_lines(kit: Path) -> set[str]:
    """Reversed (as the hostile prints them) lines of every file of the kit a child must not read."""
    lines = set()
    for path in kit.rglob("*"):
        if path.is_file() and path.name != "calibration.json" and path.suffix != ".pyc":
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                if len(line.strip()) >= 20:
                    lines.add(line.strip()[:120][::-1])
    return lines


@as_root
def test_no_hidden_file_reaches_results_without_cap_sys_admin(package):
    """A Gradescope-like run without CAP_SYS_ADMIN: the child runs as a private uid, and reads nothing."""
    prefix = without_sys_admin()
    if prefix is None:
        pytest.skip("neither capsh (libcap2-bin) nor setpriv (util-linux) is installed")
    assert not capabilities(prefix) >> CAP_SYS_ADMIN & 1, "the prefix did not drop CAP_SYS_ADMIN"
    base = world_traversable_folder()
    try:
        root = layout(package, base)
        locked = lock(root)
        assert locked.returncode == 0, locked.stdout + locked.stderr
        from grader.sandbox.paths import EXPOSED_GRADER_FILES
        lenet = (ROOT / "solutions" / "lenet.py").read_text()
        wrong = lenet.replace("nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),",
                              "nn.Conv2d(1, 6, kernel_size=5), nn.Sigmoid(),")    # fails: its output is shown
        assert wrong != lenet
        hostile = HOSTILE.format(root=str(root), exposed=list(EXPOSED_GRADER_FILES))
        (root / "submission" / "lenet.py").write_text(hostile + "\n" + wrong)
        data = run_without_sys_admin(prefix, root)
        shown = "\n".join([data.get("output", "")] + [t.get("output", "") + "\n" + t.get("name", "")
                                                       for t in data["tests"]])
        start = [line for line in shown.splitlines() if "HOSTILE-START" in line]
        assert start, "the submission's output is not shown: this test would prove nothing\n" + shown
        words = start[0].split()
        assert words[words.index("uid") + 1] != "0", "the student's code ran as root"
        # the run without namespaces: the kit is where it is, not hidden under an empty folder
        assert words[words.index("sees-hidden-tests") + 1] == "True", start[0]
        assert words[words.index("opened") + 1] == "0", shown
        assert "OPENED" not in shown and "ANOTHER-STUDENTS-RESULT" not in shown, shown
        leaked = [line for line in hidden_lines(root / "source" / "kit") if line in shown]
        assert not leaked, leaked[:5]
        # what the grader wrote while it ran is private too
        for path in [root / "results", *(root / "source" / "kit").rglob("__pycache__")]:
            assert not path.stat().st_mode & 0o077, f"{path} is open to other users"
    finally:
        shutil.rmtree(base, ignore_errors=True)


@as_root
def test_solutions_keep_full_marks_locked_without_cap_sys_admin(package):
    """Nothing the child needs was closed: the reference solutions, graded as a submission in the same
    capability-less run, get every point."""
    prefix = without_sys_admin()
    if prefix is None:
        pytest.skip("neither capsh (libcap2-bin) nor setpriv (util-linux) is installed")
    base = world_traversable_folder()
    try:
        root = layout(package, base)
        assert lock(root).returncode == 0
        for module in ("lenet", "batch_norm"):
            shutil.copy(ROOT / "solutions" / f"{module}.py", root / "submission" / f"{module}.py")
        data = run_without_sys_admin(prefix, root)
        lost = [(t["name"], t["output"][:300]) for t in data["tests"] if t["score"] < t["max_score"]]
        assert not lost and data["score"] == sum(t["max_score"] for t in data["tests"]) > 0, lost
    finally:
        shutil.rmtree(base, ignore_errors=True)


@as_root
def test_lock_kit_leaves_the_child_only_what_it_needs(package):
    """After setup.sh: the kit root-owned and closed to others, but for the folders a child passes through
    and the files it reads (grader/sandbox/paths.py's EXPOSED_GRADER_FILES); the venv stays readable."""
    from grader.sandbox.paths import EXPOSED_GRADER_FILES
    base = world_traversable_folder()
    try:
        root = layout(package, base)
        (root / "venv" / "lib").mkdir(parents=True)
        (root / "venv" / "lib" / "site.py").write_text("x = 1\n")
        locked = lock(root)
        assert locked.returncode == 0, locked.stdout + locked.stderr
        kit = root / "source" / "kit"
        passage = {root / "source", kit, kit / "grader"}
        exposed = {kit / "grader" / name for name in EXPOSED_GRADER_FILES}
        for path in [root / "source", *(root / "source").rglob("*")]:
            mode = path.lstat().st_mode
            assert path.lstat().st_uid == 0, path
            if path in passage:
                assert mode & 0o077 == 0o011, f"{path}: {oct(mode)}"       # entered, never listed
            elif path in exposed:
                assert mode & 0o077 == 0o044, f"{path}: {oct(mode)}"
            else:
                assert not mode & 0o077, f"{path}: {oct(mode)}"
        assert (root / "venv" / "lib" / "site.py").stat().st_mode & 0o004        # the Python the child runs
    finally:
        shutil.rmtree(base, ignore_errors=True)


# -- setup.sh: the wheels it asked for, or a loud failure ------------------------------------------

FAKE_PIP = r'''#!/usr/bin/env bash
# pip that records its arguments and fails as $FAKE_PIP_FAIL says
echo "$*" >> "$FAKE_LOG"
case "$*" in
  *--index-url*) [ "$FAKE_PIP_FAIL" = index ] && { echo "ERROR: index unreachable" >&2; exit 1; } ;;
esac
exit 0
'''
FAKE_PYTHON = r'''#!/usr/bin/env bash
# python that reports the torch version $FAKE_TORCH
case "$*" in *torch*) echo "$FAKE_TORCH" ;; esac
exit 0
'''


def setup_script(tmp_path: Path) -> Path:
    from grader import gradescope
    script = tmp_path / "setup.sh"
    script.write_text(gradescope.render(SETUP.read_text(encoding="utf-8"), **gradescope.setup_values(train=False)))
    return script


def run_torch_step(tmp_path: Path, fail: str, version: str) -> tuple[subprocess.CompletedProcess, str]:
    root = tmp_path / "autograder"
    (root / "venv" / "bin").mkdir(parents=True, exist_ok=True)
    for name, text in (("pip", FAKE_PIP), ("python", FAKE_PYTHON)):
        (root / "venv" / "bin" / name).write_text(text)
        (root / "venv" / "bin" / name).chmod(0o755)
    log = tmp_path / "pip.log"
    log.write_text("")
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), FAKE_LOG=str(log), FAKE_PIP_FAIL=fail, FAKE_TORCH=version)
    result = subprocess.run(["bash", "-c", 'source "$1" && install_torch', "setup", str(setup_script(tmp_path))],
                            env=env, capture_output=True, text=True, timeout=60)
    return result, log.read_text()


def test_setup_installs_cpu_torch_from_the_cpu_index_only(tmp_path):
    result, log = run_torch_step(tmp_path, fail="", version="2.14.1+cpu")
    assert result.returncode == 0, result.stderr
    calls = [line for line in log.splitlines() if "torch" in line]
    assert calls and all("--index-url https://download.pytorch.org/whl/cpu" in line for line in calls), log


def test_setup_fails_loudly_when_the_cpu_index_fails(tmp_path):
    result, log = run_torch_step(tmp_path, fail="index", version="2.14.1+cpu")
    assert result.returncode != 0
    assert "CPU" in result.stderr and "torch" in result.stderr, result.stderr
    # nothing after the failure: no torch (the 5 GB CUDA build) from PyPI
    assert len([line for line in log.splitlines() if "torch" in line]) == 1, log


def test_setup_fails_loudly_when_torch_is_not_the_cpu_build(tmp_path):
    result, _ = run_torch_step(tmp_path, fail="", version="2.14.1")        # PyPI's build, CUDA libraries and all
    assert result.returncode != 0
    assert "+cpu" in result.stderr, result.stderr


def test_setup_script_has_no_pypi_fallback_for_torch(tmp_path):
    text = setup_script(tmp_path).read_text()
    assert subprocess.run(["bash", "-n", str(tmp_path / "setup.sh")], capture_output=True).returncode == 0
    assert "installing torch from PyPI" not in text
    for line in text.splitlines():
        if "pip" in line and "install" in line and "torch" in line and not line.lstrip().startswith("#"):
            assert "--index-url" in line, line
