"""A report in one language (``--lang en`` / ``--lang zh``) holds that language only, on every path.

Each message is a ``grader.text.Text``: parts that carry their English and
their Chinese form, chosen once where the message is shown (``show(lang)``);
nothing is filtered afterwards by its characters. These tests read the whole
reports that reach students (the console, ``--json``, Gradescope, ``batch``'s
files, a notebook's grade cell) and look for the other language in them.
"""
from __future__ import annotations

import dataclasses
import json
import re

import pytest

from grader.__main__ import main
from grader.checking.outcome import Result
from grader.grade import grade_submission
from grader.report import CheckFailure, display_width, side_by_side
from grader.spec import NETWORKS
from grader.text import Text
from tests.corpus.mutants import BY_ID, materialize

CJK = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff01-\uff5e]")
PROSE = re.compile(r"\b[a-z]{2,}\b[ ,;']+\b[a-z]{2,}\b[ ,;']+\b[a-z]{2,}\b")      # three English words


def has_chinese(text: str) -> bool:
    return bool(CJK.search(text))


def english_lines_in(text: str) -> list[str]:
    """Lines of a Chinese report that are English sentences: not PyTorch's own errors (in English only), not
    a line that quotes the student's code (``at lenet.py line 3: ...``)."""
    return [line for line in text.splitlines() if PROSE.search(line) and not has_chinese(line)
            and not re.search(r"\w*(Error|Exception)\b", line) and not line.lstrip().startswith("at ")]


# -- the value ---------------------------------------------------------------------------------------------------

MESSAGE = (Text.say("lenet() computes something different from the book.", "lenet() 的计算与书中不同。")
           + Text.labelled("where", "layer 3 (MaxPool2d)")
           + Text.say("  hint: use AvgPool2d here, as the book does.", "  提示：此处请使用 AvgPool2d。")
           + Text.plain("  RuntimeError: mat1 and mat2 shapes cannot be multiplied (80x5 and 400x120)"))


def test_each_language_shows_its_own_form_and_both_shows_the_sentences_twice():
    assert MESSAGE.show("en").splitlines() == [
        "lenet() computes something different from the book.", "  where:    layer 3 (MaxPool2d)",
        "  hint: use AvgPool2d here, as the book does.",
        "  RuntimeError: mat1 and mat2 shapes cannot be multiplied (80x5 and 400x120)"]
    assert MESSAGE.show("zh").splitlines() == [
        "lenet() 的计算与书中不同。", "  位置：    layer 3 (MaxPool2d)", "  提示：此处请使用 AvgPool2d。",
        "  RuntimeError: mat1 and mat2 shapes cannot be multiplied (80x5 and 400x120)"]
    both = MESSAGE.show("both").splitlines()
    assert both[:2] == ["lenet() computes something different from the book.", "lenet() 的计算与书中不同。"]
    assert "  where:    layer 3 (MaxPool2d)" in both and "  位置：    layer 3 (MaxPool2d)" not in both
    assert str(MESSAGE) == MESSAGE.show("both")
    with pytest.raises(ValueError):
        MESSAGE.show("fr")


def test_a_table_is_as_wide_in_either_language():
    spec = NETWORKS["lenet"]
    table = side_by_side(list(spec.table), list(spec.table)[:3], note="error")
    for lang in ("en", "zh"):
        lines = table.show(lang).splitlines()
        head = lines[0]
        found = "found" if lang == "en" else "你的实现"
        assert display_width(head[:head.index(found)]) == lines[1].index("Conv2d", 10), (lang, lines)
    assert not has_chinese(table.show("en")) and "(出错)" in table.show("zh")


def test_a_message_crosses_processes_and_files_as_it_is():
    """``batch`` and the notebooks' grading child send results as ``dataclasses.asdict``; JSON keeps them."""
    result = Result("lenet", "structure", "structure", 1.5, 0.0, "failed", MESSAGE, name_zh="结构")
    again = Result(**json.loads(json.dumps(dataclasses.asdict(result))))
    assert again.output == MESSAGE and again.title("zh") == "结构"
    assert Result("lenet", "shapes", "x", 1, 0, "failed", "plain words").output.show("zh") == "plain words"


def test_a_check_failure_prints_both_languages_for_pytest_and_keeps_its_parts():
    failure = CheckFailure(MESSAGE)
    assert failure.text == MESSAGE and str(failure) == MESSAGE.show("both")


