"""Rolling-origin backtest: would the ranking have pointed at the finds that followed.

For each cut-off ``T`` every method ranks the addresses with only the records known
before ``T`` (the contract's time rules, :func:`buitengebied.load.timefilter.known_at`), and
the ranking is scored (:mod:`buitengebied.evaluation.metrics`) against the addresses with a
confirmed find (the contract's :class:`~buitengebied.contract.FindRule`) inspected in the window
``[T, T + horizon_days)``.  The window starts *at* ``T``: a record dated exactly ``T`` is
not known at ``T`` (known means strictly before), so it belongs to the outcome; a window
opening after ``T`` would let records dated on the cut-off day fall between the two.

A method is a :class:`Method`: a name and a :data:`RankingFunction`
``(dataset_known_at_T, analysis, T) -> scores indexed by address_id``.  Besides the
expert engine (``expert``) the baselines a sceptical partner would propose are built in
(:func:`baseline_methods`); the model learned from the inspection history joins as
``learned`` and the automatic choice between the two, what ``rank`` does by default, as
``auto`` (:func:`model_methods`).  Because a method only ever sees the dataset known at
``T``, it cannot leak the outcome.

Definitions of every number: ``docs/evaluation.md``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from buitengebied.dataset import Dataset, ProgressCallback
from buitengebied.evaluation.bias import (
    BiasDiagnostic,
    bias_diagnostic,
    effort_proxies,
    inspected_before,
    mean_diagnostic,
)
from buitengebied.evaluation.comparison import (
    compare_methods,
    comparison_table,
    overlap_block_length,
)
from buitengebied.evaluation.metrics import (
    RankingEvaluation,
    area_cell_count,
    evaluate_ranking,
    metric_names,
    pool_evaluations,
)
from buitengebied.evaluation.premises import vacant_and_large_scores
from buitengebied.evidence.density import kernel_density_at
from buitengebied.evidence.features import address_xy, record_points
from buitengebied.evidence.layerspec import LayerSpec
from buitengebied.grid import cell_codes
from buitengebied.io import write_csv
from buitengebied.scoring.analysis import Analysis, analyse
from buitengebied.scoring.choice import EvaluationModels, ModelKind
from buitengebied.settings import (
    EVALUATION_CELL_SIZE_M,
    EVALUATION_HORIZON_DAYS,
    EVALUATION_MONTHS,
    EVALUATION_STEP_MONTHS,
    LOCAL_TIMEZONE,
)
from buitengebied.timeutil import local_calendar_shift, local_days_later

if TYPE_CHECKING:
    from buitengebied.scoring.training import LearnedFit

logger = logging.getLogger(__name__)

#: Ranking function: ``(dataset known at T, analysis at T, T) -> score per address_id``.
#: ``(window start, window end) -> address_id`` values that count as a hit in the window.
OutcomeFunction = Callable[[pd.Timestamp, pd.Timestamp], pd.Index]
RankingFunction = Callable[[Dataset, Analysis, pd.Timestamp], pd.Series]

DEFAULT_HORIZON_DAYS = EVALUATION_HORIZON_DAYS
DEFAULT_MONTHS = EVALUATION_MONTHS
DEFAULT_STEP_MONTHS = EVALUATION_STEP_MONTHS
DEFAULT_CELL_SIZE_M = EVALUATION_CELL_SIZE_M
DEFAULT_SEED = 0
#: Sigma of the plain dumping density baseline, metres.
DUMPING_BASELINE_BANDWIDTH_M = 3_000.0
#: Sigma of the plain report density baseline, metres.
REPORT_BASELINE_BANDWIDTH_M = 400.0
#: Number of bins of the calibration table.
CALIBRATION_BINS = 10
#: Metrics on which the model rankings are compared with the baselines, with an interval.
HEADLINE_METRICS = ("hit_rate_top1pct", "hit_rate_top5pct", "pai_1pct", "average_precision")
#: Number of points on the hit-rate-against-area curve.
CURVE_POINTS = 120


@dataclass(frozen=True)
class Method:
    """A way of ranking addresses that the backtest compares.

    Attributes
    ----------
    name : str
        Identifier in tables and files (``expert``, ``random``, ...).
    label : str
        Dutch label for the partners' report.
    scores : RankingFunction
        Computes the scores at a cut-off; higher is riskier.
    is_model : bool
        A ranking the project offers (not a baseline): it gets a bias diagnostic.
    probabilistic : bool
        Scores are probabilities in [0, 1]: calibration is a reliability diagram.
    """

    name: str
    label: str
    scores: RankingFunction
    is_model: bool = False
    probabilistic: bool = False


def rolling_cutoffs(
    as_of: pd.Timestamp,
    *,
    months: int = DEFAULT_MONTHS,
    step_months: int = DEFAULT_STEP_MONTHS,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> list[pd.Timestamp]:
    """Cut-off moments every ``step_months`` over the ``months`` before ``as_of``.

    Cut-offs fall on the same local (Europe/Amsterdam) wall-clock time as ``as_of``;
    those whose window ends after ``as_of`` are dropped, as their outcome is not known yet.

    Parameters
    ----------
    as_of : pandas.Timestamp
        The moment of the evaluation (tz-aware).
    months : int
        How far back the first cut-off lies.
    step_months : int
        Months between cut-offs.
    horizon_days : int
        Length of each outcome window.

    Returns
    -------
    list of pandas.Timestamp
        UTC moments, oldest first.
    """
    candidates = [
        local_calendar_shift(as_of, months=-step_months * i)
        for i in range(max(months // step_months, 0), 0, -1)
    ]
    kept = [t for t in candidates if window_end(t, horizon_days) <= as_of]
    if len(kept) < len(candidates):
        logger.info(
            "%d cut-off(s) dropped: their %d-day window ends after %s",
            len(candidates) - len(kept),
            horizon_days,
            as_of.isoformat(),
        )
    return kept


def window_end(cutoff: pd.Timestamp, horizon_days: int) -> pd.Timestamp:
    """End (exclusive) of the outcome window: ``horizon_days`` local calendar days later."""
    return local_days_later(cutoff, horizon_days)


def window_finds(dataset: Dataset, start: pd.Timestamp, end: pd.Timestamp) -> pd.Index:
    """Addresses with a confirmed find inspected in ``[start, end)``.

    Parameters
    ----------
    dataset : Dataset
        All records (not restricted in time).
    start, end : pandas.Timestamp
        The outcome window.

    Returns
    -------
    pandas.Index
        Distinct ``address_id`` values, sorted.
    """
    outcomes = dataset.outcomes()
    if len(outcomes) == 0:
        return pd.Index([], dtype=object, name="address_id")
    moments = outcomes.moments
    inside = outcomes.confirmed & ((moments >= start) & (moments < end)).to_numpy(dtype=bool)
    found = outcomes.address_ids[inside].astype(str)
    return pd.Index(sorted(found.unique()), dtype=object, name="address_id")


def expert_scores(known: Dataset, analysis: Analysis, as_of: pd.Timestamp) -> pd.Series:
    """The engine's fused score (:func:`buitengebied.scoring.analysis.analyse`)."""
    return analysis.scores.table.set_index("address_id")["score"]


