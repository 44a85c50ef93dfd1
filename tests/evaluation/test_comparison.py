import numpy as np
import pandas as pd
import pytest

from buitengebied.evaluation.comparison import (
    block_bootstrap_means,
    compare_methods,
    comparison_table,
    overlap_block_length,
)

CUTOFFS = pd.date_range("2024-01-01", periods=12, freq="MS", tz="UTC")


def long_table(values: dict[str, list[float]], metric: str = "hit_rate_top1pct") -> pd.DataFrame:
    rows = [
        {"cutoff": cutoff, "method": method, "metric": metric, "value": value}
        for method, series in values.items()
        for cutoff, value in zip(CUTOFFS, series, strict=True)
    ]
    return pd.DataFrame(rows)


def test_block_length_counts_the_cutoffs_a_window_overlaps():
    assert overlap_block_length(list(CUTOFFS), 180) == 6  # monthly cut-offs, 180 days
    assert overlap_block_length(list(CUTOFFS[::3]), 180) == 2  # quarterly
    assert overlap_block_length(list(CUTOFFS[::6]), 90) == 1
    assert overlap_block_length(list(CUTOFFS[:1]), 180) == 1
    assert overlap_block_length(list(CUTOFFS[:3]), 3650) == 3  # never longer than the series


def test_block_bootstrap_resamples_whole_blocks():
    rng = np.random.default_rng(0)
    constant = block_bootstrap_means(np.full(10, 0.25), block_length=3, n_resamples=50, rng=rng)
    assert np.allclose(constant, 0.25)
    # With one block as long as the series every resample is the series itself.
    series = np.arange(8.0)
    whole = block_bootstrap_means(series, block_length=8, n_resamples=20, rng=rng)
    assert np.allclose(whole, series.mean())
    spread = block_bootstrap_means(series, block_length=2, n_resamples=2_000, rng=rng)
    assert spread.std() > 0.5 and abs(spread.mean() - series.mean()) < 0.3
    assert block_bootstrap_means(np.empty(0), block_length=2, n_resamples=5, rng=rng).size == 0


def test_a_steady_lead_is_ahead_noise_is_undecided_a_deficit_is_behind():
    rng = np.random.default_rng(1)
    base = rng.uniform(0.1, 0.3, 12)
    table = long_table(
        {
            "engine": list(base + 0.1),
            "same": list(base + 0.1 + rng.normal(0, 0.05, 12)),
            "better": list(base + 0.2),
            "baseline": list(base),
        }
    )
    found = compare_methods(
        table,
        methods=["engine"],
        baselines=["baseline", "same", "better", "absent"],
        metrics=["hit_rate_top1pct", "average_precision"],
        block_length=3,
        n_find_addresses=40,
    )
    verdicts = {c.baseline: c for c in found}
    assert set(verdicts) == {"baseline", "same", "better"}  # unknown names are skipped
    assert verdicts["baseline"].verdict == "ahead"
    assert verdicts["baseline"].mean_difference == pytest.approx(0.1)
    assert (verdicts["baseline"].wins, verdicts["baseline"].losses) == (12, 0)
    assert verdicts["better"].verdict == "behind"
    assert verdicts["same"].low < 0 < verdicts["same"].high
    assert verdicts["same"].verdict == "undecided"


def test_cutoffs_without_finds_are_left_out_and_the_result_is_reproducible():
    engine = [np.nan] * 4 + [0.5] * 8
    table = long_table({"engine": engine, "baseline": [0.2] * 12})
    kwargs = {"methods": ["engine"], "baselines": ["baseline"], "metrics": ["hit_rate_top1pct"]}
    once = compare_methods(table, block_length=2, n_find_addresses=40, seed=3, **kwargs)
    assert once == compare_methods(table, block_length=2, n_find_addresses=40, seed=3, **kwargs)
    assert once[0].wins + once[0].ties + once[0].losses == 8
    frame = comparison_table(once)
    assert list(frame["verdict"]) == ["ahead"]
    assert frame.loc[0, "mean_difference"] == pytest.approx(0.3)


def test_too_few_find_addresses_give_no_verdict():
    table = long_table({"engine": [0.9] * 12, "baseline": [0.1] * 12})
    kwargs = {"methods": ["engine"], "baselines": ["baseline"], "metrics": ["hit_rate_top1pct"]}
    few = compare_methods(table, block_length=2, n_find_addresses=3, **kwargs)[0]
    many = compare_methods(table, block_length=2, n_find_addresses=20, **kwargs)[0]
    assert few.low > 0 and few.verdict == "undecided" and not few.enough_finds
    assert many.verdict == "ahead"


def test_too_few_blocks_of_cutoffs_give_no_verdict():
    # Four monthly cut-offs with 180-day windows are one block: every resample is the
    # series itself, the interval collapses onto the mean, and that proves nothing.
    table = long_table({"engine": [0.40, 0.01, 0.22, 0.19] + [np.nan] * 8, "baseline": [0.2] * 12})
    kwargs = {"methods": ["engine"], "baselines": ["baseline"], "metrics": ["hit_rate_top1pct"]}
    one_block = compare_methods(table, block_length=4, n_find_addresses=40, **kwargs)[0]
    assert one_block.low == pytest.approx(one_block.high) and one_block.low > 0
    assert not one_block.enough_cutoffs and one_block.verdict == "undecided"
    single = long_table({"engine": [0.9] + [np.nan] * 11, "baseline": [0.1] * 12})
    assert compare_methods(single, block_length=1, n_find_addresses=40, **kwargs)[0].verdict == (
        "undecided"
    )


def test_an_interval_does_not_depend_on_what_else_is_compared():
    rng = np.random.default_rng(5)
    base = rng.uniform(0.1, 0.3, 12)
    table = pd.concat(
        [
            long_table(
                {"engine": list(base + rng.normal(0.02, 0.05, 12)), "baseline": list(base)}, metric
            )
            for metric in ("hit_rate_top1pct", "average_precision")
        ]
    )
    kwargs = {
        "methods": ["engine"],
        "baselines": ["baseline"],
        "block_length": 2,
        "n_find_addresses": 40,
    }
    both = compare_methods(table, metrics=["hit_rate_top1pct", "average_precision"], **kwargs)
    alone = compare_methods(table, metrics=["average_precision"], **kwargs)
    assert alone == [both[1]]
