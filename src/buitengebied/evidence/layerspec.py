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

import difflib
import math
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Final

from buitengebied.contract import LAYER_SCHEMAS, ColumnType, LayerSchema
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


def default_layer_files() -> list[tuple[str, str]]:
    """Return the layer files shipped with the package as ``(file name, text)`` pairs.

    They are package data (``buitengebied/layers/*.toml``), read with
    :mod:`importlib.resources`, so an installed wheel finds them wherever it runs.
    """
    folder = resources.files("buitengebied").joinpath("layers")
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)
    return [(f.name, f.read_text(encoding="utf-8")) for f in files]


def load_layer_specs(layers_dir: Path | None = None) -> list[LayerSpec]:
    """Read every layer file, sorted by name; report every problem of every file at once.

    Parameters
    ----------
    layers_dir : Path, optional
        A folder of ``*.toml`` layer files; default: the files shipped with the package
        (:func:`default_layer_files`).

    Returns
    -------
    list of LayerSpec

    Raises
    ------
    LayerSpecError
        One or more files break the rules; the message has one line per problem, naming
        the file, the table and the key.
    """
    if layers_dir is None:
        sources = [(name, name, text) for name, text in default_layer_files()]
    else:
        directory = Path(layers_dir)
        if not directory.is_dir():
            raise LayerSpecError(f"{directory}: not a folder of layer files")
        paths = sorted(directory.glob("*.toml"))
        if not paths:
            raise LayerSpecError(f"{directory}: no layer files (*.toml)")
        sources = [(p.name, str(p), _read_text(p)) for p in paths]
    specs, problems = [], []
    for name, label, text in sources:
        spec, found = _parse_text(Path(name).stem, label, text)
        problems += found
        if spec is not None:
            specs.append(spec)
    if problems:
        raise LayerSpecError("\n".join(problems))
    return specs


def parse_layer_spec(path: Path) -> LayerSpec:
    """Parse one layer file.

    Parameters
    ----------
    path : Path
        A ``.toml`` file with ``[layer]`` and ``[evidence]`` tables (see ``docs/layers.md``).

    Returns
    -------
    LayerSpec

    Raises
    ------
    LayerSpecError
        Every problem of the file, one per line.
    """
    spec, problems = _parse_text(Path(path).stem, str(path), _read_text(Path(path)))
    if problems or spec is None:
        raise LayerSpecError("\n".join(problems))
    return spec


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LayerSpecError(f"{path}: cannot be read as UTF-8 text ({exc})") from exc


#: Keys of ``[layer]``: required or not.
_LAYER_KEYS: Final = {
    "source_layer": True,
    "title": True,
    "description": False,
    "weight": True,
    "visible_to": True,
}
#: Keys of ``[evidence]`` every method takes.
_EVIDENCE_KEYS: Final = ("method",)
#: Method parameters (metres, required and positive) per method.
_METHOD_PARAMS: Final = {
    "kernel_density": ("bandwidth_m",),
    "nearest": ("scale_m", "max_distance_m"),
    "linked": (),
    "energy_anomaly": (),
    "remoteness": ("bandwidth_m",),
}
#: Optional ``[evidence]`` keys per method: only methods that weigh records take them.
_METHOD_OPTIONS: Final = {
    "kernel_density": ("half_life_days", "filter", "record_weights", "effort"),
    "nearest": ("half_life_days", "filter", "record_weights"),
    "linked": ("half_life_days", "filter", "record_weights"),
    "energy_anomaly": (),
    "remoteness": (),
}
_EFFORT_KEYS: Final = {"source_layer": True, "bandwidth_m": True, "reference_count": False}
_RECORD_WEIGHT_KEYS: Final = {"column": True, "values": True, "default": False}
_DEFAULT_REFERENCE_COUNT: Final = 5.0


