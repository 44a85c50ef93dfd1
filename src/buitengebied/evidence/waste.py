"""Dumped waste as a trace of a source elsewhere (method ``carried_waste``).

Drug waste is carried away from the lab or grow and dumped at quiet spots (forest edges,
lanes, ditches), usually kilometres away and often in bursts at a favourite spot.  What a
dumping says about an address is therefore "a source within carrying distance, at a
place that could host it", not "something here".  Three steps:

1. **Bursts count sub-linearly.**  Each record's weight ``w`` is divided by the weight of
   the records within ``burst_radius_m`` of it (itself included) raised to
   ``1 - burst_exponent``: ``n`` equal records at one spot weigh ``n ** burst_exponent``
   together, a favourite spot is one spot, not ``n`` independent hints.
2. **A carrying distance per waste category.**  Each category gets a Gaussian kernel
   whose sigma is its plausible carrying distance (``[evidence.carry_distance_m]``):
   cannabis waste stays closer to grows than barrels and jerrycans of chemicals do to
   synthetic labs.  The kernel is a density (it integrates to the record's weight), so a
   far-carried category spreads its weight thin over a large area.
3. **Weighted by the premises.**  The density at an address is multiplied by its
   ``host_factor`` (a ``premises`` factor, :mod:`buitengebied.evidence.premises`): a
   barrel in a ditch points at the large remote shed 8 km away, not at the village flat
   beside the ditch.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from buitengebied.evidence.density import kernel_density_at
from buitengebied.evidence.layerspec import LayerSpec


def burst_weights(
    xy: np.ndarray, weights: np.ndarray, *, radius_m: float, exponent: float
) -> np.ndarray:
    """Record weights with bursts at one spot counted sub-linearly.

    Parameters
    ----------
    xy : numpy.ndarray, shape (n, 2)
        Record positions, EPSG:28992.
    weights : numpy.ndarray, shape (n,)
        Record weights (non-negative).
    radius_m : float
        Records within this distance of each other belong to one spot.
    exponent : float
        In ``(0, 1]``: ``n`` equal records at one spot weigh ``n ** exponent`` times one.

    Returns
    -------
    numpy.ndarray, shape (n,)
    """
    if len(xy) == 0 or exponent >= 1.0:
        return weights.astype(float)
    pairs = cKDTree(xy).query_pairs(radius_m, output_type="ndarray")
    first, second = pairs[:, 0], pairs[:, 1]
    local = (
        weights
        + np.bincount(first, weights[second], minlength=len(xy))
        + np.bincount(second, weights[first], minlength=len(xy))
    )
    scale = np.power(np.maximum(local, 1e-12), exponent - 1.0)
    return np.where(weights > 0, weights * scale, 0.0)


def carried_waste(
    spec: LayerSpec,
    records: pd.DataFrame,
    weights: np.ndarray,
    xy: np.ndarray,
    targets: np.ndarray,
    host: np.ndarray | None = None,
) -> np.ndarray:
    """Evidence of a ``carried_waste`` factor at ``targets`` (see the module docstring).

    Parameters
    ----------
    spec : LayerSpec
        The factor (method ``carried_waste``).
    records : pandas.DataFrame
        Its selected records.
    weights : numpy.ndarray
        Their weights (per value, time decay).
    xy : numpy.ndarray, shape (n, 2)
        Their representative points.
    targets : numpy.ndarray, shape (m, 2)
        Where to read the evidence.
    host : numpy.ndarray, shape (m,), optional
        The ``host_factor``'s premises value at each target (the addresses), as known at
        the same moment; the density is multiplied by it.  Without: the density alone.

    Returns
    -------
    numpy.ndarray, shape (m,)
    """
    if len(records) == 0:
        return np.zeros(len(targets))
    weights = burst_weights(
        xy, weights, radius_m=spec.params["burst_radius_m"], exponent=spec.params["burst_exponent"]
    )
    sigma = _carry_distances(spec, records)
    density = np.zeros(len(targets))
    for bandwidth_m in np.unique(sigma):
        chosen = sigma == bandwidth_m
        density += kernel_density_at(
            xy[chosen], weights[chosen], targets, bandwidth_m=float(bandwidth_m)
        )
    return density if host is None else density * host


def _carry_distances(spec: LayerSpec, records: pd.DataFrame) -> np.ndarray:
    """Kernel sigma of each record, metres, from ``[evidence.carry_distance_m]``."""
    table = spec.carry_distance
    if table is None:
        raise ValueError(f"factor '{spec.name}' has no [evidence.carry_distance_m]")
    if table.column not in records:
        return np.full(len(records), table.default)
    values = records[table.column].astype("string").str.lower()
    return values.map(table.values).astype(float).fillna(table.default).to_numpy(float)
