"""Checking a raw layer against the data contract, gathering every problem.

:func:`validate_layer` never raises for bad rows: it returns the typed rows together
with every :class:`~buitengebied.errors.RowProblem` found, so that the caller can reject
the file whole (strict) or keep its valid rows (lenient).  Problems with the file as a
whole (a missing required column, no geometry, no CRS) raise
:class:`~buitengebied.errors.ValidationError` at once.

Besides its type, a value must be plausible (bounds in :mod:`buitengebied.settings`): a
date between ``EARLIEST_DATE`` and ``LATEST_DATE``, a number of ``NUMBER_BOUNDS`` within
them, and a period (:data:`_PERIOD`: ``period_start`` to ``period_end``) that ends on or
after its start, lasts at most ``MAX_ENERGY_PERIOD_DAYS`` and whose ``|kwh|`` is at most
``MAX_KWH_PER_DAY`` per day.  An implausible value is a bad row like any other: it would
otherwise cost gigabytes (a period of centuries) or overflow a score (``1e308`` kWh).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from pyproj.exceptions import CRSError, ProjError

from buitengebied import settings
from buitengebied.contract import Column, ColumnType, GeometryKind, LayerSchema
from buitengebied.errors import RowProblem, ValidationError
from buitengebied.io import WGS84, RawLayer, file_problem
from buitengebied.projection import MissingCRSError, to_working_crs
from buitengebied.settings import (
    MAX_VERTICES_PER_GEOMETRY,
    NETHERLANDS_BOUNDS_RD,
    WORKING_CRS,
)
from buitengebied.timeutil import local_days_later, parse_moments

#: An id starting with one of these would run as a formula in a spreadsheet.
_FORMULA_START = ("=", "+", "@", "\t", "\r")
#: The same, as a regular expression for Arrow.
_FORMULA_PATTERN = "^[=+@\t\r]"
#: A text that begins or ends with what ``str.strip`` removes (Python's ``str.isspace``).
_EDGE_SPACE_PATTERN = "^[\\s\\x0b\\x1c-\\x1f\\x85\\p{Z}]|[\\s\\x0b\\x1c-\\x1f\\x85\\p{Z}]$"
_TRUE_WORDS = ("true", "1", "yes", "ja", "waar", "t", "y", "j")
_FALSE_WORDS = ("false", "0", "no", "nee", "onwaar", "f", "n")

_POINT, _LINE, _POLYGON = 0, 1, 3
_MULTIPOINT, _MULTILINE, _MULTIPOLYGON, _COLLECTION = 4, 5, 6, 7
_ALLOWED_TYPES = {
    GeometryKind.POINT: {_POINT, _MULTIPOINT},
    GeometryKind.POINT_OR_POLYGON: {_POINT, _MULTIPOINT, _POLYGON, _MULTIPOLYGON},
    GeometryKind.POLYGON: {_POLYGON, _MULTIPOLYGON},
    GeometryKind.LINE: {_LINE, _MULTILINE},
}


@dataclass
class ValidatedLayer:
    """Typed rows of one file and the problems found in them.

    Attributes
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        All rows, typed: ids and text as ``str``/``None``, categories lower-cased,
        numbers as float, dates as UTC datetimes, geometry in EPSG:28992.
    problems : list of RowProblem
        Every problem found, in row order.
    bad_rows : numpy.ndarray of bool
        True for rows with at least one problem.
    """

    frame: pd.DataFrame
    problems: list[RowProblem]
    bad_rows: np.ndarray


class _Problems:
    """Collects row problems column by column, vectorised."""

    def __init__(self, n_rows: int) -> None:
        self.items: list[RowProblem] = []
        self.bad_rows = np.zeros(n_rows, dtype=bool)

    def add(
        self, mask: np.ndarray, column: str, values: pd.Series | np.ndarray, expected: str
    ) -> None:
        rows = np.flatnonzero(mask)
        if len(rows) == 0:
            return
        self.bad_rows[rows] = True
        # Only the offending rows are shown: converting a whole column costs seconds.
        shown = (
            values[rows]
            if isinstance(values, np.ndarray)
            else values.iloc[rows].to_numpy(dtype=object)
        )
        self.items += [
            RowProblem(int(r) + 1, column, _show(v), expected)
            for r, v in zip(rows, shown, strict=True)
        ]

    def extend(self, problems: list[RowProblem]) -> None:
        for problem in problems:
            if problem.row is not None:
                self.bad_rows[problem.row - 1] = True
        self.items += problems

    def sorted(self) -> list[RowProblem]:
        return sorted(self.items, key=lambda p: (p.row or 0, p.column))


def _show(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "(empty)"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validate_layer(
    raw: RawLayer, schema: LayerSchema, *, address_ids: pd.Index | None = None
) -> ValidatedLayer:
    """Check ``raw`` against ``schema`` and type its columns.

    Parameters
    ----------
    raw : RawLayer
        The file as read by :func:`buitengebied.io.read_layer_file`.
    schema : LayerSchema
        The layer's contract.
    address_ids : pandas.Index, optional
        Known ``address_id`` values, for columns that must reference them.

    Returns
    -------
    ValidatedLayer
        Typed rows with every row problem.

    Raises
    ------
    ValidationError
        For problems with the file as a whole.
    """
    _require_columns(raw, schema)
    problems = _Problems(len(raw))
    problems.extend(raw.coordinate_problems)
    frame = raw.attributes.copy()
    for column in schema.columns:
        if column.name in frame.columns:
            frame[column.name] = _check_column(frame[column.name], column, problems, address_ids)
    if set(_PERIOD) <= set(frame.columns):
        _check_periods(frame, problems)
    if schema.geometry is GeometryKind.NONE:
        return ValidatedLayer(pd.DataFrame(frame), problems.sorted(), problems.bad_rows)
    geometry, repaired = _check_geometry(raw, schema, problems)
    layer = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=WORKING_CRS))
    if schema.geometry in (GeometryKind.POLYGON, GeometryKind.POINT_OR_POLYGON):
        layer["geometry_repaired"] = repaired
    return ValidatedLayer(layer, problems.sorted(), problems.bad_rows)


def _require_columns(raw: RawLayer, schema: LayerSchema) -> None:
    missing = [c.name for c in schema.columns if c.required and c.name not in raw.attributes]
    if missing:
        raise ValidationError(
            raw.path,
            [RowProblem(None, name, "(no such column)", "a required column") for name in missing],
        )


def _check_column(
    values: pd.Series, column: Column, problems: _Problems, address_ids: pd.Index | None
) -> pd.Series:
    checkers = {
        ColumnType.ID: _check_id,
        ColumnType.TEXT: _check_text,
        ColumnType.CATEGORY: _check_category,
        ColumnType.NUMBER: _check_number,
        ColumnType.DATE: _check_date,
        ColumnType.BOOLEAN: _check_boolean,
    }
    typed, missing = checkers[column.type](values, column, problems)
    if column.required:
        problems.add(missing, column.name, values, "a value (required)")
    checks_ids = column.references_addresses and address_ids is not None
    if column.unique or checks_ids:
        # Both checks hash every row; hashing it once and looking up distinct values is
        # several times cheaper on millions of rows that repeat (energy's address_id).
        codes, uniques = pd.factorize(typed, use_na_sentinel=True)
    if column.unique:
        duplicated = _duplicated_codes(codes) & ~missing
        problems.add(
            duplicated, column.name, values, "a unique value (it occurs in an earlier row)"
        )
    if checks_ids:
        assert address_ids is not None
        known = np.append(_isin_addresses(uniques, address_ids), False)
        unknown = ~known[codes] & ~missing
        problems.add(unknown, column.name, values, "an address_id of the addresses layer")
    return typed


def _isin_addresses(values: pd.Index | np.ndarray, address_ids: pd.Index) -> np.ndarray:
    """Which values are known address ids.

    A unique index keeps its hash table between calls, so every layer that references
    addresses looks its ids up in one table instead of hashing a million ids again.
    """
    if address_ids.is_unique:
        return address_ids.get_indexer(values) >= 0
    return pd.Index(values).isin(address_ids)


def _duplicated_codes(codes: np.ndarray) -> np.ndarray:
    """Return True for every row whose code occurred in an earlier row, and for code -1.

    ``pandas.factorize`` numbers values in order of first appearance, so a row holds a
    value's first occurrence exactly when its code exceeds every earlier code.
    """
    duplicated = np.ones(len(codes), dtype=bool)
    if len(codes):
        duplicated[0] = codes[0] < 0
        duplicated[1:] = codes[1:] <= np.maximum.accumulate(codes)[:-1]
    return duplicated


def _as_text(values: pd.Series) -> pd.Series:
    codes, cleaned = _distinct_text(values)
    return pd.Series(cleaned[codes], index=values.index, dtype=object)


def _distinct_text(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Return per row a code into the distinct cleaned texts (the last one is ``None``).

    Text repeats a lot (categories, ids in energy rows, readings): each distinct value is
    converted once.  Row codes of missing values point at the trailing ``None``.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    cleaned = np.empty(len(uniques) + 1, dtype=object)
    if pd.api.types.is_float_dtype(values.dtype):
        # A float id column means a reader guessed numbers; show integral values without '.0'.
        cleaned[:-1] = [(f"{v:.0f}" if float(v).is_integer() else str(v)) for v in uniques]
    else:
        all_text = pd.api.types.infer_dtype(uniques, skipna=True) in ("string", "empty")
        cleaned[:-1] = uniques if all_text else [str(v) for v in uniques]
    # Millions of distinct ids rarely carry spaces: strip only those that do.
    edged = _matches(cleaned[:-1], _EDGE_SPACE_PATTERN, lambda text: text != text.strip())
    rows = np.flatnonzero(edged)
    cleaned[rows] = [text.strip() for text in cleaned[rows]]
    cleaned[:-1][cleaned[:-1] == ""] = None
    return codes, cleaned


def _matches(texts: np.ndarray, pattern: str, python_test: Callable[[str], bool]) -> np.ndarray:
    """Which texts (``None`` never) match ``pattern``, in Arrow; in Python if Arrow refuses.

    Arrow cannot take every Python string (a lone surrogate); ``python_test`` is the same
    test, one text at a time.
    """
    try:
        matched = pc.match_substring_regex(pa.array(texts, type=pa.string()), pattern)
    except (pa.ArrowException, UnicodeError):
        return np.fromiter(
            (text is not None and python_test(text) for text in texts), bool, len(texts)
        )
    return np.asarray(matched.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _check_id(
    values: pd.Series, column: Column, problems: _Problems
) -> tuple[pd.Series, np.ndarray]:
    codes, cleaned = _distinct_text(values)
    text = pd.Series(cleaned[codes], index=values.index, dtype=object)
    missing = _is_none(cleaned)[codes]
    formula = _matches(
        cleaned, _FORMULA_PATTERN, lambda text: text is not None and text.startswith(_FORMULA_START)
    )[codes]
    problems.add(formula, column.name, values, "an id, not a spreadsheet formula")
    return text, missing


def _is_none(cleaned: np.ndarray) -> np.ndarray:
    return pd.isna(cleaned)


def _check_text(
    values: pd.Series, column: Column, problems: _Problems
) -> tuple[pd.Series, np.ndarray]:
    text = _as_text(values)
    return text, text.isna().to_numpy(dtype=bool)


def _check_category(
    values: pd.Series, column: Column, problems: _Problems
) -> tuple[pd.Series, np.ndarray]:
    text = _as_text(values).str.lower()
    missing = text.isna().to_numpy(dtype=bool)
    unknown = ~text.isin(column.categories).to_numpy(dtype=bool) & ~missing
    problems.add(unknown, column.name, values, "one of " + ", ".join(column.categories))
    return text, missing


def _check_number(
    values: pd.Series, column: Column, problems: _Problems
) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        numbers = values.astype(float)
        missing = numbers.isna().to_numpy(dtype=bool)
    else:
        # Readings repeat (a few hundred thousand distinct values in millions of rows):
        # parse each distinct text once.
        codes, cleaned = _distinct_text(values)
        text = pd.Series(cleaned, dtype=object)
        # Accept a decimal comma ("1,5") where no decimal point is present.
        decimal_comma = text.str.contains(",", regex=False, na=False) & ~text.str.contains(
            ".", regex=False, na=False
        )
        text = text.where(~decimal_comma, text.str.replace(",", ".", regex=False))
        distinct_numbers = pd.to_numeric(text, errors="coerce").to_numpy(
            dtype=float, na_value=np.nan
        )
        missing = _is_none(cleaned)[codes]
        numbers = pd.Series(distinct_numbers[codes], index=values.index, dtype=float)
    as_float = numbers.to_numpy(dtype=float, na_value=np.nan)
    finite = np.isfinite(as_float)
    problems.add(~finite & ~missing, column.name, values, "a finite number")
    plausible = finite.copy()
    bounds = settings.NUMBER_BOUNDS.get(column.name)
    if bounds is not None:
        lowest, highest = bounds
        plausible &= (as_float >= lowest) & (as_float <= highest)
        problems.add(
            finite & ~plausible,
            column.name,
            values,
            f"a number from {_number_text(lowest)} to {_number_text(highest)}",
        )
    return numbers.where(plausible, np.nan), missing


def _number_text(number: float) -> str:
    return f"{number:,.0f}" if float(number).is_integer() else f"{number:,}"


def _check_date(
    values: pd.Series, column: Column, problems: _Problems
) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_datetime64_dtype(values.dtype):
        # Naive datetimes (Parquet timestamps) are localised one distinct moment at a time:
        # time-zone rules per row cost seconds on millions of energy periods.
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        distinct, _ = parse_moments(pd.Series(uniques, dtype=values.dtype))
        moments = pd.Series(distinct.array.take(codes, allow_fill=True), index=values.index)
        unparsable = np.zeros(len(values), dtype=bool)
    else:
        moments, unparsable = parse_moments(values)
    # pandas holds 1677-2262 only; a valid ISO date beyond is implausible, not unreadable.
    beyond_pandas = unparsable & _is_iso_date(values, unparsable)
    unparsable &= ~beyond_pandas
    problems.add(unparsable, column.name, values, "an ISO 8601 date (YYYY-MM-DD[THH:MM[:SS]])")
    earliest, after_latest = _plausible_moments()
    outside = beyond_pandas | ((moments < earliest) | (moments >= after_latest)).to_numpy(
        dtype=bool, na_value=False
    )
    problems.add(
        outside,
        column.name,
        values,
        f"a date from {settings.EARLIEST_DATE} to {settings.LATEST_DATE}",
    )
    missing = moments.isna().to_numpy(dtype=bool) & ~unparsable & ~beyond_pandas
    return moments.mask(outside).astype("datetime64[ns, UTC]"), missing


def _plausible_moments() -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first moment of ``EARLIEST_DATE`` and of the day after ``LATEST_DATE`` (UTC)."""
    (earliest, latest), _ = parse_moments(pd.Series([settings.EARLIEST_DATE, settings.LATEST_DATE]))
    return pd.Timestamp(earliest), local_days_later(pd.Timestamp(latest), 1)


