"""Wording shared by the strict readers of the planning files (teams, safety rules)."""

from __future__ import annotations

import difflib
from collections.abc import Sequence


def choice_hint(word: str, choices: Sequence[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for a close choice, else the list of choices."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean '{close[0]}'?" if close else f"; expected one of {', '.join(choices)}"
