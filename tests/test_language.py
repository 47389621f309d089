"""A report in one language (``--lang en`` / ``--lang zh``, and ``--json`` with them) holds that language only.

Messages are written in both languages (``report.bilingual``); details are
indented and tables carry bilingual labels ("expected (书中)"). ``report.localise``
is the one rule every path uses: an English report keeps no Chinese (labels
shown in English, tables as wide as before), a Chinese one no English sentence
(labels translated; PyTorch's own errors kept, as they are only in English).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from grader.__main__ import main
from grader.grade import grade_submission
from grader.report import PROSE, display_width, has_chinese, localise
from tests.corpus.mutants import BY_ID, materialize

ROOT = Path(__file__).resolve().parent.parent
MESSAGE = """lenet(): the per-layer output table for input 1x1x28x28 differs from the book at row 7.
lenet()：输入 1x1x28x28 时的逐层输出形状与书中第 7 行不一致。
      #  expected (书中)           found (你的实现)
  >>  7  Flatten [1, 400]          (error / 出错)
Your forward pass raised RuntimeError: mat1 and mat2 shapes cannot be multiplied (80x5 and 400x120)
你的前向计算出错（见上方）。
the mistake / 错误所在：
  where:    layer 3 (MaxPool2d)
  the book uses AvgPool2d(kernel_size=2) here; yours uses MaxPool2d(kernel_size=2).
  hint: use AvgPool2d here, as the book does.
  书中此处为 AvgPool2d，你的为 MaxPool2d（池化类型不同）。提示：此处请使用 AvgPool2d。"""


def test_english_keeps_no_chinese_and_tables_keep_their_width():
    english = localise(MESSAGE, "en")
    assert not has_chinese(english), english
    table = [line for line in english.splitlines() if "expected" in line or ">>" in line]
    original = [line for line in MESSAGE.splitlines() if "expected (" in line or ">>" in line]
    assert [line.index("found") for line in table if "found" in line] == \
        [display_width(line[:line.index("found")]) for line in original if "found" in line]
    assert "(error)" in english and "the mistake:" in english and "hint: use AvgPool2d" in english


def test_chinese_keeps_no_english_sentence_but_the_details_and_the_error():
    chinese = localise(MESSAGE, "zh")
    assert "位置：    layer 3 (MaxPool2d)" in chinese
    assert "hint:" not in chinese and "the book uses" not in chinese
    assert "RuntimeError: mat1 and mat2" in chinese       # PyTorch's words, in English only
    assert "Flatten [1, 400]" in chinese


def english_lines_in(text: str) -> list[str]:
    """Lines of a Chinese report that are English sentences: not check names ("[FAIL] kind name"), not
    PyTorch's errors, not tables."""
    return [line for line in text.splitlines() if PROSE.search(line) and not has_chinese(line)
            and not re.match(r"\s*\[(ok  |FAIL|same|skip)\]", line) and not re.search(r"\w*(Error|Exception)\b", line)]


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("language")
    submission = folder / "student"
    submission.mkdir()
    for mutant in ("lenet-maxpool", "bn-eps"):
        made = materialize(BY_ID[mutant], folder / mutant)
        name = f"{BY_ID[mutant].module}.py"
        (submission / name).write_bytes((made / name).read_bytes())
    (submission / "vgg.py").write_text("this is not Python\n")      # a file that does not import
    return grade_submission(submission, ("lenet", "batch_norm", "vgg"), train=False), submission


def test_a_whole_report_in_english_has_no_chinese(reports):
    report, _ = reports
    text = report.text("en")
    assert [line for line in text.splitlines() if has_chinese(line)] == [], text


def test_a_whole_report_in_chinese_has_no_english_sentence(reports):
    report, _ = reports
    text = report.text("zh")
    assert english_lines_in(text) == [], text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_json_follows_lang(lang, reports, tmp_path, capsys):
    _, submission = reports
    out = tmp_path / "results.json"
    main(["grade", str(submission), "--only", "lenet", "--no-train", "--lang", lang, "--json", str(out)])
    capsys.readouterr()
    outputs = "\n".join(test["output"] for test in json.loads(out.read_text())["tests"])
    if lang == "en":
        assert not has_chinese(outputs), outputs
    else:
        assert has_chinese(outputs) and english_lines_in(outputs) == [], outputs