def _is_iso_date(values: pd.Series, rows: np.ndarray) -> np.ndarray:
    """Which of ``rows`` hold an ISO 8601 date or date-time (of any year Python holds)."""
    found = np.zeros(len(values), dtype=bool)
    flagged = np.flatnonzero(rows)
    codes, distinct = pd.factorize(values.iloc[flagged])
    found[flagged] = np.array([_parses_as_iso(str(v)) for v in distinct], dtype=bool)[codes]
    return found


def _parses_as_iso(text: str) -> bool:
    try:
        datetime.fromisoformat(text.strip())
    except ValueError:
        return False
    return True


#: The columns of a period row: its first day, its last day (inclusive), the amount in it.
_PERIOD = ("period_start", "period_end", "kwh")


def _check_periods(frame: pd.DataFrame, problems: _Problems) -> None:
    """A period ends on or after its start, is not too long, holds a plausible amount."""
    start_name, end_name, amount_name = _PERIOD
    start, end = frame[start_name], frame[end_name]
    known = (start.notna() & end.notna()).to_numpy(dtype=bool)
    # Dates are local midnights: a day is 23 to 25 hours long, the rounding absorbs that.
    days = np.zeros(len(frame), dtype=np.int64)
    elapsed = (end[known] - start[known]) / pd.Timedelta(days=1)
    days[known] = np.round(elapsed.to_numpy(dtype=float)).astype(np.int64) + 1
    backwards = known & (days < 1)
    problems.add(
        backwards,
        end_name,
        _period_texts(start, end, backwards, lambda s, e, d: f"{e}, before {start_name} {s}"),
        f"a {end_name} on or after {start_name}",
    )
    longest = settings.MAX_ENERGY_PERIOD_DAYS
    too_long = known & (days > longest)
    problems.add(
        too_long,
        end_name,
        _period_texts(start, end, too_long, lambda s, e, d: f"{e}, {d:,} days from {s}"),
        f"a period of at most {longest:,} days",
    )
    if amount_name in frame.columns:
        amount = frame[amount_name].to_numpy(dtype=float, na_value=np.nan)
        per_day = settings.MAX_KWH_PER_DAY
        too_much = known & ~backwards & ~too_long & (np.abs(amount) > per_day * days)
        problems.add(
            too_much,
            amount_name,
            amount,
            f"at most {_number_text(per_day)} kWh (in magnitude) a day of its period",
        )


