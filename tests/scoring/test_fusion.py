from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from buitengebied.evidence.features import Evidence
from buitengebied.evidence.layerspec import LayerSpec, load_layer_specs
from buitengebied.scoring.fusion import (
    LINEAR_STRENGTH_SD,
    factor_scale,
    fuse,
    normalise,
    rank_scores,
    strength_caps,
    strength_from_excess,
    top_factors,
)


def spec(name, weight):
    return LayerSpec(
        name, name, "", "addresses", "remoteness", weight, ("police",), {"bandwidth_m": 1.0}
    )


def test_strength_counts_standard_deviations_above_the_mean():
    raw = pd.DataFrame({"a": [0.0, 0.0, 0.0, 4.0]})  # mean 1, sd sqrt(3)
    scales = factor_scale(raw)
    assert scales["a"] == pytest.approx((1.0, np.sqrt(3.0)))
    assert_allclose(normalise(raw, scales, caps={})["a"], [0.0, 0.0, 0.0, 3.0 / np.sqrt(3.0)])


def test_extreme_strength_grows_logarithmically_and_constant_factors_give_nothing():
    raw = pd.DataFrame({"a": [0.0] * 999 + [1.0], "flat": [2.0] * 1000})
    strength = normalise(raw, factor_scale(raw), caps={})
    z = (1.0 - 0.001) / np.sqrt(0.001 * 0.999)  # about 31.6 standard deviations
    linear = LINEAR_STRENGTH_SD
    assert strength["a"].max() == pytest.approx(linear * (1.0 + np.log(z / linear)))
    assert linear < strength["a"].max() < z
    assert (strength["flat"] == 0).all()
    assert factor_scale(raw)["flat"] == (2.0, 1.0)


def test_strength_is_continuous_increasing_and_zero_below_the_mean():
    z = np.array([-3.0, 0.0, 2.0, LINEAR_STRENGTH_SD - 1e-9, LINEAR_STRENGTH_SD, 9.0, 50.0, 1e6])
    f = strength_from_excess(z)
    assert f[0] == 0.0 and f[1] == 0.0 and f[2] == 2.0
    assert f[3] == pytest.approx(f[4])
    assert (np.diff(f[1:]) > 0).all()
    # The slope is continuous at the knee: 1 just below, 1 just above, 1/z far beyond.
    eps = 1e-6
    knee = LINEAR_STRENGTH_SD
    below = (f[4] - strength_from_excess(np.array([knee - eps]))[0]) / eps
    above = (strength_from_excess(np.array([knee + eps]))[0] - f[4]) / eps
    assert below == pytest.approx(1.0, rel=1e-4) and above == pytest.approx(1.0, rel=1e-4)
    far = (strength_from_excess(np.array([50.0 + eps]))[0] - f[6]) / eps
    assert far == pytest.approx(knee / 50.0, rel=1e-4)
    assert np.isnan(strength_from_excess(np.array([np.nan]))[0])


def test_contributions_add_up_to_the_score_and_follow_weights():
    raw = pd.DataFrame(
        {"a": [1.0, 0.0, 3.0, 0.0], "b": [0.0, 2.0, 0.0, 0.0]},
        index=pd.Index(["x", "y", "z", "w"], name="address_id"),
    )
    evidence = Evidence(raw.index, raw, [spec("a", 2.0), spec("b", 1.0)], ["addresses"], {})
    scores = fuse(evidence)
    table = scores.table.set_index("address_id")
    assert_allclose(table["score"], table["contribution_a"] + table["contribution_b"])
    # a: mean 1, sd 1.2247 -> z = 1.633 for "z"; b: mean 0.5, sd 0.866 -> z = 1.732 for "y"
    assert table.loc["z", "contribution_a"] == pytest.approx(2.0 * 2.0 / np.sqrt(1.5))
    assert table.loc["y", "contribution_b"] == pytest.approx(1.0 * 1.5 / np.sqrt(0.75))
    assert table.loc["x", "score"] == 0.0
    assert list(scores.table["address_id"]) == ["z", "y", "w", "x"]
    assert list(scores.table["top_factors"]) == ["a", "b", "", ""]


