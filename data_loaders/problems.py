"""Problems found in an upload, said in plain words with where they are as Excel shows it."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong (error), worth confirming (warning), or needing an answer (question).

    ``row`` is the 1-based row number as Excel or a text editor shows it; ``column`` is the
    column letter (A, B, ... AA) or, for CSV, the header name. ``choices`` and ``key`` are set
    for questions: the officer picks one of ``choices`` (shown as ``labels`` where given)
    and the file is read again with ``answers={key: choice}``.
    """

    severity: str  # "error" | "warning" | "question"
    message: str
    file: str = ""
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    key: str | None = None
    choices: tuple[str, ...] = field(default_factory=tuple)
    labels: tuple[str, ...] = field(default_factory=tuple)

    def where(self) -> str:
        """'file.xlsx, sheet Data, row 4, column B' with only the parts that are known."""
        parts = [self.file] if self.file else []
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message


def error(message: str, **where) -> Problem:
    return Problem("error", message, **where)


def warning(message: str, **where) -> Problem:
    return Problem("warning", message, **where)


class UploadRefused(Exception):
    """Raised when an upload has errors: nothing of it is stored."""

    def __init__(self, problems: list[Problem]):
        self.problems = [p for p in problems if p.severity in ("error", "question")]
        super().__init__("\n".join(str(p) for p in self.problems))


def column_letter(index: int) -> str:
    """Excel column letter for a 0-based column index.

    >>> column_letter(0), column_letter(25), column_letter(26), column_letter(701)
    ('A', 'Z', 'AA', 'ZZ')
    """
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
