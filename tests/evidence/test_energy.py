"""Tests of buitengebied.evidence.energy: known answers on small hand-made meter histories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from buitengebied.evidence.energy import ENERGY_COLUMNS, _grouped_weighted_quantiles, energy_anomaly

TZ = "Europe/Amsterdam"
AS_OF = pd.Timestamp("2025-01-15", tz=TZ)
N_MONTHS = 48  # 2021-01 .. 2024-12
N_PEERS = 30


def _utc(stamps: pd.DatetimeIndex) -> pd.DatetimeIndex:
    return stamps.tz_convert("UTC")


def monthly(address_id: str, rate_kwh_per_day, first: str = "2021-01-01") -> pd.DataFrame:
    """Monthly periods at the given kWh/day (one value per month)."""
    rates = np.asarray(rate_kwh_per_day, dtype=float)
    starts = pd.date_range(first, periods=len(rates), freq="MS", tz=TZ)
    ends = starts + pd.offsets.MonthEnd(0)
    days = (ends - starts).days + 1
    return pd.DataFrame(
        {
            "address_id": address_id,
            "period_start": _utc(starts),
            "period_end": _utc(ends),
            "kwh": rates * days,
        }
    )


def yearly(address_id: str, rate_kwh_per_day, first_year: int = 2021) -> pd.DataFrame:
    """Calendar-year periods at the given kWh/day (one value per year)."""
    rates = np.asarray(rate_kwh_per_day, dtype=float)
    starts = pd.date_range(f"{first_year}-01-01", periods=len(rates), freq="YS", tz=TZ)
    ends = starts + pd.offsets.YearEnd(0)
    days = (ends - starts).days + 1
    return pd.DataFrame(
        {
            "address_id": address_id,
            "period_start": _utc(starts),
            "period_end": _utc(ends),
            "kwh": rates * days,
        }
    )


def seasonal(level: float, amplitude: float, n_months: int = N_MONTHS) -> np.ndarray:
    """Monthly kWh/day with a winter peak, starting in January."""
    month = np.arange(n_months) % 12
    return level + amplitude * np.cos(2 * np.pi * month / 12)


def step(before: float, after: float, months_after: int, n_months: int = N_MONTHS) -> np.ndarray:
    rates = seasonal(before, 1.5, n_months)
    rates[n_months - months_after :] += after - before
    return rates


@pytest.fixture
def peers() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Thirty ordinary households of 120 m2 with monthly data, 6-11 kWh/day."""
    rng = np.random.default_rng(7)
    ids = [f"peer{i:02d}" for i in range(N_PEERS)]
    levels = rng.uniform(6.0, 11.0, N_PEERS)
    energy = pd.concat(
        [
            monthly(i, seasonal(level, 1.5) * rng.normal(1.0, 0.05, N_MONTHS))
            for i, level in zip(ids, levels, strict=True)
        ],
        ignore_index=True,
    )
    addresses = pd.DataFrame({"address_id": ids, "use": "woonfunctie", "floor_area_m2": 120.0})
    return energy, addresses


def score(
    peers: tuple[pd.DataFrame, pd.DataFrame],
    cases: dict[str, pd.DataFrame],
    use: str = "woonfunctie",
    floor_area_m2: float = 120.0,
) -> pd.DataFrame:
    """Score the cases among the peers; return the result indexed by address_id."""
    peer_energy, peer_addresses = peers
    case_addresses = pd.DataFrame(
        {"address_id": list(cases), "use": use, "floor_area_m2": floor_area_m2}
    )
    energy = pd.concat([peer_energy, *cases.values()], ignore_index=True)
    addresses = pd.concat([peer_addresses, case_addresses], ignore_index=True)
    return energy_anomaly(energy, addresses, as_of=AS_OF).set_index("address_id")


def test_output_shape_and_columns(peers):
    result = energy_anomaly(peers[0], peers[1], as_of=AS_OF)
    assert list(result.columns) == list(ENERGY_COLUMNS)
    assert len(result) == N_PEERS
    assert (result["anomaly"] >= 0).all()
    assert (result["n_periods"] == N_MONTHS).all()