def _period_texts(
    start: pd.Series,
    end: pd.Series,
    rows: np.ndarray,
    text: Callable[[str, str, int], str],
) -> np.ndarray:
    """Per flagged row ``text(start, end, days)`` with local dates; the rest stay empty."""
    shown = np.full(len(rows), None, dtype=object)
    flagged = np.flatnonzero(rows)
    if len(flagged) == 0:
        return shown
    first, last = (_local_dates(dates.iloc[flagged]) for dates in (start, end))
    days = np.round((end.iloc[flagged] - start.iloc[flagged]) / pd.Timedelta(days=1)) + 1
    shown[flagged] = [
        text(s, e, int(d)) for s, e, d in zip(first, last, days.to_numpy(dtype=float), strict=True)
    ]
    return shown


def _local_dates(moments: pd.Series) -> list[str]:
    return moments.dt.tz_convert(settings.LOCAL_TIMEZONE).dt.strftime("%Y-%m-%d").tolist()


def _check_boolean(
    values: pd.Series, column: Column, problems: _Problems
) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean"), values.isna().to_numpy(dtype=bool)
    text = _as_text(values).str.lower()
    missing = text.isna().to_numpy(dtype=bool)
    truth = pd.Series(pd.NA, index=values.index, dtype="boolean")
    truth[text.isin(_TRUE_WORDS).to_numpy(dtype=bool)] = True
    truth[text.isin(_FALSE_WORDS).to_numpy(dtype=bool)] = False
    problems.add(truth.isna().to_numpy(dtype=bool) & ~missing, column.name, values, "true or false")
    return truth, missing


