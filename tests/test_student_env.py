"""The students' environment for the course notebooks, installed as the student README says.

``python -m grader release`` writes the bundle; a fresh virtual environment
gets ``pip install "./[notebooks]"`` (here without torch, which the bundle
pins and these checks do not need: ``--no-deps`` for the bundle, its notebook
extras by name) and the kernelspec. Then, in that environment:

- a student cell looks for the answers: the kit's ``grader`` cannot be
  imported, and no file of the environment (every ``sys.path`` folder and
  the prefix) holds a solution region's line, a solution marker or a line of
  the hidden checks, while the notebooks' helper ``d2lkit.jupyter.cells``
  imports;
- JupyterLab, started from that environment, shows no nbgrader instructor
  UI: no nbgrader extension in the page it serves, no formgrader page.

Installing JupyterLab from the package index takes about 40 s here.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from grader import release

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def student_env(tmp_path_factory):
    base = tmp_path_factory.mktemp("student")
    bundle = base / "bundle"
    release.write_bundle(bundle)
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    extras = release.pinned(release.NOTEBOOK_REQUIREMENTS)
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    for args in (extras, ["--no-deps", str(bundle)]):
        result = subprocess.run(pip + args, capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    subprocess.run([str(python), "-m", "ipykernel", "install", "--sys-prefix", "--name", "d2l-cnn-kit"],
                   check=True, capture_output=True)
    return {"python": python, "venv": venv, "bundle": bundle, "home": base / "home"}


def environment(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PYTHONPATH", "VIRTUAL_ENV"))}
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "HOME"):
        (home / name).mkdir(parents=True, exist_ok=True)
        env[name] = str(home / name)
    return env


SEARCH = r'''
import importlib.util, json, os, sys
found = {"grader": importlib.util.find_spec("grader") is not None, "hits": [], "files": 0}
import d2lkit.jupyter.cells
found["cells"] = d2lkit.jupyter.cells.__file__
needles = set(json.loads(sys.argv[1]))          # whole lines, stripped, as the release's audit compares them
prefix = os.path.realpath(sys.prefix)          # the environment (the system's Python is no part of the kit)
roots = {os.path.realpath(p) for p in sys.path if p and os.path.isdir(p)
         and not os.path.realpath(p).startswith(os.path.realpath(sys.base_prefix))} | {prefix}
for root in sorted(roots):
    for folder, _, names in os.walk(root):
        for name in names:
            if not name.endswith((".py", ".ipynb", ".txt", ".md", ".toml", ".cfg")):
                continue
            found["files"] += 1
            try:
                lines = {line.strip() for line in open(os.path.join(folder, name), encoding="utf-8",
                                                        errors="replace")}
            except OSError:
                continue
            if lines & needles and os.path.join(folder, name) not in found["hits"]:
                found["hits"].append(os.path.join(folder, name))
print(json.dumps(found))
'''


def secrets() -> list[str]:
    """What must not be on a student's disk: a solution region's lines, the markers, and the first
    line of every hidden module's docstring (generic lines of Python are no secret)."""
    import ast
    from grader import hidden, stubgen
    lines = {line for line in release.solution_lines() if len(line) >= 20} | {stubgen.BEGIN, stubgen.END}
    hidden_only = release.hidden_only_lines()
    for path in hidden.hidden_files():
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")), clean=False)
        first = docstring.splitlines()[0].strip() if docstring else ""
        if len(first) >= 30 and first in hidden_only | {line.lstrip('"') for line in hidden_only}:
            lines.add(first)
    return sorted(lines)


def test_a_student_cell_finds_no_answers(student_env):
    """The search runs in a kernel of the student environment, as a student's cell would."""
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook
    code = f"import sys\nsys.argv = ['search', {json.dumps(json.dumps(secrets()))}]\n" + SEARCH
    nb = new_notebook(cells=[new_code_cell(code)],
                      metadata={"kernelspec": {"name": "d2l-cnn-kit", "display_name": "d2l", "language": "python"}})
    env = environment(student_env["home"])
    previous = dict(os.environ)
    os.environ.clear()
    os.environ.update(env, JUPYTER_PATH=str(student_env["venv"] / "share" / "jupyter"))
    try:
        NotebookClient(nb, timeout=600, kernel_name="d2l-cnn-kit",           # in a folder of the student's
                       resources={"metadata": {"path": str(student_env["home"])}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(previous)
    output = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    assert output, nb.cells[0].outputs
    found = json.loads(output)
    assert found["cells"].startswith(str(student_env["venv"]))     # the kernel is the student environment's
    assert found["grader"] is False
    assert found["files"] > 500                                      # it did look (JupyterLab's own files)
    assert found["hits"] == []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_jupyterlab_shows_no_nbgrader_instructor_ui(student_env):
    port = free_port()
    env = environment(student_env["home"])
    server = subprocess.Popen([str(student_env["venv"] / "bin" / "jupyter"), "lab", "--no-browser",
                              f"--port={port}", "--ip=127.0.0.1", "--IdentityProvider.token=",
                              "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True", "--allow-root"],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        page = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.poll() is None:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/lab", timeout=5).read().decode()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        assert page, f"JupyterLab did not start: {server.stderr.read()[-2000:] if server.poll() is not None else ''}"
        assert "jupyter-config-data" in page                             # the page that lists the extensions
        import re
        config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', page, re.S).group(1))
        extensions = [e.get("name", "") for e in config.get("federated_extensions", [])]
        assert extensions and not [e for e in extensions if "nbgrader" in e], extensions
        assert "nbgrader" not in page and "formgrader" not in page.lower()
        for path in ("/formgrader", "/create_assignment"):
            with pytest.raises(urllib.error.HTTPError) as missing:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10)
            assert missing.value.code == 404
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