def test_flat_household_scores_about_zero(peers):
    result = score(peers, {"flat": monthly("flat", seasonal(8.0, 1.5))})
    assert result.loc["flat", "anomaly"] < 0.3
    assert_allclose(result.loc["flat", "baseline_kwh_per_day"], 8.0, atol=1.0)
    assert result["anomaly"].max() < 1.0  # no ordinary peer stands out either


def test_jump_of_sixty_kwh_per_day_in_last_year_scores_high(peers):
    result = score(peers, {"jump": monthly("jump", step(8.0, 68.0, months_after=12))})
    row = result.loc["jump"]
    assert row["anomaly"] >= 3.0
    assert_allclose(row["recent_kwh_per_day"] - row["baseline_kwh_per_day"], 60.0, atol=2.0)
    assert row["self_z"] >= 3.0
    assert row["peer_z"] > 3.0


def test_recent_step_of_four_months_shows_through_latest_level(peers):
    result = score(peers, {"new": monthly("new", step(8.0, 68.0, months_after=4))})
    row = result.loc["new"]
    assert row["recent_kwh_per_day"] < 15.0  # the yearly median has not moved yet
    assert row["latest_kwh_per_day"] > 60.0
    assert row["anomaly"] >= 3.0


def test_stable_dairy_farm_ten_times_its_peers_scores_low(peers):
    cases = {
        "dairy": monthly("dairy", seasonal(85.0, 10.0)),
        "jump": monthly("jump", step(8.0, 68.0, months_after=12)),
    }
    result = score(peers, cases)
    assert result.loc["dairy", "peer_z"] > 3.0  # heavy compared with the households ...
    assert result.loc["dairy", "anomaly"] < 1.5  # ... but stable, so not anomalous
    assert result.loc["dairy", "anomaly"] < result.loc["jump", "anomaly"]


def test_solar_household_with_negative_summer_periods_does_not_score_high(peers):
    rates = seasonal(2.0, 9.0)  # net delivery in summer: -7 kWh/day
    result = score(peers, {"solar": monthly("solar", rates)})
    assert (rates < 0).any()
    assert result.loc["solar", "anomaly"] < 1.0


def test_solar_panels_installed_lower_the_use_and_score_zero(peers):
    rates = step(8.0, -4.0, months_after=12)
    result = score(peers, {"panels": monthly("panels", rates)})
    assert result.loc["panels", "self_z"] < 0
    assert result.loc["panels", "anomaly"] == 0.0


def test_single_spike_counts_less_than_a_persistent_step(peers):
    spike = seasonal(8.0, 1.5)
    spike[-5] += 60.0  # a meter swap books two months' estimate into one
    last_month_spike = seasonal(8.0, 1.5)
    last_month_spike[-1] += 60.0
    cases = {
        "spike": monthly("spike", spike),
        "last_spike": monthly("last_spike", last_month_spike),
        "step": monthly("step", step(8.0, 68.0, months_after=12)),
    }
    result = score(peers, cases)
    assert result.loc["spike", "anomaly"] < 1.0
    assert result.loc["last_spike", "anomaly"] < 1.0
    assert result.loc["spike", "anomaly"] < result.loc["step", "anomaly"]
    assert result.loc["step", "anomaly"] >= 3.0


def test_yearly_periods_only(peers):
    cases = {
        "flat_y": yearly("flat_y", [8.0, 8.3, 7.9, 8.1]),
        "jump_y": yearly("jump_y", [8, 8, 8, 68]),
    }
    result = score(peers, cases)
    assert result.loc["flat_y", "anomaly"] < 0.5
    assert result.loc["jump_y", "anomaly"] >= 3.0
    assert result.loc["jump_y", "n_periods"] == 4
    assert_allclose(result.loc["jump_y", "history_days"], 365 + 365 + 365)


def test_mixed_yearly_history_and_monthly_recent_periods(peers):
    flat = pd.concat(
        [yearly("mixed_flat", [8, 8, 8]), monthly("mixed_flat", seasonal(8, 1.5, 12), "2024-01-01")]
    )
    jump = pd.concat(
        [
            yearly("mixed_jump", [8, 8, 8]),
            monthly("mixed_jump", seasonal(68, 1.5, 12), "2024-01-01"),
        ]
    )
    result = score(peers, {"mixed_flat": flat, "mixed_jump": jump})
    assert result.loc["mixed_flat", "anomaly"] < 0.5
    assert result.loc["mixed_jump", "anomaly"] >= 3.0
    assert result.loc["mixed_jump", "n_periods"] == 15


