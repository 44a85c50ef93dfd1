"""The risk engine's front door: load -> known at as-of -> evidence -> fused scores.

The CLI and the app call these functions; they hold no state between calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Final

import numpy as np
import pandas as pd

from buitengebied.dataset import Dataset, ProgressCallback
from buitengebied.evidence.features import Evidence, SharedEvidence, compute_evidence
from buitengebied.evidence.layerspec import LayerSpec, load_layer_specs
from buitengebied.load.timefilter import known_at_moments
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
    shared: SharedEvidence | None = None,
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
    shared : SharedEvidence, optional
        What is shared with other calls over ``dataset`` (:meth:`SharedEvidence.of`),
        e.g. with the learning's evidence at the training cut-offs.

    Returns
    -------
    Analysis
    """
    specs = specs if specs is not None else load_layer_specs()
    shared = shared if shared is not None else SharedEvidence.of(dataset)
    known, known_rows = next(known_at_moments(dataset, [as_of]))
    evidence = compute_evidence(
        known, specs, as_of=as_of, on_progress=on_progress, shared=shared.at_moment(known_rows)
    )
    return Analysis(known, specs, evidence, fuse(evidence), as_of)


#: Methods whose evidence reads only the addresses, the factor's source layer and its
#: effort layer, and the moment only through time decay (``half_life_days``).
_MOMENT_THROUGH_DECAY: Final = frozenset(
    {
        "remoteness",
        "linked",
        "nearest",
        "kernel_density",
        "premises",
        "carried_waste",
        "outcome_damping",
    }
)
#: Methods that also read the moment itself (e.g. how stale a meter's data is).
_MOMENT_READ: Final = frozenset({"energy_anomaly"})
#: Methods whose evidence is one aggregate over the records of the source layer, each
#: record's part its weight times a function of the address: the evidence of more records
#: is that of the earlier ones, decayed, combined with that of the new ones.
_ACCUMULATE: Final = {"nearest": np.maximum, "linked": np.add}


@dataclass
class _Latest:
    """A factor's evidence at the last moment it was computed, and what it came from."""

    key: tuple[int, ...]
    values: np.ndarray
    moment: pd.Timestamp
    known_rows: np.ndarray  # positions of the source layer's known records


def evidence_at_moments(
    dataset: Dataset,
    moments: Iterable[pd.Timestamp],
    *,
    specs: list[LayerSpec],
    shared: SharedEvidence | None = None,
) -> Iterator[tuple[pd.Timestamp, pd.DataFrame]]:
    """Raw evidence as known at each moment (oldest first), recomputing only what changed.

    Each moment's evidence equals ``compute_evidence(known_at(dataset, m), specs,
    as_of=m).raw``, without the cost of computing it all at every moment:

    * a factor is reused from the previous moment when nothing it reads changed: the rows
      of the layers it reads (known rows only grow with the moment, so their numbers
      tell) and, where it decays or reads the moment, the moment itself;
    * a factor that aggregates its records (``nearest``: the strongest, ``linked``: the
      sum) is computed on the records that became known since the previous moment only,
      and combined with the earlier evidence, decayed by the time between;
    * factors of methods not named in this module are recomputed at every moment.

    Parameters
    ----------
    dataset : Dataset
        All validated records.
    moments : iterable of pandas.Timestamp
        The moments, in increasing order (e.g. training cut-offs).
    specs : list of LayerSpec
        The factors.
    shared : SharedEvidence, optional
        What is shared with other calls over ``dataset`` (:meth:`SharedEvidence.of`).

    Yields
    ------
    moment : pandas.Timestamp
    raw : pandas.DataFrame
        One column per factor (spec order), one row per address.
    """
    # The addresses are timeless: their coordinates, KD-tree and id index serve every
    # moment, and so does each energy comparison while the known periods stay the same.
    shared = shared if shared is not None else SharedEvidence.of(dataset)
    latest: dict[str, _Latest] = {}
    moments = list(moments)
    for moment, (known, known_rows) in zip(
        moments, known_at_moments(dataset, moments), strict=True
    ):
        moment_shared = shared.at_moment(known_rows)
        keys = {spec.name: _inputs_key(spec, known, moment) for spec in specs}
        stale = [s for s in specs if s.name not in latest or latest[s.name].key != keys[s.name]]
        grown = [s for s in stale if s.method in _ACCUMULATE and s.name in latest]
        full = [s for s in stale if s not in grown]
        # One evidence call per moment where it can be: the grown factors read only their
        # new records, so they join the others' call unless one of those reads that layer.
        joined = _joinable(grown, full)
        new_rows = {
            s.source_layer: _new_records(s, latest[s.name], known, known_rows) for s in joined
        }
        if full or joined:
            mixed = replace(known, layers={**known.layers, **new_rows})
            fresh = compute_evidence(
                mixed, [*full, *joined], as_of=moment, shared=moment_shared
            ).raw
            for spec in full:
                rows = known_rows.get(spec.source_layer, np.zeros(0, dtype=np.int64))
                latest[spec.name] = _Latest(
                    keys[spec.name], fresh[spec.name].to_numpy(), moment, rows
                )
            for spec in joined:
                latest[spec.name] = _combine(
                    spec, latest[spec.name], fresh[spec.name].to_numpy(), known_rows, moment
                )
        for spec in (s for s in grown if s not in joined):
            only_new = _new_records(spec, latest[spec.name], known, known_rows)
            added = compute_evidence(
                replace(known, layers={**known.layers, spec.source_layer: only_new}),
                [spec],
                as_of=moment,
                shared=moment_shared,
            ).raw[spec.name]
            latest[spec.name] = _combine(
                spec, latest[spec.name], added.to_numpy(), known_rows, moment
            )
        for spec in grown:
            latest[spec.name].key = keys[spec.name]
        yield (
            moment,
            pd.DataFrame(
                {s.name: latest[s.name].values for s in specs}, index=shared.addresses.ids
            ),
        )