def test_ties_are_broken_by_address_id_and_ranks_are_distinct():
    contributions = pd.DataFrame(
        {"a": [1.0, 1.0, 1.0, 0.0]}, index=pd.Index(["b2", "a1", "c3", "d4"])
    )
    scores = rank_scores(
        contributions, layers_used=[], weights={"a": 1.0}, scales={"a": (0.0, 1.0)}
    )
    assert list(scores.table["address_id"]) == ["a1", "b2", "c3", "d4"]
    assert list(scores.table["rank"]) == [1, 2, 3, 4]


def test_top_factors_most_first_and_empty_only_for_zero_score():
    contributions = np.array([[0.1, 0.6, 0.3], [0.0, 0.0, 0.0], [0.0, 0.0, 0.02], [0.05, 1.0, 0.0]])
    labels = top_factors(contributions, ["a", "b", "c"])
    assert labels == ["b;c;a", "", "c", "b"]


def test_a_capped_factor_never_outweighs_its_cap_and_contributions_still_add_up():
    # "rare": one address in 1,000 carries it, so it stands at about 31.6 SD by rarity alone.
    ids = pd.Index([f"a{i:04d}" for i in range(1000)], name="address_id")
    rare = np.zeros(1000)
    rare[0] = 1.0
    common = np.linspace(0.0, 1.0, 1000)
    raw = pd.DataFrame({"rare": rare, "common": common}, index=ids)
    capped = replace(spec("rare", 1.0), max_strength=4.0)
    uncapped = fuse(Evidence(ids, raw, [spec("rare", 1.0), spec("common", 3.0)], [], {}))
    scores = fuse(Evidence(ids, raw, [capped, spec("common", 3.0)], [], {}))
    table = scores.table.set_index("address_id")
    assert table["contribution_rare"].max() == pytest.approx(4.0)
    assert uncapped.table.set_index("address_id").loc["a0000", "contribution_rare"] > 15.0
    assert_allclose(table["score"], table["contribution_rare"] + table["contribution_common"])
    # Uncapped, the rare indicator heads the list; capped (4), the strongest common value
    # (3 x 1.73 SD) does.
    assert uncapped.table["address_id"].iloc[0] == "a0000"
    assert scores.table["address_id"].iloc[0] == "a0999"
    assert strength_caps([capped, spec("common", 1.0)]) == {"rare": 4.0}


def test_normalise_caps_only_the_named_factors():
    raw = pd.DataFrame({"a": [0.0] * 99 + [1.0], "b": [0.0] * 99 + [1.0]})
    strength = normalise(raw, factor_scale(raw), caps={"a": 2.5})
    assert strength["a"].max() == 2.5
    assert strength["b"].max() == pytest.approx(
        normalise(raw, factor_scale(raw), caps={})["b"].max()
    )
    assert strength["b"].max() > 8.0


@pytest.mark.parametrize("register_share", [0.01, 0.05, 0.2])
def test_a_register_rows_strength_is_its_rarity_up_to_the_shipped_cap(register_share):
    """The shipped vacant_buildings cap: strength by rarity alone would be sqrt((1 - p) / p)."""
    (vacant,) = [s for s in load_layer_specs() if s.name == "vacant_buildings"]
    ids = pd.Index([f"a{i:04d}" for i in range(1000)], name="address_id")
    on_register = np.zeros(1000)
    on_register[: int(register_share * 1000)] = 1.0
    raw = pd.DataFrame({"vacant_buildings": on_register}, index=ids)
    table = fuse(Evidence(ids, raw, [vacant], [], {})).table.set_index("address_id")
    uncapped = np.sqrt((1 - register_share) / register_share)
    expected = vacant.weight * min(uncapped, vacant.max_strength)
    assert vacant.max_strength == 3.0
    assert table.loc["a0000", "contribution_vacant_buildings"] == pytest.approx(expected)
    if register_share < 0.1:
        assert expected < vacant.weight * uncapped