def _check_geometry(
    raw: RawLayer, schema: LayerSchema, problems: _Problems
) -> tuple[np.ndarray, np.ndarray]:
    kind = schema.geometry
    if raw.geometry is None:
        raise file_problem(
            raw.path,
            f"{kind.value} geometries (GeoPackage, GeoJSON, GeoParquet, or CSV with lon,lat or x,y)",
            column="geometry",
        )
    geometry = np.asarray(raw.geometry, dtype=object).copy()
    geometry[shapely.is_missing(geometry)] = None
    missing = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    coordinate_rows = {p.row for p in raw.coordinate_problems}
    no_geometry = missing.copy()
    no_geometry[[r - 1 for r in coordinate_rows if r is not None]] = False
    problems.add(no_geometry, "geometry", geometry, f"a {kind.value} geometry")
    geometry[missing] = None

    type_ids = shapely.get_type_id(geometry)
    wrong_type = ~np.isin(type_ids, list(_ALLOWED_TYPES[kind])) & ~missing
    problems.add(wrong_type, "geometry", _type_names(geometry), f"a {kind.value} geometry")
    geometry[wrong_type] = None
    geometry = _single_points(geometry, type_ids, problems)

    too_large = shapely.get_num_coordinates(geometry) > MAX_VERTICES_PER_GEOMETRY
    if too_large.any():
        problems.add(
            too_large,
            "geometry",
            _vertex_counts(geometry),
            f"at most {MAX_VERTICES_PER_GEOMETRY:,} vertices",
        )
    geometry[too_large] = None

    non_finite = _has_non_finite_coordinates(geometry)
    problems.add(non_finite, "geometry", geometry, "finite coordinates (no NaN or infinity)")
    geometry[non_finite] = None

    try:
        projected = to_working_crs(geometry, raw.crs)
    except MissingCRSError as exc:
        raise file_problem(raw.path, f"a declared CRS ({exc})", column="geometry") from exc
    except (CRSError, ProjError) as exc:
        # A declared CRS that cannot reach EPSG:28992 (another planet, a local grid).
        raise file_problem(
            raw.path, f"a CRS that can be transformed to {WORKING_CRS} ({exc})", column="geometry"
        ) from exc
    _check_inside_netherlands(geometry, projected, raw.crs, problems)
    projected[problems.bad_rows] = None
    return _repair(projected, kind)


