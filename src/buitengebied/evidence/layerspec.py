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
``premises``
    Whether the address could host a grow, lab or storage: its use, floor area, distance
    from the village edge and a vacancy register row (see
    :mod:`buitengebied.evidence.premises`).
``carried_waste``
    Dumped waste as a trace of a source elsewhere: a kernel per waste category at its
    carrying distance, bursts at one spot counted sub-linearly, weighted by the
    ``host_factor``'s premises (see :mod:`buitengebied.evidence.waste`).
``outcome_damping``
    A *modifier*, not a factor: each record lowers the address's score by its weight (a
    share), recovering with ``half_life_days`` (see :func:`is_modifier`).

The files are read strictly: a key that is unknown, or that the chosen method does not
use, is an error (with a "did you mean" where a known key is close), values are
type-checked, filter and weight columns must be contract columns of the source layer,
and ``visible_to`` is required (deny by default).  Every problem of every file is
reported at once, in one :class:`~buitengebied.errors.LayerSpecError`, one line per
problem: ``<file>: [table] key: problem``.

The shipped files are package data (``buitengebied/layers``), read with
:mod:`importlib.resources`; a directory of files replaces them (``--layers``).
Adding a signal is adding a file: see ``docs/layers.md``.
"""

from __future__ import annotations

import difflib
import sys
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Final

from buitengebied.access.roles import ROLE_NAMES
from buitengebied.contract import LAYER_SCHEMAS, Column, ColumnType, GeometryKind, LayerSchema
from buitengebied.errors import LayerSpecError

#: Roles a layer file's ``visible_to`` may list (:class:`~buitengebied.access.roles.Role`).
ROLES: Final = ROLE_NAMES
#: Records counted around a place at which an effort-corrected signal is halved.
DEFAULT_REFERENCE_COUNT: Final = 5.0

_PACKAGE: Final = "buitengebied"
_LAYERS_FOLDER: Final = "layers"
_SUFFIX: Final = ".toml"
#: Longest value repeated in a message.
_SHOWN_CHARS: Final = 60

_TOP_KEYS: Final = ("layer", "evidence")
_LAYER_KEYS: Final = (
    "source_layer",
    "title",
    "description",
    "weight",
    "visible_to",
    "max_strength",
)
_RECORD_OPTIONS: Final = ("half_life_days", "filter", "record_weights")
_EFFORT_KEYS: Final = ("source_layer", "bandwidth_m", "reference_count")
#: The layer whose rows tell a ``premises`` factor that a building stands empty.
_VACANCY_LAYER: Final = "vacant_buildings"
_RECORD_WEIGHT_KEYS: Final = ("column", "values", "default")
#: How a boolean column's values read once loaded and lower-cased.
_BOOLEAN_VALUES: Final = ("true", "false")
#: Columns matched by their value; numbers and dates do not compare as text.
_MATCHABLE_TYPES: Final = (ColumnType.TEXT, ColumnType.ID, ColumnType.CATEGORY, ColumnType.BOOLEAN)


@dataclass(frozen=True)
class _Method:
    """What one method reads from a layer file.

    ``parameters`` are required positive numbers of ``[evidence]`` (those also named in
    ``may_be_zero``: numbers >= 0); ``options`` are the other ``[evidence]`` keys it
    honours.  ``source_layer`` is the one layer it can read, if it is bound to one.
    """

    parameters: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    may_be_zero: tuple[str, ...] = ()
    source_layer: str | None = None
    needs_geometry: bool = False
    needs_address_id: bool = False

    @property
    def keys(self) -> tuple[str, ...]:
        """Every ``[evidence]`` key the method reads."""
        return ("method", *self.parameters, *self.options)


_METHODS: Final = {
    "kernel_density": _Method(("bandwidth_m",), (*_RECORD_OPTIONS, "effort"), needs_geometry=True),
    "nearest": _Method(("scale_m", "max_distance_m"), _RECORD_OPTIONS, needs_geometry=True),
    "linked": _Method((), _RECORD_OPTIONS, needs_address_id=True),
    "energy_anomaly": _Method(source_layer="energy"),
    "remoteness": _Method(("bandwidth_m",), source_layer="addresses"),
    "premises": _Method(
        (
            "match_distance_m",
            "village_radius_m",
            "village_min_addresses",
            "edge_scale_m",
            "small_floor_area_m2",
            "large_floor_area_m2",
            "vacancy_bonus",
        ),
        ("record_weights", "vacancy_weights"),
        source_layer="addresses",
        may_be_zero=("vacancy_bonus",),
    ),
    "carried_waste": _Method(
        ("burst_radius_m", "burst_exponent"),
        (*_RECORD_OPTIONS, "carry_distance_m", "host_factor"),
        needs_geometry=True,
    ),
    "outcome_damping": _Method((), _RECORD_OPTIONS, needs_address_id=True),
}
METHODS: Final = tuple(_METHODS)
#: Methods whose records scale the score of an address down instead of adding to it.
MODIFIER_METHODS: Final = ("outcome_damping",)


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
    reference_count: float = DEFAULT_REFERENCE_COUNT


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
    vacancy_weights : tuple of RecordWeights
        ``premises``: weights per value of a ``vacant_buildings`` column.
    carry_distance : RecordWeights or None
        ``carried_waste``: kernel sigma in metres per value of a column.
    host_factor : str or None
        ``carried_waste``: name of the ``premises`` factor that says which addresses
        could host the source.
    host : LayerSpec or None
        The resolved ``host_factor`` (set by :func:`load_layer_specs`).
    max_strength : float or None
        Largest strength of the factor in the fusion (standard deviations above the mean,
        see :func:`buitengebied.scoring.fusion.strength_caps`); ``None`` for none.
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
    vacancy_weights: tuple[RecordWeights, ...] = ()
    carry_distance: RecordWeights | None = None
    host_factor: str | None = None
    host: LayerSpec | None = None
    max_strength: float | None = None


def is_modifier(spec: LayerSpec) -> bool:
    """Return whether the spec scales scores down (a modifier) rather than adding a factor.

    A modifier's raw evidence is the logarithm of the share of the score it leaves
    (``<= 0``); the fusion multiplies the other factors' sum by ``exp(weight * raw)``.
    """
    return spec.method in MODIFIER_METHODS


def default_layer_files() -> list[tuple[str, str]]:
    """Return the layer files shipped with the package, sorted by name.

    They are package data, read through :mod:`importlib.resources`, so they need not lie
    in a directory on disk.

    Returns
    -------
    list of (str, str)
        ``(file name, text)`` of every ``*.toml`` in ``buitengebied/layers``.
    """
    folder = resources.files(_PACKAGE) / _LAYERS_FOLDER
    entries = sorted(folder.iterdir(), key=lambda entry: entry.name)
    return [
        (entry.name, entry.read_text(encoding="utf-8"))
        for entry in entries
        if entry.name.endswith(_SUFFIX) and entry.is_file()
    ]


def load_layer_specs(layers_dir: Path | None = None) -> list[LayerSpec]:
    """Read every layer file, sorted by name.

    Parameters
    ----------
    layers_dir : Path, optional
        A directory whose ``*.toml`` files replace the shipped ones
        (:func:`default_layer_files`).

    Returns
    -------
    list of LayerSpec

    Raises
    ------
    LayerSpecError
        The directory holds no layer file, or a file is unreadable or malformed; the
        message lists every problem of every file, one line each.
    """
    if layers_dir is None:
        where = f"{_PACKAGE}/{_LAYERS_FOLDER}"
        documents = [(f"{where}/{name}", text) for name, text in default_layer_files()]
        problems: list[str] = []
    else:
        where = str(layers_dir)
        documents, problems = _read_directory(Path(layers_dir))
    if not documents and not problems:
        raise LayerSpecError(f"{where}: no layer files (*{_SUFFIX})")
    specs = []
    for source, text in documents:
        spec, found = _parse(source, text)
        problems += found
        if spec is not None:
            specs.append(spec)
    problems += _resolve_hosts(where, specs)
    if problems:
        raise LayerSpecError("\n".join(problems))
    return [_with_host(spec, specs) for spec in specs]


def _resolve_hosts(where: str, specs: Sequence[LayerSpec]) -> list[str]:
    """Problems with the ``host_factor`` of every spec: it must name a ``premises`` factor."""
    by_name = {spec.name: spec for spec in specs}
    problems = []
    for spec in specs:
        if spec.host_factor is None:
            continue
        host = by_name.get(spec.host_factor)
        if host is None or host.method != "premises":
            problems.append(
                f"{where}/{spec.name}{_SUFFIX}: [evidence] host_factor: "
                f"'{spec.host_factor}' is not a factor with method 'premises'"
            )
    return problems


def _with_host(spec: LayerSpec, specs: Sequence[LayerSpec]) -> LayerSpec:
    if spec.host_factor is None:
        return spec
    return replace(spec, host=next(s for s in specs if s.name == spec.host_factor))


def parse_layer_spec(path: Path) -> LayerSpec:
    """Parse one layer file.

    Parameters
    ----------
    path : Path
        A ``.toml`` file with ``[layer]`` and ``[evidence]`` tables.

    Returns
    -------
    LayerSpec

    Raises
    ------
    LayerSpecError
        The file is unreadable or malformed; the message lists every problem.
    """
    text, problem = _read_file(Path(path))
    if text is None:
        raise LayerSpecError(problem)
    spec, problems = _parse(str(path), text)
    if spec is None:
        raise LayerSpecError("\n".join(problems))
    return spec


def _read_directory(directory: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """Return ``(source, text)`` of every layer file in ``directory``, and read failures."""
    if not directory.is_dir():
        raise LayerSpecError(f"{directory}: not a directory of layer files")
    documents, problems = [], []
    for path in sorted(directory.glob(f"*{_SUFFIX}")):
        text, problem = _read_file(path)
        if text is None:
            problems.append(problem)
        else:
            documents.append((str(path), text))
    return documents, problems


def _read_file(path: Path) -> tuple[str | None, str]:
    """Return the file's text, or ``None`` and why it cannot be read."""
    if not path.is_file():
        return None, f"{path}: not a regular file"
    try:
        return path.read_text(encoding="utf-8"), ""
    except UnicodeDecodeError as exc:
        return None, f"{path}: not UTF-8 (byte {exc.start}: {exc.reason})"
    except OSError as exc:
        return None, f"{path}: cannot be read ({exc.strerror or exc})"