def random_scores(seed: int) -> RankingFunction:
    """A ranking by lot: uniform scores, reproducible per ``seed`` and cut-off."""

    def scores(known: Dataset, analysis: Analysis, as_of: pd.Timestamp) -> pd.Series:
        rng = np.random.default_rng([seed, int(as_of.timestamp())])
        return pd.Series(
            rng.random(len(analysis.evidence.address_ids)), analysis.evidence.address_ids
        )

    return scores


def factor_scores(factor: str) -> RankingFunction:
    """The raw evidence of one factor of the engine (e.g. ``vacant_buildings``)."""

    def scores(known: Dataset, analysis: Analysis, as_of: pd.Timestamp) -> pd.Series:
        return analysis.evidence.raw[factor]

    return scores


def plain_density_scores(layer: str, bandwidth_m: float) -> RankingFunction:
    """Gaussian kernel density of all records of ``layer`` known at the cut-off.

    Every record counts once: no filter, no record weights, no time decay, no effort
    correction.
    """

    def scores(known: Dataset, analysis: Analysis, as_of: pd.Timestamp) -> pd.Series:
        records = known.layer(layer)
        targets = address_xy(known)
        if records is None or len(records) == 0:
            density = np.zeros(len(targets))
        else:
            density = kernel_density_at(
                record_points(records), np.ones(len(records)), targets, bandwidth_m=bandwidth_m
            )
        return pd.Series(density, analysis.evidence.address_ids)

    return scores


