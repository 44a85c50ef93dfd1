"""Reading layer files of every supported format into one raw, untyped shape.

A reader only gets a file's rows and geometries out; it checks nothing of the contract
(that is :mod:`buitengebied.validate`).  Every reader treats its file as hostile: any
failure of the underlying library becomes a :class:`~buitengebied.errors.ValidationError`
that names the file, never a traceback.  Column names are trimmed and lower-cased.
"""

from __future__ import annotations

import csv
import json
import logging
import sqlite3
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from buitengebied.contract import SUPPORTED_SUFFIXES
from buitengebied.errors import RowProblem, ValidationError
from buitengebied.settings import MAX_COLLECTION_DEPTH

if TYPE_CHECKING:
    import pyarrow as pa

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
        # GDAL and pyarrow warn about oddities of a file (an untyped column in another
        # table, say); they are logged against the file rather than raised or lost.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            raw = readers[suffix](path, layer_name)
    except ValidationError:
        raise
    except (MemoryError, RecursionError) as exc:
        raise file_problem(path, f"a file of sane size and nesting ({type(exc).__name__})") from exc
    except Exception as exc:
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise file_problem(path, f"a readable {suffix} file ({reason})") from exc
    for warning in caught:
        logger.warning("%s: %s", path.name, warning.message)
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
    frame = _read_plain_csv(path, text_encoding, delimiter)
    if frame is None:
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


def _read_plain_csv(path: Path, encoding: str, delimiter: str) -> pd.DataFrame | None:
    """Read a plain UTF-8 CSV with Arrow's multi-threaded reader, every column as text.

    Four million energy rows take a second instead of several.  ``None`` (pandas reads
    the file, and words any problem) when the file is not UTF-8, has a space after a
    delimiter or at the start of a line (pandas skips it), has an odd number of quotes (an
    unclosed quoted field, which Arrow would let swallow the rest of the file), repeats a
    column name, or Arrow cannot parse it.
    """
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    if encoding != "utf-8-sig":
        return None
    content = path.read_bytes()
    if _needs_pandas_csv(content, delimiter):
        return None
    with path.open(encoding=encoding, newline="") as handle:
        names = next(csv.reader([handle.readline()], delimiter=delimiter), [])
    if not names or len(set(names)) != len(names):
        return None
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(content),
            read_options=pa_csv.ReadOptions(encoding="utf8"),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowException, UnicodeError):
        return None
    if table.column_names != names:
        return None
    return table.to_pandas(types_mapper=pd.ArrowDtype)


def _needs_pandas_csv(content: bytes, delimiter: str) -> bool:
    """A space after a delimiter or at a line start, or an odd number of quotes."""
    data = np.frombuffer(content, dtype=np.uint8)
    start = 3 if content.startswith(b"\xef\xbb\xbf") else 0
    spaces = np.flatnonzero(data[start:] == ord(" ")) + start
    if len(spaces) and spaces[0] == start:
        return True
    before = data[spaces[spaces > start] - 1]
    if np.isin(before, [ord(delimiter), ord("\n"), ord("\r")]).any():
        return True
    return bool(np.count_nonzero(data == ord('"')) % 2)


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
    return _read_with_ogr(path, layer=chosen, use_arrow=True)


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


def _read_with_ogr(path: Path, *, layer: str | None, use_arrow: bool = False) -> RawLayer:
    """Read a file through GDAL; through its Arrow stream first when ``use_arrow``.

    The Arrow stream reads a GeoPackage about twice as fast.  Whatever it cannot read (a
    text encoding other than UTF-8, JSON fields) is read again feature by feature.
    """
    if use_arrow:
        try:
            return _read_with_ogr_arrow(path, layer=layer)
        except (MemoryError, RecursionError):
            raise
        except Exception as exc:
            logger.debug("%s: not read through Arrow (%s); reading row by row", path.name, exc)
    frame = pyogrio.read_dataframe(
        path, layer=layer, datetime_as_string=True, on_invalid="ignore", use_arrow=False
    )
    if isinstance(frame, gpd.GeoDataFrame):
        crs = frame.crs.to_string() if frame.crs is not None else None
        geometry = np.asarray(frame.geometry.array, dtype=object)
        attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name)).reset_index(drop=True)
        return RawLayer(path, attributes, geometry, crs, [])
    return RawLayer(path, pd.DataFrame(frame).reset_index(drop=True), None, None, [])


