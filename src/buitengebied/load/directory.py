"""Loading a data directory: find the layer files, read, validate, keep or reject them.

A file that breaks the contract is rejected whole with one
:class:`~buitengebied.errors.ValidationError` listing its bad rows (strict mode, the
default).  In lenient mode the valid rows are kept and the rejected ones are written, with
their reasons, to ``<rejects_dir>/<layer>.rejects.csv``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from buitengebied.contract import LAYER_SCHEMAS, LOAD_ORDER, SUPPORTED_SUFFIXES
from buitengebied.dataset import Dataset, ProgressCallback
from buitengebied.errors import ContractError, ValidationError
from buitengebied.io import read_layer_file, write_text_csv
from buitengebied.load.validate import ValidatedLayer, validate_layer
from buitengebied.settings import AREA_MARGIN_M

logger = logging.getLogger(__name__)


def find_layer_files(data_dir: Path) -> tuple[dict[str, Path], list[Path]]:
    """Map layer names to their files in ``data_dir``.

    Parameters
    ----------
    data_dir : Path
        A data directory as described in the data contract.

    Returns
    -------
    layer_files : dict of str to Path
        One file per layer present.
    ignored : list of Path
        Files that are not a layer of the contract (reported, not read).

    Raises
    ------
    ContractError
        The directory does not exist, holds two files for one layer, or has no addresses.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise ContractError(f"{data_dir}: not a directory")
    layer_files: dict[str, Path] = {}
    ignored: list[Path] = []
    for path in sorted(data_dir.iterdir()):
        name, suffix = path.stem.strip().lower(), path.suffix.lower()
        if not path.is_file() or path.name.startswith("."):
            continue
        if name not in LAYER_SCHEMAS or suffix not in SUPPORTED_SUFFIXES:
            ignored.append(path)
            continue
        if name in layer_files:
            raise ContractError(
                f"{data_dir}: two files for layer '{name}' ({layer_files[name].name}, {path.name}); keep one"
            )
        layer_files[name] = path
    if "addresses" not in layer_files:
        raise ContractError(
            f"{data_dir}: no addresses file (addresses.gpkg, .geojson, .parquet or .csv) - it is required"
        )
    return layer_files, ignored


def read_and_validate(
    path: Path, name: str, *, address_ids: pd.Index | None = None
) -> ValidatedLayer:
    """Read one layer file and check it against its contract schema.

    Parameters
    ----------
    path : Path
        The file.
    name : str
        Its layer name.
    address_ids : pandas.Index, optional
        Known ``address_id`` values, for layers that reference addresses.

    Returns
    -------
    ValidatedLayer
        Typed rows with every row problem.

    Raises
    ------
    ValidationError
        The file cannot be read, or breaks the contract as a whole.
    """
    return validate_layer(
        read_layer_file(path, layer_name=name), LAYER_SCHEMAS[name], address_ids=address_ids
    )


@dataclass(frozen=True)
class FileCheck:
    """The outcome of checking one layer file (see :func:`check_data_dir`).

    Attributes
    ----------
    path : Path
        The file.
    rows : int
        Data rows read (0 when the file could not be read).
    error : ValidationError or None
        Every problem found, or ``None`` when the file follows the contract.
    """

    path: Path
    rows: int
    error: ValidationError | None


def check_data_dir(data_dir: Path) -> tuple[list[FileCheck], list[Path]]:
    """Check every layer file of a data directory and report all problems; load nothing.

    Unlike :func:`load_data_dir` it does not stop at the first bad file.  References to
    ``addresses`` are checked against its valid rows.

    Parameters
    ----------
    data_dir : Path
        A data directory.

    Returns
    -------
    checks : list of FileCheck
        One per layer file, in load order.
    ignored : list of Path
        Files that are not a contract layer.

    Raises
    ------
    ContractError
        The directory as a whole breaks the contract.
    """
    layer_files, ignored = find_layer_files(data_dir)
    checks: list[FileCheck] = []
    address_ids: pd.Index | None = None
    for name in [n for n in LOAD_ORDER if n in layer_files]:
        path = layer_files[name]
        try:
            layer = read_and_validate(path, name, address_ids=address_ids)
        except ValidationError as exc:
            checks.append(FileCheck(path, 0, exc))
            continue
        if name == "addresses":
            address_ids = pd.Index(layer.frame.loc[~layer.bad_rows, "address_id"])
        error = ValidationError(path, layer.problems) if layer.problems else None
        checks.append(FileCheck(path, len(layer.frame), error))
    return checks, ignored


