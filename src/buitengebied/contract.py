"""The data contract as data: which layers exist, their columns, types and categories.

This module is the single machine-readable statement of ``docs/data-contract.md``.
Readers and validators derive every check from :data:`LAYER_SCHEMAS`; nothing else in
the library repeats a column name or a category list.
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
class LayerSchema:
    """The contract of one layer: its geometry and columns.

    Attributes
    ----------
    name : str
        Layer name (the file stem in a data directory).
    geometry : GeometryKind
        Geometry the layer carries.
    columns : tuple of Column
        Known columns; other columns are kept but not checked.
    time_column : str or None
        The column that says when a record became known (see :mod:`buitengebied.load.timefilter`).
    """

    name: str
    geometry: GeometryKind
    columns: tuple[Column, ...] = field(default_factory=tuple)
    time_column: str | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        """Names of all contract columns of this layer."""
        return tuple(c.name for c in self.columns)

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

_T = ColumnType

LAYER_SCHEMAS: Final[dict[str, LayerSchema]] = {
    "addresses": LayerSchema(
        "addresses",
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
    ),
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
        time_column="period_end",
    ),
    "inspections": LayerSchema(
        "inspections",
        GeometryKind.NONE,
        (
            Column("address_id", _T.ID, required=True, references_addresses=True),
            Column("inspected_at", _T.DATE, required=True),
            Column("outcome", _T.CATEGORY, required=True, categories=INSPECTION_OUTCOMES),
        ),
        time_column="inspected_at",
    ),
    "area": LayerSchema("area", GeometryKind.POLYGON, ()),
    "roads": LayerSchema(
        "roads",
        GeometryKind.LINE,
        (Column("maxspeed", _T.NUMBER), Column("name", _T.TEXT)),
    ),
}

#: File suffixes a data directory may use, in order of preference when a layer has several.
SUPPORTED_SUFFIXES: Final = (".gpkg", ".parquet", ".geojson", ".csv")

#: Layers in load order: addresses first, since others reference its ids.
LOAD_ORDER = (
    "addresses",
    "area",
    "vacant_buildings",
    "dumpings",
    "reports",
    "energy",
    "inspections",
    "roads",
)