class _ArrowUnsuitableError(ValueError):
    """The file holds something only the feature-by-feature reader converts."""


def _read_with_ogr_arrow(path: Path, *, layer: str | None) -> RawLayer:
    """Read through GDAL's Arrow stream, giving what the feature reader gives.

    That stream hands over a GeoPackage's WKB as stored, without GDAL parsing it, so
    the nesting of collections is measured on the bytes before GEOS sees them (see
    :func:`_wkb_nesting_depth`); a geometry nested too deep becomes ``None``, as GDAL's
    own reader makes it.  Dates become ISO text and booleans with gaps 1.0/0.0/NaN, as
    from the feature reader.
    """
    import pyarrow as pa
    from pyproj import CRS

    meta, table = pyogrio.read_arrow(path, layer=layer, datetime_as_string=True)
    if "OFSTJSON" in list(meta["ogr_subtypes"]):
        raise _ArrowUnsuitableError("JSON fields")
    geometry_name = meta["geometry_name"] or "wkb_geometry"
    geometry = None
    if geometry_name in table.column_names:
        geometry = _geometry_from_wkb(table.column(geometry_name))
        table = table.drop_columns([geometry_name])
    for position, field in enumerate(table.schema):
        column = table.column(position)
        if pa.types.is_date(field.type):
            table = table.set_column(position, field.name, column.cast(pa.string()))
        elif pa.types.is_boolean(field.type) and column.null_count:
            table = table.set_column(position, field.name, column.cast(pa.float64()))
    # Text stays in Arrow (no million Python strings); validation reads it either way.
    attributes = table.to_pandas(types_mapper=_arrow_text_dtype).reset_index(drop=True)
    if geometry is None:
        return RawLayer(path, attributes, None, None, [])
    crs = CRS.from_user_input(meta["crs"]).to_string() if meta["crs"] else None
    return RawLayer(path, attributes, geometry, crs, [])


def _arrow_text_dtype(arrow_type: pa.DataType) -> pd.ArrowDtype | None:
    """Map Arrow text columns to pandas' Arrow-backed dtype, leave the rest to pandas."""
    import pyarrow as pa

    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return pd.ArrowDtype(arrow_type)
    return None


def _geometry_from_wkb(column: pa.ChunkedArray) -> np.ndarray:
    """Return shapely geometries of a WKB column; deep or broken collections become None."""
    import pyarrow as pa

    array = column.combine_chunks()
    if isinstance(array, pa.ExtensionArray):
        array = array.storage
    wkb = array.to_numpy(zero_copy_only=False)
    candidates = np.flatnonzero(_wkb_may_nest(array))
    for row in candidates:
        if _wkb_nesting_problem(wkb[row]) is not None:
            wkb[row] = None
    return shapely.from_wkb(wkb, on_invalid="ignore")


def _wkb_may_nest(array: pa.Array) -> np.ndarray:
    """Return True for WKB values whose type (read from the bytes) can hold geometries."""
    import pyarrow as pa

    n = len(array)
    offset_type = np.int64 if pa.types.is_large_binary(array.type) else np.int32
    _, offsets_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(
        offsets_buffer,
        dtype=offset_type,
        count=n + 1,
        offset=array.offset * np.dtype(offset_type).itemsize,
    ).astype(np.int64)
    data = (
        np.frombuffer(data_buffer, dtype=np.uint8)
        if data_buffer is not None
        else np.zeros(0, np.uint8)
    )
    start, length = offsets[:-1], np.diff(offsets)
    valid = array.is_valid().to_numpy(zero_copy_only=False) & (length >= 5)
    header = data[start[valid, None] + np.arange(5)].astype(np.uint64)
    little = header[:, 0] == 1
    code = np.where(
        little,
        header[:, 1] | header[:, 2] << 8 | header[:, 3] << 16 | header[:, 4] << 24,
        header[:, 4] | header[:, 3] << 8 | header[:, 2] << 16 | header[:, 1] << 24,
    )
    base = (code & 0x0FFFFFFF) % 1000
    may_nest = np.zeros(n, dtype=bool)
    may_nest[valid] = np.isin(base, list(_WKB_CONTAINERS)) | (header[:, 0] > 1)
    return may_nest