def load_data_dir(
    data_dir: Path,
    *,
    lenient: bool = False,
    rejects_dir: Path | None = None,
    on_progress: ProgressCallback | None = None,
) -> Dataset:
    """Read and validate every layer of a data directory.

    Parameters
    ----------
    data_dir : Path
        The directory.
    lenient : bool, default False
        Keep the valid rows of a file with bad rows instead of rejecting the file.
    rejects_dir : Path, optional
        Where lenient mode writes ``<layer>.rejects.csv``; required when ``lenient``.
    on_progress : callable, optional
        Receives ``(step, fraction)`` after each layer.

    Returns
    -------
    Dataset
        All layers present, validated, in EPSG:28992.

    Raises
    ------
    ValidationError
        A file breaks the contract (strict mode), or cannot be read at all.
    ContractError
        The directory as a whole breaks the contract.
    """
    if lenient and rejects_dir is None:
        raise ContractError("lenient loading needs a directory for the rejected rows")
    layer_files, ignored = find_layer_files(data_dir)
    for path in ignored:
        logger.info("not a contract layer, ignored: %s", path.name)
    accepted: dict[str, pd.DataFrame] = {}
    rejected_rows: dict[str, int] = {}
    names = [n for n in LOAD_ORDER if n in layer_files]
    # One index for every layer that references addresses: it keeps its hash table.
    address_ids: pd.Index | None = None
    for step, name in enumerate(names):
        if on_progress is not None:
            on_progress(f"reading {layer_files[name].name}", step / len(names))
        layer = read_and_validate(layer_files[name], name, address_ids=address_ids)
        accepted[name] = _accept(
            layer, layer_files[name], name, lenient=lenient, rejects_dir=rejects_dir
        )
        if name == "addresses":
            address_ids = pd.Index(accepted["addresses"]["address_id"])
        if layer.bad_rows.any():
            rejected_rows[name] = int(layer.bad_rows.sum())
    if on_progress is not None:
        on_progress("layers read", 1.0)
    addresses = gpd.GeoDataFrame(accepted.pop("addresses"))
    if addresses.empty:
        raise ContractError(f"{layer_files['addresses']}: holds no valid address")
    return Dataset(
        addresses=addresses.reset_index(drop=True),
        layers={k: v.reset_index(drop=True) for k, v in accepted.items()},
        area=_coverage_area(accepted.get("area"), addresses),
        source_files=layer_files,
        rejected_rows=rejected_rows,
        ignored_files=ignored,
    )


def _accept(
    layer: ValidatedLayer, path: Path, name: str, *, lenient: bool, rejects_dir: Path | None
) -> pd.DataFrame:
    if not layer.problems:
        return layer.frame
    if not lenient:
        raise ValidationError(path, layer.problems)
    assert rejects_dir is not None
    _write_rejects(layer, path, Path(rejects_dir) / f"{name}.rejects.csv")
    logger.warning(
        "%s: %d row(s) rejected, written to %s", path.name, int(layer.bad_rows.sum()), rejects_dir
    )
    return layer.frame.loc[~layer.bad_rows]


def _write_rejects(layer: ValidatedLayer, source: Path, target: Path) -> None:
    reasons: dict[int, list[str]] = {}
    for problem in layer.problems:
        if problem.row is not None:
            reasons.setdefault(problem.row, []).append(problem.describe())
    rows = np.flatnonzero(layer.bad_rows)
    rejected = pd.DataFrame(
        {
            "file": source.name,
            "row": rows + 1,
            "reasons": ["; ".join(reasons.get(int(r) + 1, [])) for r in rows],
        }
    )
    original = pd.DataFrame(layer.frame.iloc[rows]).reset_index(drop=True)
    if "geometry" in original:
        original["geometry"] = shapely.to_wkt(
            np.asarray(original["geometry"]), rounding_precision=2
        )
    write_text_csv(pd.concat([rejected, original.astype(object)], axis=1), target)


def _coverage_area(area: pd.DataFrame | None, addresses: gpd.GeoDataFrame) -> shapely.Geometry:
    if area is not None and len(area):
        return shapely.union_all(np.asarray(area.geometry))
    xmin, ymin, xmax, ymax = addresses.total_bounds
    return shapely.box(
        xmin - AREA_MARGIN_M, ymin - AREA_MARGIN_M, xmax + AREA_MARGIN_M, ymax + AREA_MARGIN_M
    )