def _parse(source: str, text: str) -> tuple[LayerSpec | None, list[str]]:
    """Parse one file's text; return the spec (``None`` if there are problems) and them."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [f"{source}: not valid TOML ({exc})"]
    reader = _Reader(source)
    spec = _spec_from_document(reader, Path(source).stem, document)
    return (None if reader.problems else spec), reader.problems


def _suggestion(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _shown(value: Any) -> str:
    """Return a value as written in messages, cut short when long."""
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."


def _unknown(word: str, choices: Sequence[str]) -> str:
    """Explain that ``word`` is not one of ``choices``: the closest, or all of them."""
    hint = _suggestion(word, choices)
    return hint or f"; expected one of {', '.join(choices)}"


@dataclass
class _Reader:
    """Reads the values of one layer file and gathers every problem it finds.

    Each getter returns a stand-in value after a problem, so that reading goes on and
    the file's other problems are found too; a file with problems yields no spec.
    """

    source: str
    problems: list[str] = field(default_factory=list)

    def add(self, table: str, key: str, problem: str) -> None:
        """Record one problem as ``<file>: [table] key: problem``."""
        where = f"{table} {key}" if table else key
        self.problems.append(f"{self.source}: {where}: {problem}")

    def keys(self, table: str, values: Mapping[str, Any], allowed: Sequence[str]) -> None:
        """Refuse every key of ``values`` that is not ``allowed``."""
        for key in values:
            if key not in allowed:
                self.add(table, key, "unknown key" + _unknown(key, allowed))

    def table(self, table: str, key: str, value: Any, *, required: bool) -> dict[str, Any] | None:
        """Return a TOML table, or ``None`` when it is absent (or no table)."""
        if value is None:
            if required:
                self.add(table, key, "missing table")
            return None
        if not isinstance(value, dict):
            self.add(table, key, f"expected a table, got {_shown(value)}")
            return None
        return value

    def string(self, table: str, key: str, value: Any, *, default: str | None = None) -> str:
        """Return a string; it is required when there is no ``default``."""
        if value is None:
            if default is None:
                self.add(table, key, "missing; expected a string")
            return default or ""
        if not isinstance(value, str):
            self.add(table, key, f"expected a string, got {_shown(value)}")
            return default or ""
        return value

    def number(
        self, table: str, key: str, value: Any, *, default: float | None = None, positive: bool
    ) -> float:
        """Return a finite number, ``> 0`` if ``positive`` else ``>= 0``.

        It is required when there is no ``default``.
        """
        expected = "a positive number" if positive else "a number >= 0"
        if value is None:
            if default is None:
                self.add(table, key, f"missing; expected {expected}")
            return default or 0.0
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        # False for nan and inf, and for TOML integers (unbounded) past float's range.
        finite = is_number and abs(value) <= sys.float_info.max
        if not finite or value < 0 or (positive and value == 0):
            self.add(table, key, f"expected {expected}, got {_shown(value)}")
            return default or 0.0
        return float(value)


def _spec_from_document(reader: _Reader, name: str, document: dict[str, Any]) -> LayerSpec:
    for key in document:
        if key not in _TOP_KEYS:
            reader.add(
                "", key, "unknown at the top level" + _unknown(key, [f"[{t}]" for t in _TOP_KEYS])
            )
    layer = reader.table("", "[layer]", document.get("layer"), required=True) or {}
    evidence = reader.table("", "[evidence]", document.get("evidence"), required=True) or {}
    reader.keys("[layer]", layer, _LAYER_KEYS)
    schema = _source_schema(reader, "[layer]", layer)
    method = _method(reader, evidence, schema)
    half_life = evidence.get("half_life_days")
    exponent = evidence.get("burst_exponent")
    if method == "carried_waste" and isinstance(exponent, int | float) and exponent > 1:
        reader.add(
            "[evidence]",
            "burst_exponent",
            f"expected a number in (0, 1] (a burst counts sub-linearly), got {_shown(exponent)}",
        )
    if method == "carried_waste" and evidence.get("carry_distance_m") is None:
        reader.add("[evidence]", "carry_distance_m", "missing table (a sigma per waste category)")
    if half_life is not None and schema is not None and schema.time_column is None:
        reader.add(
            "[evidence]",
            "half_life_days",
            f"layer '{schema.name}' has no time column, so its records cannot decay",
        )
    return LayerSpec(
        name=name,
        title=reader.string("[layer]", "title", layer.get("title"), default=name),
        description=reader.string("[layer]", "description", layer.get("description"), default=""),
        source_layer=schema.name if schema is not None else "",
        method=method,
        weight=reader.number("[layer]", "weight", layer.get("weight"), positive=False),
        visible_to=_visible_to(reader, layer.get("visible_to")),
        params={
            key: reader.number(
                "[evidence]",
                key,
                evidence.get(key),
                positive=key not in _METHODS[method].may_be_zero,
            )
            for key in _METHODS[method].parameters
        }
        if method in _METHODS
        else {},
        half_life_days=None
        if half_life is None
        else reader.number("[evidence]", "half_life_days", half_life, positive=True),
        filters=_filters(reader, evidence.get("filter"), schema),
        record_weights=_record_weights(reader, evidence.get("record_weights"), schema),
        effort=_effort(reader, evidence.get("effort")),
        vacancy_weights=_record_weights(
            reader,
            evidence.get("vacancy_weights"),
            LAYER_SCHEMAS[_VACANCY_LAYER],
            key="vacancy_weights",
        ),
        carry_distance=_carry_distance(reader, evidence.get("carry_distance_m"), schema),
        host_factor=None
        if evidence.get("host_factor") is None
        else reader.string("[evidence]", "host_factor", evidence.get("host_factor")),
        max_strength=None
        if layer.get("max_strength") is None
        else reader.number("[layer]", "max_strength", layer.get("max_strength"), positive=True),
    )


def _source_schema(reader: _Reader, table: str, values: Mapping[str, Any]) -> LayerSchema | None:
    """Return the schema of the table's ``source_layer``, or ``None`` after a problem."""
    name = reader.string(table, "source_layer", values.get("source_layer"))
    if not name:
        return None
    if name not in LAYER_SCHEMAS:
        reader.add(
            table,
            "source_layer",
            f"'{name}' is not a contract layer" + _unknown(name, list(LAYER_SCHEMAS)),
        )
        return None
    return LAYER_SCHEMAS[name]