def _read_parquet(path: Path, layer_name: str) -> RawLayer:
    import pyarrow.parquet as pq

    metadata = pq.read_schema(path).metadata or {}
    if b"geo" in metadata:
        geo_metadata = json.loads(metadata[b"geo"])
        _reject_deep_wkb_nesting(path, geo_metadata)
        try:
            frame = gpd.read_parquet(path, to_pandas_kwargs={"types_mapper": _arrow_text_dtype})
        except Exception:
            # Say which rows hold broken WKB, if that is why GEOS refused the file.
            _reject_deep_wkb_nesting(path, geo_metadata, every_row=True)
            raise
        crs = frame.crs.to_string() if frame.crs is not None else None
        geometry = np.asarray(frame.geometry.array, dtype=object)
        attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name)).reset_index(drop=True)
        return RawLayer(path, attributes, geometry, crs, [])
    return _table_with_coordinate_columns(path, pd.read_parquet(path).reset_index(drop=True))


# WKB type codes (ISO; EWKB flags masked off) of geometries that hold other geometries.
_WKB_CONTAINERS = frozenset({4, 5, 6, 7, 9, 10, 11, 12, 15, 16})
_WKB_LINES = frozenset({2, 8})
_WKB_RINGS = frozenset({3, 17})
_EWKB_Z, _EWKB_M, _EWKB_SRID = 0x80000000, 0x40000000, 0x20000000


def _reject_deep_wkb_nesting(path: Path, geo_metadata: dict, *, every_row: bool = False) -> None:
    """Reject a GeoParquet file whose WKB nests collections deeper than allowed.

    GEOS parses WKB recursively and overflows its stack (a segmentation fault, not an
    exception) on collections nested some ten thousand levels deep, so the nesting is
    measured on the raw bytes before any geometry is handed to shapely.  Malformed WKB
    is rejected here as well, for the same reason.  Only values that can nest or have a
    broken header are walked (:func:`_wkb_to_inspect`), unless ``every_row``: after GEOS
    refused the file, to name the rows with broken WKB of any type.
    """
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    columns = [
        name
        for name, spec in dict(geo_metadata.get("columns") or {}).items()
        if name in schema.names and str(dict(spec).get("encoding", "WKB")).upper() == "WKB"
    ]
    if not columns:
        return
    table = pq.read_table(path, columns=columns)
    problems = []
    for name in columns:
        rows, values = _wkb_to_inspect(table.column(name), every_row=every_row)
        for row, value in zip(rows, values, strict=True):
            expected = _wkb_nesting_problem(value)
            if expected:
                problems.append(RowProblem(row + 1, name, f"{len(value):,} bytes", expected))
    if problems:
        raise ValidationError(path, problems)


def _wkb_to_inspect(
    column: pa.ChunkedArray, *, every_row: bool = False
) -> tuple[np.ndarray, list[Any]]:
    """Rows (and values) of a WKB column whose structure must be read byte by byte.

    Only values that can hold other geometries, or whose header is broken, can nest or be
    malformed in a way that crashes GEOS; a million plain points are not walked in Python.
    Non-binary columns (hex text) are all inspected.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    array = column.combine_chunks()
    if isinstance(array, pa.ExtensionArray):
        array = array.storage
    present = array.is_valid().to_numpy(zero_copy_only=False)
    binary = pa.types.is_binary(array.type) or pa.types.is_large_binary(array.type)
    if binary and not every_row:
        short = pc.less(pc.binary_length(array), 5).fill_null(False)
        present &= _wkb_may_nest(array) | short.to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(present)
    return rows, array.take(pa.array(rows, type=pa.int64())).to_pylist()


def _wkb_nesting_problem(value: object) -> str | None:
    """Return what is wrong with one WKB value's structure, or ``None`` when it is sane."""
    if not isinstance(value, (bytes, str)):
        return "a WKB geometry (binary)"
    try:
        wkb = bytes.fromhex(value) if isinstance(value, str) else value
        depth = _wkb_nesting_depth(wkb, limit=MAX_COLLECTION_DEPTH)
    except (ValueError, IndexError, struct.error):
        return "a well-formed WKB geometry"
    if depth > MAX_COLLECTION_DEPTH:
        return f"geometry collections nested at most {MAX_COLLECTION_DEPTH} deep"
    return None


