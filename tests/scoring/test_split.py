"""The spatio-temporal splitter: neighbours and the future stay out of training."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

from buitengebied.scoring.split import SpatioTemporalSplit, example_groups, spatial_blocks


def split_world(seed: int = 1):
    rng = np.random.default_rng(seed)
    n_addresses, n_cutoffs = 500, 10
    xy = rng.uniform(0, 40_000, size=(n_addresses, 2))
    cutoffs = pd.date_range("2023-03-01", periods=n_cutoffs, freq="90D", tz="UTC")
    blocks = np.tile(spatial_blocks(xy), (n_cutoffs, 1))
    groups = example_groups(cutoffs.repeat(n_addresses), blocks)
    return np.zeros((len(groups), 1)), groups


@pytest.mark.parametrize("buffer_blocks", [0, 1])
def test_split_keeps_neighbours_and_future_out_of_training(buffer_blocks):
    X, groups = split_world()
    splitter = SpatioTemporalSplit(
        n_spatial_folds=3, n_time_folds=2, horizon_days=180, buffer_blocks=buffer_blocks
    )
    splits = list(splitter.split(X, groups=groups))
    assert 0 < len(splits) <= splitter.get_n_splits()
    blocks = groups[["block_x", "block_y"]].to_numpy()
    seen_validation = np.zeros(len(groups), dtype=bool)
    for train, validation in splits:
        assert not seen_validation[validation].any()
        seen_validation[validation] = True
        train_blocks = np.unique(blocks[train], axis=0)
        validation_blocks = np.unique(blocks[validation], axis=0)
        chebyshev = np.abs(train_blocks[:, None, :] - validation_blocks[None, :, :]).max(axis=2)
        assert chebyshev.min() > buffer_blocks
        label_end = groups["cutoff"].iloc[train].max() + pd.Timedelta(days=180)
        assert label_end <= groups["cutoff"].iloc[validation].min()


def test_split_works_with_scikit_learn_and_rejects_bad_groups():
    X, groups = split_world()
    rng = np.random.default_rng(0)
    features = rng.normal(size=(len(groups), 2))
    labels = (features[:, 0] + rng.normal(size=len(groups)) > 1).astype(int)
    scores = cross_val_score(
        LogisticRegression(),
        features,
        labels,
        groups=groups,
        cv=SpatioTemporalSplit(random_state=0),
        scoring="average_precision",
    )
    assert len(scores) == 6 and (scores > 0.5).all()
    with pytest.raises(ValueError, match="needs groups"):
        next(SpatioTemporalSplit().split(X))
    with pytest.raises(ValueError, match="distinct cut-offs"):
        next(SpatioTemporalSplit(n_time_folds=20).split(X, groups=groups))