def naive_z_sum_scores(known: Dataset, analysis: Analysis, as_of: pd.Timestamp) -> pd.Series:
    """Equal-weight sum of the z-scores of four simple layers (constant ones add 0).

    The layers are those a data analyst would take without the engine (issue 8): "vacant
    and large first" (:func:`vacant_and_large_scores`), the energy anomaly (the engine's
    ``energy`` evidence, where that factor exists), the plain dumping density (sigma
    :data:`DUMPING_BASELINE_BANDWIDTH_M`) and the plain report density (sigma
    :data:`REPORT_BASELINE_BANDWIDTH_M`).  It does not follow the engine's other factors,
    so that a new factor of the engine does not move the baseline it is compared with.
    """
    address_ids = analysis.evidence.address_ids
    columns = {
        "vacant_and_large": vacant_and_large_scores(known, analysis, as_of),
        "dumpings": plain_density_scores("dumpings", DUMPING_BASELINE_BANDWIDTH_M)(
            known, analysis, as_of
        ),
        "reports": plain_density_scores("reports", REPORT_BASELINE_BANDWIDTH_M)(
            known, analysis, as_of
        ),
    }
    if "energy" in analysis.evidence.raw:
        columns["energy"] = analysis.evidence.raw["energy"]
    raw = pd.DataFrame({name: values.reindex(address_ids) for name, values in columns.items()})
    spread = raw.std(ddof=0)
    z = (raw - raw.mean()) / spread.where(spread > 0)
    return z.fillna(0.0).sum(axis=1)


def baseline_methods(specs: Sequence[LayerSpec], *, seed: int = DEFAULT_SEED) -> list[Method]:
    """The baselines a sceptical partner would propose.

    ``vacancy_only`` and ``energy_only`` need the factors ``vacant_buildings`` and
    ``energy`` among ``specs``; without them they are left out (logged).
    ``vacant_and_large`` ranks the register's addresses first, each group by floor area
    (:mod:`buitengebied.evaluation.premises`).

    Parameters
    ----------
    specs : sequence of LayerSpec
        The engine's factors.
    seed : int
        Seed of the ``random`` baseline.

    Returns
    -------
    list of Method
    """
    factors = {spec.name for spec in specs}
    methods = [Method("random", "Willekeurig (loting)", random_scores(seed))]
    for factor, name, label in (
        ("vacant_buildings", "vacancy_only", "Alleen leegstand"),
        ("energy", "energy_only", "Alleen stroomverbruik"),
    ):
        if factor in factors:
            methods.append(Method(name, label, factor_scores(factor)))
        else:
            logger.warning("baseline %s left out: no factor '%s' among the layers", name, factor)
    methods += [
        Method("vacant_and_large", "Eerst leegstaand en groot", vacant_and_large_scores),
        Method(
            "dumping_density",
            "Dichtheid dumpingen (3 km)",
            plain_density_scores("dumpings", DUMPING_BASELINE_BANDWIDTH_M),
        ),
        Method(
            "report_density",
            "Dichtheid meldingen (400 m)",
            plain_density_scores("reports", REPORT_BASELINE_BANDWIDTH_M),
        ),
        Method("naive_z_sum", "Optelsom van z-scores", naive_z_sum_scores),
    ]
    return methods


EXPERT_METHOD = Method("expert", "buitengebied (expertmodel)", expert_scores, is_model=True)


