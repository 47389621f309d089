"""Text for students in two languages, the language chosen once, where it is shown.

A message is a ``Text``: a sequence of parts, each carrying its English and its
Chinese form. A *sentence* (``Text.say``) is shown in the language asked for,
and in both, English first, for ``both``. A *detail* (``Text.detail``: a
``where:`` line, a table whose headers are translated) is one line in either
language, shown in English for ``both``. *Plain* text (``Text.plain``: a
table's rows, PyTorch's own error, what a program printed) is the same in every
language. Nothing is filtered afterwards by looking at the characters.

Every report path (the console, ``--json``, Gradescope, nbgrader, ``batch``)
calls ``show(lang)``; ``str()`` is ``show("both")``, what the visible tests and
pytest print. ``dataclasses.asdict`` turns a ``Text`` into JSON-able data and
``Text.of`` reads it back, so a result crosses processes and files as it is.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

LANGS = ("en", "zh", "both")

# the labels of a detail line, in each language (a Chinese report translates them)
LABELS = {"where": ("where:", "位置："), "expected": ("expected:", "书中："), "found": ("found:", "你的："),
          "hint": ("hint:", "提示："), "also": ("also:", "此外：")}


@dataclass(frozen=True)
class Part:
    en: str
    zh: str
    said: bool = True          # a sentence: in both languages for "both"; False: one line, English for "both"

    def shown(self, lang: str) -> list[str]:
        if lang == "en" or (lang == "both" and (not self.said or self.en == self.zh or not self.zh)):
            return [self.en] if self.en else []
        if lang == "zh":
            return [self.zh] if self.zh else []
        return [s for s in (self.en, self.zh) if s]


@dataclass(frozen=True)
class Text:
    parts: tuple[Part, ...] = ()

    # -- making text ------------------------------------------------------------------------------------------
    @classmethod
    def say(cls, en: str, zh: str) -> "Text":
        """A sentence (or several lines of them) written in both languages."""
        return cls((Part(en, zh, True),))

    @classmethod
    def detail(cls, en: str, zh: str) -> "Text":
        """A line whose words differ by language (a label, a table's header) but says one thing."""
        return cls((Part(en, zh, False),))

    @classmethod
    def labelled(cls, label: str, value: str, value_zh: str | None = None, indent: str = "  ",
                 width: int = 10) -> "Text":
        """``  where:    layer 3 (MaxPool2d)``, its label translated (``LABELS``); ``value_zh``: the value's
        Chinese form, when it has words."""
        en, zh = LABELS[label]
        value_zh = value if value_zh is None else value_zh
        return cls.detail(f"{indent}{en:<{width}}{value}",
                          f"{indent}{zh}{' ' * max(1, width - 2 * len(zh))}{value_zh}")

    @classmethod
    def plain(cls, text: str) -> "Text":
        """The same in every language: a table's rows, PyTorch's words, a program's output, a name."""
        return cls((Part(text, text, False),)) if text else cls()

    @classmethod
    def of(cls, *items) -> "Text":
        """Items joined line after line: a ``Text``, a string (plain), ``asdict`` data of a ``Text``, None."""
        parts: list[Part] = []
        for item in items:
            if isinstance(item, str):
                item = item.strip("\n")        # "text + '\n' + more": the parts are lines already
            if item is None or item == "":
                continue
            if isinstance(item, Text):
                parts += item.parts
            elif isinstance(item, str):
                parts += cls.plain(item).parts
            elif isinstance(item, dict) and "parts" in item:        # dataclasses.asdict of a Text
                parts += [p if isinstance(p, Part) else Part(str(p["en"]), str(p["zh"]), bool(p.get("said", True)))
                          for p in item["parts"]]
            else:
                raise TypeError(f"not text: {type(item).__name__}")
        return cls(tuple(parts))

    # -- showing it -------------------------------------------------------------------------------------------
    def show(self, lang: str = "both") -> str:
        if lang not in LANGS:
            raise ValueError(f"lang is one of {LANGS}, not {lang!r}")
        return "\n".join(line for part in self.parts for line in part.shown(lang))

    def __str__(self) -> str:
        return self.show("both")

    def __bool__(self) -> bool:
        return any(part.en or part.zh for part in self.parts)

    def __contains__(self, words: str) -> bool:
        return any(words in part.en or words in part.zh for part in self.parts)

    def __add__(self, other) -> "Text":
        return Text.of(self, other)

    def __radd__(self, other) -> "Text":
        return Text.of(other, self)

    # -- changing it ------------------------------------------------------------------------------------------
    def map(self, change: Callable[[str], str]) -> "Text":
        """Each form of each part changed (``outcome.clean_text``: text from a submission made inert)."""
        return Text(tuple(replace(p, en=change(p.en), zh=change(p.zh)) for p in self.parts))

    def indented(self, prefix: str) -> "Text":
        return self.map(lambda s: "\n".join(prefix + line for line in s.split("\n")) if s else s)

    def replaced(self, old: "Text", new: "Text") -> "Text":
        """The parts of ``old``, where they occur in this text, replaced by those of ``new``."""
        parts, n = list(self.parts), len(old.parts)
        for start in range(len(parts) - n + 1):
            if n and tuple(parts[start:start + n]) == old.parts:
                return Text(tuple(parts[:start]) + new.parts + tuple(parts[start + n:]))
        return self
