"""The Gradescope package: its layout, and ``run_autograder`` in a folder laid out like Gradescope's.

Gradescope unzips the package into ``/autograder/source``, runs ``setup.sh``
once, copies ``run_autograder`` to ``/autograder/run_autograder`` and runs it
for each submission (in ``/autograder/submission``); the results go to
``/autograder/results/results.json``. Here the root is a temporary folder
(``AUTOGRADER_ROOT``) and the interpreter this test's (``AUTOGRADER_PYTHON``),
since setup.sh installs packages; setup.sh itself is only syntax-checked.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader import gradescope
from grader.checking.outcome import Result
from grader.text import Text

ROOT = Path(__file__).resolve().parent.parent
ONLY = "lenet,batch_norm"

# Gradescope's results.json specification (autograder "Output format" documentation).
TOP_KEYS = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
            "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
TEST_KEYS = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
             "tags", "visibility", "extra_data"}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}


def validate_results(data: dict) -> None:
    """Raise AssertionError unless ``data`` follows Gradescope's results.json format."""
    assert isinstance(data, dict) and set(data) <= TOP_KEYS, set(data) - TOP_KEYS
    assert "score" in data or all("score" in t for t in data.get("tests", []))
    number = (int, float)
    if "score" in data:
        assert isinstance(data["score"], number) and not isinstance(data["score"], bool)
    assert isinstance(data.get("execution_time", 0), number)
    assert isinstance(data.get("output", ""), str)
    for key in ("visibility", "stdout_visibility"):
        assert data.get(key, "visible") in VISIBILITIES
    for key in ("output_format", "test_output_format"):
        assert data.get(key, "text") in FORMATS
    assert isinstance(data.get("tests", []), list)
    for test in data.get("tests", []):
        assert isinstance(test, dict) and set(test) <= TEST_KEYS, set(test) - TEST_KEYS
        for key in ("score", "max_score"):
            if key in test:
                assert isinstance(test[key], number) and not isinstance(test[key], bool)
        assert test.get("status", "passed") in ("passed", "failed")
        assert isinstance(test.get("name", ""), str) and isinstance(test.get("output", ""), str)
        assert isinstance(test.get("tags", []), list) and all(isinstance(t, str) for t in test.get("tags", []))
        assert test.get("visibility", "visible") in VISIBILITIES
        assert test.get("output_format", "text") in FORMATS
        if "score" in test and "max_score" in test:
            assert 0 <= test["score"] <= test["max_score"] + 1e-9
    json.dumps(data)


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gradescope") / "autograder.zip"
    result = subprocess.run([sys.executable, "-m", "grader", "gradescope", str(out), "--no-train", "--only", ONLY],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return out


def gradescope_layout(package: Path, base: Path) -> Path:
    """``base/autograder`` as Gradescope prepares it before a submission is graded."""
    root = base / "autograder"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(package) as archive:
        archive.extractall(root / "source")
        for info in archive.infolist():      # zipfile drops the permission bits; Gradescope keeps them
            mode = info.external_attr >> 16
            if mode & 0o777:
                os.chmod(root / "source" / info.filename, mode & 0o777)
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    (root / "results").mkdir()
    return root


def run_autograder(root: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable)
    return subprocess.run(["bash", str(root / "run_autograder")], cwd="/", env=env, capture_output=True,
                          text=True, timeout=300)


def test_package_layout(package):
    with zipfile.ZipFile(package) as archive:
        infos = {i.filename: i for i in archive.infolist()}
        for name in ("setup.sh", "run_autograder"):
            assert infos[name].external_attr >> 16 & 0o111, f"{name} must be executable"
        assert {"kit/grader/hidden_tests/check_structure.py", "kit/grader/hidden_tests/pytest.ini",
                "kit/grader/checking/plugin.py", "kit/grader/grade.py", "kit/solutions/resnet.py",
                "kit/requirements.txt", "kit/autograder.json", "kit/reference_cache.json",
                "kit/pyproject.toml"} <= set(infos)
        assert not [n for n in infos if n.startswith(("kit/tests/", "kit/exercises/")) or "__pycache__" in n]
        requirements = archive.read("kit/requirements.txt").decode().split()
        assert requirements == ["torch==2.14.1", "torchvision==0.29.1", "hypothesis==6.170.17", "pytest==9.2.0"]
        setup = archive.read("setup.sh").decode()
        config = json.loads(archive.read("kit/autograder.json"))
    assert "torch==2.14.1 torchvision==0.29.1" in setup and "download.pytorch.org/whl/cpu" in setup
    assert "{" + "torch_pins}" not in setup
    assert config["train"] is False and config["modules"] == ["lenet", "batch_norm"]
    assert config["hidden_feedback"] == "brief"
    script = package.parent / "setup.sh"
    script.write_text(setup)
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0


def test_run_autograder_grades_the_submission(package, tmp_path):
    root = gradescope_layout(package, tmp_path)
    lenet = (ROOT / "solutions" / "lenet.py").read_text()
    (root / "submission" / "exercises").mkdir()
    (root / "submission" / "exercises" / "lenet.py").write_text(
        lenet.replace("nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),",
                      "nn.Conv2d(1, 6, kernel_size=5), nn.Sigmoid(),"))        # no padding: a visible mistake
    shutil.copy(ROOT / "solutions" / "batch_norm.py", root / "submission" / "batch_norm.py")
    result = run_autograder(root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "reference cache: " in result.stdout and "not used" not in result.stdout   # no recomputing
    data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    validate_results(data)
    assert data["stdout_visibility"] == "hidden"
    assert abs(data["score"] - sum(t["score"] for t in data["tests"])) < 1e-6
    by_module = {}
    for test in data["tests"]:
        by_module.setdefault(test["tags"][0], []).append(test)
    assert sum(t["score"] for t in by_module["batch_norm"]) == sum(t["max_score"] for t in by_module["batch_norm"])
    failed = [t for t in by_module["lenet"] if t["status"] == "failed"]
    assert failed and sum(t["score"] for t in by_module["lenet"]) < 9
    shapes = [t for t in failed if t["tags"][1] == "shapes"]
    # the hidden checks that fail, or only repeat the mistake charged in shapes (passed: they keep their points)
    repeats = [t for t in by_module["lenet"] if (t.get("extra_data") or {}).get("same_as")]
    assert all(t["status"] == ("passed" if t["score"] == t["max_score"] else "failed") for t in repeats)
    hidden = [t for t in failed + repeats if t["tags"][1] not in ("shapes", "params")]
    assert shapes and ">>" in shapes[0]["output"] and "padding" in shapes[0]["output"]   # the visible check: all of it
    assert hidden and all("computes something different" in t["output"] or "the same mistake" in t["output"]
                          for t in hidden)                        # one mistake (the padding), told once: in shapes
    assert not any("expected:" in t["output"] or "hint:" in t["output"] for t in hidden)  # hidden: headline only
    # brief: no expected value anywhere in a hidden check, a repeat's included ("... 0 instead of 2")
    assert not any(" instead of " in t["output"] or "cause" in (t.get("extra_data") or {}) for t in hidden)
    assert "lenet.py: graded exercises/lenet.py" in data["output"]
    from grader.grade import hidden_lines
    source = hidden_lines()
    assert not any(line.strip() in source for t in data["tests"] for line in t["output"].splitlines())


def test_run_autograder_handles_an_uploaded_zip(package, tmp_path):
    root = gradescope_layout(package, tmp_path)
    with zipfile.ZipFile(root / "submission" / "work.zip", "w") as archive:
        archive.writestr("../../lenet.py", "x = 1\n")
    assert run_autograder(root).returncode == 0
    data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    validate_results(data)
    assert data["score"] == 0 and "path traversal" in data["output"]
    assert all("path traversal" in t["output"] for t in data["tests"] if t["tags"][1] in ("shapes", "params"))


HEADLINE = Text.say("lenet() on input 2x1x28x28 (train mode) computes something different from the book.",
                    "lenet() 在输入 2x1x28x28（训练模式）下的计算与书中不同。")
PRINTED = Text.detail("--- lenet.py printed (truncated) ---", "--- lenet.py 的输出（截断）---") \
    + Text.plain("  my debug line")


def test_feedback_levels():
    message = (HEADLINE + Text.labelled("where", "layer 2 (ReLU)") + Text.labelled("expected", "#2 sigmoid()")
               + Text.labelled("found", "#2 relu()")
               + Text.say("  hint: compare this layer's type", "  提示：请对照该层的类型") + PRINTED)
    crash = Text.say("your code raised:", "你的代码抛出了异常：") \
        + Text.plain("  TypeError: bad\n    at lenet.py line 3: x = f(")
    result = Result("lenet", "structure", "x", 1, 0, "failed", message)
    brief = gradescope.student_view(result, "brief", "after_due_date")
    assert brief["visibility"] == "after_due_date"
    assert brief["output"] == (HEADLINE + PRINTED).show("both")
    assert gradescope.student_view(result, "brief", "visible", "zh")["output"].splitlines() == [
        "lenet() 在输入 2x1x28x28（训练模式）下的计算与书中不同。", "--- lenet.py 的输出（截断）---", "  my debug line"]
    assert gradescope.brief(crash) == crash
    assert gradescope.student_view(result, "none", "visible")["output"] == ""
    assert gradescope.student_view(result, "full", "visible")["output"] == message.show("both")
    assert gradescope.student_view(result, "full", "visible", "en")["output"] == message.show("en")
    table = Result("lenet", "shapes", "x", 1, 0, "failed", "table\n  >> 2 row")
    assert gradescope.student_view(table, "none", "hidden") == dict(table.gradescope(), visibility="visible")


def test_validator_rejects_what_gradescope_rejects():
    good = {"score": 1.0, "tests": [{"name": "a", "score": 1, "max_score": 1, "status": "passed"}]}
    validate_results(good)
    for bad in ({"score": "1"}, {"score": 1, "tests": [{"status": "ok"}]}, {"score": 1, "max_points": 2},
                {"score": 1, "tests": [{"score": 2, "max_score": 1}]}, {"score": 1, "visibility": "public"}):
        with pytest.raises(AssertionError):
            validate_results(bad)


def test_brief_feedback_shows_no_expected_value():
    """A repeat of a mistake charged elsewhere names the check that reports it, not the mistake's gist
    (the book's value); a failure keeps its headline, the student's line and what the code printed."""
    gist = "Conv2d padding: 0 instead of 2"
    repeat = Result("lenet", "structure", "eval structure", 1, 1, "failed",
                    Text.say(f"the same mistake as in 'shapes' ({gist}), reported there; one mistake costs "
                             "at most 2 of this network's points in all.", "与“形状”中的错误相同，已在那里报告。")
                    + PRINTED, cause=gist, same_as="shapes")
    for feedback in ("brief", "none"):
        shown = gradescope.student_view(repeat, feedback, "visible")
        assert "instead of" not in json.dumps(shown, ensure_ascii=False), (feedback, shown)
    shown = gradescope.student_view(repeat, "brief", "visible", "zh", {"shapes": "形状表"})
    assert "“形状表”" in shown["output"] and shown["output"].splitlines()[-1] == "  my debug line"
    assert gist in json.dumps(gradescope.student_view(repeat, "full", "visible"), ensure_ascii=False)
    failure = (Text.say("lenet() computes something different from the book.", "lenet() 的计算与书中不同。")
               + Text.labelled("where", "layer 1") + Text.labelled("expected", "#1 conv2d(padding=2)")
               + Text.say("the mistake:", "错误所在：") + Text.say("  padding 0 instead of 2", "  填充为 0，应为 2")
               + Text.plain("  RuntimeError: boom\n    at lenet.py line 7: nn.Conv2d(1, 6, 5)"))
    assert gradescope.brief(failure).show("both").splitlines() == [
        "lenet() computes something different from the book.", "lenet() 的计算与书中不同。",
        "  RuntimeError: boom", "    at lenet.py line 7: nn.Conv2d(1, 6, 5)"]


def test_hidden_points_stay_out_of_the_visible_output(package, tmp_path):
    """With the hidden checks shown after the due date, the always-visible output gives only the visible
    checks' points, not "Score 6.75 / 9" (hidden points included)."""
    root = gradescope_layout(package, tmp_path)
    config_path = root / "source" / "kit" / "autograder.json"
    config = json.loads(config_path.read_text())
    config["hidden_visibility"] = "after_due_date"
    config["lang"] = "zh"                   # gradescope --lang zh: what students see is in Chinese only
    config_path.write_text(json.dumps(config))
    lenet = (ROOT / "solutions" / "lenet.py").read_text()
    (root / "submission" / "lenet.py").write_text(
        lenet.replace("nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),",
                      "nn.Conv2d(1, 6, kernel_size=5), nn.Sigmoid(),"))
    result = run_autograder(root)
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    validate_results(data)
    visible = [t for t in data["tests"] if t["visibility"] == "visible"]
    later = [t for t in data["tests"] if t["visibility"] == "after_due_date"]
    assert visible and later
    got, out_of = sum(t["score"] for t in visible), sum(t["max_score"] for t in visible)
    assert f"{got:g} / {out_of:g}" in data["output"].splitlines()[0]
    assert f"{data['score']:g} /" not in data["output"] and "得分" not in data["output"], data["output"]
    assert data["output"].startswith("可见检查")
    from tests.test_language import english_lines_in
    shown = "\n".join([data["output"]] + [t["name"] + "\n" + t["output"] for t in data["tests"]])
    assert english_lines_in(shown) == [], shown