def _method(reader: _Reader, evidence: Mapping[str, Any], schema: LayerSchema | None) -> str:
    """Check ``method``, the keys it reads and the layer it reads; return its name."""
    method = reader.string("[evidence]", "method", evidence.get("method"))
    if method and method not in _METHODS:
        reader.add(
            "[evidence]", "method", f"'{method}' is not a method" + _unknown(method, METHODS)
        )
    if method not in _METHODS:
        every_key = sorted({key for m in _METHODS.values() for key in m.keys})
        reader.keys("[evidence]", evidence, every_key)
        return method
    used = _METHODS[method]
    for key in evidence:
        if key in used.keys:
            continue
        users = [name for name, other in _METHODS.items() if key in other.keys]
        problem = (
            f"method '{method}' does not use this key (used by {', '.join(users)})"
            if users
            else "unknown key" + _unknown(key, used.keys)
        )
        reader.add("[evidence]", key, problem)
    if schema is not None:
        _check_source_fits(reader, method, schema)
    return method


def _check_source_fits(reader: _Reader, method: str, schema: LayerSchema) -> None:
    """Refuse a source layer the method cannot read."""
    needs = _METHODS[method]
    problem = ""
    if needs.source_layer is not None and schema.name != needs.source_layer:
        problem = f"method '{method}' reads the '{needs.source_layer}' layer only"
    elif needs.needs_geometry and schema.geometry is GeometryKind.NONE:
        problem = f"method '{method}' needs a layer with geometry; '{schema.name}' has none"
    elif needs.needs_address_id and "address_id" not in schema.column_names:
        problem = f"method '{method}' needs an address_id column; '{schema.name}' has none"
    if problem:
        reader.add("[layer]", "source_layer", problem)


