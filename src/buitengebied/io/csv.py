"""CSV: reading layer files (encoding, delimiter, coordinate columns) and writing outputs.

Reading
    A layer file is read once.  Its encoding is judged on every byte: UTF-8 (with or
    without BOM), else Windows-1252; a file that is neither, or holds a NUL byte, is
    refused with the line and byte offset of the first such byte.

Writing: one rule for formulas
    *Program-readable outputs keep every value verbatim; human exports neutralise
    formulas.*

    - :func:`write_csv` writes what it is given, byte for byte as text: ``ranked.csv``,
      the backtest tables, the rejects files (mended and loaded again).  An id such as
      ``-1+1`` or ``A1;=3+3`` is the input's id and must come back as it went in.
    - :func:`write_spreadsheet_csv` is for files meant to be opened in a spreadsheet.  A
      text cell is dangerous when it starts with ``=``, ``+``, ``-``, ``@``, tab or
      carriage return, or when, after a separator a spreadsheet may split it at (``,``
      ``;`` tab, line break; Excel in a Dutch locale splits CSV at ``;``) and any
      spaces or quotes, one of ``= + - @`` follows: ``A1;=3+3`` opens as the two cells
      ``A1`` and ``=3+3``.  Each such start gets an apostrophe (``'-1+1``,
      ``A1;'=3+3``), which a spreadsheet shows as text.  Numbers are never changed.

    Both write atomically (:mod:`buitengebied.io.atomic`): a target is replaced whole or
    left as it was.  See ``docs/outputs.md``.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import shapely

from buitengebied.errors import RowProblem
from buitengebied.io._raw import RD_NEW, WGS84, RawLayer, file_problem
from buitengebied.io.atomic import atomic_output

logger = logging.getLogger(__name__)


_CSV_COORDINATE_PAIRS = ((("lon", "lat"), WGS84), (("x", "y"), RD_NEW))


def read_csv(path: Path, layer_name: str) -> RawLayer:
    """Read a CSV layer file: encoding and delimiter detected, coordinates from lon/lat or x/y.

    The file is read once; its encoding and NUL bytes are judged on every byte of it.
    """
    content = path.read_bytes()
    text_encoding = _text_encoding(path, content)
    delimiter = _sniff_delimiter(path, content, text_encoding)
    frame = _read_plain_csv(content, text_encoding, delimiter)
    if frame is None:
        frame = pd.read_csv(
            io.BytesIO(content),
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            sep=delimiter,
            encoding=text_encoding,
            skipinitialspace=True,
            engine="c",
            on_bad_lines="error",
        )
    return table_with_coordinate_columns(path, frame.reset_index(drop=True))


def _first_line(content: bytes, encoding: str) -> str:
    """The first line as a text file opened with ``newline=""`` reads it (line end kept)."""
    text = io.TextIOWrapper(io.BytesIO(content), encoding=encoding, errors="replace", newline="")
    return text.readline()


def _read_plain_csv(content: bytes, encoding: str, delimiter: str) -> pd.DataFrame | None:
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
    if _needs_pandas_csv(content, delimiter):
        return None
    names = next(csv.reader([_first_line(content, encoding)], delimiter=delimiter), [])
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


def table_with_coordinate_columns(path: Path, frame: pd.DataFrame) -> RawLayer:
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


#: Bytes decoded at a time when checking an encoding (a chunk ends on a character's end).
_CHUNK_BYTES = 16 << 20


def _text_encoding(path: Path, content: bytes) -> str:
    """Return the encoding of ``content``, UTF-8 or else Windows-1252, judged on every byte.

    Raises
    ------
    ValidationError
        The file holds a NUL byte, or is neither UTF-8 nor Windows-1252; the message
        names the line and byte offset of the first such byte.
    """
    nul = content.find(b"\x00")
    if nul >= 0:
        raise file_problem(
            path, "a text file without NUL bytes", value=f"NUL byte at {_place(content, nul)}"
        )
    if content.isascii():
        return "utf-8-sig"
    not_utf8 = _undecodable_offset(content, "utf-8")
    if not_utf8 is None:
        return "utf-8-sig"
    not_cp1252 = _undecodable_offset(content, "cp1252")
    if not_cp1252 is not None:
        expected = "text in UTF-8 or Windows-1252"
        if not_cp1252 != not_utf8:
            expected += f" (it is not UTF-8 from {_place(content, not_utf8)} on)"
        raise file_problem(
            path, expected, value=f"0x{content[not_cp1252]:02x} at {_place(content, not_cp1252)}"
        )
    logger.warning(
        "%s is not UTF-8 (from %s on); reading it as Windows-1252",
        path,
        _place(content, not_utf8),
    )
    return "cp1252"


def _place(content: bytes, offset: int) -> str:
    """Say where byte ``offset`` lies: its line (the header is line 1) and offset."""
    line = content.count(b"\n", 0, offset) + 1
    return f"line {line:,}, byte {offset:,}"


def _undecodable_offset(content: bytes, encoding: str) -> int | None:
    """Return the offset of the first byte ``encoding`` cannot decode; ``None`` if none.

    Decodes a chunk at a time, so that a large file never becomes one large ``str``.  A
    chunk is extended past UTF-8 continuation bytes (at most three), so that no character
    is cut; a single-byte encoding does not mind.
    """
    view = memoryview(content)
    start = 0
    while start < len(content):
        end = min(start + _CHUNK_BYTES, len(content))
        for _ in range(3):
            if end < len(content) and 0x80 <= content[end] < 0xC0:
                end += 1
        try:
            str(view[start:end], encoding)
        except UnicodeDecodeError as exc:
            return start + exc.start
        start = end
    return None


def _sniff_delimiter(path: Path, content: bytes, encoding: str) -> str:
    header = _first_line(content, encoding)
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


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as CSV with every value as it is, atomically.

    For program-readable outputs (``ranked.csv``, the backtest tables, rejects files to
    mend and load again): an id ``-1+1`` stays ``-1+1``.  See the module docstring.

    Frames of plain text and numbers (a ranking of a million addresses) are written by
    Arrow's CSV writer, ten times faster than pandas; numbers then appear in their shortest
    round-trip form (``1`` rather than ``1.0``).  Anything else (text that needs quoting,
    booleans, mixed columns) goes through pandas.  Both give the same values when read.

    Parameters
    ----------
    frame : pandas.DataFrame
        What to write.
    path : Path
        Target file; its folder is created when missing.  Replaced whole or not at all
        (:func:`buitengebied.io.atomic.atomic_output`).
    """
    with atomic_output(Path(path)) as handle:
        _write_frame(frame, handle)


