"""The raw, untyped shape every reader returns."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from buitengebied.errors import RowProblem, ValidationError

WGS84 = "EPSG:4326"


RD_NEW = "EPSG:28992"


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


def file_problem(
    path: Path, message: str, *, column: str = "-", value: str = "-"
) -> ValidationError:
    """Return a :class:`ValidationError` about ``path`` as a whole."""
    return ValidationError(path, [RowProblem(None, column, value, message)])
