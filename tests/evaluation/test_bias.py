import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from buitengebied.dataset import Dataset
from buitengebied.evaluation.bias import (
    FOLLOWS_EFFORT_R2,
    INDEPENDENT_R2,
    bias_diagnostic,
    effort_proxies,
    inspected_before,
    mean_diagnostic,
    repeat_shares,
    verdict_for,
)

ORIGIN_X, ORIGIN_Y = 215_000.0, 450_000.0


def far_apart_dataset(n: int = 5, spacing_m: float = 20_000.0) -> Dataset:
    """Addresses 20 km apart: kernels of 500 m and 2 km do not reach a neighbour."""
    ids = [f"A{i}" for i in range(n)]
    x = ORIGIN_X + spacing_m * np.arange(n)
    addresses = gpd.GeoDataFrame(
        {"address_id": ids}, geometry=gpd.points_from_xy(x, np.full(n, ORIGIN_Y)), crs=28992
    )
    inspections = pd.DataFrame(
        {
            "address_id": ["A1", "A1", "A3"],
            "inspected_at": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"], utc=True),
            "outcome": ["nothing", "signals", "nothing"],
        }
    )
    reports = gpd.GeoDataFrame(
        {"report_id": ["R1", "R2"], "category": ["litter", "poaching"]},
        geometry=[shapely.Point(x[2], ORIGIN_Y), shapely.Point(x[2] + 100, ORIGIN_Y)],
        crs=28992,
    )
    return Dataset(
        addresses=addresses,
        layers={"inspections": inspections, "reports": reports},
        area=shapely.box(x[0] - 1000, ORIGIN_Y - 1000, x[-1] + 1000, ORIGIN_Y + 1000),
    )


def test_inspection_effort_is_own_count_plus_count_around():
    proxies = effort_proxies(far_apart_dataset())
    # A1: 2 own + 2 around; A3: 1 + 1; others none (the kernel does not reach 20 km).
    np.testing.assert_allclose(proxies["inspection_effort"].to_numpy(), [0, 4, 0, 2, 0], atol=0.05)


def test_report_density_counts_every_category():
    proxies = effort_proxies(far_apart_dataset())
    density = proxies["report_density"]
    # Two reports at (nearly) the address: 2 / (2 pi sigma^2) per km^2 with sigma = 2 km.
    assert density["A2"] == pytest.approx(2 / (2 * np.pi * 4.0), rel=0.02)
    assert (density.drop("A2") < 1e-9).all()


