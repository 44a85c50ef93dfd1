"""The project's error hierarchy, rooted in :class:`BuitengebiedError`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: How many bad rows an error message lists before it summarises the rest.
MAX_LISTED_PROBLEMS = 50


class BuitengebiedError(Exception):
    """Base class of every error the library raises on purpose."""


@dataclass(frozen=True)
class RowProblem:
    """One broken rule in one row of an input file.

    Attributes
    ----------
    row : int or None
        1-based data row number in the file (the header is not counted); ``None`` for a
        problem that concerns the file as a whole.
    column : str
        The column (or ``geometry``) that breaks the rule.
    value : str
        The offending value, shortened for display.
    expected : str
        What the contract expects instead.
    """

    row: int | None
    column: str
    value: str
    expected: str

    def describe(self) -> str:
        """Return the problem as one human-readable line."""
        where = f"row {self.row}" if self.row is not None else "file"
        return f"{where}: column '{self.column}' = {self.value!s}: expected {self.expected}"


class ValidationError(BuitengebiedError, ValueError):
    """A file breaks the data contract; lists every problem found.

    Parameters
    ----------
    path : Path
        The file that was rejected.
    problems : list of RowProblem
        Every problem found (all are kept; the message lists the first
        :data:`MAX_LISTED_PROBLEMS`).
    """

    def __init__(self, path: Path, problems: list[RowProblem]) -> None:
        self.path = Path(path)
        self.problems = list(problems)
        super().__init__(self._message())

    def _message(self) -> str:
        n_rows = len({p.row for p in self.problems if p.row is not None})
        head = f"{self.path}: rejected, {len(self.problems)} problem(s)"
        if n_rows:
            head += f" in {n_rows} row(s)"
        lines = [head + "; nothing of this file was loaded."]
        lines += ["  " + p.describe() for p in self.problems[:MAX_LISTED_PROBLEMS]]
        if len(self.problems) > MAX_LISTED_PROBLEMS:
            lines.append(f"  ... and {len(self.problems) - MAX_LISTED_PROBLEMS} more")
        return "\n".join(lines)


class ContractError(BuitengebiedError, ValueError):
    """A data directory or option breaks the contract as a whole (not row by row)."""


class LayerSpecError(BuitengebiedError, ValueError):
    """A declarative layer file in ``layers/`` is malformed."""


class InsufficientFindsError(BuitengebiedError, ValueError):
    """The learned risk model refuses to fit: too few confirmed finds to learn from.

    Raised by :meth:`buitengebied.scoring.estimator.LearnedRiskModel.fit` when the
    training examples hold fewer confirmed finds than it needs, or one class only among
    the inspected examples, as scikit-learn's ``LogisticRegression`` refuses one class.
    The message says how many finds there were and how many are needed.
    """


class OutputError(BuitengebiedError):
    """An output could not be written; the message names the target and the reason.

    Parameters
    ----------
    message : str
        What could not be written, and why.
    errno : int, optional
        The operating system's error number, when it refused the write.
    """

    def __init__(self, message: str, *, errno: int | None = None) -> None:
        super().__init__(message)
        self.errno = errno