def model_methods() -> list[Method]:
    """The learned model and the automatic choice, sharing one fit per cut-off.

    ``learned`` ranks with the model learned from the inspection history known at the
    cut-off (:func:`buitengebied.scoring.training.fit_learned_model`); where it refuses to
    learn, the cut-off is ranked with the expert weights and recorded with the reason.
    ``auto`` is what ``buitengebied rank`` does by default
    (:func:`buitengebied.scoring.choice.choose_model`): the learned model where its blocked
    validation beats the expert weights, else the expert score; a cut-off where it keeps
    the expert score is recorded with the reason.

    Returns
    -------
    list of Method
    """
    # Imported here: scikit-learn costs an expert-only evaluation a second of start-up.
    from buitengebied.scoring.choice import choose_model, score_with_model
    from buitengebied.scoring.training import fit_learned_model

    # The last cut-off's fit and probabilities, for the analysis they were made on: both
    # methods read them, and a new analysis (next cut-off, other data or layers) refits.
    last: dict[str, tuple[Analysis, LearnedFit, pd.Series | None]] = {}

    def fitted(
        known: Dataset, analysis: Analysis, as_of: pd.Timestamp
    ) -> tuple[LearnedFit, pd.Series | None]:
        if "fit" not in last or last["fit"][0] is not analysis:
            # Only the dataset known at the cut-off is passed: training cannot see the outcome.
            learned = fit_learned_model(known, as_of=as_of, specs=analysis.specs)
            probabilities = None
            if learned.model is not None:
                table = score_with_model(analysis, learned.model).table.set_index("address_id")
                # Probabilities rank in the same order as the explained score.
                probabilities = table["probability"]
            last["fit"] = (analysis, learned, probabilities)
        return last["fit"][1], last["fit"][2]

    def ranked_by(kind: ModelKind) -> RankingFunction:
        def scores(known: Dataset, analysis: Analysis, as_of: pd.Timestamp) -> pd.Series:
            learned, probabilities = fitted(known, analysis, as_of)
            choice = choose_model(kind, learned)
            if choice.kind == "learned" and probabilities is not None:
                return probabilities.rename(kind.value)
            expert = expert_scores(known, analysis, as_of).rename(kind.value)
            expert.attrs.update(fallback=True, reason=choice.reason)
            return expert

        return scores

    return [
        Method(
            "learned",
            "buitengebied (geleerd model)",
            ranked_by(ModelKind.LEARNED),
            is_model=True,
            probabilistic=True,
        ),
        Method(
            "auto", "buitengebied (automatische keuze)", ranked_by(ModelKind.AUTO), is_model=True
        ),
    ]


def select_methods(
    specs: Sequence[LayerSpec],
    *,
    model: EvaluationModels | str = EvaluationModels.ALL,
    seed: int = DEFAULT_SEED,
) -> list[Method]:
    """The model rankings chosen by ``model`` followed by the baselines.

    Parameters
    ----------
    specs : sequence of LayerSpec
        The engine's factors.
    model : EvaluationModels or its value
        ``expert``: the expert engine; ``learned``: the learned model; ``auto``: the
        automatic choice between them (``rank``'s default); ``all``: all three.
    seed : int
        Seed of the ``random`` baseline.

    Returns
    -------
    list of Method
    """
    chosen = EvaluationModels(model).kinds()
    methods = [EXPERT_METHOD] if ModelKind.EXPERT in chosen else []
    if set(chosen) - {ModelKind.EXPERT}:
        methods += [m for m in model_methods() if m.name in chosen]
    return methods + baseline_methods(specs, seed=seed)


