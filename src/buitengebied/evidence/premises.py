"""The premises as evidence: whether an address could host a grow, a lab or storage.

Grows, synthetic-drug labs and precursor storage need room that nobody looks into: stopped
farms with stables, barns and sheds, riding halls, industrial units.  Most such places are
on no vacancy register, so the factor reads every column the data contract offers about
the building and multiplies four components (see ``docs/layers.md`` for why each points
at risk):

``use``
    The BAG use of the address (``addresses.use``), weighted per use
    (``[[evidence.record_weights]]`` on column ``use``); a multi-use value such as
    ``woonfunctie, industriefunctie`` takes its most suitable use.  A vacancy register
    row matched to the address lifts it to at least the row's building type weight
    (``[[evidence.vacancy_weights]]``).
``size``
    The floor area: the largest of ``addresses.floor_area_m2`` and the ``floor_area_m2``
    of the register rows matched to the address, on a log scale from
    ``small_floor_area_m2`` (0) to ``large_floor_area_m2`` (1).  Unknown: 0.5.
``seclusion``
    Distance from the village edge, ``1 - exp(-d / edge_scale_m)``.  The villages are
    read from the addresses themselves: an address with at least
    ``village_min_addresses`` addresses (itself included) within ``village_radius_m``
    lies in a village; ``d`` is the distance to the nearest such address (0 inside).
``vacancy``
    ``1 + vacancy_bonus * w`` for an address on the register, ``w`` the largest building
    type weight of its rows (matched by ``address_id``, or, for a row without one, within
    ``match_distance_m``); 1 otherwise.  The shipped layer file sets ``vacancy_bonus = 0``:
    that the building stands empty is the ``vacant_buildings`` factor's evidence, and
    counted twice it would outweigh what the building is (``docs/layers.md``).

The factor is ``use * (floor + (1 - floor) * size) * (floor + (1 - floor) * seclusion) *
vacancy`` with :data:`COMPONENT_FLOOR`, so that one weak component lowers the value
without erasing what the others say.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from buitengebied.dataset import Dataset
from buitengebied.evidence.layerspec import LayerSpec, RecordWeights

#: An unlinked register row counts for the addresses within this distance, metres.
VACANT_MATCH_DISTANCE_M: Final = 150.0
#: Share of a component's range that even its weakest value keeps.
COMPONENT_FLOOR: Final = 0.1
#: Component value where the data do not say (no floor area known).
UNKNOWN_COMPONENT: Final = 0.5

_FLOOR_AREA: Final = "floor_area_m2"
_USE_SEPARATORS: Final = r"[,;/|]"


@dataclass(frozen=True)
class PremisesComponents:
    """The four components of the premises factor, one value per address (see module)."""

    use: np.ndarray
    size: np.ndarray
    seclusion: np.ndarray
    vacancy: np.ndarray

    def combined(self) -> np.ndarray:
        """The factor: the product of the components, size and seclusion floored."""
        keep = COMPONENT_FLOOR
        return (
            self.use
            * (keep + (1.0 - keep) * self.size)
            * (keep + (1.0 - keep) * self.seclusion)
            * self.vacancy
        )

    def as_frame(self, address_ids: pd.Index) -> pd.DataFrame:
        """The components and the factor, indexed by ``address_id``."""
        return pd.DataFrame(
            {
                "use": self.use,
                "size": self.size,
                "seclusion": self.seclusion,
                "vacancy": self.vacancy,
                "premises": self.combined(),
            },
            index=address_ids,
        )


def vacancy_matches(
    dataset: Dataset, *, max_distance_m: float = VACANT_MATCH_DISTANCE_M
) -> tuple[np.ndarray, np.ndarray]:
    """Pair vacancy register rows with addresses: by ``address_id``, or unlinked and near.

    Parameters
    ----------
    dataset : Dataset
        Records as known at the moment of the ranking.
    max_distance_m : float
        Reach of a register row without ``address_id``: a point within that distance, a
        polygon within that distance of its edge.

    Returns
    -------
    rows, addresses : numpy.ndarray
        Positions of the register row and of the address, one pair per match.
    """
    register = dataset.layer("vacant_buildings")
    empty = np.zeros(0, dtype=np.int64)
    if register is None or len(register) == 0:
        return empty, empty
    address_ids = pd.Index(dataset.addresses["address_id"])
    linked_to = (
        address_ids.get_indexer(register["address_id"].astype(object))
        if "address_id" in register
        else np.full(len(register), -1, dtype=np.int64)
    )
    linked = np.flatnonzero(linked_to >= 0)
    rows, addresses = [linked], [linked_to[linked]]
    if "geometry" in register:
        geometry = np.asarray(register.geometry)
        unlinked = np.flatnonzero(
            (linked_to < 0) & ~shapely.is_missing(geometry) & ~shapely.is_empty(geometry)
        )
        tree = shapely.STRtree(np.asarray(dataset.addresses.geometry))
        row, position = tree.query(geometry[unlinked], predicate="dwithin", distance=max_distance_m)
        rows.append(unlinked[row])
        addresses.append(position)
    return np.concatenate(rows).astype(np.int64), np.concatenate(addresses).astype(np.int64)


def premises_components(
    spec: LayerSpec,
    dataset: Dataset,
    *,
    seclusion: np.ndarray | None = None,
    use: np.ndarray | None = None,
    matches: tuple[np.ndarray, np.ndarray] | None = None,
) -> PremisesComponents:
    """Compute the components of a ``premises`` factor for every address.

    Parameters
    ----------
    spec : LayerSpec
        A factor with method ``premises``.
    dataset : Dataset
        Records known at the moment of the ranking (the register rows among them).
    seclusion : numpy.ndarray, optional
        :func:`seclusion_of` the addresses with the factor's parameters, when computed
        already (it depends on the addresses alone, not on the moment).
    use : numpy.ndarray, optional
        :func:`use_weights` of the addresses, when computed already (timeless too).
    matches : (numpy.ndarray, numpy.ndarray), optional
        :func:`vacancy_matches` of the dataset's register rows, when known already.

    Returns
    -------
    PremisesComponents
    """
    addresses = dataset.addresses
    n = len(addresses)
    params = spec.params
    rows, matched = (
        matches
        if matches is not None
        else vacancy_matches(dataset, max_distance_m=params["match_distance_m"])
    )
    register = dataset.layer("vacant_buildings")
    row_weight = (
        _row_weights(spec.vacancy_weights, register.iloc[rows])
        if register is not None
        else np.zeros(0)
    )
    type_weight = np.zeros(n)
    np.maximum.at(type_weight, matched, row_weight)
    on_register = np.zeros(n, dtype=bool)
    on_register[matched] = True
    own_use = use if use is not None else use_weights(spec, addresses)
    use = np.maximum(own_use, type_weight)
    area = _floor_area(addresses, register, rows, matched)
    return PremisesComponents(
        use=use,
        size=_size(area, params["small_floor_area_m2"], params["large_floor_area_m2"]),
        seclusion=(
            seclusion
            if seclusion is not None
            else seclusion_of(shapely.get_coordinates(np.asarray(addresses.geometry)), params)
        ),
        vacancy=np.where(on_register, 1.0 + params["vacancy_bonus"] * type_weight, 1.0),
    )


def _lookup(tables: tuple[RecordWeights, ...], column: str) -> RecordWeights | None:
    return next((table for table in tables if table.column == column), None)


def use_weights(spec: LayerSpec, addresses: pd.DataFrame) -> np.ndarray:
    """Weight of each address's use; the most suitable part of a multi-use value.

    Parameters
    ----------
    spec : LayerSpec
        A factor with method ``premises`` (its ``record_weights`` on column ``use``).
    addresses : pandas.DataFrame
        The addresses, with ``use`` where known.

    Returns
    -------
    numpy.ndarray, shape (n,)
        The weight per address, in the order of ``addresses``.
    """
    table = _lookup(spec.record_weights, "use")
    if table is None:
        return np.ones(len(addresses))
    if "use" not in addresses:
        return np.full(len(addresses), table.default)
    # A municipality has a million addresses and a few dozen distinct uses.
    codes, distinct = pd.factorize(addresses["use"])
    parts = (
        pd.Series(distinct, dtype=object)
        .astype("string")
        .str.lower()
        .str.split(_USE_SEPARATORS, regex=True)
        .explode()
        .str.strip()
    )
    weights = parts.map(table.values).astype(float).fillna(table.default)
    best = weights.groupby(level=0, sort=False).max()
    per_value = best.reindex(pd.RangeIndex(len(distinct))).fillna(table.default)
    return _spread(codes, per_value.to_numpy(float), table.default)


def _spread(codes: np.ndarray, per_value: np.ndarray, missing: float) -> np.ndarray:
    """Each row's value from ``per_value`` by its factorize code; ``missing`` at code -1."""
    weights = np.full(len(codes), missing, dtype=float)
    known = codes >= 0
    weights[known] = per_value[codes[known]]
    return weights