def write_spreadsheet_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as CSV for a spreadsheet, with formula-like text neutralised.

    For human exports only: a text cell that a spreadsheet would run as a formula gets an
    apostrophe before the formula character, at its start and after every separator
    (``A1;=3+3`` becomes ``A1;'=3+3``), so that a spreadsheet that splits the cell at a
    ``;``, ``,`` or tab shows text.  Numbers (also inside an ``object`` column, such as a
    negative ``kwh``) are written as they are.  See the module docstring.

    Parameters
    ----------
    frame : pandas.DataFrame
        What to write.
    path : Path
        Target file; its folder is created when missing.  Replaced whole or not at all.
    """
    with atomic_output(Path(path)) as handle:
        _write_frame(_formulas_neutralised(frame), handle)


#: Where a spreadsheet may start a formula: at a cell's start, or after a separator it
#: may split the cell at, past spaces and quotes.  The same as an RE2 pattern for Arrow.
_FORMULA_AFTER_SEPARATOR = re.compile(r'(^|[,;\t\r\n])([ "]*)(?=[=+\-@])')
_FORMULA_PATTERN = r'(^|[,;\t\r\n])[ "]*[=+\-@]|^[\t\r]'
#: Cells starting with these run as (or into) a formula as well.
_CONTROL_START = ("\t", "\r")


def _neutralised(text: str) -> str:
    """``text`` with an apostrophe before every formula start (see write_spreadsheet_csv)."""
    text = _FORMULA_AFTER_SEPARATOR.sub(r"\1\2'", text)
    return "'" + text if text.startswith(_CONTROL_START) else text


def _formulas_neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    safe = frame.copy()
    for name in safe.columns:
        values = safe[name]
        if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
            continue
        if not _may_hold_formulas(values):
            continue
        # Ids and factor names repeat or are few: decide per distinct value.  A text
        # never equals a non-text value, so its rows are exactly the rows of its code.
        codes, distinct = pd.factorize(values, use_na_sentinel=True)
        neutralised = np.full(len(distinct) + 1, None, dtype=object)
        neutralised[:-1] = [_neutralised(v) if isinstance(v, str) else v for v in distinct]
        risky_distinct = np.fromiter(
            (isinstance(v, str) and n != v for v, n in zip(distinct, neutralised, strict=False)),
            dtype=bool,
            count=len(distinct),
        )
        if not risky_distinct.any():
            continue
        risky = np.append(risky_distinct, False)[codes]
        safe[name] = values.mask(risky, pd.Series(neutralised[codes], index=values.index))
    return safe


def _may_hold_formulas(values: pd.Series) -> bool:
    """False when the column is text and no value may start a formula (checked in Arrow)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        text = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowException, UnicodeError, TypeError):
        return True  # not only text: decide value by value
    return bool(pc.any(pc.match_substring_regex(text, _FORMULA_PATTERN)).as_py())


def _write_frame(frame: pd.DataFrame, handle: BinaryIO) -> None:
    if not _write_plain_csv(frame, handle):
        frame.to_csv(
            handle, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n", encoding="utf-8"
        )


#: Characters that make a CSV field need quotes.
_NEEDS_QUOTES = '[",\r\n]'


def _write_plain_csv(frame: pd.DataFrame, handle: BinaryIO) -> bool:
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
    handle.write((",".join(names) + "\n").encode("utf-8"))
    pa_csv.write_csv(table, handle, write_options=options)
    return True


def neutralised_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` with formula-like text neutralised as in CSV exports.

    For other spreadsheet formats (an Excel workbook) that must show the same cells as
    :func:`write_spreadsheet_csv` writes.
    """
    return _formulas_neutralised(frame)