def _visible_to(reader: _Reader, value: Any) -> tuple[str, ...]:
    """Return the roles that may see the records; required and non-empty (deny by default)."""
    table, key = "[layer]", "visible_to"
    expected = f"a list of the roles that may see the records ({', '.join(ROLES)})"
    if value is None:
        reader.add(table, key, f"missing (nobody is allowed by default); expected {expected}")
        return ()
    if not isinstance(value, list) or not all(isinstance(role, str) for role in value):
        reader.add(table, key, f"expected {expected}, got {_shown(value)}")
        return ()
    if not value:
        reader.add(table, key, f"empty (nobody may see the records); expected {expected}")
    for role in value:
        if role not in ROLES:
            reader.add(table, key, f"unknown role '{role}'" + _unknown(role, ROLES))
    for role in sorted({role for role in value if value.count(role) > 1}):
        reader.add(table, key, f"role '{role}' is listed more than once")
    return tuple(value)


def _matchable_column(
    reader: _Reader, table: str, key: str, name: str, schema: LayerSchema | None
) -> Column | None:
    """Return the source layer's column ``name`` if records can be matched on its values."""
    if schema is None:
        return None
    if name not in schema.column_names:
        reader.add(
            table,
            key,
            f"'{name}' is not a column of the '{schema.name}' layer"
            + _unknown(name, schema.column_names),
        )
        return None
    column = schema.column(name)
    if column.type not in _MATCHABLE_TYPES:
        reader.add(
            table, key, f"column '{name}' holds {column.type} values, which do not match as text"
        )
        return None
    return column


