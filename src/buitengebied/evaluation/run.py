"""A whole evaluation as one call: load, cut-offs, methods, backtest, and its four files.

``buitengebied evaluate`` is a thin front over :func:`run_evaluation`; anything else (a
notebook, the app) gets the same backtest and the same files from the same call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from buitengebied.dataset import ProgressCallback
from buitengebied.evaluation import backtest
from buitengebied.evaluation.backtest import BacktestResult
from buitengebied.evaluation.report import write_report
from buitengebied.evidence.layerspec import load_layer_specs
from buitengebied.io.atomic import atomic_path
from buitengebied.io.outputs import check_output_path, output_errors
from buitengebied.load.directory import load_data_dir
from buitengebied.scoring.choice import EvaluationModels
from buitengebied.settings import (
    EVALUATION_CELL_SIZE_M,
    EVALUATION_HORIZON_DAYS,
    EVALUATION_MONTHS,
    EVALUATION_STEP_MONTHS,
)

#: The files an evaluation writes into its folder, and the function that writes each.
EVALUATION_FILES: dict[str, Callable[[BacktestResult, Path], object]] = {
    "backtest.csv": backtest.write_backtest_csv,
    "summary.csv": backtest.write_summary_csv,
    "comparison.csv": backtest.write_comparison_csv,
    "report.html": write_report,
}


@dataclass(frozen=True)
class Evaluation:
    """A finished evaluation and the files it wrote.

    Attributes
    ----------
    result : BacktestResult
        The backtest.
    files : list of Path
        The files written, in the order of :data:`EVALUATION_FILES`.
    """

    result: BacktestResult
    files: list[Path]


def run_evaluation(
    data_dir: Path,
    *,
    out_dir: Path,
    as_of: pd.Timestamp,
    horizon_days: int = EVALUATION_HORIZON_DAYS,
    months: int = EVALUATION_MONTHS,
    step_months: int = EVALUATION_STEP_MONTHS,
    cell_size_m: float = EVALUATION_CELL_SIZE_M,
    model: EvaluationModels = EvaluationModels.ALL,
    seed: int = backtest.DEFAULT_SEED,
    layers_dir: Path | None = None,
    lenient: bool = False,
    rejects_dir: Path | None = None,
    on_progress: ProgressCallback | None = None,
) -> Evaluation:
    """Backtest the ranking of a data directory and write its files into ``out_dir``.

    Writes ``backtest.csv``, ``summary.csv``, ``comparison.csv`` and ``report.html``
    (see :mod:`buitengebied.evaluation.backtest`), each atomically.  Outputs are never
    written into the data directory: ``out_dir`` (and in lenient mode ``rejects_dir``) is
    refused, before anything is read, when it is the data directory or lies in it.

    Parameters
    ----------
    data_dir : Path
        A directory following the data contract.
    out_dir : Path
        Folder for the four files; created when missing.
    as_of : pandas.Timestamp
        Moment of the evaluation: the last window ends before it.
    horizon_days : int
        Outcome window after each cut-off.
    months : int
        How far back the first cut-off lies.
    step_months : int
        Months between cut-offs.
    cell_size_m : float
        Grid cell size of the PAI, in metres.
    model : {"expert", "learned", "auto", "all"}
        Which model rankings to evaluate beside the baselines.
    seed : int
        Seed of the random baseline.
    layers_dir : Path, optional
        Directory of layer files; default the packaged ones.
    lenient : bool, default False
        Keep valid rows of files with bad rows; write the rejects to ``rejects_dir``.
    rejects_dir : Path, optional
        Where lenient mode writes rejected rows; default ``out_dir / "rejects"``.
    on_progress : callable, optional
        Receives ``(step, fraction)`` while loading and again while backtesting.

    Returns
    -------
    Evaluation
        The backtest (without cut-offs when no window of ``horizon_days`` fits before
        ``as_of``: every metric is then n/a) and the files written.

    Raises
    ------
    ValidationError
        A file breaks the contract.
    ContractError
        The directory breaks the contract, or an output lies in it.
    OutputError
        A file could not be written.
    ValueError
        ``model`` is not one of the choices.
    """
    out_dir = Path(out_dir)
    rejects_dir = Path(rejects_dir) if rejects_dir is not None else out_dir / "rejects"
    check_output_path(out_dir, data_dir=data_dir, folder=True)
    specs = load_layer_specs(layers_dir)
    methods = backtest.select_methods(specs, model=model, seed=seed)
    dataset = load_data_dir(
        data_dir, lenient=lenient, rejects_dir=rejects_dir, on_progress=on_progress
    )
    cutoffs = backtest.rolling_cutoffs(
        as_of, months=months, step_months=step_months, horizon_days=horizon_days
    )
    result = backtest.run_backtest(
        dataset,
        as_of=as_of,
        horizon_days=horizon_days,
        cutoffs=cutoffs,
        specs=specs,
        methods=methods,
        on_progress=on_progress,
        cell_size_m=cell_size_m,
    )
    return Evaluation(result, write_evaluation(result, out_dir))


def write_evaluation(result: BacktestResult, out_dir: Path) -> list[Path]:
    """Write the files of :data:`EVALUATION_FILES` into ``out_dir``, each atomically.

    Parameters
    ----------
    result : BacktestResult
        The backtest.
    out_dir : Path
        Target folder; created when missing.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    OutputError
        A file could not be written; it is left as it was (files before it are new).
    """
    written = []
    for name, write in EVALUATION_FILES.items():
        target = Path(out_dir) / name
        with output_errors(target), atomic_path(target) as temporary:
            write(result, temporary)
        written.append(target)
    return written