def _row_weights(tables: tuple[RecordWeights, ...], rows: pd.DataFrame) -> np.ndarray:
    """Product of the register rows' weights per value (1 where no table is given)."""
    weights = np.ones(len(rows))
    for table in tables:
        if table.column not in rows:
            weights *= table.default
            continue
        codes, distinct = pd.factorize(rows[table.column])
        values = pd.Series(distinct, dtype=object).astype("string").str.lower()
        per_value = values.map(table.values).astype(float).fillna(table.default).to_numpy(float)
        weights *= _spread(codes, per_value, table.default)
    return weights


def _floor_area(
    addresses: pd.DataFrame,
    register: pd.DataFrame | None,
    rows: np.ndarray,
    matched: np.ndarray,
) -> np.ndarray:
    """Largest floor area the address or its register rows give; NaN where none does."""
    own = (
        addresses[_FLOOR_AREA].to_numpy(dtype=float, na_value=np.nan)
        if _FLOOR_AREA in addresses
        else np.full(len(addresses), np.nan)
    )
    if register is None or _FLOOR_AREA not in register or len(rows) == 0:
        return own
    row_area = register[_FLOOR_AREA].to_numpy(dtype=float, na_value=np.nan)[rows]
    given = ~np.isnan(row_area)
    area = np.where(np.isnan(own), -np.inf, own)
    np.maximum.at(area, matched[given], row_area[given])
    return np.where(np.isneginf(area), np.nan, area)


