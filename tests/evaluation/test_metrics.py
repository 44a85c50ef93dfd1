import math

import numpy as np
import pandas as pd
import pytest
import shapely
from numpy.testing import assert_allclose
from sklearn.metrics import average_precision_score

from buitengebied.evaluation.metrics import (
    area_cell_count,
    average_precision,
    cumulative_distinct,
    evaluate_ranking,
    metric_names,
    pool_evaluations,
    rank_addresses,
    top_count,
)
from buitengebied.grid import cell_codes

#: Ten addresses a0 (riskiest, score 10) .. a9 (score 1).
TEN = pd.Series(np.arange(10, 0, -1, dtype=float), index=[f"a{i}" for i in range(10)])


def one_cell_each(n: int, cell_size_m: float = 250.0) -> np.ndarray:
    """Each address in its own cell of a 4 x 4 block of 250 m cells."""
    xy = np.array([[(i % 4) * cell_size_m + 10, (i // 4) * cell_size_m + 10] for i in range(n)])
    return cell_codes(xy, cell_size_m)


def test_ranks_break_ties_by_address_id():
    scores = pd.Series([1.0, 1.0, 2.0, np.nan], index=["b", "a", "c", "d"])
    assert rank_addresses(scores).to_dict() == {"b": 3, "a": 2, "c": 1, "d": 4}


@pytest.mark.parametrize(
    ("n", "share", "k"), [(300, 0.01, 3), (10, 0.01, 1), (10, 0.5, 5), (3, 1.0, 3)]
)
def test_top_count(n, share, k):
    assert top_count(n, share) == k


def test_hit_rates_on_ten_addresses():
    finds = ["a0", "a3", "a9"]  # ranks 1, 4, 10
    result = evaluate_ranking(
        TEN,
        finds,
        cells=one_cell_each(10),
        n_area_cells=16,
        top_counts=(1, 3, 5),
        top_shares=(0.1, 0.5),
    )
    assert result.n_finds == 3
    assert result.metrics["hit_rate_top1"] == pytest.approx(1 / 3)
    assert result.metrics["hit_rate_top3"] == pytest.approx(1 / 3)
    assert result.metrics["hit_rate_top5"] == pytest.approx(2 / 3)
    assert result.metrics["hit_rate_top10pct"] == pytest.approx(1 / 3)  # top 1 address
    assert result.metrics["hit_rate_top50pct"] == pytest.approx(2 / 3)  # top 5 addresses


def test_pai_uses_distinct_cells_over_area_cells():
    # A 1 km square is 16 cells of 250 m; the top 10% (1 address) flags 1 cell.
    area = shapely.box(0, 0, 1000, 1000)
    assert area_cell_count(area, 250.0) == 16
    result = evaluate_ranking(
        TEN, ["a0", "a3", "a9"], cells=one_cell_each(10), n_area_cells=16, top_shares=(0.1, 0.5)
    )
    assert result.metrics["pai_10pct"] == pytest.approx((1 / 3) / (1 / 16))
    assert result.metrics["pai_50pct"] == pytest.approx((2 / 3) / (5 / 16))


def test_pai_counts_shared_cells_once():
    cells = np.zeros(10, dtype=np.int64)  # all ten addresses in one cell
    result = evaluate_ranking(TEN, ["a0"], cells=cells, n_area_cells=16, top_shares=(0.5,))
    assert result.metrics["pai_50pct"] == pytest.approx(1.0 / (1 / 16))


@pytest.mark.parametrize(
    ("box", "cells"),
    [((100, 100, 600, 600), 9), ((0, 0, 500, 500), 4), ((0, 0, 250, 1000), 4)],
)
def test_area_cell_count_ignores_cells_that_only_touch(box, cells):
    assert area_cell_count(shapely.box(*box), 250.0) == cells


def test_average_precision_by_hand_and_equal_to_sklearn():
    labels = np.array([1, 0, 1, 0], dtype=bool)
    scores = np.array([0.9, 0.8, 0.7, 0.1])
    # Hits at ranks 1 and 3: precision 1/1 and 2/3.
    by_hand = (1.0 + 2.0 / 3.0) / 2
    assert average_precision(labels, scores) == pytest.approx(by_hand)
    assert average_precision(labels, scores) == pytest.approx(
        average_precision_score(labels, scores)
    )


def test_average_precision_of_the_ranking():
    result = evaluate_ranking(TEN, ["a0", "a3", "a9"], cells=one_cell_each(10), n_area_cells=16)
    by_hand = (1 / 1 + 2 / 4 + 3 / 10) / 3
    assert result.metrics["average_precision"] == pytest.approx(by_hand)


def test_no_finds_gives_nan_without_warnings():
    result = evaluate_ranking(TEN, [], cells=one_cell_each(10), n_area_cells=16)
    assert result.n_finds == 0
    assert list(result.metrics) == metric_names()
    assert all(math.isnan(v) for v in result.metrics.values())


def test_finds_outside_the_ranking_are_ignored():
    result = evaluate_ranking(TEN, ["a0", "zz"], cells=one_cell_each(10), n_area_cells=16)
    assert result.n_finds == 1 and result.metrics["hit_rate_top10"] == 1.0


def test_cumulative_distinct():
    assert cumulative_distinct(np.array([5, 5, 2, 5, 7])).tolist() == [1, 1, 2, 2, 3]


def test_pooling_sums_hits_and_expected_hits():
    cells = one_cell_each(10)
    shares = (0.1,)
    first = evaluate_ranking(TEN, ["a0"], cells=cells, n_area_cells=16, top_shares=shares)
    second = evaluate_ranking(TEN, ["a1", "a2"], cells=cells, n_area_cells=16, top_shares=shares)
    empty = evaluate_ranking(TEN, [], cells=cells, n_area_cells=16, top_shares=shares)
    pooled = pool_evaluations([first, second, empty], top_shares=shares)
    assert pooled["hit_rate_top10"] == pytest.approx(1.0)
    assert pooled["hit_rate_top10pct"] == pytest.approx(1 / 3)  # 1 hit of 3 finds
    # Expected hits if finds fell uniformly: (1 + 2) finds * 1/16 of the area.
    assert pooled["pai_10pct"] == pytest.approx(1 / (3 / 16))
    labels = np.r_[first.labels, second.labels, empty.labels]
    percentiles = np.r_[first.percentiles, second.percentiles, empty.percentiles]
    assert_allclose(pooled["average_precision"], average_precision_score(labels, percentiles))


def test_pooling_without_finds_is_nan():
    empty = evaluate_ranking(TEN, [], cells=one_cell_each(10), n_area_cells=16)
    assert all(math.isnan(v) for v in pool_evaluations([empty, empty]).values())
