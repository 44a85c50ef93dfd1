"""Reading layer files of every supported format into one raw, untyped shape.

A reader only gets a file's rows and geometries out; it checks nothing of the contract
(that is :mod:`buitengebied.validate`).  Every reader treats its file as hostile: any
failure of the underlying library becomes a :class:`~buitengebied.errors.ValidationError`
that names the file, never a traceback.  Column names are trimmed and lower-cased.
"""

from __future__ import annotations

import csv
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from buitengebied.contract import SUPPORTED_SUFFIXES
from buitengebied.errors import RowProblem, ValidationError

logger = logging.getLogger(__name__)

WGS84 = "EPSG:4326"
RD_NEW = "EPSG:28992"
_CSV_COORDINATE_PAIRS = ((("lon", "lat"), WGS84), (("x", "y"), RD_NEW))


@dataclass
class RawLayer:
    """The rows of one file as read, before any contract check.

    Attributes
    ----------
    path : Path
        The file read.
    attributes : pandas.DataFrame
        Attribute columns (lower-cased, trimmed names), positional index ``0..n-1``.
    geometry : numpy.ndarray of shapely geometries, or None
        One geometry (or ``None``) per row in the file's own CRS; ``None`` when the
        file carries no geometry at all.
    crs : str or None
        The file's declared CRS as ``EPSG:nnnn``/WKT, ``None`` when undeclared.
    coordinate_problems : list of RowProblem
        Rows whose coordinate columns (CSV) could not be read as numbers.
    """

    path: Path
    attributes: pd.DataFrame
    geometry: np.ndarray | None
    crs: str | None
    coordinate_problems: list[RowProblem]

    def __len__(self) -> int:
        return len(self.attributes)


def file_problem(path: Path, message: str, *, column: str = "-") -> ValidationError:
    """Return a :class:`ValidationError` about ``path`` as a whole."""
    return ValidationError(path, [RowProblem(None, column, "-", message)])