def score_methods(
    dataset: Dataset,
    *,
    as_of: pd.Timestamp,
    specs: list[LayerSpec],
    methods: Sequence[Method],
) -> tuple[Analysis, pd.DataFrame]:
    """Every method's scores as known at ``as_of``.

    Parameters
    ----------
    dataset : Dataset
        All records; each method sees only those known at ``as_of``.
    as_of : pandas.Timestamp
        The cut-off.
    specs : list of LayerSpec
        The engine's factors.
    methods : sequence of Method
        What to score.

    Returns
    -------
    analysis : Analysis
        The engine's analysis at ``as_of``.
    scores : pandas.DataFrame
        One column per method, indexed by ``address_id`` in the dataset's order; a
        method's missing scores are set below its lowest score (logged).
        ``scores.attrs["fallback"]`` maps the methods whose scores said (through their own
        ``attrs["fallback"]``) that they fell back on something simpler to the reason.
    """
    analysis = analyse(dataset, as_of=as_of, specs=specs)
    address_ids = analysis.evidence.address_ids
    columns = {}
    fallbacks = {}
    for method in methods:
        returned = method.scores(analysis.dataset, analysis, as_of)
        if returned.attrs.get("fallback"):
            fallbacks[method.name] = str(returned.attrs.get("reason", ""))
        values = returned.reindex(address_ids).astype(float)
        if values.isna().any():
            logger.warning(
                "%s: %d address(es) without a score at %s; ranked last",
                method.name,
                int(values.isna().sum()),
                as_of.isoformat(),
            )
            lowest = values.min()
            values = values.fillna(lowest - 1.0 if pd.notna(lowest) else 0.0)
        columns[method.name] = values.to_numpy(dtype=float)
    scores = pd.DataFrame(columns, index=address_ids)
    scores.attrs["fallback"] = fallbacks
    return analysis, scores


@dataclass
class BacktestResult:
    """Everything the backtest found, for the terminal, the CSV and the report.

    Attributes
    ----------
    as_of : pandas.Timestamp
        Moment of the evaluation.
    horizon_days : int
        Length of each outcome window.
    cell_size_m : float
        Grid cell size of the PAI.
    cutoffs : list of pandas.Timestamp
        The cut-offs evaluated, oldest first.
    methods : dict of str to str
        Name -> Dutch label of every method, models first.
    model_methods : list of str
        The methods the project offers (not baselines).
    n_addresses : int
        Addresses ranked.
    n_area_cells : int
        Grid cells covering the area.
    find_addresses : pandas.Index
        Distinct addresses with a confirmed find in any window.
    per_cutoff : pandas.DataFrame
        Long format: ``cutoff``, ``window_end``, ``method``, ``metric``, ``value``,
        ``n_finds`` (find-addresses in the window).
    summary : pandas.DataFrame
        Long format: ``aggregation`` (``mean`` over cut-offs with finds, or ``pooled``),
        ``method``, ``metric``, ``value``.
    curves : pandas.DataFrame
        Pooled hit rate against share of area flagged: ``method``, ``address_share``,
        ``area_share``, ``hit_rate``; empty without finds.
    calibration : pandas.DataFrame
        Pooled over cut-offs: ``method``, ``kind`` (``probability`` bins or score
        ``decile``, 10 = top), ``bin``, ``n_addresses``, ``n_finds``, ``mean_score``,
        ``find_rate``.
    bias : dict of str to BiasDiagnostic
        Per model method, averaged over cut-offs.
    bias_per_cutoff : pandas.DataFrame
        ``cutoff``, ``method``, ``proxy``, ``spearman``, ``top_overlap``, ``r_squared``.
    fallbacks : pandas.DataFrame
        ``cutoff``, ``method``, ``reason`` for every cut-off at which a method fell back
        on something simpler (e.g. a learned model without enough finds to learn from).
    """

    as_of: pd.Timestamp
    horizon_days: int
    cell_size_m: float
    cutoffs: list[pd.Timestamp]
    methods: dict[str, str]
    model_methods: list[str]
    n_addresses: int
    n_area_cells: int
    find_addresses: pd.Index
    per_cutoff: pd.DataFrame
    summary: pd.DataFrame
    curves: pd.DataFrame
    calibration: pd.DataFrame
    bias: dict[str, BiasDiagnostic] = field(default_factory=dict)
    bias_per_cutoff: pd.DataFrame = field(default_factory=pd.DataFrame)
    fallbacks: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["cutoff", "method", "reason"])
    )

    @property
    def finds_per_cutoff(self) -> pd.Series:
        """Find-addresses per cut-off window."""
        return self.per_cutoff.groupby("cutoff", sort=True)["n_finds"].first()

    @property
    def has_finds(self) -> bool:
        """At least one window holds a confirmed find: there is something to evaluate."""
        return bool(len(self.per_cutoff)) and bool((self.per_cutoff["n_finds"] > 0).any())

    def summary_table(self, aggregation: str = "mean") -> pd.DataFrame:
        """Metrics as a wide table: one row per method (in order), one column per metric."""
        rows = self.summary[self.summary["aggregation"] == aggregation]
        table = rows.pivot(index="method", columns="metric", values="value")
        return table.reindex(index=list(self.methods), columns=metric_names())

    def comparisons(self, metrics: Sequence[str] = HEADLINE_METRICS) -> pd.DataFrame:
        """Every model method against every baseline, paired by cut-off, with an interval.

        See :mod:`buitengebied.evaluation.comparison`: the mean difference over the cut-offs with
        finds, its moving-block bootstrap interval (blocks as long as the windows overlap)
        and the verdict ``ahead`` / ``behind`` / ``undecided``.
        """
        baselines = [m for m in self.methods if m not in self.model_methods]
        found = compare_methods(
            self.per_cutoff,
            methods=self.model_methods,
            baselines=baselines,
            metrics=list(metrics),
            block_length=overlap_block_length(self.cutoffs, self.horizon_days),
            n_find_addresses=len(self.find_addresses),
        )
        return comparison_table(found)

    def best_methods(self, aggregation: str = "mean") -> pd.DataFrame:
        """Mask of :meth:`summary_table`: True at each column's maximum.

        A column where every method scores the same (e.g. all 0) has no best.
        """
        table = self.summary_table(aggregation)
        best = table.max(axis=0, skipna=True)
        differs = best > table.min(axis=0, skipna=True)
        return table.eq(best, axis=1) & differs


