"""The README and the documentation site (``docs/``, ``mkdocs.yml``).

- the README stays short (at most 200 lines) and every relative link in it leads to a file;
- the site builds with ``mkdocs build --strict`` (every link and anchor resolves; the Slurm script
  is included from ``cluster/grade_class.sbatch``, never copied);
- every command shown is run by a test or says it is not: each fenced block names its language,
  and each shell block (bash, sh, shell, console, ...) is immediately preceded by

      <!-- tested-by: tests/test_x.py::test_name -->     a test of that file runs these commands
      <!-- illustrative: why -->                         shown, not run by any test

  A ``tested-by`` test must exist, and its file must name every ``--option`` of the block and the
  subcommand of every ``python -m grader ...`` and ``nbgrader ...`` line in it;
- the students' first commands, as the README shows them, do what it says.
"""
import ast
import html
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = sorted((ROOT / "docs").rglob("*.md"))
SHELLS = {"bash", "sh", "shell", "console", "zsh", "bash-session", "shell-session", "powershell", "ps1",
          "pwsh", "bat", "batch", "cmd"}
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*(?P<lang>[^\s`{]*)")
TESTED_BY = re.compile(r"^<!--\s*tested-by:\s*(?P<file>tests/[\w/]+\.py)::(?P<name>\w+)\s*-->$")
ILLUSTRATIVE = re.compile(r"^<!--\s*illustrative\b.*-->$")


def fenced_blocks(path: Path) -> list[tuple[int, str, str, str]]:
    """(line number, language, the line just above the fence, the block's text) of every fenced block."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks, number = [], 0
    while number < len(lines):
        opening = FENCE.match(lines[number])
        if not opening:
            number += 1
            continue
        fence, start = opening["fence"], number
        number += 1
        while number < len(lines) and not lines[number].strip().startswith(fence):
            number += 1
        above = lines[start - 1].strip() if start else ""
        blocks.append((start + 1, opening["lang"].lower(), above, "\n".join(lines[start + 1:number])))
        number += 1
    return blocks


def documents() -> list[Path]:
    return [README, *PAGES]


def where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def commands(block: str) -> list[str]:
    """The block's command lines, comments dropped and continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", block)
    lines = []
    for line in joined.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", line).strip()     # a comment, whole-line or trailing
        if line:
            lines.append(line)
    return lines


def words_a_test_must_name(block: str) -> set[tuple[str, ...]]:
    """What the test's file must name, each as its accepted spellings: every option of the block, and
    the subcommand of every ``python -m grader`` and ``nbgrader`` line (quoted, or after its program)."""
    words = set()
    for line in commands(block):
        words |= {(option,) for option in re.findall(r"(?<![\w-])--[a-z][a-z-]*", line)}
        for program, pattern in (("grader", r"-m grader (\w+)"), ("nbgrader", r"^nbgrader (\w+)")):
            words |= {(f'"{sub}"', f"'{sub}'", f"{program} {sub}") for sub in re.findall(pattern, line)}
    return words


def test_readme_is_at_most_200_lines():
    count = len(README.read_text(encoding="utf-8").splitlines())
    assert count <= 200, f"README.md has {count} lines: move the details to docs/"


def slug(heading: str) -> str:
    """Python-Markdown's toc slug of a heading (what mkdocs and the docs' anchors use)."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", heading)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def test_every_relative_link_of_the_readme_resolves():
    text = README.read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    relative = [link for link in links if not re.match(r"^[a-z][a-z0-9+.-]*:", link) and not link.startswith("#")]
    assert relative, "the README links its docs pages"
    for link in relative:
        target, _, anchor = link.partition("#")
        path = (README.parent / target).resolve()
        assert path.exists(), f"README.md links {link}, which is not a file of the kit"
        if anchor and path.suffix == ".md":
            headings = re.findall(r"^#{1,6}\s+(.*?)\s*$", path.read_text(encoding="utf-8"), flags=re.M)
            assert anchor in {slug(h) for h in headings}, f"README.md links {link}: no such heading in {target}"


def block_problems(path: Path) -> tuple[list[str], int]:
    """What breaks the rule in one Markdown file, and how many of its command blocks are tested."""
    problems, tested = [], 0
    for line, lang, above, block in fenced_blocks(path):
        here = where(path, line) if path.is_relative_to(ROOT) else f"{path}:{line}"
        if not lang:
            problems.append(f"{here}: a fenced block without a language (text, bash, python ...)")
            continue
        if lang not in SHELLS or ILLUSTRATIVE.match(above):
            continue
        claim = TESTED_BY.match(above)
        if not claim:
            problems.append(f"{here}: a {lang} block needs <!-- tested-by: tests/FILE.py::TEST --> "
                            f"or <!-- illustrative: why --> on the line just above it")
            continue
        test_file = ROOT / claim["file"]
        if not test_file.is_file():
            problems.append(f"{here}: {claim['file']} does not exist")
            continue
        source = test_file.read_text(encoding="utf-8")
        functions = {node.name for node in ast.walk(ast.parse(source))
                     if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
        if not claim["name"].startswith("test_") or claim["name"] not in functions:
            problems.append(f"{here}: no test {claim['name']} in {claim['file']}")
            continue
        missing = sorted(word[0] for word in words_a_test_must_name(block)
                         if not any(spelling in source for spelling in word))
        if missing:
            problems.append(f"{here}: {claim['file']} never names {', '.join(missing)}: "
                            f"it does not run these commands")
            continue
        tested += 1
    return problems, tested


def test_every_command_block_is_tested_or_illustrative():
    problems, tested = [], 0
    for path in documents():
        found, count = block_problems(path)
        problems += found
        tested += count
    assert not problems, "\n".join(problems)
    assert tested >= 8, f"only {tested} command blocks are run by tests"


def test_the_rule_catches_what_it_should(tmp_path):
    """Each way of breaking the rule is found; a correct page passes."""
    cases = {
        "```\nmake demo\n```": "without a language",
        "```bash\nmake demo\n```": "needs <!-- tested-by",
        "<!-- tested-by: tests/test_nothing.py::test_x -->\n```bash\nmake demo\n```": "does not exist",
        "<!-- tested-by: tests/test_docs.py::test_nothing -->\n```sh\nmake demo\n```": "no test test_nothing",
        "<!-- tested-by: tests/test_release.py::test_bundle_layout -->\n```console\n"
        "python -m grader grade X --no-such-option\n```": "never names",
        "<!-- tested-by: tests/test_grader.py::test_cli_writes_gradescope_results -->\n\n```bash\n"
        "python -m grader grade X --json r.json\n```": "needs <!-- tested-by",       # not just above
    }
    for text, why in cases.items():
        page = tmp_path / "page.md"
        page.write_text(text + "\n", encoding="utf-8")
        problems, _ = block_problems(page)
        assert len(problems) == 1 and why in problems[0], (text, problems)
    page.write_text("<!-- tested-by: tests/test_grader.py::test_cli_writes_gradescope_results -->\n```bash\n"
                    "python -m grader grade X --no-train --json r.json   # --not-an-option in a comment\n```\n"
                    "<!-- illustrative: shown only -->\n```bash\nmake demo\n```\n```python\nx = 1\n```\n",
                    encoding="utf-8")
    assert block_problems(page) == ([], 1)


def test_the_slurm_script_has_one_source():
    """The batch page includes cluster/grade_class.sbatch; no page holds a copy of it."""
    batch = (ROOT / "docs" / "instructors" / "batch.md").read_text(encoding="utf-8")
    assert '--8<-- "cluster/grade_class.sbatch"' in batch
    for path in documents():
        copies = [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#SBATCH")]
        assert not copies, f"{path.relative_to(ROOT)} holds #SBATCH lines: include the script instead"


def test_the_site_builds_strictly(tmp_path):
    for package in ("mkdocs", "material", "pymdownx"):
        if importlib.util.find_spec(package) is None:
            pytest.skip(f"{package} is not installed in this environment "
                        f"(pip install mkdocs==1.6.1 mkdocs-material==9.8.2): the site was not built")
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    for page in PAGES:
        assert (site / page.relative_to(ROOT / "docs").with_suffix(".html")).is_file(), page
    script = (ROOT / "cluster" / "grade_class.sbatch").read_text(encoding="utf-8")
    built = html.unescape(re.sub(r"<[^>]+>", "", (site / "instructors" / "batch.html").read_text(encoding="utf-8")))
    for line in script.splitlines():
        if line.startswith("#SBATCH"):
            assert line in built, f"the built batch page lacks the script's line {line!r}"


def test_a_students_first_commands(tmp_path):
    """The README's block, run from the kit's root: the stub fails with its message, a solved copy
    kept in another folder (named by a relative --impl) passes."""
    mine = tmp_path / "my-cnns"
    mine.mkdir()
    shutil.copy(ROOT / "solutions" / "lenet.py", mine / "lenet.py")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_") and k != "PYTHONPATH"}
    pytest_command = [sys.executable, "-m", "pytest", "exercises/test_lenet.py", "-q", "-p", "no:cacheprovider"]
    runs = [subprocess.Popen(pytest_command + extra, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
            for extra in ([], [f"--impl={os.path.relpath(mine, ROOT)}"])]
    (stub_out, _), (mine_out, _) = (run.communicate(timeout=120) for run in runs)
    assert runs[0].returncode == 1, stub_out[-2000:]
    assert "lenet is not implemented yet" in stub_out and "尚未实现" in stub_out and "Traceback" not in stub_out
    assert runs[1].returncode == 0 and re.search(r"\b2 passed\b", mine_out), mine_out[-2000:]