def test_weighted_median_lets_a_year_outweigh_a_month(peers):
    # One yearly period at 8 kWh/day and one odd month at 200 kWh/day in the same window.
    energy = pd.concat([yearly("a", [8.0], 2024), monthly("a", [200.0], "2024-12-01")])
    addresses = pd.DataFrame({"address_id": ["a"]})
    result = energy_anomaly(energy, addresses, as_of=AS_OF)
    assert_allclose(result.loc[0, "recent_kwh_per_day"], 8.0)


def test_address_without_history_leans_on_peers_with_shrink(peers):
    cases = {
        "new_heavy": monthly("new_heavy", seasonal(68, 1.5, 12), "2024-01-01"),
        "new_normal": monthly("new_normal", seasonal(8, 1.5, 12), "2024-01-01"),
    }
    result = score(peers, cases)
    heavy = result.loc["new_heavy"]
    assert np.isnan(heavy["self_z"])
    assert heavy["history_days"] == 0
    assert_allclose(heavy["anomaly"], 0.5 * heavy["peer_z"])
    assert heavy["anomaly"] > 2.0  # shrunk: without history the peers are weaker evidence
    assert result.loc["new_normal", "anomaly"] < 0.5


def test_address_without_data_scores_zero_with_nan_components(peers):
    addresses = pd.concat([peers[1], pd.DataFrame({"address_id": ["silent"]})], ignore_index=True)
    result = energy_anomaly(peers[0], addresses, as_of=AS_OF).set_index("address_id")
    row = result.loc["silent"]
    assert row["anomaly"] == 0.0
    assert row["n_periods"] == 0
    for column in ("self_z", "peer_z", "recent_kwh_per_day", "baseline_kwh_per_day", "recency"):
        assert np.isnan(row[column]), column
    assert pd.isna(row["peer_group"])


def test_empty_energy_gives_all_zeros():
    energy = pd.DataFrame(
        {
            "address_id": pd.Series([], dtype=object),
            "period_start": pd.Series([], dtype="datetime64[ns, UTC]"),
            "period_end": pd.Series([], dtype="datetime64[ns, UTC]"),
            "kwh": pd.Series([], dtype=float),
        }
    )
    addresses = pd.DataFrame({"address_id": ["a", "b", "c"], "use": ["woonfunctie", None, "x"]})
    result = energy_anomaly(energy, addresses, as_of=AS_OF)
    assert result["anomaly"].tolist() == [0.0, 0.0, 0.0]
    assert result["self_z"].isna().all()
    assert result["peer_z"].isna().all()


def test_empty_addresses_give_an_empty_frame(peers):
    result = energy_anomaly(peers[0], pd.DataFrame({"address_id": []}), as_of=AS_OF)
    assert result.empty
    assert list(result.columns) == list(ENERGY_COLUMNS)


def test_rows_of_unknown_addresses_are_ignored(peers):
    energy, addresses = peers
    ghost = monthly("ghost", step(8, 500, 12))
    with_ghost = pd.concat([energy.iloc[:100], ghost, energy.iloc[100:]], ignore_index=True)
    expected = energy_anomaly(energy, addresses, as_of=AS_OF)
    result = energy_anomaly(with_ghost, addresses, as_of=AS_OF)
    pd.testing.assert_frame_equal(result, expected)
    assert "ghost" not in set(result["address_id"])


def test_output_follows_address_order_and_index(peers):
    energy, addresses = peers
    reordered = addresses.sample(frac=1.0, random_state=3).set_index(
        pd.Index(np.arange(100, 100 + N_PEERS))
    )
    result = energy_anomaly(energy.sample(frac=1.0, random_state=4), reordered, as_of=AS_OF)
    assert result["address_id"].tolist() == reordered["address_id"].tolist()
    assert result.index.equals(reordered.index)
    expected = energy_anomaly(energy, addresses, as_of=AS_OF).set_index("address_id")
    assert_allclose(
        result.set_index("address_id")["anomaly"], expected.loc[reordered["address_id"], "anomaly"]
    )


