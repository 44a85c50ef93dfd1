"""Dates and moments under the contract's local-time rule (buitengebied.timeutil).

Europe/Amsterdam is UTC+1 in winter and UTC+2 in summer; in 2026 the clocks go forward on
29 March at 02:00 (02:00-03:00 does not exist) and back on 25 October at 03:00
(02:00-03:00 happens twice).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from buitengebied.errors import BuitengebiedError, ContractError
from buitengebied.timeutil import local_days_later, parse_as_of, parse_moments


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A date is the start of that day in Amsterdam.
        ("2026-11-01", "2026-10-31T23:00"),  # winter: 00:00 CET
        ("2026-07-01", "2026-06-30T22:00"),  # summer: 00:00 CEST
        ("2026-03-29", "2026-03-28T23:00"),  # the day the clocks go forward starts in CET
        ("2026-10-25", "2026-10-24T22:00"),  # the day the clocks go back starts in CEST
        (" 2026-11-01 ", "2026-10-31T23:00"),
        # A date-time without an offset is local time.
        ("2026-07-01T23:40", "2026-07-01T21:40"),
        ("2026-07-01 23:40:00", "2026-07-01T21:40"),
        ("2026-01-15T08:05:30", "2026-01-15T07:05:30"),
        # A date-time with an offset is that moment.
        ("2026-07-01T23:40Z", "2026-07-01T23:40"),
        ("2026-07-01T23:40+01:00", "2026-07-01T22:40"),
        ("2026-07-01T23:40+0100", "2026-07-01T22:40"),
        ("2026-07-01T23:40-05", "2026-07-02T04:40"),
        ("2026-07-01T23:40:00.5Z", "2026-07-01T23:40:00.5"),
        # An explicit offset settles the doubled hour of 25 October either way.
        ("2026-10-25T02:30+02:00", "2026-10-25T00:30"),
        ("2026-10-25T02:30+01:00", "2026-10-25T01:30"),
    ],
)
def test_parse_as_of_gives_the_moment_the_text_stands_for(text: str, expected: str) -> None:
    assert parse_as_of(text) == utc(expected)


def test_a_wall_clock_time_in_the_spring_gap_is_moved_forward() -> None:
    # 02:30 on 29 March does not exist; the clock reads 03:00 CEST = 01:00 UTC.
    assert parse_as_of("2026-03-29T02:30") == utc("2026-03-29T01:00")


def test_a_wall_clock_time_in_the_autumn_fold_is_read_as_summer_time() -> None:
    # 02:30 on 25 October happens twice; the first time (CEST, UTC+2) is taken.
    assert parse_as_of("2026-10-25T02:30") == utc("2026-10-25T00:30")


def test_the_result_is_a_utc_timestamp() -> None:
    moment = parse_as_of("2026-07-01T23:40+02:00")
    assert isinstance(moment, pd.Timestamp)
    assert str(moment.tz) == "UTC"


def test_no_value_means_the_start_of_today_in_amsterdam() -> None:
    before = pd.Timestamp.now(tz="Europe/Amsterdam").normalize()
    moment = parse_as_of(None)
    after = pd.Timestamp.now(tz="Europe/Amsterdam").normalize()
    # Two readings of the clock, in case midnight passes between them.
    assert moment in (before, after)
    assert str(moment.tz) == "UTC"
    assert moment.tz_convert("Europe/Amsterdam").strftime("%H:%M:%S") == "00:00:00"


@pytest.mark.parametrize(
    "text",
    ["yesterday", "2026-13-01", "2026-02-30", "2026-07-01T25:00", "01-07-2026", "", "   "],
)
def test_a_value_that_is_no_iso_date_is_a_contract_error_naming_it(text: str) -> None:
    with pytest.raises(ContractError, match="ISO 8601") as caught:
        parse_as_of(text)
    assert f"'{text}'" in str(caught.value)
    assert "--as-of" in str(caught.value)
    assert isinstance(caught.value, BuitengebiedError)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # 28 March 00:00 CET -> 29 March 00:00 CET -> 30 March 00:00 CEST (a 23-hour day).
        ("2026-03-28", 1, "2026-03-28T23:00"),
        ("2026-03-28", 2, "2026-03-29T22:00"),
        # 25 October 00:00 CEST -> 26 October 00:00 CET (a 25-hour day).
        ("2026-10-25", 1, "2026-10-25T23:00"),
        ("2026-03-30", -2, "2026-03-27T23:00"),
        ("2026-01-01", 180, "2026-06-29T22:00"),
        ("2026-07-01T21:15", 0, "2026-07-01T19:15"),
    ],
)
def test_local_days_later_keeps_the_wall_clock_time_across_dst(
    start: str, days: int, expected: str
) -> None:
    assert local_days_later(parse_as_of(start), days) == utc(expected)


def test_local_days_later_accepts_any_time_zone_and_answers_in_utc() -> None:
    moment = pd.Timestamp("2026-03-28T00:00", tz="Europe/Amsterdam")
    later = local_days_later(moment, 2)
    assert later == utc("2026-03-29T22:00")
    assert str(later.tz) == "UTC"


@pytest.mark.parametrize(
    ("start", "wall_clock_later"),
    [("2026-03-28T02:30", "2026-03-29T02:30"), ("2026-10-24T02:30", "2026-10-25T02:30")],
    ids=["into the spring gap", "into the autumn fold"],
)
def test_local_days_later_reads_a_gap_or_fold_as_parsing_does(
    start: str, wall_clock_later: str
) -> None:
    # One day after 02:30 lands on a wall-clock time that does not exist (spring) or
    # exists twice (autumn); it is resolved as parse_as_of resolves that text.
    assert local_days_later(parse_as_of(start), 1) == parse_as_of(wall_clock_later)


def test_parse_moments_mixes_dates_and_date_times_and_keeps_the_index() -> None:
    values = pd.Series(
        ["2026-03-14", "2026-03-14T23:40:00", "2026-07-01T12:00+00:00", "2026-03-14"],
        index=[10, 11, 12, 13],
    )
    moments, unparsable = parse_moments(values)
    expected = pd.Series(
        [
            utc("2026-03-13T23:00"),
            utc("2026-03-14T22:40"),
            utc("2026-07-01T12:00"),
            utc("2026-03-13T23:00"),
        ],
        index=[10, 11, 12, 13],
        dtype="datetime64[ns, UTC]",
    )
    pd.testing.assert_series_equal(moments, expected)
    assert not unparsable.any()


def test_parse_moments_tells_missing_from_unparsable() -> None:
    values = pd.Series(["2026-03-14", None, "", "  ", "not a date", "2026-02-30"])
    moments, unparsable = parse_moments(values)
    assert moments.isna().tolist() == [False, True, True, True, True, True]
    assert unparsable.tolist() == [False, False, False, False, True, True]
    assert unparsable.dtype == np.bool_


def test_parse_moments_reads_naive_datetimes_as_local_and_aware_ones_as_they_are() -> None:
    naive = pd.Series(pd.to_datetime(["2026-07-01 12:00", None]))
    moments, unparsable = parse_moments(naive)
    assert moments.iloc[0] == utc("2026-07-01T10:00") and pd.isna(moments.iloc[1])
    assert not unparsable.any()
    aware = pd.Series(pd.to_datetime(["2026-01-01 12:00"]).tz_localize("Europe/Amsterdam"))
    moments, _ = parse_moments(aware)
    assert moments.iloc[0] == utc("2026-01-01T11:00")
    assert str(moments.dt.tz) == "UTC"


def test_parse_moments_of_an_empty_column_is_empty() -> None:
    moments, unparsable = parse_moments(pd.Series([], dtype=object))
    assert len(moments) == 0 and len(unparsable) == 0
    assert str(moments.dtype) == "datetime64[ns, UTC]"
