"""Guards against hostile WKB: nesting deeper than GEOS can take."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from buitengebied.errors import RowProblem, ValidationError
from buitengebied.settings import MAX_COLLECTION_DEPTH

if TYPE_CHECKING:
    import pyarrow as pa


def wkb_may_nest(array: pa.Array) -> np.ndarray:
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


# WKB type codes (ISO; EWKB flags masked off) of geometries that hold other geometries.
_WKB_CONTAINERS = frozenset({4, 5, 6, 7, 9, 10, 11, 12, 15, 16})


_WKB_LINES = frozenset({2, 8})


_WKB_RINGS = frozenset({3, 17})
_EWKB_Z, _EWKB_M, _EWKB_SRID = 0x80000000, 0x40000000, 0x20000000


def reject_deep_wkb_nesting(path: Path, geo_metadata: dict, *, every_row: bool = False) -> None:
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
            expected = wkb_nesting_problem(value)
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
        present &= wkb_may_nest(array) | short.to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(present)
    return rows, array.take(pa.array(rows, type=pa.int64())).to_pylist()


def wkb_nesting_problem(value: object) -> str | None:
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
