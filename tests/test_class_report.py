"""class.html, the class report ``batch`` writes beside grades.csv (grader/class_report.py).

A small class is written straight into the folder layout ``batch`` leaves
(``students/ID/results.json``, ``batch.json``, ``report.txt``), with the names a
hostile student could choose, and ``write_class_files`` turns it into the class
files: no grading, so the tests take a second. The page is checked as text (what
is escaped, what the counts say, where the links go) and in a real browser
(tests/browser.py): it loads offline without an error, its table sorts on a click,
every link opens a file, nothing is wider than the window.
"""
from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

import pytest

from grader import batch, class_report, escaping
from grader.spec import MODULES, NETWORKS
from tests.browser import browser, console_errors, overflowing  # noqa: F401  (browser: a fixture)

XSS_NAME = "<img src=x onerror=alert(1)>"          # a folder name holds no "/": no </script>
FORMULA_NAME = '=HYPERLINK("evil.example","click")'
ODD_NAME = "caf\\xe9 50% #1?"                       # as batch shows a name that was not UTF-8, and more
LONG_NAME = "x" * 110                               # no space to break the line at
XSS_CAUSE = "<script>alert(1)</script> instead of nn.ReLU()"   # a class the student named so
LONG_CAUSE = "$\\alpha$ in " + "features." * 30 + "weight"      # mathtext for matplotlib, no space


def check(module, kind, name, max_score, score, output="", cause="", same_as=""):
    """One test of results.json as batch writes it (Result.gradescope)."""
    test = {"name": f"{module}: {name}", "score": score, "max_score": max_score,
            "status": "failed" if score < max_score or same_as else "passed", "output": output,
            "tags": [module, kind]}
    if cause:
        test["extra_data"] = {"cause": cause, "same_as": same_as}
    return test


def network(module, mistake=None, state="attempted"):
    """A network's two checks (1 + 2 points): passed, or failed with ``mistake``: (cause, output)."""
    if state == "not started":
        output = f"{module}.net is not implemented yet"
        return [check(module, "shapes", "table", 1, 0, output), check(module, "structure", "layers", 2, 0, output)]
    if state == "missing":
        output = f"{module}.py is missing from the submission"
        return [check(module, "shapes", "table", 1, 0, output), check(module, "structure", "layers", 2, 0, output)]
    if mistake is None:
        return [check(module, "shapes", "table", 1, 1), check(module, "structure", "layers", 2, 2)]
    cause, output = mistake
    return [check(module, "shapes", "table", 1, 1, output, cause, same_as="layers"),     # charged below
            check(module, "structure", "layers", 2, 0, output, cause)]


RELU = ("ReLU instead of Sigmoid", "where: #2 nn.ReLU()\nfound: nn.ReLU()\nexpected: nn.Sigmoid()")
UNDIAGNOSED = ("", "where: #4 nn.MaxPool2d(2)\nfound: nn.MaxPool2d(2)\nexpected: nn.AvgPool2d(2)")
CLASS = {                               # student -> module -> what went wrong
    "alice": {},
    "bob": {"lenet": RELU, "batch_norm": "not started"},
    XSS_NAME: {"lenet": RELU, "batch_norm": "missing", "vgg": (XSS_CAUSE, "where: #1 Evil()")},
    FORMULA_NAME: {"lenet": UNDIAGNOSED},
    ODD_NAME: {"resnet": (LONG_CAUSE, "where: #7 Linear")},
    LONG_NAME: {"lenet": RELU, "googlenet": UNDIAGNOSED},
}


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    """The class's folder after ``write_class_files``, and what it printed."""
    out = tmp_path_factory.mktemp("class")
    options = batch.Options(MODULES, False, "cpu", 60, 300, 3072)
    for student, mistakes in CLASS.items():
        tests = []
        for module in MODULES:
            what = mistakes.get(module)
            tests += network(module, state=what) if isinstance(what, str) else network(module, what)
        folder = out / "students" / student
        folder.mkdir(parents=True)
        results = {"score": sum(t["score"] for t in tests), "max_score": 3 * len(MODULES), "tests": tests}
        (folder / "results.json").write_text(json.dumps(results), encoding="utf-8")
        (folder / "batch.json").write_text(json.dumps({"status": "ok", "notes": []}), encoding="utf-8")
        (folder / "report.txt").write_text(f"report of {student}\n", encoding="utf-8")
    log = io.StringIO()
    batch.write_class_files(out, list(CLASS), options, log)
    return out, options, log.getvalue()


