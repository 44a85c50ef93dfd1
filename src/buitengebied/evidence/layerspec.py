"""Declarative layer files (``layers/*.toml``): how each signal becomes evidence.

One TOML file per factor.  A factor reads one contract layer (``source_layer``),
optionally keeps only some records (``[evidence.filter]``), weighs each record
(``[[evidence.record_weights]]``, ``half_life_days``) and turns the records into one
number per address with a ``method``:

``kernel_density``
    Gaussian kernel density of the (weighted) records around the address,
    ``bandwidth_m`` = sigma.  Optional ``[evidence.effort]`` divides by where people look.
``nearest``
    Distance decay ``exp(-d / scale_m)`` to the strongest nearby record within
    ``max_distance_m``; records linked by ``address_id`` count at distance 0.
``linked``
    Sum of the weights of the records that carry the address's ``address_id``.
``energy_anomaly``
    Electricity-use anomaly of the address (see :mod:`buitengebied.evidence.energy`).
``remoteness``
    Derived factor: how few other addresses lie around (``bandwidth_m``).

Adding a signal is adding a file: see ``docs/layers.md``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Final

from buitengebied.contract import LAYER_SCHEMAS
from buitengebied.errors import LayerSpecError

METHODS: Final = ("kernel_density", "nearest", "linked", "energy_anomaly", "remoteness")
ROLES: Final = (
    "police",
    "municipality",
    "water_board",
    "ranger",
    "boa",
    "grid_operator",
    "analyst",
)
_REQUIRED_BY_METHOD: Final = {
    "kernel_density": ("bandwidth_m",),
    "nearest": ("scale_m", "max_distance_m"),
    "remoteness": ("bandwidth_m",),
}


@dataclass(frozen=True)
class RecordWeights:
    """Weights per value of one column, multiplied into each record's weight."""

    column: str
    values: dict[str, float]
    default: float = 1.0


@dataclass(frozen=True)
class Effort:
    """Observation effort that a signal's density is divided by (see docs/layers.md).

    Attributes
    ----------
    source_layer : str
        Layer whose records (all of them) show where people look.
    bandwidth_m : float
        Wide kernel for the effort density.
    reference_count : float
        Number of records around a place at which the signal is halved.
    """

    source_layer: str
    bandwidth_m: float
    reference_count: float = 5.0


@dataclass(frozen=True)
class LayerSpec:
    """One declarative factor.

    Attributes
    ----------
    name : str
        Factor name, as it appears in ``top_factors`` (the file stem).
    title : str
        Dutch label for the user interface.
    description : str
        What the factor means and why it points at risk.
    source_layer : str
        Contract layer the records come from.
    method : str
        One of :data:`METHODS`.
    weight : float
        Default (expert) weight in the fused score.
    visible_to : tuple of str
        Roles that may see the raw records.
    params : dict
        Method parameters (``bandwidth_m``, ``scale_m``, ``max_distance_m``...).
    half_life_days : float or None
        Time decay of a record's weight; ``None`` for none.
    filters : dict of str to tuple of str
        Keep records whose column value is in the tuple.
    record_weights : tuple of RecordWeights
        Per-value weights.
    effort : Effort or None
        Observation effort to divide kernel densities by.
    """

    name: str
    title: str
    description: str
    source_layer: str
    method: str
    weight: float
    visible_to: tuple[str, ...]
    params: dict[str, float] = field(default_factory=dict)
    half_life_days: float | None = None
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    record_weights: tuple[RecordWeights, ...] = ()
    effort: Effort | None = None


def default_layers_dir() -> Path:
    """Return the layer files shipped with the package (``buitengebied/layers``)."""
    return Path(str(resources.files("buitengebied") / "layers"))


def load_layer_specs(layers_dir: Path | None = None) -> list[LayerSpec]:
    """Read every ``*.toml`` in ``layers_dir``, sorted by name.

    Parameters
    ----------
    layers_dir : Path, optional
        Defaults to :func:`default_layers_dir`.

    Returns
    -------
    list of LayerSpec

    Raises
    ------
    LayerSpecError
        A file is malformed; the message names the file and the key.
    """
    directory = Path(layers_dir) if layers_dir is not None else default_layers_dir()
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise LayerSpecError(f"{directory}: no layer files (*.toml)")
    return [parse_layer_spec(path) for path in files]


def parse_layer_spec(path: Path) -> LayerSpec:
    """Parse one layer file.

    Parameters
    ----------
    path : Path
        A ``.toml`` file with ``[layer]`` and ``[evidence]`` tables.

    Returns
    -------
    LayerSpec
    """
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LayerSpecError(f"{path}: not valid TOML ({exc})") from exc
    try:
        return _spec_from_document(path, document)
    except (KeyError, TypeError, ValueError) as exc:
        raise LayerSpecError(f"{path}: {exc}") from exc


def _spec_from_document(path: Path, document: dict[str, Any]) -> LayerSpec:
    layer, evidence = document["layer"], document["evidence"]
    source_layer = str(layer["source_layer"])
    if source_layer not in LAYER_SCHEMAS:
        raise ValueError(f"source_layer '{source_layer}' is not a contract layer")
    method = str(evidence["method"])
    if method not in METHODS:
        raise ValueError(f"method '{method}' is not one of {', '.join(METHODS)}")
    params = {
        key: float(value)
        for key, value in evidence.items()
        if key.endswith("_m") and isinstance(value, int | float)
    }
    for key in _REQUIRED_BY_METHOD.get(method, ()):
        if key not in params or params[key] <= 0:
            raise ValueError(f"method '{method}' needs a positive '{key}'")
    roles = tuple(str(r) for r in layer.get("visible_to", ROLES))
    unknown_roles = sorted(set(roles) - set(ROLES))
    if unknown_roles:
        raise ValueError(f"visible_to: unknown role(s) {unknown_roles}; roles are {ROLES}")
    effort = evidence.get("effort")
    half_life = evidence.get("half_life_days")
    return LayerSpec(
        name=Path(path).stem,
        title=str(layer.get("title", Path(path).stem)),
        description=str(layer.get("description", "")),
        source_layer=source_layer,
        method=method,
        weight=float(layer["weight"]),
        visible_to=roles,
        params=params,
        half_life_days=float(half_life) if half_life is not None else None,
        filters={
            str(col): tuple(str(v).strip().lower() for v in values)
            for col, values in evidence.get("filter", {}).items()
        },
        record_weights=tuple(
            RecordWeights(
                column=str(item["column"]),
                values={str(k).lower(): float(v) for k, v in item["values"].items()},
                default=float(item.get("default", 1.0)),
            )
            for item in evidence.get("record_weights", [])
        ),
        effort=Effort(str(effort["source_layer"]), float(effort["bandwidth_m"]))
        if effort
        else None,
    )


def _effort(table: dict[str, Any] | None) -> Effort | None:
    if not table:
        return None
    return Effort(
        source_layer=str(table["source_layer"]),
        bandwidth_m=float(table["bandwidth_m"]),
        reference_count=float(table.get("reference_count", 5.0)),
    )