def test_periods_of_zero_or_negative_length_are_skipped():
    good = monthly("a", [8.0, 8.0])
    bad = good.iloc[:1].assign(period_end=good["period_start"].iloc[0] - pd.Timedelta(days=3))
    result = energy_anomaly(
        pd.concat([good, bad]), pd.DataFrame({"address_id": ["a"]}), as_of=AS_OF
    )
    assert result.loc[0, "n_periods"] == 2
    assert_allclose(result.loc[0, "recent_kwh_per_day"], 8.0)


def test_identical_periods_of_one_address_are_summed_as_connections():
    house = monthly("farm", np.full(24, 8.0), "2023-01-01")
    barn = monthly("farm", np.full(24, 30.0), "2023-01-01")
    result = energy_anomaly(
        pd.concat([house, barn]), pd.DataFrame({"address_id": ["farm"]}), as_of=AS_OF
    )
    assert result.loc[0, "n_periods"] == 24
    assert_allclose(result.loc[0, "recent_kwh_per_day"], 38.0)


def test_daylight_saving_months_keep_their_calendar_length():
    march = monthly("a", [10.0], "2024-03-01")  # 31 days, one hour short in UTC
    october = monthly("a", [10.0], "2024-10-01")  # 31 days, one hour long in UTC
    result = energy_anomaly(
        pd.concat([march, october]), pd.DataFrame({"address_id": ["a"]}), as_of=AS_OF
    )
    assert_allclose(result.loc[0, "recent_kwh_per_day"], 10.0)


def test_data_that_stopped_long_ago_is_damped(peers):
    jump = monthly("old_jump", step(8.0, 68.0, months_after=12, n_months=24), "2020-01-01")
    result = score(peers, {"old_jump": jump})
    row = result.loc["old_jump"]
    assert_allclose(
        row["recency"],
        0.5 ** (((AS_OF - pd.Timestamp("2021-12-31", tz=TZ)).days - 365) / 365),
        rtol=0.01,
    )
    assert row["anomaly"] < row["self_z"]


def test_naive_as_of_and_missing_optional_address_columns(peers):
    energy, addresses = peers
    bare = addresses[["address_id"]]
    result = energy_anomaly(energy, bare, as_of=pd.Timestamp("2025-01-15"))
    expected = energy_anomaly(energy, bare, as_of=AS_OF)
    pd.testing.assert_frame_equal(result, expected)
    assert set(result["peer_group"].astype(str)) == {"unknown use, unknown area"}


def test_peer_groups_fall_back_from_area_bin_to_use(peers):
    energy, addresses = peers
    mixed = addresses.assign(floor_area_m2=np.where(np.arange(N_PEERS) < 25, 120.0, 2_000.0))
    result = energy_anomaly(energy, mixed, as_of=AS_OF)
    groups = result["peer_group"].astype(str)
    assert groups.iloc[0] == "woonfunctie, 75-150 m2"
    assert groups.iloc[-1] == "woonfunctie"


def test_duplicate_address_ids_are_refused(peers):
    with pytest.raises(ValueError, match="unique"):
        energy_anomaly(peers[0], pd.DataFrame({"address_id": ["a", "a"]}), as_of=AS_OF)


def test_grouped_weighted_quantiles_known_values():
    group = np.array([0, 0, 0, 0, 2, 2, 2, 5])
    values = np.array([4.0, 1.0, 3.0, 2.0, 10.0, 30.0, 20.0, -1.0])
    weights = np.array([1, 1, 1, 1, 1, 1, 10, 3])
    groups, result = _grouped_weighted_quantiles(group, values, weights, (0.25, 0.5, 0.75))
    assert groups.tolist() == [0, 2, 5]
    assert_allclose(result[0], [1.5, 2.5, 3.5])  # equal weights: ordinary quartiles
    assert_allclose(result[1], [20.0, 20.0, 20.0])  # the heavy value dominates
    assert_allclose(result[2], [-1.0, -1.0, -1.0])
