"""Ranking with a choice of model: expert weights, the learned model, or automatic.

This sits above :mod:`buitengebied.scoring.analysis` (expert analysis) and
:mod:`buitengebied.scoring.estimator` (learned from inspections) and picks the ranking that
``buitengebied rank --model expert|learned|auto`` asks for.  Whichever model ranks, every
score keeps its contributions per factor.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from buitengebied.dataset import Dataset, ProgressCallback
from buitengebied.evidence.layerspec import LayerSpec, load_layer_specs
from buitengebied.load.directory import load_data_dir
from buitengebied.scoring.analysis import Analysis, analyse
from buitengebied.scoring.choice import DEFAULT_MODEL_KIND, ModelChoice, ModelKind
from buitengebied.scoring.fusion import RiskScores


@dataclass
class Ranking:
    """An explained ranking and how its model was chosen.

    Attributes
    ----------
    analysis : Analysis
        The expert analysis at ``as_of`` (records, evidence, expert scores).
    scores : RiskScores
        The ranking that was chosen (expert or learned).
    choice : ModelChoice
        Which model ranks and why.
    """

    analysis: Analysis
    scores: RiskScores
    choice: ModelChoice


def rank_dataset(
    dataset: Dataset,
    *,
    as_of: pd.Timestamp,
    specs: list[LayerSpec] | None = None,
    model: ModelKind = DEFAULT_MODEL_KIND,
    on_progress: ProgressCallback | None = None,
) -> Ranking:
    """Rank a loaded dataset as known at ``as_of`` with the requested model.

    Parameters
    ----------
    dataset : Dataset
        All validated records (records after ``as_of`` are ignored).
    as_of : pandas.Timestamp
        Moment of the ranking.
    specs : list of LayerSpec, optional
        Factors; default ``layers/``.
    model : {"expert", "learned", "auto"}
        ``expert``: expert weights.  ``learned``: the model learned from the inspection
        history, unless too few confirmed finds (then expert, and the reason says so).
        ``auto``: learned only when it beats the expert weights in blocked validation.
    on_progress : callable, optional
        Receives ``(step, fraction)``.

    Returns
    -------
    Ranking
    """
    model = ModelKind(model)
    specs = specs if specs is not None else load_layer_specs()
    analysis = analyse(dataset, as_of=as_of, specs=specs, on_progress=on_progress)
    if model is ModelKind.EXPERT:
        return Ranking(
            analysis, analysis.scores, ModelChoice("expert", "expert weights, as requested")
        )
    # Imported here: scikit-learn costs an expert-only run most of a second of start-up.
    from buitengebied.scoring.choice import choose_model, score_with_model
    from buitengebied.scoring.training import fit_learned_model

    if on_progress is not None:
        on_progress("learning from inspections", 0.5)
    learned = fit_learned_model(dataset, as_of=as_of, specs=specs)
    choice = choose_model(model, learned)
    if choice.kind == "learned" and learned.model is not None:
        return Ranking(analysis, score_with_model(analysis, learned.model), choice)
    return Ranking(analysis, analysis.scores, choice)


def rank_directory(
    data_dir: Path,
    *,
    as_of: pd.Timestamp,
    model: ModelKind = DEFAULT_MODEL_KIND,
    layers_dir: Path | None = None,
    lenient: bool = False,
    rejects_dir: Path | None = None,
    on_progress: ProgressCallback | None = None,
) -> Ranking:
    """Load a data directory and rank it (see :func:`rank_dataset`).

    Parameters
    ----------
    data_dir : Path
        A directory following the data contract.
    as_of : pandas.Timestamp
        Moment of the ranking.
    model : {"expert", "learned", "auto"}
        See :func:`rank_dataset`.
    layers_dir : Path, optional
        Directory of layer files; default ``layers/``.
    lenient : bool, default False
        Keep valid rows of files with bad rows; write the rejects to ``rejects_dir``.
    rejects_dir : Path, optional
        Where lenient mode writes rejected rows.
    on_progress : callable, optional
        Receives ``(step, fraction)``.

    Returns
    -------
    Ranking
    """
    specs = load_layer_specs(layers_dir)
    dataset = load_data_dir(
        data_dir, lenient=lenient, rejects_dir=rejects_dir, on_progress=on_progress
    )
    return rank_dataset(dataset, as_of=as_of, specs=specs, model=model, on_progress=on_progress)


def ranking_table(scores: RiskScores) -> pd.DataFrame:
    """Return the contract's ``ranked.csv`` columns: address_id, score, rank, top_factors."""
    return scores.table[["address_id", "score", "rank", "top_factors"]]
