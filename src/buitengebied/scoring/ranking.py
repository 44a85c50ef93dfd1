"""Ranking with a choice of model, and writing the ranking and the risk surface.

This sits above :mod:`buitengebied.scoring.analysis` (expert analysis) and
:mod:`buitengebied.scoring.estimator` (learned from inspections) and picks the ranking that
``buitengebied rank --model expert|learned|auto`` asks for.  Whichever model ranks, every
score keeps its contributions per factor.  The CLI and the app call these functions, so
both rank the same way with the same default model.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from buitengebied.dataset import Dataset, ProgressCallback
from buitengebied.errors import ContractError
from buitengebied.evidence.features import SharedEvidence
from buitengebied.evidence.layerspec import LayerSpec, load_layer_specs
from buitengebied.io import write_csv
from buitengebied.io.atomic import atomic_path
from buitengebied.io.outputs import (
    check_output_kind,
    check_output_path,
    output_errors,
)
from buitengebied.load.directory import load_data_dir
from buitengebied.scoring.analysis import Analysis, analyse
from buitengebied.scoring.choice import DEFAULT_MODEL_KIND, ModelChoice, ModelKind
from buitengebied.scoring.fusion import RiskScores
from buitengebied.store.database import open_store
from buitengebied.store.merge import with_stored_records

if TYPE_CHECKING:
    from buitengebied.scoring.estimator import LearnedRiskModel
    from buitengebied.scoring.surface import RiskSurface


@dataclass
class Ranking:
    """An explained ranking and how its model was chosen.

    Attributes
    ----------
    analysis : Analysis
        The expert analysis at ``as_of`` (records, evidence, expert scores).
    scores : RiskScores
        The ranking that was chosen (expert or learned).
    choice : ModelChoice
        Which model ranks and why.
    learned : LearnedRiskModel, optional
        The learned model that was fitted (``learned``/``auto``), whether it ranks or not.
    """

    analysis: Analysis
    scores: RiskScores
    choice: ModelChoice
    learned: LearnedRiskModel | None = None


def rank_dataset(
    dataset: Dataset,
    *,
    as_of: pd.Timestamp,
    specs: list[LayerSpec] | None = None,
    model: ModelKind = DEFAULT_MODEL_KIND,
    on_progress: ProgressCallback | None = None,
) -> Ranking:
    """Rank a loaded dataset as known at ``as_of`` with the requested model.

    Parameters
    ----------
    dataset : Dataset
        All validated records (records after ``as_of`` are ignored).
    as_of : pandas.Timestamp
        Moment of the ranking.
    specs : list of LayerSpec, optional
        Factors; default ``layers/``.
    model : {"expert", "learned", "auto"}
        ``expert``: expert weights.  ``learned``: the model learned from the inspection
        history, unless too few confirmed finds (then expert, and the reason says so).
        ``auto``: learned only when it beats the expert weights in blocked validation.
    on_progress : callable, optional
        Receives ``(step, fraction)``.

    Returns
    -------
    Ranking

    Raises
    ------
    ContractError
        ``model`` is none of the choices.
    """
    model = _model_kind(model)
    specs = specs if specs is not None else load_layer_specs()
    if model is ModelKind.EXPERT:
        analysis = analyse(dataset, as_of=as_of, specs=specs, on_progress=on_progress)
        return Ranking(
            analysis, analysis.scores, ModelChoice("expert", "expert weights, as requested")
        )
    # Imported here: scikit-learn costs an expert-only run most of a second of start-up.
    from buitengebied.scoring.choice import choose_model, score_with_model
    from buitengebied.scoring.training import fit_learned_model

    # One after the other: learning beside the analysis in a second thread saved wall time
    # on two cores, but one test run of it ended in a native crash that was not explained.
    # The timeless parts of the evidence (the premises' seclusion, the register's matches)
    # are made once for the ranking and every training cut-off.
    shared = SharedEvidence.of(dataset)
    analysis = analyse(dataset, as_of=as_of, specs=specs, on_progress=on_progress, shared=shared)
    if on_progress is not None:
        on_progress("learning from inspections", 0.5)
    learned = fit_learned_model(dataset, as_of=as_of, specs=specs, shared=shared)
    choice = choose_model(model, learned)
    if choice.kind == "learned" and learned.model is not None:
        return Ranking(analysis, score_with_model(analysis, learned.model), choice, learned.model)
    return Ranking(analysis, analysis.scores, choice, learned.model)


def _model_kind(model: str) -> ModelKind:
    if model not in set(ModelKind):
        choices = ", ".join(ModelKind)
        raise ContractError(f"model must be one of {choices}, not {model!r}")
    return ModelKind(model)


def rank_directory(
    data_dir: Path,
    *,
    as_of: pd.Timestamp,
    model: ModelKind = DEFAULT_MODEL_KIND,
    layers_dir: Path | None = None,
    lenient: bool = False,
    rejects_dir: Path | None = None,
    store_path: Path | None = None,
    on_progress: ProgressCallback | None = None,
) -> Ranking:
    """Load a data directory (and the app's store) and rank it (see :func:`rank_dataset`).

    Parameters
    ----------
    data_dir : Path
        A directory following the data contract.
    as_of : pandas.Timestamp
        Moment of the ranking.
    model : {"expert", "learned", "auto"}
        See :func:`rank_dataset`.
    layers_dir : Path, optional
        Directory of layer files; default ``layers/``.
    lenient : bool, default False
        Keep valid rows of files with bad rows; write the rejects to ``rejects_dir``.
    rejects_dir : Path, optional
        Where lenient mode writes rejected rows.
    store_path : Path, optional
        The app's store: its reports and inspections (entered in the app) are added,
        through the same validation and time rules as the files'.
    on_progress : callable, optional
        Receives ``(step, fraction)``.

    Returns
    -------
    Ranking
    """
    specs = load_layer_specs(layers_dir)
    dataset = load_data_dir(
        data_dir, lenient=lenient, rejects_dir=rejects_dir, on_progress=on_progress
    )
    if store_path is not None:
        with open_store(store_path) as store:
            dataset = with_stored_records(dataset, store)
    return rank_dataset(dataset, as_of=as_of, specs=specs, model=model, on_progress=on_progress)


def ranking_table(scores: RiskScores) -> pd.DataFrame:
    """Return the contract's ``ranked.csv`` columns: address_id, score, rank, top_factors."""
    return scores.table[["address_id", "score", "rank", "top_factors"]]


#: Where the meta file lies: beside the ranking, ``ranked.csv`` -> ``ranked.meta.json``.
META_SUFFIX = ".meta.json"


def ranking_meta(ranking: Ranking) -> dict[str, Any]:
    """Return what ``ranked.meta.json`` records about a ranking (without the checksum)."""
    analysis = ranking.analysis
    return {
        "as_of": analysis.as_of.isoformat(),
        "model": ranking.choice.kind,
        "model_reason": ranking.choice.reason,
        "layers_used": ranking.scores.layers_used,
        "weights": ranking.scores.weights,
        "weights_scale": "expert" if ranking.choice.kind == "expert" else "logit",
        "scales": ranking.scores.scales,
        "addresses": len(analysis.dataset.addresses),
    } | _learned_meta(ranking.learned)


def _learned_meta(model: LearnedRiskModel | None) -> dict[str, Any]:
    """How far the learned model moved from the expert weights, on how many finds."""
    if model is None:
        return {}
    ap = model.cv_average_precision_
    return {
        "learned_model": {
            "finds": model.n_positives_,
            "inspected_examples": model.n_exposed_,
            "expert_distance": model.expert_distance_,
            "weights": {
                name: {"expert": float(expert), "learned": float(learned)}
                for (name, learned), expert in zip(
                    model.weights_on_expert_scale_.items(), model.expert_weights_, strict=True
                )
            },
            "weights_scale": "expert (learned weights divided by their projection on the "
            "expert weights)",
            "blocked_cv_average_precision": {
                "learned": None if not ap["n_folds"] else ap["learned"],
                "expert": None if not ap["n_folds"] else ap["expert"],
                "folds": ap["n_folds"],
            },
        }
    }


def write_ranking(ranking: Ranking, out: Path) -> tuple[Path, Path]:
    """Write ``ranked.csv`` (the contract's columns) and ``ranked.meta.json`` beside it.

    What a reader may rely on:

    - Each file is whole: either the one that was there before or the complete new one,
      never a truncated or interleaved file, also when the process is killed or another
      run writes the same ``out`` at the same moment (each is written to a temporary file
      in the same folder, flushed to disk and renamed over the target).
    - Both are complete before either is replaced; then the CSV is renamed, then the meta
      file.  A failed write replaces neither.
    - The meta file's ``ranked_csv_sha256`` is the SHA-256 of the CSV it describes: a
      meta file whose checksum differs from the CSV beside it belongs to another run (a
      run killed between the two renames, or two runs racing).

    Parameters
    ----------
    ranking : Ranking
        The ranking to write.
    out : Path
        The CSV; the meta file is ``out`` with suffix ``.meta.json``.  Its folder is
        created when missing.

    Returns
    -------
    tuple of Path
        The CSV and the meta file.

    Raises
    ------
    ContractError
        ``out`` lies in the folder of one of the ranking's input files, or is a folder.
    OutputError
        The operating system refused a write (no space, read-only folder, ...); the old
        files are left as they were.
    """
    out = Path(out)
    meta_path = out.with_suffix(META_SUFFIX)
    for target in (out, meta_path):
        _refuse_input_folders(target, ranking.analysis.dataset)
    table = ranking_table(ranking.scores)
    with output_errors(out):
        out.parent.mkdir(parents=True, exist_ok=True)
    with output_errors(meta_path), atomic_path(meta_path) as meta_temporary:
        with output_errors(out), atomic_path(out) as csv_temporary:
            write_csv(table, csv_temporary)
            meta = ranking_meta(ranking) | {"ranked_csv_sha256": _sha256(csv_temporary)}
            with output_errors(meta_path):
                meta_temporary.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return out, meta_path


def write_risk_surface(
    analysis: Analysis,
    out: Path,
    *,
    cell_size_m: float,
    on_progress: ProgressCallback | None = None,
) -> RiskSurface:
    """Compute the risk surface of an (expert) analysis and write it as a GeoTIFF.

    The file is written atomically, like :func:`write_ranking`.

    Parameters
    ----------
    analysis : Analysis
        The expert analysis (``Ranking.analysis``).
    out : Path
        Target ``.tif`` in EPSG:28992; its folder is created when missing.
    cell_size_m : float
        Cell size in metres.
    on_progress : callable, optional
        Receives ``(step, fraction)``.

    Returns
    -------
    RiskSurface
        The grid written.

    Raises
    ------
    ContractError
        ``out`` lies in the folder of one of the input files, or is a folder.
    OutputError
        The operating system refused the write; the old file is left as it was.
    """
    # Imported here: rasterio costs every other command a fifth of a second of start-up.
    from buitengebied.scoring.surface import risk_surface, write_surface

    out = Path(out)
    _refuse_input_folders(out, analysis.dataset)
    surface = risk_surface(
        analysis.dataset,
        analysis.specs,
        analysis.scores,
        as_of=analysis.as_of,
        cell_size_m=cell_size_m,
        on_progress=on_progress,
    )
    with output_errors(out):
        write_surface(surface, out, as_of=analysis.as_of)
    return surface


def _refuse_input_folders(target: Path, dataset: Dataset) -> None:
    """Refuse ``target`` in the folder of any input file (a guard for library callers)."""
    for folder in sorted({path.parent for path in dataset.source_files.values()}):
        check_output_path(target, data_dir=folder)
    check_output_kind(target)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
