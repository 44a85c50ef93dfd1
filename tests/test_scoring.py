import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from buitengebied.features import Evidence
from buitengebied.layerspec import LayerSpec
from buitengebied.scoring import factor_scale, fuse, normalise, rank_scores, top_factors


def spec(name, weight, saturation=None):
    return LayerSpec(
        name,
        name,
        "",
        "addresses",
        "remoteness",
        weight,
        ("police",),
        {"bandwidth_m": 1.0},
        saturation=saturation,
    )


def test_normalise_is_half_at_the_scale():
    raw = pd.DataFrame({"a": [0.0, 2.0, 6.0, -1.0]})
    strength = normalise(raw, pd.Series({"a": 2.0}))
    assert_allclose(strength["a"], [0.0, 0.5, 0.75, 0.0])


def test_automatic_scale_is_90th_percentile_of_positive_values():
    raw = pd.DataFrame({"a": [0.0] * 5 + list(range(1, 11))})
    assert factor_scale(raw, {"a": None})["a"] == pytest.approx(np.quantile(np.arange(1, 11), 0.9))
    assert factor_scale(pd.DataFrame({"a": [0.0, 0.0]}), {"a": None})["a"] == 1.0


def test_contributions_add_up_to_the_score_and_follow_weights():
    raw = pd.DataFrame(
        {"a": [1.0, 0.0, 4.0], "b": [1.0, 2.0, 0.0]},
        index=pd.Index(["x", "y", "z"], name="address_id"),
    )
    evidence = Evidence(
        raw.index, raw, [spec("a", 2.0, 1.0), spec("b", 1.0, 1.0)], ["addresses"], {}
    )
    scores = fuse(evidence)
    table = scores.table.set_index("address_id")
    assert_allclose(table["score"], table["contribution_a"] + table["contribution_b"])
    assert table.loc["x", "contribution_a"] == pytest.approx(2.0 * 0.5)
    assert table.loc["z", "score"] == pytest.approx(2.0 * 0.8)
    assert list(scores.table["address_id"]) == ["z", "x", "y"]


def test_ties_are_broken_by_address_id_and_ranks_are_distinct():
    contributions = pd.DataFrame(
        {"a": [1.0, 1.0, 1.0, 0.0]}, index=pd.Index(["b2", "a1", "c3", "d4"])
    )
    scores = rank_scores(contributions, layers_used=[], weights={"a": 1.0}, scales={"a": 1.0})
    assert list(scores.table["address_id"]) == ["a1", "b2", "c3", "d4"]
    assert list(scores.table["rank"]) == [1, 2, 3, 4]


def test_top_factors_most_first_and_empty_only_for_zero_score():
    contributions = np.array([[0.1, 0.6, 0.3], [0.0, 0.0, 0.0], [0.0, 0.0, 0.02], [0.05, 1.0, 0.0]])
    labels = top_factors(contributions, ["a", "b", "c"])
    assert labels == ["b;c;a", "", "c", "b"]