def run_backtest(
    dataset: Dataset,
    *,
    as_of: pd.Timestamp,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    cutoffs: Sequence[pd.Timestamp],
    specs: list[LayerSpec],
    methods: Sequence[Method],
    on_progress: ProgressCallback | None = None,
    cell_size_m: float = DEFAULT_CELL_SIZE_M,
    outcomes: OutcomeFunction | None = None,
) -> BacktestResult:
    """Rank at every cut-off with every method and score against the finds that followed.

    Parameters
    ----------
    dataset : Dataset
        All validated records (load once with :func:`buitengebied.load.directory.load_data_dir`).
    as_of : pandas.Timestamp
        Moment of the evaluation; cut-offs whose window ends after it are dropped.
    horizon_days : int
        Length of each outcome window ``[T, T + horizon_days)``.
    cutoffs : sequence of pandas.Timestamp
        The cut-offs ``T`` (see :func:`rolling_cutoffs`).
    specs : list of LayerSpec
        The engine's factors.
    methods : sequence of Method
        What to compare (see :func:`select_methods`).
    on_progress : callable, optional
        Receives ``(step, fraction)`` after each cut-off.
    cell_size_m : float
        Grid cell size of the PAI's area measure.
    outcomes : callable, optional
        ``(start, end) -> addresses`` that count as hits in the window; default: the
        confirmed finds of the dataset's own ``inspections`` (:func:`window_finds`).
        Synthetic scenarios pass their ground truth here.

    Returns
    -------
    BacktestResult
        Without any find in any window the metrics are NaN and the curves empty.
    """
    hits_in: OutcomeFunction = outcomes or partial(window_finds, dataset)
    usable = sorted(t for t in cutoffs if window_end(t, horizon_days) <= as_of)
    if len(usable) < len(cutoffs):
        logger.warning(
            "%d cut-off(s) dropped: outcome not known by as-of", len(cutoffs) - len(usable)
        )
    cells = cell_codes(address_xy(dataset), cell_size_m)
    n_area_cells = area_cell_count(dataset.area, cell_size_m)
    k_levels = _curve_levels(len(dataset.addresses))
    rows: list[dict[str, object]] = []
    evaluations: dict[str, list[RankingEvaluation]] = {m.name: [] for m in methods}
    calibration: list[pd.DataFrame] = []
    bias: dict[str, list[BiasDiagnostic]] = {m.name: [] for m in methods if m.is_model}
    bias_rows: list[pd.DataFrame] = []
    fallbacks: list[tuple[pd.Timestamp, str, str]] = []
    for step, cutoff in enumerate(usable):
        if on_progress is not None:
            on_progress(f"cut-off {_local_date(cutoff)}", step / len(usable))
        end = window_end(cutoff, horizon_days)
        analysis, scores = score_methods(dataset, as_of=cutoff, specs=specs, methods=methods)
        fallbacks += [(cutoff, name, reason) for name, reason in scores.attrs["fallback"].items()]
        finds = hits_in(cutoff, end)
        proxies = effort_proxies(analysis.dataset) if bias else None
        inspected = inspected_before(analysis.dataset) if bias else None
        for method in methods:
            method_scores = scores[method.name]
            evaluation = evaluate_ranking(
                method_scores, finds, cells=cells, n_area_cells=n_area_cells, k_levels=k_levels
            )
            evaluations[method.name].append(evaluation)
            rows += [
                {
                    "cutoff": cutoff,
                    "window_end": end,
                    "method": method.name,
                    "metric": metric,
                    "value": value,
                    "n_finds": evaluation.n_finds,
                }
                for metric, value in evaluation.metrics.items()
            ]
            calibration.append(
                _calibration_counts(
                    method, method_scores, evaluation.labels, evaluation.percentiles
                )
            )
            if proxies is not None and method.name in bias:
                diagnostic = bias_diagnostic(method_scores, proxies, inspected=inspected)
                bias[method.name].append(diagnostic)
                bias_rows.append(_bias_rows(diagnostic, cutoff, method.name))
    if on_progress is not None:
        on_progress("backtest done", 1.0)
    return BacktestResult(
        as_of=as_of,
        horizon_days=horizon_days,
        cell_size_m=cell_size_m,
        cutoffs=usable,
        methods={m.name: m.label for m in methods},
        model_methods=[m.name for m in methods if m.is_model],
        n_addresses=len(dataset.addresses),
        n_area_cells=n_area_cells,
        find_addresses=hits_in(usable[0], window_end(usable[-1], horizon_days))
        if usable
        else pd.Index([], dtype=object, name="address_id"),
        per_cutoff=pd.DataFrame(
            rows, columns=["cutoff", "window_end", "method", "metric", "value", "n_finds"]
        ),
        summary=_summarise(evaluations),
        curves=_pooled_curves(evaluations),
        calibration=_pool_calibration(calibration),
        bias={name: mean_diagnostic(found) for name, found in bias.items() if found},
        bias_per_cutoff=pd.concat(bias_rows, ignore_index=True) if bias_rows else pd.DataFrame(),
        fallbacks=pd.DataFrame(fallbacks, columns=["cutoff", "method", "reason"]),
    )


