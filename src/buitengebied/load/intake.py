"""A file from a field app, checked before anything of it is stored.

Field apps export reports and inspections as CSV, GeoJSON or GeoPackage. The app shows
every problem of such a file first (:func:`preview_layer_file`, the same validation as a
data directory's files: one validator), and stores it only when there is none, all rows
in one transaction (:meth:`buitengebied.store.database.Store.import_layer`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from buitengebied.contract import LAYER_SCHEMAS
from buitengebied.errors import RowProblem, ValidationError
from buitengebied.io import RawLayer
from buitengebied.io.layer_file import read_layer_file
from buitengebied.load.validate import validate_layer

#: Layers that may be imported into the store.
IMPORTABLE_LAYERS: Final = ("reports", "inspections")
#: File types a field app's export may have.
IMPORT_SUFFIXES: Final = (".csv", ".geojson", ".gpkg")


@dataclass(frozen=True)
class IntakePreview:
    """What an import would store, and every problem that stops it.

    Attributes
    ----------
    layer : str
        ``reports`` or ``inspections``.
    raw : RawLayer
        The file's rows as read.
    rows : int
        Rows in the file.
    problems : list of RowProblem
        Every broken rule; the import may go ahead only when empty.
    """

    layer: str
    raw: RawLayer
    rows: int
    problems: list[RowProblem]


def preview_layer_file(path: Path, layer: str) -> IntakePreview:
    """Read and check a field app's file of ``layer``; store nothing.

    Raises
    ------
    ValidationError
        ``layer`` may not be imported, the file type is not supported, or the file cannot
        be read at all (the message names the file).
    """
    path = Path(path)
    if layer not in IMPORTABLE_LAYERS:
        raise ValidationError(
            path, [RowProblem(None, "-", layer, f"one of {', '.join(IMPORTABLE_LAYERS)}")]
        )
    if path.suffix.lower() not in IMPORT_SUFFIXES:
        raise ValidationError(
            path, [RowProblem(None, "-", path.suffix, f"one of {', '.join(IMPORT_SUFFIXES)}")]
        )
    raw = read_layer_file(path, layer_name=layer)
    validated = validate_layer(raw, LAYER_SCHEMAS[layer])
    return IntakePreview(
        layer=layer, raw=raw, rows=len(raw.attributes), problems=list(validated.problems)
    )
