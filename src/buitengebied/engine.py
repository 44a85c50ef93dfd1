"""The risk engine's front door: load -> known at as-of -> evidence -> fused scores.

The CLI and the app call these functions; they hold no state between calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from buitengebied.features import Evidence, compute_evidence
from buitengebied.layerspec import LayerSpec, load_layer_specs
from buitengebied.load import Dataset, ProgressCallback, load_data_dir
from buitengebied.scoring import RiskScores, fuse
from buitengebied.timefilter import known_at


@dataclass
class Analysis:
    """Everything a ranking is made of, for presentation and planning.

    Attributes
    ----------
    dataset : Dataset
        The records known at ``as_of``.
    specs : list of LayerSpec
        The factors used.
    evidence : Evidence
        Raw evidence per address and factor.
    scores : RiskScores
        The explained ranking.
    as_of : pandas.Timestamp
        The moment of the ranking.
    """

    dataset: Dataset
    specs: list[LayerSpec]
    evidence: Evidence
    scores: RiskScores
    as_of: pd.Timestamp


def analyse(
    dataset: Dataset,
    *,
    as_of: pd.Timestamp,
    specs: list[LayerSpec] | None = None,
    on_progress: ProgressCallback | None = None,
) -> Analysis:
    """Rank the addresses of a loaded dataset as known at ``as_of``.

    Parameters
    ----------
    dataset : Dataset
        All validated records (future ones included; they are dropped here).
    as_of : pandas.Timestamp
        Only records known before this moment count.
    specs : list of LayerSpec, optional
        Factors; default: the files in ``layers/``.
    on_progress : callable, optional
        Receives ``(step, fraction)``.

    Returns
    -------
    Analysis
    """
    specs = specs if specs is not None else load_layer_specs()
    known = known_at(dataset, as_of)
    evidence = compute_evidence(known, specs, as_of=as_of, on_progress=on_progress)
    return Analysis(known, specs, evidence, fuse(evidence), as_of)


def analyse_directory(
    data_dir: Path,
    *,
    as_of: pd.Timestamp,
    layers_dir: Path | None = None,
    lenient: bool = False,
    rejects_dir: Path | None = None,
    on_progress: ProgressCallback | None = None,
) -> Analysis:
    """Load a data directory and rank its addresses (see :func:`analyse`).

    Parameters
    ----------
    data_dir : Path
        A directory following the data contract.
    as_of : pandas.Timestamp
        Only records known before this moment count.
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
    Analysis
    """
    specs = load_layer_specs(layers_dir)
    dataset = load_data_dir(
        data_dir, lenient=lenient, rejects_dir=rejects_dir, on_progress=on_progress
    )
    return analyse(dataset, as_of=as_of, specs=specs, on_progress=on_progress)


def ranking_table(scores: RiskScores) -> pd.DataFrame:
    """Return the contract's ``ranked.csv`` columns: address_id, score, rank, top_factors."""
    return scores.table[["address_id", "score", "rank", "top_factors"]]
