"""``grader/escaping.py``: the one place where text a submission controls is made inert (issue 25)."""
from __future__ import annotations

import csv
import io
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from grader.escaping import FORMULA_STARTS, UNSAFE_CATEGORIES, cell, inert, name

ANY_TEXT = st.text(st.characters(codec=None), max_size=60) | st.sampled_from([
    "eve\nTotal: 82 / 82", "\x1b[2J\x1b[H", "a\u202eb", "x\u2028y\u2029z\x85w\x0b\x0c", "caf\udce9",
    '=HYPERLINK("http://evil","x")', "+1", "-1", "@SUM(1)", "\tx", "\rx", "", " "])


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_inert_text_is_one_line_with_nothing_a_terminal_acts_on(text):
    shown = inert(text)
    assert shown.splitlines() in ([shown], [])                   # no line break of any kind
    assert not [ch for ch in shown if unicodedata.category(ch) in UNSAFE_CATEGORIES]
    assert inert(shown) == shown                                 # escaping twice changes nothing
    shown.encode("utf-8")                                         # writable as UTF-8 (no lone surrogate)
    if text.isprintable():
        assert shown == text                                     # ordinary text is left alone


@settings(max_examples=300, deadline=None)
@given(st.lists(ANY_TEXT, max_size=4))
def test_inert_lines_keep_newlines_and_tabs_only(parts):
    text = "\n".join(parts)
    shown = inert(text, lines=True)
    assert shown.count("\n") == text.count("\n")
    assert all(line.splitlines() in ([line], []) for line in shown.split("\n"))    # no other line break
    assert not [ch for ch in shown if unicodedata.category(ch) in UNSAFE_CATEGORIES and ch not in "\n\t"]


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_a_cell_is_never_a_formula(text):
    shown = cell(text)
    assert not shown.startswith(FORMULA_STARTS)
    written = io.StringIO()
    csv.writer(written).writerow([shown])
    assert next(csv.reader(io.StringIO(written.getvalue()))) == [shown]     # one cell, one row


def test_the_examples_of_the_issue():
    assert inert("eve\nTotal: 82 / 82") == "eve\\nTotal: 82 / 82"
    assert inert("\x1b[2J\u202e") == "\\x1b[2J\\u202e"
    assert inert("中文 text", lines=True) == "中文 text"
    assert cell('=HYPERLINK("http://evil","click")') == '\'=HYPERLINK("http://evil","click")'
    assert cell("\tx") == "'\\tx" and cell("alice") == "alice"
    assert name(b"caf\xe9") == name("caf\udce9") == "caf\\xe9"      # bytes that are not UTF-8, either way
    assert name("ok.zip") == "ok.zip"