def _check_value(reader: _Reader, table: str, key: str, value: str, column: Column | None) -> None:
    """Refuse a value that a category or boolean column cannot hold."""
    if column is None:
        return
    allowed = _BOOLEAN_VALUES if column.type is ColumnType.BOOLEAN else column.categories
    if column.type in (ColumnType.CATEGORY, ColumnType.BOOLEAN) and value not in allowed:
        reader.add(
            table,
            key,
            f"'{value}' is not a value of column '{column.name}'" + _unknown(value, allowed),
        )


def _filters(reader: _Reader, value: Any, schema: LayerSchema | None) -> dict[str, tuple[str, ...]]:
    table = "[evidence.filter]"
    filters = reader.table("[evidence]", "filter", value, required=False) or {}
    result = {}
    for name, listed in filters.items():
        column = _matchable_column(reader, table, name, name, schema)
        if not isinstance(listed, list) or not listed:
            reader.add(
                table, name, f"expected a non-empty list of values to keep, got {_shown(listed)}"
            )
            continue
        kept = []
        for item in listed:
            if isinstance(item, bool):
                item = str(item)
            if not isinstance(item, str):
                reader.add(table, name, f"expected a string value, got {_shown(item)}")
                continue
            kept.append(item.strip().lower())
            _check_value(reader, table, name, kept[-1], column)
        result[name] = tuple(kept)
    return result