def _wkb_nesting_depth(wkb: bytes, *, limit: int) -> int:
    """Return how deep collections nest in ``wkb``; stops once ``limit`` is exceeded.

    The walk is iterative (a stack of how many members each open collection still has),
    so a hostile nesting cannot exhaust the Python or C stack.

    Parameters
    ----------
    wkb : bytes
        One geometry as ISO WKB or EWKB.
    limit : int
        Depth beyond which the walk stops.

    Returns
    -------
    int
        0 for a simple geometry, 1 for a collection of simple geometries, and so on;
        at most ``limit + 1``.

    Raises
    ------
    ValueError, IndexError, struct.error
        ``wkb`` is truncated or holds an unknown geometry type.
    """
    position, depth = 0, 0
    remaining = [1]
    while remaining:
        if remaining[-1] == 0:
            remaining.pop()
            continue
        remaining[-1] -= 1
        if wkb[position] not in (0, 1):
            raise ValueError("WKB byte order must be 0 or 1")
        order = "<" if wkb[position] == 1 else ">"
        (code,) = struct.unpack_from(order + "I", wkb, position + 1)
        position += 9 if code & _EWKB_SRID else 5
        iso_dims, base = divmod(code & 0x0FFFFFFF, 1000)
        if iso_dims > 3:
            raise ValueError(f"unknown WKB geometry type {code}")
        n_dims = 2 + (iso_dims > 0) + (iso_dims == 3) + bool(code & _EWKB_Z) + bool(code & _EWKB_M)
        if base == 1:
            position += 8 * n_dims
        elif base in _WKB_LINES:
            (n_points,) = struct.unpack_from(order + "I", wkb, position)
            position += 4 + 8 * n_dims * n_points
        elif base in _WKB_RINGS:
            (n_rings,) = struct.unpack_from(order + "I", wkb, position)
            position += 4
            for _ in range(n_rings):
                (n_points,) = struct.unpack_from(order + "I", wkb, position)
                position += 4 + 8 * n_dims * n_points
        elif base in _WKB_CONTAINERS:
            (n_members,) = struct.unpack_from(order + "I", wkb, position)
            position += 4
            depth = max(depth, len(remaining))
            if depth > limit:
                return depth
            points_end = _end_of_plain_points(wkb, position, n_members)
            if points_end is not None:
                position = points_end
                continue
            remaining.append(n_members)
        else:
            raise ValueError(f"unknown WKB geometry type {code}")
        if position > len(wkb):
            raise ValueError("truncated WKB")
    return depth


def _end_of_plain_points(wkb: bytes, start: int, n_members: int) -> int | None:
    """Return where ``n_members`` points alike from ``start`` end, ``None`` if they are not.

    Lets a multipoint of millions of members be skipped in one vectorised step.
    """
    if n_members == 0 or len(wkb) < start + 5 or wkb[start] not in (0, 1):
        return None
    order = "<" if wkb[start] == 1 else ">"
    (code,) = struct.unpack_from(order + "I", wkb, start + 1)
    iso_dims, base = divmod(code & 0x0FFFFFFF, 1000)
    if base != 1 or iso_dims > 3 or code & _EWKB_SRID:
        return None
    n_dims = 2 + (iso_dims > 0) + (iso_dims == 3) + bool(code & _EWKB_Z) + bool(code & _EWKB_M)
    stride = 5 + 8 * n_dims
    if len(wkb) < start + n_members * stride:
        return None
    members = np.frombuffer(wkb, dtype=np.uint8, count=n_members * stride, offset=start)
    headers = members.reshape(n_members, stride)[:, :5]
    return start + n_members * stride if (headers == headers[0]).all() else None