class Page(HTMLParser):
    """The tags, links, headings and table rows of a page, with its text unescaped."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.tags, self.links, self.tables, self.heading = [], [], [], ""
        self.cell = None
        self.feed(source)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "a":
            self.links.append(dict(attrs)["href"])
        elif tag == "table":
            self.tables.append((self.heading, []))
        elif tag == "tr":
            self.tables[-1][1].append([])
        elif tag in ("td", "th", "h2", "h3"):
            self.cell = ""

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1][1][-1].append(self.cell.strip())
        elif tag in ("h2", "h3"):
            self.heading = self.cell.strip()
        if tag in ("td", "th", "h2", "h3"):
            self.cell = None


def page(out: Path) -> Page:
    return Page((out / "class.html").read_text(encoding="utf-8"))


def test_batch_writes_the_page_and_its_figures(klass):
    out, _, log = klass
    for name in ("class.html", "summary.png", "class-totals.png"):
        assert (out / name).is_file(), name
    for name in ("summary.png", "class-totals.png"):
        data = (out / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000, name
    assert str(out / "class.html") in log
    assert not list(out.glob("*.tmp"))


def test_student_names_and_causes_are_escaped(klass):
    out, _, _ = klass
    source = (out / "class.html").read_text(encoding="utf-8")
    assert XSS_NAME not in source and XSS_CAUSE not in source
    assert "&lt;img src=x onerror=alert(1)&gt;" in source and "&lt;script&gt;alert(1)&lt;/script&gt;" in source
    parsed = page(out)
    # the only script is the page's own; no attribute of any tag runs code
    assert [tag for tag, _ in parsed.tags].count("script") == 1
    assert [tag for tag, _ in parsed.tags].count("img") == 2          # the two figures, no student's
    assert not [(tag, name) for tag, attrs in parsed.tags for name in attrs if name.startswith("on")]
    students = {row[0] for _, rows in parsed.tables for row in rows[1:]}
    # the names as grades.csv has them: a formula pasted into a spreadsheet stays text
    assert {XSS_NAME, escaping.cell(FORMULA_NAME), ODD_NAME, LONG_NAME} <= students
    assert "'" + FORMULA_NAME in students


def test_the_causes_and_their_counts_are_summary_txts(klass):
    out, options, _ = klass
    summary_txt = (out / "summary.txt").read_text(encoding="utf-8")
    counted = {}
    for line in summary_txt.split("Most common mistakes, by cause")[1].splitlines():
        found = re.match(r"\s*\d+\. (.+?): (.*), (\d+) students? \(of \d+ who attempted it\)$", line)
        if found:
            counted[(found[1], escaping.cell(found[2]))] = int(found[3])
    assert counted[("LeNet", "ReLU instead of Sigmoid")] == 3
    shown = {}
    for heading, rows in page(out).tables:
        if rows[0][0] == "cause":
            for cause, students, _ in rows[1:]:
                # summary.txt cuts a cause at 220 characters (the quote of a formula comes before)
                shown[(heading, cause[:220 + cause.startswith("'")])] = int(students)
    assert shown == counted
    # and summary.txt's structure, ranked by the points each cause cost
    loaded = batch.load_class(out, list(CLASS))
    summary = batch.class_summary(loaded, MODULES, options)
    ranked = class_report.costliest(summary)
    assert sorted((m, g, c) for m, g, c, _ in ranked) == sorted((m, g, c) for (m, g), c in summary["mistakes"])
    assert ranked[0][:4] == ("lenet", "ReLU instead of Sigmoid", 3, 6)      # 2 points each, charged once
    assert [lost for *_, lost in ranked] == sorted((lost for *_, lost in ranked), reverse=True)


def test_every_student_links_to_their_report(klass):
    out, _, _ = klass
    links = page(out).links
    reports = [link for link in links if link.startswith("students/")]
    assert len(reports) == len(CLASS)
    for link in links:
        assert "://" not in link and not link.startswith("/"), link      # nothing from the network
        assert not set(link) & set(' #?\\"<>'), link          # percent-encoded: "#" would end the path
        assert (out / unquote(link)).is_file(), link
    assert {Path(unquote(link)).parent.name for link in reports} == set(CLASS)


def test_the_first_mistake_of_each_student(klass):
    out, _, _ = klass
    rows = {row[0]: row for heading, rows in page(out).tables if heading == "Students" for row in rows[1:]}
    assert rows["alice"][-2:] == ["", "ok"]
    assert rows["bob"][-2] == "LeNet: ReLU instead of Sigmoid"
    assert rows[XSS_NAME][-2] == "LeNet: ReLU instead of Sigmoid"
    assert rows[ODD_NAME][-2] == f"{NETWORKS['resnet'].title}: {LONG_CAUSE}"
    assert rows["alice"][1] == str(3 * len(MODULES)) and rows["bob"][1] == str(3 * len(MODULES) - 5)


# -- in a browser --------------------------------------------------------------------------

def test_the_page_in_a_browser(klass, browser):  # noqa: F811  (the fixture)
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    out, _, _ = klass
    browser.get((out / "class.html").as_uri())
    assert browser.title == "Class report"
    assert not console_errors(browser)               # the script ran, the figures loaded, nothing refused
    with pytest.raises(NoAlertPresentException):     # no student's name ran as code
        browser.switch_to.alert.text
    figures = browser.find_elements(By.TAG_NAME, "img")
    assert len(figures) == 2 and all(browser.execute_script("return arguments[0].naturalWidth", img) > 100
                                     for img in figures)

    table = browser.find_elements(By.CSS_SELECTOR, "table.sortable")[-1]      # the students

    def column(index):
        return [row.find_elements(By.TAG_NAME, "td")[index].text
                for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")]

    total = table.find_elements(By.TAG_NAME, "th")[1]
    assert total.text == "total"
    total.click()
    assert column(1) == sorted(column(1), key=float) and total.get_attribute("aria-sort") == "ascending"
    total.click()
    assert column(1) == sorted(column(1), key=float, reverse=True)
    assert total.get_attribute("aria-sort") == "descending"
    name = table.find_elements(By.TAG_NAME, "th")[0]
    name.click()
    assert column(0) == sorted(column(0), key=str.lower) and total.get_attribute("aria-sort") is None

    links = [a.get_attribute("href") for a in browser.find_elements(By.TAG_NAME, "a")]
    assert len(links) == len(CLASS) + 2                  # every student's report, summary.txt, grades.csv
    for link in links:
        parts = urlparse(link)
        assert parts.scheme == "file" and Path(url2pathname(parts.path)).is_file(), link

    assert overflowing(browser) == []