class _Problems:
    """Collects the problems of one file, each naming the file, the table and the key."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.lines: list[str] = []

    def add(self, table: str, key: str | None, problem: str) -> None:
        where = f"[{table}]" + (f" {key}" if key else "")
        self.lines.append(f"{self.label}: {where}: {problem}")

    def unknown_keys(self, table: str, found: dict[str, Any], allowed: Sequence[str]) -> None:
        for key in found:
            if key not in allowed:
                close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
                hint = (
                    f"; did you mean '{close[0]}'?"
                    if close
                    else f"; known keys: {', '.join(allowed)}"
                )
                self.add(table, key, "unknown key" + hint)

    def required(self, table: str, found: dict[str, Any], keys: dict[str, bool]) -> None:
        for key, needed in keys.items():
            if needed and key not in found:
                self.add(table, key, "missing (required)")


def _parse_text(name: str, label: str, text: str) -> tuple[LayerSpec | None, list[str]]:
    problems = _Problems(label)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.add("file", None, f"not valid TOML ({exc})")
        return None, problems.lines
    problems.unknown_keys("file", document, ("layer", "evidence"))
    layer = _table(document, "layer", problems)
    evidence = _table(document, "evidence", problems)
    problems.required("layer", layer, _LAYER_KEYS)
    problems.unknown_keys("layer", layer, tuple(_LAYER_KEYS))
    source_layer = _text(layer, "source_layer", "layer", problems)
    schema = LAYER_SCHEMAS.get(source_layer) if source_layer is not None else None
    if source_layer is not None and schema is None:
        problems.add("layer", "source_layer", f"'{source_layer}' is not a contract layer")
    method = _method(evidence, problems)
    weight = _number(layer, "weight", "layer", problems, minimum=0.0)
    roles = _roles(layer, problems)
    params = _method_params(evidence, method, problems)
    half_life = _number(evidence, "half_life_days", "evidence", problems, positive=True)
    filters = _filters(evidence, schema, problems)
    weights = _record_weights(evidence, schema, problems)
    effort = _effort(evidence, problems)
    title = _text(layer, "title", "layer", problems)
    description = _text(layer, "description", "layer", problems)
    if problems.lines:
        return None, problems.lines
    assert source_layer is not None and method is not None and weight is not None
    return (
        LayerSpec(
            name=name,
            title=title or name,
            description=description or "",
            source_layer=source_layer,
            method=method,
            weight=weight,
            visible_to=roles,
            params=params,
            half_life_days=half_life,
            filters=filters,
            record_weights=weights,
            effort=effort,
        ),
        [],
    )


def _table(parent: dict[str, Any], key: str, problems: _Problems, *, where: str = "file") -> dict:
    value = parent.get(key, {})
    if not isinstance(value, dict):
        problems.add(where, key, "must be a table")
        return {}
    if key in ("layer", "evidence") and where == "file" and key not in parent:
        problems.add(key, None, "table missing (required)")
    return value


def _text(table: dict[str, Any], key: str, where: str, problems: _Problems) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.add(where, key, f"must be a non-empty text, not {value!r}")
        return None
    return value


def _number(
    table: dict[str, Any],
    key: str,
    where: str,
    problems: _Problems,
    *,
    minimum: float | None = None,
    positive: bool = False,
) -> float | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.add(where, key, f"must be a finite number, not {value!r}")
        return None
    if positive and value <= 0:
        problems.add(where, key, f"must be positive, not {value!r}")
        return None
    if minimum is not None and value < minimum:
        problems.add(where, key, f"must be at least {minimum:g}, not {value!r}")
        return None
    return float(value)


def _method(evidence: dict[str, Any], problems: _Problems) -> str | None:
    method = evidence.get("method")
    if method is None:
        problems.add("evidence", "method", f"missing (required): one of {', '.join(METHODS)}")
        return None
    if method not in METHODS:
        problems.add("evidence", "method", f"'{method}' is not one of {', '.join(METHODS)}")
        return None
    return str(method)


def _roles(layer: dict[str, Any], problems: _Problems) -> tuple[str, ...]:
    roles = layer.get("visible_to")
    if roles is None:
        return ()  # reported as missing by the required-key check: deny by default
    if not isinstance(roles, list) or not roles or not all(isinstance(r, str) for r in roles):
        problems.add("layer", "visible_to", "must be a non-empty list of roles")
        return ()
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        problems.add(
            "layer",
            "visible_to",
            f"unknown role(s) {', '.join(unknown)}; roles are {', '.join(ROLES)}",
        )
    return tuple(roles)


def _method_params(
    evidence: dict[str, Any], method: str | None, problems: _Problems
) -> dict[str, float]:
    if method is None:
        return {}
    required = _METHOD_PARAMS[method]
    problems.unknown_keys(
        "evidence", evidence, (*_EVIDENCE_KEYS, *required, *_METHOD_OPTIONS[method])
    )
    params = {}
    for key in required:
        if key not in evidence:
            problems.add("evidence", key, f"missing (method '{method}' needs it)")
            continue
        value = _number(evidence, key, "evidence", problems, positive=True)
        if value is not None:
            params[key] = value
    return params


def _column_values(schema: LayerSchema, column: str) -> tuple[str, ...] | None:
    """The allowed (lower-case) values of a contract column, or None when open-ended."""
    col = schema.column(column)
    if col.type is ColumnType.CATEGORY:
        return col.categories
    if col.type is ColumnType.BOOLEAN:
        return ("true", "false")
    return None


def _check_column(
    schema: LayerSchema | None, column: object, table: str, key: str, problems: _Problems
) -> str | None:
    if not isinstance(column, str):
        problems.add(table, key, f"must be a column name, not {column!r}")
        return None
    if schema is not None and column not in schema.column_names:
        close = difflib.get_close_matches(column, list(schema.column_names), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        problems.add(table, key, f"'{column}' is not a column of layer '{schema.name}'{hint}")
        return None
    return column


def _check_values(
    schema: LayerSchema | None,
    column: str,
    values: list[str],
    table: str,
    problems: _Problems,
) -> None:
    allowed = _column_values(schema, column) if schema is not None else None
    if allowed is None:
        return
    for value in values:
        if value not in allowed:
            problems.add(
                table, column, f"'{value}' is not a value of '{column}' ({', '.join(allowed)})"
            )


def _filters(
    evidence: dict[str, Any], schema: LayerSchema | None, problems: _Problems
) -> dict[str, tuple[str, ...]]:
    table = _table(evidence, "filter", problems, where="evidence")
    filters = {}
    for key, values in table.items():
        column = _check_column(schema, key, "evidence.filter", key, problems)
        if not isinstance(values, list) or not all(isinstance(v, str | bool) for v in values):
            problems.add("evidence.filter", key, "must be a list of values")
            continue
        kept = tuple(str(v).strip().lower() for v in values)
        if column is not None:
            _check_values(schema, column, list(kept), "evidence.filter", problems)
            filters[column] = kept
    return filters


def _record_weights(
    evidence: dict[str, Any], schema: LayerSchema | None, problems: _Problems
) -> tuple[RecordWeights, ...]:
    items = evidence.get("record_weights", [])
    where = "evidence.record_weights"
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        problems.add(
            "evidence", "record_weights", "must be an array of tables ([[evidence.record_weights]])"
        )
        return ()
    weights = []
    for item in items:
        problems.required(where, item, _RECORD_WEIGHT_KEYS)
        problems.unknown_keys(where, item, tuple(_RECORD_WEIGHT_KEYS))
        column = (
            _check_column(schema, item.get("column"), where, "column", problems)
            if "column" in item
            else None
        )
        values = item.get("values", {})
        if not isinstance(values, dict):
            problems.add(where, "values", "must be a table of value = weight")
            continue
        numbers = {}
        for value in values:
            checked = _number(values, value, f"{where}.values", problems, minimum=0.0)
            if checked is not None:
                numbers[str(value).lower()] = checked
        default = _number(item, "default", where, problems, minimum=0.0)
        if column is not None:
            _check_values(schema, column, list(numbers), where, problems)
            weights.append(RecordWeights(column, numbers, default if default is not None else 1.0))
    return tuple(weights)


def _effort(evidence: dict[str, Any], problems: _Problems) -> Effort | None:
    if "effort" not in evidence:
        return None
    table = _table(evidence, "effort", problems, where="evidence")
    where = "evidence.effort"
    problems.required(where, table, _EFFORT_KEYS)
    problems.unknown_keys(where, table, tuple(_EFFORT_KEYS))
    source_layer = _text(table, "source_layer", where, problems)
    if source_layer is not None and source_layer not in LAYER_SCHEMAS:
        problems.add(where, "source_layer", f"'{source_layer}' is not a contract layer")
    bandwidth = _number(table, "bandwidth_m", where, problems, positive=True)
    reference = _number(table, "reference_count", where, problems, positive=True)
    if source_layer is None or bandwidth is None:
        return None
    return Effort(
        source_layer=source_layer,
        bandwidth_m=bandwidth,
        reference_count=reference if reference is not None else _DEFAULT_REFERENCE_COUNT,
    )