_RISKY_START = ("=", "+", "-", "@", "\t", "\r")


def write_text_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as CSV with spreadsheet formula injection neutralised.

    Text cells that start with ``=``, ``+``, ``-``, ``@``, tab or carriage return get a
    leading apostrophe, so a spreadsheet shows them as text instead of running them.
    Numbers (also inside an ``object`` column, such as a negative ``kwh``) are written
    as they are.

    Frames of plain text and numbers (a ranking of a million addresses) are written by
    Arrow's CSV writer, ten times faster than pandas; numbers then appear in their shortest
    round-trip form (``1`` rather than ``1.0``).  Anything else (text that needs quoting,
    booleans, mixed columns) goes through pandas.  Both give the same values when read.

    Parameters
    ----------
    frame : pandas.DataFrame
        What to write.
    path : Path
        Target file; its folder is created when missing.
    """
    safe = frame.copy()
    for name in safe.columns:
        values = safe[name]
        if (values.dtype == object or pd.api.types.is_string_dtype(values)) and _may_be_risky(
            values
        ):
            # Ids and factor names repeat or are few: decide per distinct value.  A text
            # never equals a non-text value, so its rows are exactly the rows of its code.
            codes, distinct = pd.factorize(values, use_na_sentinel=True)
            risky_distinct = np.fromiter(
                (isinstance(v, str) and v.startswith(_RISKY_START) for v in distinct),
                dtype=bool,
                count=len(distinct),
            )
            if not risky_distinct.any():
                continue
            neutralised = np.full(len(distinct) + 1, None, dtype=object)
            neutralised[:-1][risky_distinct] = ["'" + v for v in distinct[risky_distinct]]
            risky = np.append(risky_distinct, False)[codes]
            safe[name] = values.mask(risky, pd.Series(neutralised[codes], index=values.index))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    if not _write_plain_csv(safe, Path(path)):
        safe.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")


def _may_be_risky(values: pd.Series) -> bool:
    """False when the column is text and no value starts like a formula (checked in Arrow)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        text = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowException, UnicodeError, TypeError):
        return True  # not only text: decide value by value
    risky = pc.match_substring_regex(text, "^[=+\\-@\t\r]")
    return bool(pc.any(risky).as_py())


#: Characters that make a CSV field need quotes.
_NEEDS_QUOTES = '[",\r\n]'


def _write_plain_csv(frame: pd.DataFrame, path: Path) -> bool:
    """Write with Arrow when no field needs quotes; return False (nothing written) otherwise."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pa_csv

    names = [str(name) for name in frame.columns]
    if len(names) < 2:
        return False  # a lone empty field would be a blank line, which readers skip
    if any(pc.match_substring_regex(pa.array(names), _NEEDS_QUOTES).to_pylist()):
        return False
    columns = []
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_bool_dtype(values.dtype):
            return False
        if pd.api.types.is_complex_dtype(values.dtype):
            return False
        try:
            if pd.api.types.is_numeric_dtype(values.dtype):
                columns.append(pa.array(values, from_pandas=True))
                continue
            text = pa.array(values, type=pa.string(), from_pandas=True)
        except (pa.ArrowException, UnicodeError, TypeError):
            return False  # not only text (e.g. numbers in an object column)
        if pc.any(pc.match_substring_regex(text, _NEEDS_QUOTES)).as_py():
            return False
        columns.append(text)
    table = pa.table(columns, names=names)
    options = pa_csv.WriteOptions(include_header=False, quoting_style="none")
    with path.open("wb") as handle:
        handle.write((",".join(names) + "\n").encode("utf-8"))
        pa_csv.write_csv(table, handle, write_options=options)
    return True