def scattered_case(n: int = 400, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    index = pd.Index([f"{i:04d}" for i in range(n)], name="address_id")
    return pd.DataFrame(
        {"report_density": rng.gamma(2.0, size=n), "inspection_effort": rng.poisson(1.0, size=n)},
        index=index,
    )


def test_a_score_equal_to_report_density_follows_where_people_look():
    proxies = scattered_case()
    diagnostic = bias_diagnostic(proxies["report_density"], proxies)
    assert diagnostic.table.loc["report_density", "spearman"] == pytest.approx(1.0)
    assert diagnostic.table.loc["report_density", "top_overlap"] == pytest.approx(1.0)
    assert diagnostic.r_squared == pytest.approx(1.0)
    assert diagnostic.verdict == "follows_effort"
    assert "mostly follows where people look" in diagnostic.message


def test_a_score_unrelated_to_effort_is_independent():
    proxies = scattered_case(n=2000)
    score = pd.Series(np.random.default_rng(7).random(2000), index=proxies.index)
    diagnostic = bias_diagnostic(score, proxies)
    assert abs(diagnostic.table.loc["report_density", "spearman"]) < 0.1
    assert diagnostic.r_squared < INDEPENDENT_R2
    assert diagnostic.verdict == "independent"


def test_constant_inputs_are_undetermined_without_warnings():
    proxies = scattered_case(n=50)
    proxies["inspection_effort"] = 0.0
    constant = pd.Series(1.0, index=proxies.index)
    diagnostic = bias_diagnostic(constant, proxies)
    assert diagnostic.verdict == "undetermined"
    assert diagnostic.table.isna().loc["inspection_effort"].all()


@pytest.mark.parametrize(
    ("r_squared", "verdict"),
    [
        (FOLLOWS_EFFORT_R2, "follows_effort"),
        (0.35, "partly_follows_effort"),
        (INDEPENDENT_R2 - 0.01, "independent"),
        (math.nan, "undetermined"),
    ],
)
def test_verdict_thresholds(r_squared, verdict):
    assert verdict_for(r_squared) == verdict


def test_mean_diagnostic_averages_tables_and_r_squared():
    proxies = scattered_case()
    follows = bias_diagnostic(proxies["report_density"], proxies)
    reversed_score = bias_diagnostic(-proxies["report_density"], proxies)
    mean = mean_diagnostic([follows, reversed_score])
    assert mean.table.loc["report_density", "spearman"] == pytest.approx(0.0)
    assert mean.r_squared == pytest.approx(1.0)


def visited_world(n: int = 400, visited: int = 20) -> tuple[pd.Series, pd.Series]:
    """Scores of ``n`` addresses and which ``visited`` of them were inspected before."""
    ids = pd.Index([f"A{i:03d}" for i in range(n)], name="address_id")
    inspected = pd.Series(np.arange(n) % (n // visited) == 0, index=ids)
    return pd.Series(np.linspace(1.0, 0.0, n), index=ids), inspected


def test_inspected_before_marks_every_address_with_an_inspection():
    inspected = inspected_before(far_apart_dataset())
    assert inspected.to_dict() == {"A0": False, "A1": True, "A2": False, "A3": True, "A4": False}


def test_repeat_shares_give_the_earlier_visits_at_the_top_beside_the_base_rate():
    scores, inspected = visited_world()
    # Every fourth of the top 100 was visited; 5 % of all addresses were.
    scores[inspected] += 10.0  # the 20 visited first
    shares = repeat_shares(scores, inspected)
    assert list(shares.index) == ["top 25", "top 100", "top 1%"]
    assert shares["n"].tolist() == [25, 100, 4]
    np.testing.assert_allclose(shares["share"], [20 / 25, 20 / 100, 1.0])
    proxies = pd.DataFrame({"report_density": np.arange(400.0)}, index=scores.index)
    diagnostic = bias_diagnostic(scores, proxies, inspected=inspected)
    assert diagnostic.base_rate == pytest.approx(0.05)
    assert not diagnostic.repeats_visits  # 20 % of the top 100: no warning
    assert diagnostic.repeat_warning == ""
    assert "inspected before: top 25 80%, top 100 20%, top 1% 100% (base rate 5.0%)" in (
        diagnostic.message
    )


def test_a_ranking_that_mostly_repeats_earlier_visits_is_warned_about_in_dutch():
    scores, _ = visited_world()
    inspected = pd.Series(np.arange(400) < 85, index=scores.index)  # 85 of the top 100
    proxies = pd.DataFrame({"report_density": np.arange(400.0)}, index=scores.index)
    diagnostic = bias_diagnostic(scores, proxies, inspected=inspected)
    assert diagnostic.repeats_visits
    assert diagnostic.repeat_warning.startswith(
        "Waarschuwing: de ranglijst herhaalt vooral eerdere bezoeken."
    )
    assert "85 % van de top 100" in diagnostic.repeat_warning
    assert "tegen 21 % van alle adressen" in diagnostic.repeat_warning
    assert "WARNING: the top of the ranking mostly repeats earlier visits" in diagnostic.message
    # Averaged over cut-offs, the shares and the base rate are averaged too.
    mean = mean_diagnostic([diagnostic, bias_diagnostic(scores, proxies, inspected=~inspected)])
    assert mean.repeats is not None
    assert mean.repeats.at["top 100", "share"] == pytest.approx(0.5)
    assert mean.base_rate == pytest.approx(0.5)