# -- the reports --------------------------------------------------------------------------------------------------

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
    (submission / "nin.py").write_text("def nin():\n    raise ValueError('mine')\n")     # code that raises
    report = grade_submission(submission, ("lenet", "batch_norm", "vgg", "nin", "resnet"), train=False)
    return report, submission


def test_a_whole_report_in_english_has_no_chinese(reports):
    report, _ = reports
    text = report.text("en")
    assert [line for line in text.splitlines() if has_chinese(line)] == [], text


def test_a_whole_report_in_chinese_has_no_english_sentence_and_translated_names(reports):
    report, _ = reports
    text = report.text("zh")
    assert english_lines_in(text) == [], text
    assert "[FAIL] 结构" in text and "每个操作与书中相同" in text and "位置：" in text and "提示：" in text


def test_gradescope_results_follow_lang(reports):
    report, _ = reports
    english, chinese = report.gradescope("en"), report.gradescope("zh")
    assert not has_chinese(json.dumps(english, ensure_ascii=False))
    words = [english_lines_in(t["name"] + "\n" + t["output"]) for t in chinese["tests"]] + \
        [english_lines_in(chinese["output"])]
    assert not any(words), words


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


def test_a_grade_cell_follows_lang(reports):
    """A notebook's grade cell, made from the results as the notebooks' grading child sends them."""
    from grader.jupyter.regrade import check_line
    report, _ = reports
    sent = [json.loads(json.dumps(dataclasses.asdict(r))) for r in report.results if r.module == "lenet"]
    english = "\n".join(check_line(r, "en") for r in sent)
    chinese = "\n".join(check_line(r, "zh") for r in sent)
    assert not has_chinese(english), english
    assert english_lines_in(chinese) == [] and "每个操作与书中相同" in chinese, chinese


def test_the_class_summary_reads_reports_in_either_language(reports):
    """``batch --lang zh`` writes the students' results.json in Chinese; the class summary still finds the
    missing files, the stubs and the diagnosed operation in them."""
    from grader.batch.class_files import module_state, signature
    report, _ = reports
    for lang in ("en", "zh", "both"):
        tests = report.gradescope(lang)["tests"]
        by_module = {m: [t for t in tests if t["tags"][0] == m] for m in ("lenet", "resnet")}
        assert module_state(by_module["resnet"]) == "missing", lang
        assert module_state(by_module["lenet"]) == "attempted", lang
        structure = next(t for t in by_module["lenet"] if t["tags"][1] == "structure" and t["status"] == "failed")
        assert signature(structure["output"]).startswith("layer "), (lang, structure["output"])
    stub = {"status": "failed", "output": "lenet 尚未实现：请按文档字符串的说明完成它"}
    assert module_state([stub, dict(stub)]) == "not started"


def test_the_instructors_choice_reaches_the_grade_cells():
    """``nbgrader --lang zh`` writes the language into each grade cell's call, which the grading outside the
    kernel reads back (a student cannot change it: nbgrader restores the grade cells)."""
    from grader.jupyter.course import hidden_source
    from grader.jupyter.regrade import hidden_call, notebook_lang
    options = {"timeout": 60, "memory": 3072, "train_timeout": 300, "device": "cpu", "lang": "zh"}
    call = hidden_call(hidden_source("lenet", "structure", 1.5, options))
    assert call == ("lenet", "structure", {"timeout": 60, "memory_mb": 3072, "lang": "zh"})
    assert notebook_lang([call]) == "zh"
    assert "lang" not in hidden_call(hidden_source("lenet", "structure", 1.5, dict(options, lang="both")))[2]


def test_a_long_message_is_bounded_in_each_language():
    """``outcome.clean_text``: a message a submission makes long (its printed output, its exception) stays
    within the limit in each language, its parts cut in proportion."""
    from grader.checking.outcome import MAX_TEXT_CHARS
    flood = Text.say("your code raised:", "你的代码抛出了异常：") + Text.plain("x" * 100_000) + Text.plain("y" * 50_000)
    result = Result("lenet", "shapes", "x", 1, 0, "failed", flood)
    for lang in ("en", "zh"):
        assert len(result.output.show(lang)) <= MAX_TEXT_CHARS + 200, lang
    assert result.output.show("zh").startswith("你的代码抛出了异常：") and "[... cut ...]" in result.output.show("en")