def _record_weights(
    reader: _Reader, value: Any, schema: LayerSchema | None, *, key: str = "record_weights"
) -> tuple[RecordWeights, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        reader.add(
            "[evidence]",
            key,
            f"expected an array of tables, each written as [[evidence.{key}]]",
        )
        return ()
    return tuple(
        _record_weight(reader, f"[[evidence.{key}]] #{number}", item, schema)
        for number, item in enumerate(value, start=1)
    )


def _carry_distance(
    reader: _Reader, value: Any, schema: LayerSchema | None
) -> RecordWeights | None:
    """``[evidence.carry_distance_m]``: a sigma in metres per value, every one positive."""
    table = "[evidence.carry_distance_m]"
    if reader.table("[evidence]", "carry_distance_m", value, required=False) is None:
        return None
    distances = _record_weight(reader, table, value, schema)
    for name, metres in (*distances.values.items(), ("default", distances.default)):
        if metres <= 0:
            reader.add(table, name, f"expected a positive distance in metres, got {metres}")
    return distances


def _record_weight(
    reader: _Reader, table: str, item: Mapping[str, Any], schema: LayerSchema | None
) -> RecordWeights:
    reader.keys(table, item, _RECORD_WEIGHT_KEYS)
    name = reader.string(table, "column", item.get("column"))
    column = _matchable_column(reader, table, "column", name, schema) if name else None
    values = reader.table(table, "values", item.get("values"), required=True)
    if values is not None and not values:
        reader.add(table, "values", "empty; expected a weight per value")
    weights = {}
    for key, weight in (values or {}).items():
        label = f"values.{key}"
        weights[key.lower()] = reader.number(table, label, weight, positive=False)
        _check_value(reader, table, label, key.lower(), column)
    default = reader.number(table, "default", item.get("default"), default=1.0, positive=False)
    return RecordWeights(column=name, values=weights, default=default)


def _effort(reader: _Reader, value: Any) -> Effort | None:
    table = "[evidence.effort]"
    effort = reader.table("[evidence]", "effort", value, required=False)
    if effort is None:
        return None
    reader.keys(table, effort, _EFFORT_KEYS)
    schema = _source_schema(reader, table, effort)
    if schema is not None and schema.geometry is GeometryKind.NONE:
        reader.add(table, "source_layer", f"'{schema.name}' has no geometry to measure effort by")
    return Effort(
        source_layer=schema.name if schema is not None else "",
        bandwidth_m=reader.number(table, "bandwidth_m", effort.get("bandwidth_m"), positive=True),
        reference_count=reader.number(
            table,
            "reference_count",
            effort.get("reference_count"),
            default=DEFAULT_REFERENCE_COUNT,
            positive=True,
        ),
    )
