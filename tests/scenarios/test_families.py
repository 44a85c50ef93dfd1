import numpy as np
import pandas as pd
import pytest

from buitengebied_scenarios.families import (
    FAMILIES,
    RANDOM_ENERGY_COVERAGE,
    RANDOM_RANGES,
    family_params,
    random_params,
    run_scenario,
    truth_outcomes,
)
from buitengebied_scenarios.generator import ScenarioParams


def test_family_params_apply_the_family_overrides_and_refuse_unknown_names():
    labs = family_params("mostly_labs", seed=5, n_addresses=500, n_hidden_sites=9)
    assert labs.site_mix == FAMILIES["mostly_labs"]["site_mix"]
    assert (labs.seed, labs.n_addresses, labs.n_hidden_sites) == (5, 500, 9)
    assert (
        family_params("no_energy", seed=5, n_addresses=500, n_hidden_sites=9).energy_coverage == 0
    )
    with pytest.raises(KeyError, match="mostly_lbas"):
        family_params("mostly_lbas", seed=5, n_addresses=500, n_hidden_sites=9)


def test_random_params_are_reproducible_within_their_ranges_and_differ_per_seed():
    drawn = [random_params(seed, n_addresses=300, n_hidden_sites=5) for seed in range(40)]
    assert random_params(3, n_addresses=300, n_hidden_sites=5) == drawn[3]
    for params in drawn:
        for name, (low, high) in RANDOM_RANGES.items():
            assert low <= getattr(params, name) <= high, name
        assert sum(share for _, share in params.site_mix) == pytest.approx(1.0)
        assert params.energy_coverage in RANDOM_ENERGY_COVERAGE
    # Not one fixed scenario: the knobs spread over their ranges.
    rates = np.array([p.inspection_rate for p in drawn])
    assert rates.min() < 0.03 and rates.max() > 0.055
    assert len({p.energy_coverage for p in drawn}) == len(RANDOM_ENERGY_COVERAGE)
    # Knobs not drawn keep the demo's defaults.
    assert drawn[0].detection_prob == ScenarioParams().detection_prob


def test_truth_counts_a_site_active_at_any_moment_of_the_window():
    sites = pd.DataFrame(
        {
            "address_id": ["before", "overlap_start", "inside", "still_active", "after", "edge"],
            "active_from": [
                "2024-01-01",
                "2024-05-01",
                "2024-07-01",
                "2023-01-01",
                "2025-01-01",
                "2024-12-31",
            ],
            "active_until": ["2024-05-31", "2024-06-02", "2024-08-01", None, None, None],
        }
    )
    hits = truth_outcomes(sites)
    start = pd.Timestamp("2024-06-01", tz="Europe/Amsterdam").tz_convert("UTC")
    end = pd.Timestamp("2024-12-31", tz="Europe/Amsterdam").tz_convert("UTC")
    assert list(hits(start, end)) == ["inside", "overlap_start", "still_active"]


@pytest.mark.slow
def test_a_small_scenario_backtests_every_method_and_the_engine_beats_chance(tmp_path):
    params = random_params(1001, n_addresses=1500, n_hidden_sites=15)
    result = run_scenario(params, tmp_path / "scenario", months=12, step_months=6)
    pooled = result.summary_table("pooled")
    assert len(result.find_addresses) > 0
    # Every method was scored in every window: no metric is left undefined.
    assert pooled.loc[["expert", "random", "vacancy_only", "naive_z_sum"]].notna().all().all()
    # Ground truth, not inspections: the engine's top 5 % holds far more sites than chance.
    assert pooled.loc["expert", "hit_rate_top5pct"] > 3 * 0.05
    assert pooled.loc["expert", "average_precision"] > 3 * pooled.loc["random", "average_precision"]
