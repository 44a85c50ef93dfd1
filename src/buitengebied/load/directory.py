"""Loading a data directory: find the layer files, read, validate, keep or reject them.

Which files are layers, the order they load in and how each is checked all come from
:data:`~buitengebied.contract.LAYER_SCHEMAS`.  A file that breaks the contract is rejected
whole with one :class:`~buitengebied.errors.ValidationError` listing its bad rows (strict
mode, the default).  In lenient mode the valid rows are kept and the rejected ones are
written, as they were in the input and with their reasons, to
``<rejects_dir>/<layer>.rejects.<suffix>`` (see :mod:`buitengebied.load.rejects`).

A file named like a layer that is no regular file (a directory, a FIFO, a device, a
dangling link) is a :class:`~buitengebied.errors.ContractError`; it is never opened.  A
file whose name is close to a layer's (``report.csv``) is "misspelt": :func:`check_data_dir`
reports it as a bad file with a "did you mean", :func:`load_data_dir` ignores it with a
warning.
"""

from __future__ import annotations

import difflib
import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from buitengebied.contract import ADDRESSES, AREA, LAYER_SCHEMAS, SUPPORTED_SUFFIXES, load_order
from buitengebied.dataset import Dataset, ProgressCallback
from buitengebied.errors import ContractError, RowProblem, ValidationError
from buitengebied.io import RawLayer, read_layer_file
from buitengebied.io.outputs import check_output_path, output_errors
from buitengebied.load.rejects import write_rejects
from buitengebied.load.validate import ValidatedLayer, validate_layer
from buitengebied.settings import AREA_MARGIN_M

logger = logging.getLogger(__name__)

#: How close (difflib ratio) a file name must be to a layer name to count as misspelt.
MISSPELLING_CUTOFF = 0.8


@dataclass(frozen=True)
class LayerFiles:
    """The files of a data directory, sorted out (see :func:`find_layer_files`).

    Attributes
    ----------
    layers : dict of str to Path
        One file per layer present, keyed by layer name.
    ignored : list of Path
        Files that are not a layer of the contract (reported, not read), misspelt ones
        included.
    misspelt : dict of Path to str
        Ignored files whose name is close to a layer's: the file name probably meant.
    """

    layers: dict[str, Path]
    ignored: list[Path] = field(default_factory=list)
    misspelt: dict[Path, str] = field(default_factory=dict)


def find_layer_files(data_dir: Path) -> LayerFiles:
    """Sort the files of ``data_dir`` into layer files and others.

    A file is a layer file when its stem (trimmed, any case) is a layer name and its
    suffix a supported format.  Hidden files and folders with other names are passed
    over; other files are ignored and listed.

    Parameters
    ----------
    data_dir : Path
        A data directory as described in the data contract.

    Returns
    -------
    LayerFiles
        The layer files, the ignored files and the misspelt ones among them.

    Raises
    ------
    ContractError
        The directory does not exist, a layer file is no regular file (every such file
        is named, with what it is), one layer has two files, or a required layer
        (``addresses``) is missing.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise ContractError(f"{data_dir}: not a directory")
    layer_files: dict[str, Path] = {}
    ignored: list[Path] = []
    misspelt: dict[Path, str] = {}
    irregular: list[str] = []
    for path in sorted(data_dir.iterdir()):
        name, suffix = path.stem.strip().lower(), path.suffix.lower()
        if path.name.startswith("."):
            continue
        if name in LAYER_SCHEMAS and suffix in SUPPORTED_SUFFIXES:
            what = _not_regular(path)
            if what is not None:
                irregular.append(f"{path}: {what}, not a regular file")
                continue
            if name in layer_files:
                raise ContractError(
                    f"{data_dir}: two files for layer '{name}' ({layer_files[name].name}, "
                    f"{path.name}); keep one"
                )
            layer_files[name] = path
        elif _not_regular(path) is None:
            ignored.append(path)
            meant = _meant_layer(name) if suffix in SUPPORTED_SUFFIXES else None
            if meant is not None:
                misspelt[path] = meant + path.suffix
    if irregular:
        raise ContractError(
            "a layer file must be a regular file (or a link to one); refused:\n  "
            + "\n  ".join(irregular)
        )
    _require_layers(data_dir, layer_files, misspelt)
    return LayerFiles(layer_files, ignored, misspelt)


def _not_regular(path: Path) -> str | None:
    """What ``path`` is when it is no regular file (or link to one), else ``None``.

    Only ``stat`` is asked: a FIFO or a device is never opened.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if path.is_symlink():
            return f"a dangling symbolic link (to {os.readlink(path)})"
        return "gone while the folder was read"
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    if stat.S_ISREG(mode):
        return None
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    what = next((label for test, label in kinds if test(mode)), "a special file")
    if path.is_symlink():
        return f"a symbolic link to {os.readlink(path)}, {what}"
    return what


