"""One check's result: what results.json, the report, the notebooks and ``batch`` all read."""
from __future__ import annotations

from dataclasses import dataclass

from ..escaping import inert

MAX_OUTPUT_CHARS = 4000
MAX_TEXT_CHARS = 20_000     # one result's message, however much a submission makes it say


def clean_text(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """Text that may come from a submission (names, messages), shown as text: no terminal control
    characters, bounded length. Results are built with it, so every report gets clean text."""
    text = inert(text, lines=True)
    return text if len(text) <= limit else text[:limit // 2] + "\n[... cut ...]\n" + text[-limit // 2:]


class GraderBroken(Exception):
    """The grader itself could not run (as opposed to a submission failing)."""


@dataclass
class Result:
    module: str
    kind: str
    name: str
    max_score: float
    score: float
    status: str               # passed | failed | skipped
    output: str = ""
    crashed: bool = False     # failed because the code raised, hung or died (its output may explain)
    cause: str = ""           # the diagnosed mistake, in a few words ("" when none was diagnosed)
    same_as: str = ""         # another check that reports (and charges) the same mistake

    def __post_init__(self):
        self.name, self.output = clean_text(self.name, 500), clean_text(self.output)

    def gradescope(self) -> dict:
        test = {"name": f"{self.module}: {self.name}", "score": round(self.score, 4),
                "max_score": round(self.max_score, 4),
                "status": "failed" if self.status == "failed" else "passed",
                "output": self.output[:MAX_OUTPUT_CHARS], "tags": [self.module, self.kind]}
        if self.cause:
            test["extra_data"] = {"cause": self.cause, "same_as": self.same_as}
        return test
