"""Choosing the model that ranks: expert, learned or auto."""

import numpy as np
import pandas as pd
import pytest

from buitengebied.load.directory import load_data_dir
from buitengebied.scoring.ranking import rank_dataset, ranking_table
from buitengebied.settings import LOCAL_TIMEZONE
from buitengebied_scenarios.generator import ScenarioParams, generate_scenario


@pytest.fixture(scope="module")
def rich_history(tmp_path_factory):
    params = ScenarioParams(n_addresses=800, n_hidden_sites=80, inspection_rate=0.3, seed=1)
    data_dir = tmp_path_factory.mktemp("rich") / "data"
    generate_scenario(data_dir, params)
    as_of = pd.Timestamp(params.end, tz=LOCAL_TIMEZONE).tz_convert("UTC")
    return load_data_dir(data_dir), as_of


def test_learned_model_ranks_with_contributions_that_add_up(rich_history):
    dataset, as_of = rich_history
    ranking = rank_dataset(dataset, as_of=as_of, model="learned")
    assert ranking.choice.kind == "learned"
    table = ranking.scores.table
    contributions = table[[f"contribution_{f}" for f in ranking.scores.factors]].sum(axis=1)
    np.testing.assert_allclose(contributions, table["score"], rtol=1e-9, atol=1e-12)
    assert list(ranking_table(ranking.scores)["rank"]) == list(range(1, len(table) + 1))
    assert (table.loc[table["score"] > 0, "top_factors"] != "").all()


def test_expert_request_never_fits_a_model(rich_history):
    dataset, as_of = rich_history
    ranking = rank_dataset(dataset, as_of=as_of, model="expert")
    assert ranking.choice.kind == "expert"
    assert ranking.scores is ranking.analysis.scores


def test_auto_gives_its_reason(rich_history):
    dataset, as_of = rich_history
    ranking = rank_dataset(dataset, as_of=as_of, model="auto")
    assert ranking.choice.kind in {"expert", "learned"}
    assert "average precision" in ranking.choice.reason


def test_unknown_model_is_refused(rich_history):
    dataset, as_of = rich_history
    with pytest.raises(ValueError, match="model must be one of"):
        rank_dataset(dataset, as_of=as_of, model="oracle")  # type: ignore[arg-type]
