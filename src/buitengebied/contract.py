"""The data contract as data: which layers exist, their columns, types, categories and time rules.

This module is the single machine-readable statement of ``docs/data-contract.md``.
Readers, validators, the time filter and the confirmed-find test derive every check from
:data:`LAYER_SCHEMAS`; nothing else in the library repeats a column name, a category list
or a time rule.  Adding a layer is adding a :class:`LayerSchema` here: it is then found in
a data directory, loaded (in :func:`load_order`), validated and filtered by time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final


class ColumnType(StrEnum):
    """Logical types of contract columns."""

    TEXT = "text"
    ID = "id"
    NUMBER = "number"
    DATE = "date"
    BOOLEAN = "boolean"
    CATEGORY = "category"


class GeometryKind(StrEnum):
    """What geometry a layer carries."""

    NONE = "none"
    POINT = "point"
    POINT_OR_POLYGON = "point or polygon"
    POLYGON = "polygon"
    LINE = "line"


class TimeRule(StrEnum):
    """When a record counts as known at a moment ``as_of`` (the contract's "Time").

    Attributes
    ----------
    OBSERVED
        Known once its time column lies strictly before ``as_of``.
    PERIOD_END
        The time column is the inclusive last day of a period (a local Europe/Amsterdam
        day, whatever time it carries): known once the day after it has begun.
    STARTS
        The time column says since when a state holds: a record is ignored while it lies
        on or after ``as_of``; a record without a value always counts.
    TIMELESS
        Always known (an area, a road network).
    """

    OBSERVED = "observed"
    PERIOD_END = "period end"
    STARTS = "starts"
    TIMELESS = "timeless"


@dataclass(frozen=True)
class Column:
    """One column of a layer.

    Attributes
    ----------
    name : str
        Column name as in the files (matched case-insensitively after trimming).
    type : ColumnType
        Logical type.
    required : bool
        The column must exist and every row must have a value.
    unique : bool
        Values must be unique within the file.
    categories : tuple of str
        Allowed values of a ``CATEGORY`` column (lower case).
    references_addresses : bool
        Values must be ``address_id`` values of the ``addresses`` layer.
    """

    name: str
    type: ColumnType
    required: bool = False
    unique: bool = False
    categories: tuple[str, ...] = ()
    references_addresses: bool = False


@dataclass(frozen=True)
class FindRule:
    """Which records of a layer are confirmed finds.

    Attributes
    ----------
    column : str
        A ``CATEGORY`` column of the layer.
    values : tuple of str
        Its values (lower case) that count as a confirmed find.
    """

    column: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class LayerSchema:
    """The contract of one layer: its geometry, columns and time rule.

    Attributes
    ----------
    name : str
        Layer name (the file stem in a data directory).
    geometry : GeometryKind
        Geometry the layer carries.
    columns : tuple of Column
        Known columns; other columns are kept but not checked.
    time_rule : TimeRule
        When a record counts as known (see :class:`TimeRule`).
    time_column : str or None
        The ``DATE`` column the time rule reads; ``None`` exactly when ``TIMELESS``.
    period_start : str or None
        For ``PERIOD_END`` layers, the ``DATE`` column where a period starts.
    finds : FindRule or None
        Which records are confirmed finds (the inspections' outcomes); ``None`` for
        layers that tell none.
    required : bool
        A data directory must hold this layer.
    """

    name: str
    geometry: GeometryKind
    columns: tuple[Column, ...] = field(default_factory=tuple)
    time_rule: TimeRule = TimeRule.TIMELESS
    time_column: str | None = None
    period_start: str | None = None
    finds: FindRule | None = None
    required: bool = False

    def __post_init__(self) -> None:
        if (self.time_rule is TimeRule.TIMELESS) != (self.time_column is None):
            raise ValueError(f"{self.name}: a time column exactly when the rule is not timeless")
        if self.time_column is not None:
            self._require(self.time_column, ColumnType.DATE)
        if self.time_rule in (TimeRule.OBSERVED, TimeRule.PERIOD_END) and self.time_column:
            # A record without its moment could never become known: the column is required.
            if not self.column(self.time_column).required:
                raise ValueError(f"{self.name}.{self.time_column}: must be required")
        if (self.time_rule is TimeRule.PERIOD_END) != (self.period_start is not None):
            raise ValueError(f"{self.name}: a period start exactly when the rule is period end")
        if self.period_start is not None:
            self._require(self.period_start, ColumnType.DATE)
        if self.finds is not None:
            self._require(self.finds.column, ColumnType.CATEGORY)
            unknown = set(self.finds.values) - set(self.column(self.finds.column).categories)
            if unknown or self.time_rule is not TimeRule.OBSERVED:
                raise ValueError(f"{self.name}: finds must be dated, known categories")

    def _require(self, name: str, kind: ColumnType) -> None:
        if name not in self.column_names or self.column(name).type is not kind:
            raise ValueError(f"{self.name}.{name}: no {kind.value} column of the layer")

    @property
    def column_names(self) -> tuple[str, ...]:
        """Names of all contract columns of this layer."""
        return tuple(c.name for c in self.columns)

    @property
    def key(self) -> str | None:
        """The layer's id column (required and unique), ``None`` when it has none."""
        keys = [c.name for c in self.columns if c.required and c.unique]
        return keys[0] if keys else None

    @property
    def address_column(self) -> str | None:
        """The column that references ``addresses``, ``None`` when none does."""
        refs = [c.name for c in self.columns if c.references_addresses]
        return refs[0] if refs else None

    @property
    def history_column(self) -> str | None:
        """The column whose earliest value is the layer's first record, or ``None``.

        The moment of an ``OBSERVED`` record, the start of a period.  A ``STARTS`` date
        says since when a state holds, and may lie decades before anything was recorded,
        so it starts no history.
        """
        if self.time_rule is TimeRule.OBSERVED:
            return self.time_column
        return self.period_start

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


BUILDING_TYPES: Final = ("stable", "barn", "shed", "greenhouse", "riding_hall", "dwelling", "other")
WASTE_TYPES: Final = ("barrels", "jerrycans", "cannabis_waste", "chemicals", "other")
REPORT_CATEGORIES: Final = (
    "comings_and_goings",
    "strange_vehicles",
    "chemical_smell",
    "night_noise",
    "covered_windows",
    "drug_waste",
    "poaching",
    "illegal_fishing",
    "litter",
    "other",
)
REPORTER_ROLES: Final = (
    "ranger",
    "hunter",
    "water_board",
    "boa",
    "resident",
    "farmer",
    "police",
    "municipality",
)
CONFIDENCE_LEVELS: Final = ("low", "medium", "high")
INSPECTION_OUTCOMES: Final = ("nothing", "signals", "cannabis_grow", "drug_lab", "storage", "other")
#: Outcomes that count as a confirmed find.
CONFIRMED_FINDS: Final = ("cannabis_grow", "drug_lab", "storage")
#: NWB ``rijrichtng``: both ways, along the digitised direction (heen), against it (terug),
#: unknown (onbekend).
NWB_DIRECTIONS: Final = ("b", "h", "t", "o")
#: NWB ``wegbehsrt``: road authority rijk, provincie, gemeente, waterschap, other.
NWB_AUTHORITIES: Final = ("r", "p", "g", "w", "t")
#: OpenStreetMap ``oneway``: the documented values and the spellings in common use.
OSM_ONEWAY: Final = ("yes", "no", "-1", "reversible", "alternating", "true", "false", "1", "0")

#: The layer every other layer's ``address_id`` references; loaded first.
ADDRESSES: Final = "addresses"
#: The layer whose polygons' union is the area the map covers.
AREA: Final = "area"

_T = ColumnType

LAYER_SCHEMAS: Final[dict[str, LayerSchema]] = {
    ADDRESSES: LayerSchema(
        ADDRESSES,
        GeometryKind.POINT,
        (
            Column("address_id", _T.ID, required=True, unique=True),
            Column("street", _T.TEXT),
            Column("housenumber", _T.TEXT),
            Column("postcode", _T.TEXT),
            Column("place", _T.TEXT),
            Column("use", _T.TEXT),
            Column("floor_area_m2", _T.NUMBER),
        ),
        required=True,
    ),
    AREA: LayerSchema(AREA, GeometryKind.POLYGON, ()),
    "vacant_buildings": LayerSchema(
        "vacant_buildings",
        GeometryKind.POINT_OR_POLYGON,
        (
            Column("building_id", _T.ID, required=True, unique=True),
            Column("address_id", _T.ID, references_addresses=True),
            Column("building_type", _T.CATEGORY, categories=BUILDING_TYPES),
            Column("vacant_since", _T.DATE),
            Column("floor_area_m2", _T.NUMBER),
            Column("source", _T.TEXT),
        ),
        time_rule=TimeRule.STARTS,
        time_column="vacant_since",
    ),
    "dumpings": LayerSchema(
        "dumpings",
        GeometryKind.POINT,
        (
            Column("dumping_id", _T.ID, required=True, unique=True),
            Column("observed_at", _T.DATE, required=True),
            Column("waste_type", _T.CATEGORY, categories=WASTE_TYPES),
            Column("volume_l", _T.NUMBER),
            Column("reported_by", _T.TEXT),
            Column("confirmed", _T.BOOLEAN),
        ),
        time_rule=TimeRule.OBSERVED,
        time_column="observed_at",
    ),
    "reports": LayerSchema(
        "reports",
        GeometryKind.POINT,
        (
            Column("report_id", _T.ID, required=True, unique=True),
            Column("observed_at", _T.DATE, required=True),
            Column("category", _T.CATEGORY, required=True, categories=REPORT_CATEGORIES),
            Column("description", _T.TEXT),
            Column("reporter_role", _T.CATEGORY, categories=REPORTER_ROLES),
            Column("reporter_org", _T.TEXT),
            Column("confidence", _T.CATEGORY, categories=CONFIDENCE_LEVELS),
        ),
        time_rule=TimeRule.OBSERVED,
        time_column="observed_at",
    ),
    "energy": LayerSchema(
        "energy",
        GeometryKind.NONE,
        (
            Column("address_id", _T.ID, required=True, references_addresses=True),
            Column("period_start", _T.DATE, required=True),
            Column("period_end", _T.DATE, required=True),
            Column("kwh", _T.NUMBER, required=True),
        ),
        time_rule=TimeRule.PERIOD_END,
        time_column="period_end",
        period_start="period_start",
    ),
    "inspections": LayerSchema(
        "inspections",
        GeometryKind.NONE,
        (
            Column("address_id", _T.ID, required=True, references_addresses=True),
            Column("inspected_at", _T.DATE, required=True),
            Column("outcome", _T.CATEGORY, required=True, categories=INSPECTION_OUTCOMES),
        ),
        time_rule=TimeRule.OBSERVED,
        time_column="inspected_at",
        finds=FindRule("outcome", CONFIRMED_FINDS),
    ),
    "roads": LayerSchema(
        "roads",
        GeometryKind.LINE,
        (
            Column("maxspeed", _T.NUMBER),
            Column("name", _T.TEXT),
            # NWB wegvakken: segment and junction ids (the graph), direction, authority.
            Column("wvk_id", _T.ID),
            Column("jte_id_beg", _T.ID),
            Column("jte_id_end", _T.ID),
            Column("rijrichtng", _T.CATEGORY, categories=NWB_DIRECTIONS),
            Column("wegbehsrt", _T.CATEGORY, categories=NWB_AUTHORITIES),
            # OpenStreetMap: road class (open-ended: motorway, track, ...) and direction.
            Column("highway", _T.TEXT),
            Column("oneway", _T.CATEGORY, categories=OSM_ONEWAY),
        ),
    ),
}

#: File suffixes a data directory may use, in order of preference when a layer has several.
SUPPORTED_SUFFIXES: Final = (".gpkg", ".parquet", ".geojson", ".csv")


def load_order() -> tuple[str, ...]:
    """Return every layer name in load order.

    ``addresses`` comes first, since other layers' ``address_id`` values are checked
    against it; the others follow in the order of :data:`LAYER_SCHEMAS`.

    Returns
    -------
    tuple of str
        Layer names.
    """
    return tuple(sorted(LAYER_SCHEMAS, key=lambda name: name != ADDRESSES))


def finds_schema() -> LayerSchema:
    """Return the schema of the layer whose records tell confirmed finds (``inspections``).

    Returns
    -------
    LayerSchema
        The one schema with a :class:`FindRule`.

    Raises
    ------
    LookupError
        When the contract names no such layer, or more than one.
    """
    schemas = [schema for schema in LAYER_SCHEMAS.values() if schema.finds is not None]
    if len(schemas) != 1:
        raise LookupError(f"the contract must name one layer of finds, not {len(schemas)}")
    return schemas[0]
