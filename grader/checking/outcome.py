"""One check's result: what results.json, the report, the notebooks and ``batch`` all read."""
from __future__ import annotations

from dataclasses import dataclass

from ..escaping import inert
from ..text import Text

MAX_OUTPUT_CHARS = 4000
MAX_TEXT_CHARS = 20_000     # one result's message, however much a submission makes it say


MAX_PARTS = 200             # parts of one result's message (each bounded by MAX_TEXT_CHARS)
KIND_NAMES = {"shapes": "形状", "params": "参数量", "structure": "结构", "property": "性质", "behaviour": "行为",
              "training": "训练"}


def clean_text(text, limit: int = MAX_TEXT_CHARS):
    """Text that may come from a submission (names, messages), shown as text: no terminal control
    characters, bounded length. Results are built with it, so every report gets clean text. A ``Text``
    stays one, each of its forms cleaned."""
    if isinstance(text, Text):
        parts = text.parts if len(text.parts) <= MAX_PARTS else \
            text.parts[:MAX_PARTS // 2] + Text.plain("[... cut ...]").parts + text.parts[-MAX_PARTS // 2:]
        # each language's form within ``limit`` in all: when the parts together are longer, each gets its share
        longest = max(sum(len(p.en) for p in parts), sum(len(p.zh) for p in parts), 0)
        each = limit if longest <= limit else max(200, limit // max(1, len(parts)))
        return Text(parts).map(lambda form: clean_text(form, each))
    text = inert(text, lines=True)
    return text if len(text) <= limit else text[:limit // 2] + "\n[... cut ...]\n" + text[-limit // 2:]


class GraderBroken(Exception):
    """The grader itself could not run (as opposed to a submission failing)."""


@dataclass
class Result:
    module: str
    kind: str
    name: str                 # in English: what other results name it by (``same_as``)
    max_score: float
    score: float
    status: str               # passed | failed | skipped
    output: Text = Text()     # the message, in both languages (a string or ``asdict`` data is read as one)
    crashed: bool = False     # failed because the code raised, hung or died (its output may explain)
    cause: str = ""           # the diagnosed mistake, in a few words ("" when none was diagnosed)
    same_as: str = ""         # another check that reports (and charges) the same mistake
    name_zh: str = ""         # the check's name in Chinese ("": the same as ``name``)

    def __post_init__(self):
        self.name, self.name_zh = clean_text(self.name, 500), clean_text(self.name_zh, 500)
        self.output = clean_text(Text.of(self.output))

    @property
    def counted(self) -> bool:
        """Part of the total: all but a check skipped for the device (0 of 0, see ``grade.maximum``)."""
        return not (self.status == "skipped" and self.max_score == 0)

    def title(self, lang: str) -> str:
        """The check's name in ``lang`` (English for ``both``: the report's lines are not mixed)."""
        return (self.name_zh or self.name) if lang == "zh" else self.name

    def kind_name(self, lang: str) -> str:
        return KIND_NAMES.get(self.kind, self.kind) if lang == "zh" else self.kind

    def gradescope(self, lang: str = "both") -> dict:
        """One test of Gradescope's results.json, whose status reads as what happened: ``passed`` for every
        point earned (a check that only repeats a mistake charged in another check keeps its points, and
        its name says so), ``failed`` for points lost (a check that did not run loses its points and says
        so). A check out of the total is not written (``GradeReport.gradescope``)."""
        zh = lang == "zh"
        name, status = f"{self.module}: {self.title(lang)}", "passed"
        if self.status == "skipped":
            name, status = name + ("（未运行）" if zh else " (not run)"), "failed"
        elif self.status == "failed" and self.same_as and self.score >= self.max_score:
            name += "（同一错误，已在别处扣分）" if zh else " (same mistake as another check, charged there)"
        elif self.status == "failed":
            status = "failed"
        test = {"name": name, "score": round(self.score, 4), "max_score": round(self.max_score, 4),
                "status": status, "output": self.output.show(lang)[:MAX_OUTPUT_CHARS],
                "tags": [self.module, self.kind]}
        if self.cause:
            test["extra_data"] = {"cause": self.cause, "same_as": self.same_as}
        return test