def read_layer_file(path: Path, *, layer_name: str) -> RawLayer:
    """Read one layer file of any supported format.

    Parameters
    ----------
    path : Path
        A ``.gpkg``, ``.geojson``, ``.parquet`` or ``.csv`` file.
    layer_name : str
        The contract layer the file holds; a GeoPackage's layer of that name is preferred.

    Returns
    -------
    RawLayer
        The file's rows, untyped.

    Raises
    ------
    ValidationError
        The file cannot be read at all.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise file_problem(path, f"a file ending in one of {', '.join(SUPPORTED_SUFFIXES)}")
    readers = {
        ".csv": _read_csv,
        ".gpkg": _read_geopackage,
        ".geojson": _read_geojson,
        ".parquet": _read_parquet,
    }
    try:
        raw = readers[suffix](path, layer_name)
    except ValidationError:
        raise
    except (MemoryError, RecursionError) as exc:
        raise file_problem(path, f"a file of sane size and nesting ({type(exc).__name__})") from exc
    except Exception as exc:
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise file_problem(path, f"a readable {suffix} file ({reason})") from exc
    raw.attributes.columns = [str(c).strip().lower() for c in raw.attributes.columns]
    _reject_duplicate_columns(raw)
    return raw


def _reject_duplicate_columns(raw: RawLayer) -> None:
    names = list(raw.attributes.columns)
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise file_problem(raw.path, "each column once (case-insensitive)", column=duplicated[0])


# --- CSV ----------------------------------------------------------------------------------


def _read_csv(path: Path, layer_name: str) -> RawLayer:
    text_encoding = _csv_encoding(path)
    delimiter = _sniff_delimiter(path, text_encoding)
    frame = pd.read_csv(
        path,
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        sep=delimiter,
        encoding=text_encoding,
        skipinitialspace=True,
        engine="c",
        on_bad_lines="error",
    )
    return _table_with_coordinate_columns(path, frame.reset_index(drop=True))


def _table_with_coordinate_columns(path: Path, frame: pd.DataFrame) -> RawLayer:
    """Turn ``lon``/``lat`` (EPSG:4326) or ``x``/``y`` (EPSG:28992) columns into points."""
    lowered = {str(c).strip().lower(): c for c in frame.columns}
    for (x_name, y_name), crs in _CSV_COORDINATE_PAIRS:
        if x_name in lowered and y_name in lowered:
            x_text = frame[lowered[x_name]].astype("string")
            y_text = frame[lowered[y_name]].astype("string")
            xs, ys, problems = _parse_coordinates(x_text, y_text)
            geometry = shapely.points(xs, ys)
            geometry[np.isnan(xs) | np.isnan(ys)] = None
            attributes = frame.drop(columns=[lowered[x_name], lowered[y_name]])
            return RawLayer(path, attributes, geometry, crs, problems)
    return RawLayer(path, frame, None, None, [])


def _csv_encoding(path: Path) -> str:
    with path.open("rb") as handle:
        sample = handle.read(1 << 20)
    if b"\x00" in sample:
        raise file_problem(path, "a text file (it holds NUL bytes)")
    try:
        sample.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # A cut multi-byte character at the sample's end is not an encoding error.
        if exc.start < len(sample) - 4:
            logger.warning("%s is not UTF-8; reading it as Windows-1252", path)
            return "cp1252"
    return "utf-8-sig"


def _sniff_delimiter(path: Path, encoding: str) -> str:
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        header = handle.readline()
    if not header.strip():
        raise file_problem(path, "a header line with column names")
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _parse_coordinates(
    x_text: pd.Series, y_text: pd.Series
) -> tuple[np.ndarray, np.ndarray, list[RowProblem]]:
    problems: list[RowProblem] = []
    parsed = []
    for name, column in ((str(x_text.name), x_text), (str(y_text.name), y_text)):
        cleaned = column.str.strip().str.replace(",", ".", regex=False)
        numbers = pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = (column.notna() & ~np.isfinite(numbers)).to_numpy(dtype=bool)
        problems += [
            RowProblem(int(row) + 1, name.lower(), repr(column.iat[row])[:60], "a finite number")
            for row in np.flatnonzero(bad)
        ]
        numbers[~np.isfinite(numbers)] = np.nan
        parsed.append(numbers)
    return parsed[0], parsed[1], problems


# --- GeoPackage, GeoJSON, GeoParquet -------------------------------------------------------


def _read_geopackage(path: Path, layer_name: str) -> RawLayer:
    _check_is_sqlite(path)
    layers = pyogrio.list_layers(path)
    names = [str(name) for name in layers[:, 0]] if len(layers) else []
    if not names:
        raise file_problem(path, "a GeoPackage with at least one layer")
    lowered = {name.lower(): name for name in names}
    chosen = lowered.get(layer_name.lower(), names[0])
    if _is_sqlite_view(path, chosen):
        raise file_problem(
            path, f"layer '{chosen}' as a table; it is an SQL view, which is not read (export it)"
        )
    return _read_with_ogr(path, layer=chosen)


def _check_is_sqlite(path: Path) -> None:
    with path.open("rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise file_problem(path, "a GeoPackage (an SQLite database file)")


def _is_sqlite_view(path: Path, layer: str) -> bool:
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    connection = sqlite3.connect(uri, uri=True)
    try:
        row = connection.execute(
            "SELECT type FROM sqlite_master WHERE lower(name) = lower(?)", (layer,)
        ).fetchone()
    finally:
        connection.close()
    return row is not None and row[0] == "view"


def _read_geojson(path: Path, layer_name: str) -> RawLayer:
    raw = _read_with_ogr(path, layer=None)
    # RFC 7946: GeoJSON coordinates are WGS84 lon/lat, whatever a file may claim.
    if raw.geometry is not None:
        raw.crs = raw.crs or WGS84
    return raw


def _read_with_ogr(path: Path, *, layer: str | None) -> RawLayer:
    frame = pyogrio.read_dataframe(
        path, layer=layer, datetime_as_string=True, on_invalid="ignore", use_arrow=False
    )
    if isinstance(frame, gpd.GeoDataFrame):
        crs = frame.crs.to_string() if frame.crs is not None else None
        geometry = np.asarray(frame.geometry.array, dtype=object)
        attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name)).reset_index(drop=True)
        return RawLayer(path, attributes, geometry, crs, [])
    return RawLayer(path, pd.DataFrame(frame).reset_index(drop=True), None, None, [])


def _read_parquet(path: Path, layer_name: str) -> RawLayer:
    import pyarrow.parquet as pq

    metadata = pq.read_schema(path).metadata or {}
    if b"geo" in metadata:
        frame = gpd.read_parquet(path)
        crs = frame.crs.to_string() if frame.crs is not None else None
        geometry = np.asarray(frame.geometry.array, dtype=object)
        attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name)).reset_index(drop=True)
        return RawLayer(path, attributes, geometry, crs, [])
    return _table_with_coordinate_columns(path, pd.read_parquet(path).reset_index(drop=True))


def write_text_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as CSV with spreadsheet formula injection neutralised.

    Text cells that start with ``=``, ``+``, ``-``, ``@``, tab or carriage return get a
    leading apostrophe, so a spreadsheet shows them as text instead of running them.
    Numeric columns are written as they are.

    Parameters
    ----------
    frame : pandas.DataFrame
        What to write.
    path : Path
        Target file; its folder is created when missing.
    """
    safe = frame.copy()
    for name in safe.columns:
        if safe[name].dtype == object or pd.api.types.is_string_dtype(safe[name]):
            text = safe[name].astype("string")
            risky = text.str.match(r"^[=+\-@\t\r]", na=False)
            safe[name] = text.where(~risky, "'" + text)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    safe.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
