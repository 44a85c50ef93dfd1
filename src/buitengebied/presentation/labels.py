"""Dutch words for the contract's codes, and dates as people type them (DD-MM-YYYY).

The data contract speaks English codes (``strange_vehicles``, ``cannabis_grow``); people in
the field read and choose Dutch words. Every front takes its labels from here, so a code
is called the same on every page, in every export and in the printed plan.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

REPORT_CATEGORY_LABELS: Final = {
    "comings_and_goings": "af- en aanrijden",
    "strange_vehicles": "vreemde voertuigen",
    "chemical_smell": "chemische lucht",
    "night_noise": "lawaai 's nachts",
    "covered_windows": "afgeplakte ramen",
    "drug_waste": "drugsafval",
    "poaching": "stroperij",
    "illegal_fishing": "illegale visserij",
    "litter": "zwerfafval en dumpingen",
    "other": "anders",
}
CONFIDENCE_LABELS: Final = {"low": "laag", "medium": "middel", "high": "hoog"}
OUTCOME_LABELS: Final = {
    "nothing": "niets gevonden",
    "signals": "signalen, geen vondst",
    "cannabis_grow": "hennepkwekerij",
    "drug_lab": "drugslab",
    "storage": "opslag (drugs of grondstoffen)",
    "other": "anders",
}

#: How dates are shown and typed.
DAY_FORMAT: Final = "%d-%m-%Y"
_DAY: Final = re.compile(
    r"^\s*(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4})\s*$|^\s*(\d{2})(\d{2})(\d{4})\s*$"
)


class DayError(ValueError):
    """A typed day is not a day (the message says what was typed and what is expected)."""


def parse_day(text: str) -> dt.date:
    """Return the day typed as ``DD-MM-YYYY`` (also ``D-M-YYYY``, ``/`` or ``.``, ``DDMMYYYY``).

    Raises
    ------
    DayError
        Not of that form, or no such day (31-02-2026).
    """
    match = _DAY.match(text)
    if match is None:
        raise DayError(f"{text!r} is geen datum; typ dag-maand-jaar, bijvoorbeeld 14-03-2026")
    day, month, year = (int(g) for g in (match.groups()[:3] if match[1] else match.groups()[3:]))
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise DayError(f"{text!r}: die dag bestaat niet ({exc})") from exc


def shown_day(day: dt.date) -> str:
    """Return ``day`` as DD-MM-YYYY."""
    return day.strftime(DAY_FORMAT)
