"""The student bundle (``python -m grader release``): self-sufficient, and nothing hidden in it.

The "fresh virtual environment" is a real new venv (``python -m venv
--without-pip``) of the base interpreter. Reinstalling torch there would cost
minutes and gigabytes, so a ``.pth`` file puts the kit's site-packages on its
path: torch, pytest and setuptools become importable, but the ``.pth`` files
inside that folder are not processed, so the kit's editable ``grader`` package
is *not* importable there (asserted below). The bundle is installed with pip
(resolving its pinned requirements, which must be satisfied by what is there,
with ``--no-index``) and its tests run from a copy outside this repository.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from grader import release

ROOT = Path(__file__).resolve().parent.parent
HIDDEN_FILES = ("strategies.py", "probes.py", "grade.py", "canonical.py", "diagnose.py",
                "plugin.py", "policy.py", "check_structure.py")
HIDDEN_FOLDERS = ("sandbox",)          # every file in them


def hidden_file(path: Path) -> bool:
    return path.name in HIDDEN_FILES or path.parent.name in HIDDEN_FOLDERS


def run(cmd, cwd, timeout=300):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "bundle"
    result = run([sys.executable, "-m", "grader", "release", out], cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return out


def bundle_text(bundle: Path) -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in bundle.rglob("*") if p.is_file()}


def solution_region_lines() -> set[str]:
    """Written independently of release.solution_lines: every line between the markers that says
    something (8 characters or more: `else:` or `])` are no secret)."""
    lines = set()
    for path in (ROOT / "solutions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for region in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", text, flags=re.S):
            lines |= {l.strip() for l in region.splitlines() if len(l.strip()) >= 8}
    return lines


def test_bundle_layout(bundle):
    names = {str(p.relative_to(bundle)) for p in bundle.rglob("*") if p.is_file()}
    for module in ("lenet", "batch_norm", "alexnet", "vgg", "nin", "googlenet", "resnet",
                   "batch_norm_scratch", "densenet"):
        assert f"exercises/{module}.py" in names and f"exercises/test_{module}.py" in names
    assert {"exercises/conftest.py", "README.md", "requirements.txt", "pyproject.toml",
            "d2lkit/spec.py", "d2lkit/visible.py"} <= names
    assert (bundle / "requirements.txt").read_text().split() == ["torch==2.14.1", "pytest==9.2.0"]
    readme = (bundle / "README.md").read_text(encoding="utf-8")
    assert "pytest exercises/test_resnet.py" in readme and "尚未实现" in readme and "{" not in readme
    # the stubs are the generated ones, identical to the committed exercises/
    assert (bundle / "exercises" / "vgg.py").read_text() == (ROOT / "exercises" / "vgg.py").read_text()


def test_bundle_leaks_no_solution_and_no_hidden_check(bundle):
    texts = bundle_text(bundle)
    assert not [p for p in texts if hidden_file(p) or "solutions" in p.parts]
    solution = solution_region_lines()
    assert len(solution) > 50
    for path, text in texts.items():
        stripped = {l.strip() for l in text.splitlines()}
        assert not (stripped & solution), f"{path} holds a line of a solution region"
        assert "BEGIN SOLUTION" not in text
        assert not re.search(r"^\s*(from|import)\s+grader\b", text, flags=re.M), f"{path} imports grader"
    # no line that exists only in the hidden modules
    public = set()
    for path in list((ROOT / "grader").rglob("*.py")) + list((ROOT / "exercises").glob("*.py")):
        if not hidden_file(path):
            public |= {l.strip() for l in path.read_text(encoding="utf-8").splitlines()}
    hidden = set()
    for path in (ROOT / "grader").rglob("*.py"):
        if hidden_file(path):
            hidden |= {l.strip() for l in path.read_text(encoding="utf-8").splitlines() if len(l.strip()) >= 12}
    hidden -= public
    for path, text in texts.items():
        assert not ({l.strip() for l in text.splitlines()} & hidden), f"{path} holds hidden-check source"
    assert release.audit(bundle) == []


def test_bundle_installs_in_a_fresh_venv_and_runs_its_tests(bundle, tmp_path):
    copy = tmp_path / "student"
    shutil.copytree(bundle, copy)
    venv = tmp_path / "venv"
    assert run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp_path).returncode == 0
    python = venv / "bin" / "python"
    site = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp_path)
    (Path(site.stdout.strip()) / "kit_packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    probe = run([python, "-c", "import torch, pytest\ntry:\n import grader\nexcept ImportError:\n print('no grader')"],
                cwd=tmp_path)
    assert "no grader" in probe.stdout, probe.stdout + probe.stderr

    install = run([sys.executable, "-m", "pip", "--python", python, "install", "--no-index",
                   "--no-build-isolation", "--disable-pip-version-check", copy], cwd=tmp_path)
    assert install.returncode == 0, install.stdout + install.stderr
    assert "d2l-cnn-exercises" in run([python, "-m", "pip", "list"], cwd=tmp_path).stdout \
        or "Successfully installed d2l-cnn-exercises" in install.stdout

    stubs = run([python, "-m", "pytest", "test_resnet.py", "-p", "no:cacheprovider"], cwd=copy / "exercises")
    assert stubs.returncode == 1, stubs.stdout + stubs.stderr
    assert "5 failed" in stubs.stdout
    assert "Residual.__init__ is not implemented yet: write it as its docstring describes" in stubs.stdout
    assert "Residual.__init__ 尚未实现" in stubs.stdout
    assert "Traceback" not in stubs.stdout

    # the same tests pass on a correct file: the bundle's helpers work on their own
    shutil.copyfile(ROOT / "solutions" / "resnet.py", copy / "exercises" / "resnet.py")
    solved = run([python, "-m", "pytest", "exercises/test_resnet.py", "-p", "no:cacheprovider"], cwd=copy)
    assert solved.returncode == 0 and "5 passed" in solved.stdout, solved.stdout + solved.stderr


def test_audit_finds_a_planted_solution_line(bundle, tmp_path):
    copy = tmp_path / "leaky"
    shutil.copytree(bundle, copy)
    line = sorted(release.solution_lines())[0]
    with open(copy / "exercises" / "lenet.py", "a", encoding="utf-8") as f:
        f.write(f"\n    {line}\n")
    (copy / "d2lkit" / "probes.py").write_text("")
    problems = release.audit(copy)
    assert any("solution region" in p for p in problems) and any("hidden module" in p for p in problems)


def test_release_refuses_a_visible_helper_that_imports_a_hidden_module(tmp_path):
    (tmp_path / "visible.py").write_text("from .checking import catalogue\n")
    with pytest.raises(release.ReleaseError, match="hidden module"):
        release.import_closure(["from grader.visible import cases\n"], package=tmp_path)
    assert release.import_closure(["from grader.visible import cases\n"]) == [
        "build", "computation", "computation.ops", "computation.record", "report", "shapes", "spec", "text",
        "visible"]


def test_release_keeps_unrelated_folders(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = run([sys.executable, "-m", "grader", "release", tmp_path], cwd=ROOT)
    assert result.returncode == 3 and "not empty" in result.stderr
    assert (tmp_path / "notes.txt").read_text() == "mine"