def _local_date(moment: pd.Timestamp) -> str:
    return moment.tz_convert(LOCAL_TIMEZONE).date().isoformat()


def _curve_levels(n_addresses: int) -> np.ndarray:
    shares = np.geomspace(1.0 / n_addresses, 1.0, CURVE_POINTS)
    return np.unique(np.clip(np.ceil(shares * n_addresses - 1e-9), 1, n_addresses).astype(np.int64))


def _summarise(evaluations: dict[str, list[RankingEvaluation]]) -> pd.DataFrame:
    rows = []
    for method, found in evaluations.items():
        with_finds = [e for e in found if e.n_finds]
        pooled = pool_evaluations(found)
        for metric in metric_names():
            values = np.array([e.metrics[metric] for e in with_finds], dtype=float)
            values = values[np.isfinite(values)]
            mean = float(values.mean()) if values.size else math.nan
            rows.append(("mean", method, metric, mean))
            rows.append(("pooled", method, metric, pooled[metric]))
    return pd.DataFrame(rows, columns=["aggregation", "method", "metric", "value"])


def _pooled_curves(evaluations: dict[str, list[RankingEvaluation]]) -> pd.DataFrame:
    frames = []
    for method, found in evaluations.items():
        total_finds = sum(e.n_finds for e in found)
        if not total_finds or not found[0].n_area_cells:
            continue
        levels = found[0].k_levels
        hits = np.sum([e.hits for e in found], axis=0)
        weighted_area = np.sum([e.n_finds * e.cells / e.n_area_cells for e in found], axis=0)
        frames.append(
            pd.DataFrame(
                {
                    "method": method,
                    "address_share": levels / len(found[0].labels),
                    "area_share": weighted_area / total_finds,
                    "hit_rate": hits / total_finds,
                }
            )
        )
    columns = ["method", "address_share", "area_share", "hit_rate"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def _calibration_counts(
    method: Method, scores: pd.Series, labels: np.ndarray, percentiles: np.ndarray
) -> pd.DataFrame:
    values = scores.to_numpy(dtype=float)
    if method.probabilistic and values.min() >= 0.0 and values.max() <= 1.0:
        kind = "probability"
        bins = np.minimum((values * CALIBRATION_BINS).astype(np.int64) + 1, CALIBRATION_BINS)
    else:
        kind = "decile"
        bins = np.clip(np.ceil(percentiles * CALIBRATION_BINS - 1e-9), 1, CALIBRATION_BINS)
    bins = bins.astype(np.int64)
    size = CALIBRATION_BINS + 1
    counts = pd.DataFrame(
        {
            "bin": np.arange(size),
            "n_addresses": np.bincount(bins, minlength=size),
            "n_finds": np.bincount(bins, weights=labels.astype(float), minlength=size),
            "score_sum": np.bincount(bins, weights=values, minlength=size),
        }
    )
    return counts[counts["n_addresses"] > 0].assign(method=method.name, kind=kind)


def _pool_calibration(parts: list[pd.DataFrame]) -> pd.DataFrame:
    columns = ["method", "kind", "bin", "n_addresses", "n_finds", "mean_score", "find_rate"]
    if not parts:
        return pd.DataFrame(columns=columns)
    pooled = (
        pd.concat(parts, ignore_index=True)
        .groupby(["method", "kind", "bin"], sort=False)[["n_addresses", "n_finds", "score_sum"]]
        .sum()
        .reset_index()
    )
    pooled["n_finds"] = pooled["n_finds"].round().astype(np.int64)
    pooled["mean_score"] = pooled["score_sum"] / pooled["n_addresses"]
    pooled["find_rate"] = pooled["n_finds"] / pooled["n_addresses"]
    return pooled.sort_values(["method", "kind", "bin"], kind="stable")[columns].reset_index(
        drop=True
    )


def _bias_rows(diagnostic: BiasDiagnostic, cutoff: pd.Timestamp, method: str) -> pd.DataFrame:
    table = diagnostic.table.reset_index()
    return table.assign(cutoff=cutoff, method=method, r_squared=diagnostic.r_squared)[
        ["cutoff", "method", "proxy", "spearman", "top_overlap", "r_squared"]
    ]


def write_backtest_csv(result: BacktestResult, path: Path) -> None:
    """Write the per cut-off metrics (long format) with local ISO dates.

    Parameters
    ----------
    result : BacktestResult
        The backtest.
    path : Path
        Target CSV: ``cutoff``, ``window_end``, ``method``, ``metric``, ``value``,
        ``n_finds``.
    """
    table = result.per_cutoff.copy()
    for column in ("cutoff", "window_end"):
        table[column] = [m.tz_convert(LOCAL_TIMEZONE).isoformat() for m in table[column]]
    write_csv(table, path)


def write_comparison_csv(result: BacktestResult, path: Path) -> None:
    """Write :meth:`BacktestResult.comparisons` as CSV."""
    write_csv(result.comparisons(), path)


def write_summary_csv(result: BacktestResult, path: Path) -> None:
    """Write the aggregated metrics (``aggregation``, ``method``, ``metric``, ``value``)."""
    write_csv(result.summary, path)