def _joinable(grown: list[LayerSpec], full: list[LayerSpec]) -> list[LayerSpec]:
    """Grown factors that can share one evidence call with the ``full`` ones."""
    if any(spec.method not in _MOMENT_THROUGH_DECAY | _MOMENT_READ for spec in full):
        return []  # an unknown method may read any layer
    read = {layer for s in full for layer in _layers_read(s)}
    sources = [s.source_layer for s in grown]
    return [
        s
        for s in grown
        if s.source_layer not in read and sources.count(s.source_layer) == 1 and s.effort is None
    ]


def _layers_read(spec: LayerSpec) -> list[str]:
    """The layers a factor's evidence reads: the addresses and its source layer first."""
    layers = ["addresses", spec.source_layer]
    if spec.effort is not None:
        layers.append(spec.effort.source_layer)
    if spec.method == "premises" or spec.host is not None:
        layers.append("vacant_buildings")
    return layers


def _new_records(
    spec: LayerSpec, earlier: _Latest, known: Dataset, known_rows: dict[str, np.ndarray]
) -> pd.DataFrame:
    """The records of the factor's layer that became known since ``earlier``."""
    source = known.layers[spec.source_layer]
    return source.loc[~np.isin(known_rows[spec.source_layer], earlier.known_rows)]


def _combine(
    spec: LayerSpec,
    earlier: _Latest,
    added: np.ndarray,
    known_rows: dict[str, np.ndarray],
    moment: pd.Timestamp,
) -> _Latest:
    """Earlier evidence, decayed to ``moment``, combined with that of the new records."""
    decay = 1.0
    if spec.half_life_days:
        elapsed_days = (moment - earlier.moment).total_seconds() / 86_400.0
        decay = 0.5 ** (elapsed_days / spec.half_life_days)
    values = _ACCUMULATE[spec.method](decay * earlier.values, added)
    return _Latest(earlier.key, values, moment, known_rows[spec.source_layer])


def _inputs_key(spec: LayerSpec, known: Dataset, moment: pd.Timestamp) -> tuple[int, ...]:
    """What a factor's evidence depends on: known row counts, and the moment if it matters."""
    if spec.method not in _MOMENT_THROUGH_DECAY | _MOMENT_READ:
        return (moment.value,)
    layers = _layers_read(spec)
    counts = tuple(len(known.layers[n]) if n in known.layers else -1 for n in layers)
    timed = spec.method in _MOMENT_READ or bool(spec.half_life_days)
    # Without records there is nothing to decay or to date.
    return (*counts, moment.value) if timed and counts[1] > 0 else counts