def _meant_layer(stem: str) -> str | None:
    close = difflib.get_close_matches(stem, LAYER_SCHEMAS, n=1, cutoff=MISSPELLING_CUTOFF)
    return close[0] if close else None


def _require_layers(
    data_dir: Path, layer_files: dict[str, Path], misspelt: dict[Path, str]
) -> None:
    for schema in LAYER_SCHEMAS.values():
        if schema.required and schema.name not in layer_files:
            hints = [
                f"; did you mean {meant} (not {path.name})?"
                for path, meant in misspelt.items()
                if Path(meant).stem == schema.name
            ]
            raise ContractError(
                f"{data_dir}: no {schema.name} file ({schema.name}.gpkg, .geojson, .parquet "
                "or .csv) - it is required" + "".join(hints[:1])
            )


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
    return _read(path, name, address_ids)[1]


def _read(path: Path, name: str, address_ids: pd.Index | None) -> tuple[RawLayer, ValidatedLayer]:
    raw = read_layer_file(path, layer_name=name)
    return raw, validate_layer(raw, LAYER_SCHEMAS[name], address_ids=address_ids)


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
    ``addresses`` are checked against its valid rows.  A misspelt layer file
    (``report.csv``) is a bad file too, with a "did you mean reports.csv?".

    Parameters
    ----------
    data_dir : Path
        A data directory.

    Returns
    -------
    checks : list of FileCheck
        One per layer file, in load order, then one per misspelt file.
    ignored : list of Path
        Other files that are not a contract layer.

    Raises
    ------
    ContractError
        The directory as a whole breaks the contract.
    """
    found = find_layer_files(data_dir)
    checks: list[FileCheck] = []
    address_ids: pd.Index | None = None
    for name in [n for n in load_order() if n in found.layers]:
        path = found.layers[name]
        try:
            layer = read_and_validate(path, name, address_ids=address_ids)
        except ValidationError as exc:
            checks.append(FileCheck(path, 0, exc))
            continue
        if name == ADDRESSES:
            address_ids = _address_ids(layer.frame)[~layer.bad_rows]
        error = ValidationError(path, layer.problems) if layer.problems else None
        checks.append(FileCheck(path, len(layer.frame), error))
    checks += [
        FileCheck(path, 0, _misspelling(path, meant)) for path, meant in found.misspelt.items()
    ]
    return checks, [path for path in found.ignored if path not in found.misspelt]


def _misspelling(path: Path, meant: str) -> ValidationError:
    expected = f"the name of a contract layer; did you mean {meant}?"
    return ValidationError(path, [RowProblem(None, "(file name)", path.name, expected)])


def _address_ids(addresses: pd.DataFrame) -> pd.Index:
    return pd.Index(addresses[LAYER_SCHEMAS[ADDRESSES].key])


def load_data_dir(
    data_dir: Path,
    *,
    lenient: bool = False,
    rejects_dir: Path | None = None,
    on_progress: ProgressCallback | None = None,
) -> Dataset:
    """Read and validate every layer of a data directory.

    Misspelt layer files (``report.csv``) are ignored with a warning that says which
    layer was probably meant; ``validate`` (:func:`check_data_dir`) refuses them.

    Parameters
    ----------
    data_dir : Path
        The directory.
    lenient : bool, default False
        Keep the valid rows of a file with bad rows instead of rejecting the file.
    rejects_dir : Path, optional
        Where lenient mode writes ``<layer>.rejects.<suffix>``; required when ``lenient``.
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
    OutputError
        Lenient mode could not write the rejected rows (the message names the file).
    """
    if lenient and rejects_dir is None:
        raise ContractError("lenient loading needs a directory for the rejected rows")
    if lenient:
        assert rejects_dir is not None
        # Before anything is read: the rejects never land among the partners' files.
        check_output_path(rejects_dir, data_dir=data_dir, folder=True)
    found = find_layer_files(data_dir)
    for path in found.ignored:
        if path in found.misspelt:
            logger.warning(
                "%s: not a contract layer, ignored; did you mean %s?",
                path.name,
                found.misspelt[path],
            )
        else:
            logger.info("not a contract layer, ignored: %s", path.name)
    accepted: dict[str, pd.DataFrame] = {}
    rejected_rows: dict[str, int] = {}
    names = [n for n in load_order() if n in found.layers]
    # One index for every layer that references addresses: it keeps its hash table.
    address_ids: pd.Index | None = None
    for step, name in enumerate(names):
        if on_progress is not None:
            on_progress(f"reading {found.layers[name].name}", step / len(names))
        accepted[name], n_rejected = _load_layer(
            found.layers[name], name, address_ids, lenient=lenient, rejects_dir=rejects_dir
        )
        if name == ADDRESSES:
            address_ids = _address_ids(accepted[name])
        if n_rejected:
            rejected_rows[name] = n_rejected
    if on_progress is not None:
        on_progress("layers read", 1.0)
    addresses = gpd.GeoDataFrame(accepted.pop(ADDRESSES))
    if addresses.empty:
        raise ContractError(f"{found.layers[ADDRESSES]}: holds no valid address")
    return Dataset(
        addresses=addresses.reset_index(drop=True),
        layers={k: v.reset_index(drop=True) for k, v in accepted.items()},
        area=_coverage_area(accepted.get(AREA), addresses),
        source_files=found.layers,
        rejected_rows=rejected_rows,
        ignored_files=found.ignored,
    )


def _load_layer(
    path: Path,
    name: str,
    address_ids: pd.Index | None,
    *,
    lenient: bool,
    rejects_dir: Path | None,
) -> tuple[pd.DataFrame, int]:
    """The accepted rows of one file and how many were rejected (lenient mode)."""
    raw, layer = _read(path, name, address_ids)
    if not layer.problems:
        return layer.frame, 0
    if not lenient:
        raise ValidationError(path, layer.problems)
    assert rejects_dir is not None
    with output_errors(rejects_dir):
        written = write_rejects(layer, raw, name=name, rejects_dir=rejects_dir)
    n_rejected = int(layer.bad_rows.sum())
    logger.warning("%s: %d row(s) rejected, written to %s", path.name, n_rejected, written)
    return layer.frame.loc[~layer.bad_rows], n_rejected


def _coverage_area(area: pd.DataFrame | None, addresses: gpd.GeoDataFrame) -> shapely.Geometry:
    if area is not None and len(area):
        return shapely.union_all(np.asarray(area.geometry))
    xmin, ymin, xmax, ymax = addresses.total_bounds
    return shapely.box(
        xmin - AREA_MARGIN_M, ymin - AREA_MARGIN_M, xmax + AREA_MARGIN_M, ymax + AREA_MARGIN_M
    )