def _type_names(geometry: np.ndarray) -> np.ndarray:
    names = shapely.get_type_id(geometry)
    labels = np.array(
        [
            "Point",
            "LineString",
            "LinearRing",
            "Polygon",
            "MultiPoint",
            "MultiLineString",
            "MultiPolygon",
            "GeometryCollection",
        ],
        dtype=object,
    )
    return np.where(names >= 0, labels[np.clip(names, 0, 7)], "(none)").astype(object)


def _vertex_counts(geometry: np.ndarray) -> np.ndarray:
    counts = shapely.get_num_coordinates(geometry)
    return np.array([f"{n:,} vertices" for n in counts], dtype=object)


def _single_points(geometry: np.ndarray, type_ids: np.ndarray, problems: _Problems) -> np.ndarray:
    multipoints = type_ids == _MULTIPOINT
    if not multipoints.any():
        return geometry
    parts = shapely.get_num_geometries(geometry[multipoints])
    several = np.zeros(len(geometry), dtype=bool)
    several[np.flatnonzero(multipoints)[parts != 1]] = True
    problems.add(several, "geometry", _type_names(geometry), "a single point")
    single = multipoints & ~several
    geometry[single] = shapely.get_geometry(geometry[single], 0)
    geometry[several] = None
    return geometry


