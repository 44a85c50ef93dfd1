"""The risk engine's front door: load -> known at as-of -> evidence -> fused scores.

The CLI and the app call these functions; they hold no state between calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from buitengebied.dataset import Dataset, ProgressCallback
from buitengebied.evidence.features import Evidence, compute_evidence
from buitengebied.evidence.layerspec import LayerSpec, load_layer_specs
from buitengebied.load.timefilter import known_at
from buitengebied.scoring.fusion import RiskScores, fuse


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
