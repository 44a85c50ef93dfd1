"""Reading layer files of every supported format into one raw, untyped shape.

A reader only gets a file's rows and geometries out; it checks nothing of the contract
(that is :mod:`buitengebied.load.validate`).  Every reader treats its file as hostile: any
failure of the underlying library becomes a :class:`~buitengebied.errors.ValidationError`
that names the file, never a traceback.  Column names are trimmed and lower-cased.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import pandas as pd

from buitengebied.contract import SUPPORTED_SUFFIXES
from buitengebied.errors import RowProblem, ValidationError
from buitengebied.io._raw import RawLayer, file_problem
from buitengebied.io.csv import read_csv
from buitengebied.io.geojson import read_geojson
from buitengebied.io.geopackage import read_geopackage
from buitengebied.io.parquet import read_parquet

logger = logging.getLogger(__name__)


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
        ".csv": read_csv,
        ".gpkg": read_geopackage,
        ".geojson": read_geojson,
        ".parquet": read_parquet,
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
    _reject_invalid_text(raw)
    return raw


def _reject_duplicate_columns(raw: RawLayer) -> None:
    names = list(raw.attributes.columns)
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise file_problem(raw.path, "each column once (case-insensitive)", column=duplicated[0])


def _reject_invalid_text(raw: RawLayer) -> None:
    """Refuse Arrow-backed text that is not UTF-8 (a damaged Parquet or GeoPackage file).

    Arrow hands such bytes over unchecked; pandas would fail on them much later.
    """
    import pyarrow as pa

    problems = []
    for name in raw.attributes.columns:
        dtype = raw.attributes[name].dtype
        if not isinstance(dtype, pd.ArrowDtype):
            continue
        if not (
            pa.types.is_string(dtype.pyarrow_dtype) or pa.types.is_large_string(dtype.pyarrow_dtype)
        ):
            continue
        text = pa.array(raw.attributes[name].array)
        try:
            text.validate(full=True)
        except pa.ArrowInvalid:
            stored = text.view(
                pa.large_binary() if pa.types.is_large_string(text.type) else pa.binary()
            )
            problems += [
                RowProblem(row + 1, str(name), repr(value)[:60], "text in UTF-8")
                for row, value in enumerate(stored.to_pylist())
                if value is not None and not _is_utf8(value)
            ]
    if problems:
        raise ValidationError(raw.path, problems)


def _is_utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
