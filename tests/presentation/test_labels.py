import datetime as dt

import pytest

from buitengebied.contract import CONFIDENCE_LEVELS, INSPECTION_OUTCOMES, REPORT_CATEGORIES
from buitengebied.presentation.labels import (
    CONFIDENCE_LABELS,
    OUTCOME_LABELS,
    REPORT_CATEGORY_LABELS,
    DayError,
    parse_day,
    shown_day,
)


def test_every_code_of_the_contract_has_a_dutch_label() -> None:
    assert list(REPORT_CATEGORY_LABELS) == list(REPORT_CATEGORIES)
    assert list(CONFIDENCE_LABELS) == list(CONFIDENCE_LEVELS)
    assert list(OUTCOME_LABELS) == list(INSPECTION_OUTCOMES)
    for labels in (REPORT_CATEGORY_LABELS, CONFIDENCE_LABELS, OUTCOME_LABELS):
        assert len(set(labels.values())) == len(labels)


@pytest.mark.parametrize(
    "text", ["14-03-2026", "14032026", "14/03/2026", "14.3.2026", " 14-3-2026 "]
)
def test_days_are_typed_day_first(text: str) -> None:
    assert parse_day(text) == dt.date(2026, 3, 14)


@pytest.mark.parametrize("text", ["2026-03-14", "1403026", "", "14-03-26", "gisteren"])
def test_other_forms_are_refused_with_an_example(text: str) -> None:
    with pytest.raises(DayError, match="14-03-2026"):
        parse_day(text)


def test_a_day_that_does_not_exist_is_refused() -> None:
    with pytest.raises(DayError, match="bestaat niet"):
        parse_day("31-02-2026")


def test_days_are_shown_as_they_are_typed() -> None:
    assert shown_day(dt.date(2026, 3, 4)) == "04-03-2026"
    assert parse_day(shown_day(dt.date(2026, 12, 31))) == dt.date(2026, 12, 31)
