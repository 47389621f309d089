"""What the grading process learns when a child cannot answer, or the student's code raised."""
from __future__ import annotations

import traceback
from pathlib import Path

from ..text import Text


class SandboxError(Exception):
    """The child could not answer: ``status`` says why (timeout, crashed, killed, exited, refused, tampered, ...)."""

    def __init__(self, status: str, english: str, chinese: str):
        super().__init__(english)
        self.status, self.english, self.chinese = status, english, chinese

    def message(self) -> Text:
        return Text.say(self.english, self.chinese)


class StudentError(Exception):
    """The student's code raised while answering a request."""

    def __init__(self, kind: str, text: str, where: str):
        super().__init__(f"{kind}: {text}")
        self.kind, self.text, self.where = kind, text, where

    def message(self) -> str:
        where = f"\n    at {self.where}" if self.where else ""
        return f"{self.kind}: {self.text}{where}"


def refused(english: str, chinese: str, status: str = "refused") -> SandboxError:
    return SandboxError(status, english, chinese)


def describe_student_exception(error: BaseException, source: Path) -> dict:
    """Type, message and the student's line, with no grader frames."""
    try:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == str(source)]
        where = f"{source.name} line {frames[-1].lineno}: {(frames[-1].line or '').strip()}" if frames else ""
    except BaseException:
        where = ""
    try:
        kind = str(type(error).__name__)[:100]
    except BaseException:
        kind = "Exception"
    try:
        text = str(error)[:2000]
    except BaseException:
        text = "(its message could not be shown)"
    return {"kind": kind, "text": text, "where": where[:500]}