def _size(area_m2: np.ndarray, small_m2: float, large_m2: float) -> np.ndarray:
    """0 at or below ``small_m2``, 1 at or above ``large_m2``, log-linear between."""
    span = np.log(max(large_m2, small_m2 * (1 + 1e-9)) / small_m2)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.log(np.maximum(area_m2, 1e-9) / small_m2) / span
    return np.where(np.isnan(area_m2), UNKNOWN_COMPONENT, np.clip(scaled, 0.0, 1.0))


def seclusion_of(xy: np.ndarray, params: Mapping[str, Any]) -> np.ndarray:
    """Return how far each address lies from the village edge, in ``[0, 1)``.

    Parameters
    ----------
    xy : numpy.ndarray, shape (n, 2)
        The addresses, EPSG:28992.
    params : mapping
        The factor's ``village_radius_m``, ``village_min_addresses`` and ``edge_scale_m``.

    Returns
    -------
    numpy.ndarray, shape (n,)
        ``1 - exp(-d / edge_scale_m)``, ``d`` the distance to the nearest village address
        (one with at least ``village_min_addresses`` within ``village_radius_m``).
    """
    return _seclusion(
        xy,
        radius_m=params["village_radius_m"],
        min_addresses=params["village_min_addresses"],
        edge_scale_m=params["edge_scale_m"],
    )


def _seclusion(
    xy: np.ndarray, *, radius_m: float, min_addresses: float, edge_scale_m: float
) -> np.ndarray:
    if len(xy) == 0:
        return np.zeros(0)
    tree = cKDTree(xy)
    around = tree.query_ball_point(xy, r=radius_m, return_length=True, workers=-1)
    village = around >= min_addresses
    if not village.any():
        return np.ones(len(xy))
    distance, _ = cKDTree(xy[village]).query(xy, workers=-1)
    return 1.0 - np.exp(-distance / edge_scale_m)
