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
    mean_diagnostic,
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