def _has_non_finite_coordinates(geometry: np.ndarray) -> np.ndarray:
    coords, index = shapely.get_coordinates(geometry, return_index=True)
    bad_coordinate = ~np.isfinite(coords).all(axis=1)
    return np.bincount(index[bad_coordinate], minlength=len(geometry)).astype(bool)


def _check_inside_netherlands(
    original: np.ndarray, projected: np.ndarray, crs: str | None, problems: _Problems
) -> None:
    xmin, ymin, xmax, ymax = NETHERLANDS_BOUNDS_RD
    bounds = shapely.bounds(projected)
    present = ~np.isnan(bounds).any(axis=1)
    outside = present & (
        (bounds[:, 2] < xmin)
        | (bounds[:, 0] > xmax)
        | (bounds[:, 3] < ymin)
        | (bounds[:, 1] > ymax)
    )
    if not outside.any():
        return
    expected = f"a place in the Netherlands (EPSG:28992 bounds {xmin:.0f},{ymin:.0f},{xmax:.0f},{ymax:.0f})"
    swapped = _would_fit_swapped(original, crs) & outside
    problems.add(outside & ~swapped, "geometry", _coordinates_text(original), expected)
    problems.add(
        swapped, "geometry", _coordinates_text(original), expected + "; lon and lat look swapped"
    )


def _would_fit_swapped(original: np.ndarray, crs: str | None) -> np.ndarray:
    if crs is None or crs.upper() not in (WGS84, "OGC:CRS84"):
        return np.zeros(len(original), dtype=bool)
    # Centroids, so that a polygon with swapped axes gets the hint as well as a point.
    centres = shapely.centroid(original)
    xs, ys = shapely.get_x(centres), shapely.get_y(centres)
    return (ys > 3.0) & (ys < 7.5) & (xs > 50.5) & (xs < 54.0)


def _coordinates_text(original: np.ndarray) -> np.ndarray:
    centres = shapely.centroid(original)
    xs, ys = shapely.get_x(centres), shapely.get_y(centres)
    text = np.full(len(original), "(none)", dtype=object)
    located = ~np.isnan(xs) & ~np.isnan(ys)
    text[located] = [f"({x:.6g}, {y:.6g})" for x, y in zip(xs[located], ys[located], strict=True)]
    return text


def _repair(geometry: np.ndarray, kind: GeometryKind) -> tuple[np.ndarray, np.ndarray]:
    present = ~shapely.is_missing(geometry)
    invalid = present & ~shapely.is_valid(geometry)
    if invalid.any() and kind is not GeometryKind.POINT:
        geometry[invalid] = shapely.make_valid(
            geometry[invalid], method="structure", keep_collapsed=False
        )
    return geometry, invalid
