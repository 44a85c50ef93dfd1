"""The risk engine's front door: load -> known at as-of -> evidence -> fused scores.

The CLI and the app call these functions; they hold no state between calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final

import numpy as np
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


#: Methods whose evidence reads only the addresses, the factor's source layer and its
#: effort layer, and the moment only through time decay (``half_life_days``).
_MOMENT_THROUGH_DECAY: Final = frozenset({"remoteness", "linked", "nearest", "kernel_density"})
#: Methods that also read the moment itself (e.g. how stale a meter's data is).
_MOMENT_READ: Final = frozenset({"energy_anomaly"})


def evidence_at_moments(
    dataset: Dataset, moments: Iterable[pd.Timestamp], *, specs: list[LayerSpec]
) -> Iterator[tuple[pd.Timestamp, pd.DataFrame]]:
    """Raw evidence as known at each moment, recomputing only what changed.

    Each moment's evidence equals ``compute_evidence(known_at(dataset, m), specs,
    as_of=m).raw``.  A factor is reused from the previous moment when nothing it reads
    changed: the rows of the layers it reads (known rows only grow with the moment, so
    their numbers tell) and, where it decays or reads the moment, the moment itself.
    Factors of methods not listed in this module are recomputed at every moment.

    Parameters
    ----------
    dataset : Dataset
        All validated records.
    moments : iterable of pandas.Timestamp
        The moments (e.g. training cut-offs).
    specs : list of LayerSpec
        The factors.

    Yields
    ------
    moment : pandas.Timestamp
    raw : pandas.DataFrame
        One column per factor (spec order), one row per address.
    """
    address_ids = pd.Index(dataset.addresses["address_id"], name="address_id")
    latest: dict[str, tuple[tuple[int, ...], np.ndarray]] = {}
    for moment in moments:
        known = known_at(dataset, moment)
        keys = {spec.name: _inputs_key(spec, known, moment) for spec in specs}
        stale = [spec for spec in specs if latest.get(spec.name, ((),))[0] != keys[spec.name]]
        if stale:
            fresh = compute_evidence(known, stale, as_of=moment).raw
            for spec in stale:
                latest[spec.name] = (keys[spec.name], fresh[spec.name].to_numpy())
        yield moment, pd.DataFrame({s.name: latest[s.name][1] for s in specs}, index=address_ids)


def _inputs_key(spec: LayerSpec, known: Dataset, moment: pd.Timestamp) -> tuple[int, ...]:
    """What a factor's evidence depends on: known row counts, and the moment if it matters."""
    if spec.method not in _MOMENT_THROUGH_DECAY | _MOMENT_READ:
        return (moment.value,)
    layers = ["addresses", spec.source_layer]
    if spec.effort is not None:
        layers.append(spec.effort.source_layer)
    counts = tuple(len(known.layers[n]) if n in known.layers else -1 for n in layers)
    timed = spec.method in _MOMENT_READ or bool(spec.half_life_days)
    # Without records there is nothing to decay or to date.
    return (*counts, moment.value) if timed and counts[1] > 0 else counts
