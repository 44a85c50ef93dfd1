"""Command-line front: ``buitengebied rank | surface | validate | evaluate``.

A thin shell over :mod:`buitengebied.scoring.analysis`: it parses options, shows progress and
prints errors without a traceback (exit code 2 for bad input).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from buitengebied.errors import BuitengebiedError
from buitengebied.evidence.layerspec import load_layer_specs
from buitengebied.io import write_text_csv
from buitengebied.load.directory import check_data_dir, load_data_dir
from buitengebied.scoring.analysis import Analysis
from buitengebied.scoring.choice import DEFAULT_MODEL_KIND, ModelKind
from buitengebied.scoring.ranking import Ranking, rank_directory, ranking_table
from buitengebied.settings import (
    EVALUATION_CELL_SIZE_M,
    EVALUATION_HORIZON_DAYS,
    EVALUATION_MODELS,
    EVALUATION_MONTHS,
    EVALUATION_STEP_MONTHS,
)
from buitengebied.timeutil import parse_as_of

if TYPE_CHECKING:
    from buitengebied.evaluation.backtest import BacktestResult

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Risk mapping for the rural outer area (Veilig Buitengebied).",
)
errors = Console(stderr=True)

DataDir = Annotated[Path, typer.Argument(help="Data directory following the data contract.")]
AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Moment of the ranking: YYYY-MM-DD (00:00 Europe/Amsterdam) or a date-time. Default: today.",
    ),
]
Layers = Annotated[
    Path | None, typer.Option("--layers", help="Directory of layer files (default: layers/).")
]
Lenient = Annotated[
    bool,
    typer.Option(
        "--lenient", help="Load the valid rows of bad files; write rejected rows to --rejects."
    ),
]
Rejects = Annotated[
    Path | None,
    typer.Option(
        "--rejects", help="Folder for rejected rows in lenient mode (default: beside --out)."
    ),
]


@contextmanager
def _progress() -> Iterator[Callable[[str, float], None]]:
    with Progress(
        TextColumn("{task.description:<32}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
        disable=not errors.is_terminal,
    ) as bar:
        task = bar.add_task("starting", total=1.0)

        def update(step: str, fraction: float) -> None:
            bar.update(task, description=step, completed=fraction)

        yield update


def _fail(exc: BuitengebiedError) -> None:
    errors.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


def _rank(
    data_dir: Path,
    as_of: str | None,
    layers: Path | None,
    lenient: bool,
    rejects: Path,
    model: ModelKind = ModelKind.EXPERT,
) -> Ranking:
    moment = parse_as_of(as_of)
    with _progress() as update:
        return rank_directory(
            data_dir,
            as_of=moment,
            model=model,
            layers_dir=layers,
            lenient=lenient,
            rejects_dir=rejects,
            on_progress=update,
        )


def _summarise(analysis: Analysis) -> None:
    dataset = analysis.dataset
    used = ", ".join(analysis.scores.layers_used) or "none"
    errors.print(
        f"{len(dataset.addresses):,} addresses ranked as known on {analysis.as_of.isoformat()}; "
        f"layers used: {used}",
        highlight=False,
    )
    for layer, count in dataset.rejected_rows.items():
        errors.print(f"  {layer}: {count:,} row(s) rejected (lenient)", highlight=False)
    for path in dataset.ignored_files:
        errors.print(f"  ignored (not a contract layer): {path.name}", highlight=False)


Model = Annotated[
    ModelKind,
    typer.Option(
        "--model",
        help="expert | learned (from inspection outcomes) | auto: learned only where it "
        "beats the expert weights in blocked validation.",
    ),
]


@app.command()
def rank(
    data_dir: DataDir,
    out: Annotated[
        Path, typer.Option("--out", help="Output CSV: address_id, score, rank, top_factors.")
    ],
    as_of: AsOf = None,
    model: Model = DEFAULT_MODEL_KIND,
    layers: Layers = None,
    lenient: Lenient = False,
    rejects: Rejects = None,
) -> None:
    """Rank every address by risk as known on --as-of."""
    try:
        ranking = _rank(data_dir, as_of, layers, lenient, rejects or out.parent / "rejects", model)
        write_text_csv(ranking_table(ranking.scores), out)
        analysis = ranking.analysis
        meta = {
            "as_of": analysis.as_of.isoformat(),
            "model": ranking.choice.kind,
            "model_reason": ranking.choice.reason,
            "layers_used": ranking.scores.layers_used,
            "weights": ranking.scores.weights,
            "weights_scale": "expert" if ranking.choice.kind == "expert" else "logit",
            "scales": ranking.scores.scales,
            "addresses": len(analysis.dataset.addresses),
        }
        out.with_suffix(".meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    except BuitengebiedError as exc:
        _fail(exc)
    _summarise(analysis)
    errors.print(f"model: {ranking.choice.kind} ({ranking.choice.reason})", highlight=False)
    errors.print(f"written: {out}", highlight=False)


@app.command()
def surface(
    data_dir: DataDir,
    out: Annotated[Path, typer.Option("--out", help="Output GeoTIFF (EPSG:28992).")],
    as_of: AsOf = None,
    cell_size: Annotated[
        float, typer.Option("--cell-size", min=1.0, help="Cell size in metres.")
    ] = 100.0,
    layers: Layers = None,
    lenient: Lenient = False,
    rejects: Rejects = None,
) -> None:
    """Write the risk surface (expert weights) over the area as a GeoTIFF."""
    # Imported here: rasterio costs every other command a fifth of a second of start-up.
    from buitengebied.scoring.surface import risk_surface, write_surface

    try:
        analysis = _rank(
            data_dir, as_of, layers, lenient, rejects or out.parent / "rejects"
        ).analysis
        with _progress() as update:
            grid = risk_surface(
                analysis.dataset,
                analysis.specs,
                analysis.scores,
                as_of=analysis.as_of,
                cell_size_m=cell_size,
                on_progress=update,
            )
        write_surface(grid, out, as_of=analysis.as_of)
    except BuitengebiedError as exc:
        _fail(exc)
    _summarise(analysis)
    rows, cols = grid.risk.shape
    errors.print(f"written: {out} ({cols} x {rows} cells of {cell_size:g} m)", highlight=False)


@app.command()
def validate(data_dir: DataDir) -> None:
    """Report every problem in a data directory, without ranking."""
    try:
        checks, ignored = check_data_dir(data_dir)
    except BuitengebiedError as exc:
        _fail(exc)
    for check in checks:
        if check.error is not None:
            errors.print(str(check.error), highlight=False, soft_wrap=True)
        else:
            typer.echo(f"{check.path.name}: ok, {check.rows:,} rows")
    for path in ignored:
        typer.echo(f"{path.name}: ignored (not a contract layer)")
    if any(check.error is not None for check in checks):
        raise typer.Exit(code=2)


_EVALUATION_COLUMNS = {
    "hit_rate_top10": "top 10",
    "hit_rate_top25": "top 25",
    "hit_rate_top50": "top 50",
    "hit_rate_top1pct": "top 1%",
    "hit_rate_top5pct": "top 5%",
    "pai_1pct": "PAI 1%",
    "pai_5pct": "PAI 5%",
    "average_precision": "AP",
}


def _metric_text(metric: str, value: float) -> str:
    if pd.isna(value):
        return "n/a"
    if metric.startswith("hit_rate"):
        return f"{100 * value:.1f}%"
    return f"{value:.2f}" if metric.startswith("pai") else f"{value:.4f}"


def _evaluation_table(result: BacktestResult, aggregation: str, title: str) -> Table:
    summary = result.summary_table(aggregation)
    best = result.best_methods(aggregation)
    table = Table(title=title, title_justify="left")
    table.add_column("method", no_wrap=True)
    for metric in summary.columns:
        table.add_column(_EVALUATION_COLUMNS.get(str(metric), str(metric)), justify="right")
    for method, values in summary.iterrows():
        cells = []
        for metric, value in values.items():
            text = _metric_text(str(metric), value)
            cells.append(f"[bold green]{text}*[/]" if best.at[method, metric] else text)
        table.add_row(str(method), *cells)
    return table


def _print_comparisons(console: Console, result: BacktestResult) -> None:
    """Per model method and baseline: the lead at the top 1 % and in AP, with its interval."""
    table = result.comparisons()
    table = table[table["metric"].isin(["hit_rate_top1pct", "average_precision"])]
    if table.empty:
        return
    console.print(
        f"Lead over each baseline, mean over cut-offs with a 90% block-bootstrap interval "
        f"(blocks of {int(table['block_length'].max())} overlapping cut-offs):",
        highlight=False,
    )
    for (method, baseline), rows in table.groupby(["method", "baseline"], sort=False):
        parts = [
            f"{row.metric} {row.mean_difference:+.3f} [{row.low:+.3f}, {row.high:+.3f}] "
            f"{row.verdict}"
            for row in rows.itertuples()
        ]
        console.print(f"  {method} vs {baseline}: " + "; ".join(parts), highlight=False)


def _print_evaluation(result: BacktestResult) -> None:
    console = Console()
    if not console.is_terminal:
        console = Console(width=max(console.width, 120))
    finds = result.finds_per_cutoff
    console.print(
        f"{len(result.cutoffs)} cut-offs, {int((finds > 0).sum())} with finds; "
        f"{len(result.find_addresses)} distinct find-address(es) in "
        f"{result.horizon_days}-day windows; {result.n_addresses:,} addresses",
        highlight=False,
    )
    if not result.has_finds:
        console.print(
            "[bold]Nothing to evaluate against:[/] no confirmed find in any window; "
            "all metrics are n/a."
        )
    console.print(_evaluation_table(result, "mean", "Mean over cut-offs with finds (* = best)"))
    console.print(_evaluation_table(result, "pooled", "Pooled over cut-offs (* = best)"))
    _print_comparisons(console, result)
    for method, diagnostic in result.bias.items():
        overlaps = ", ".join(
            f"{proxy} rho={row.spearman:.2f} top-1% overlap={row.top_overlap:.0%}"
            for proxy, row in diagnostic.table.iterrows()
        )
        console.print(f"bias ({method}): {diagnostic.message}; {overlaps}", highlight=False)
    for method, rows in result.fallbacks.groupby("method", sort=False):
        console.print(
            f"note: {method} fell back at {len(rows)} of {len(result.cutoffs)} cut-offs "
            f"({rows['reason'].iloc[-1]})",
            highlight=False,
        )


@app.command()
def evaluate(
    data_dir: DataDir,
    as_of: AsOf = None,
    horizon_days: Annotated[
        int, typer.Option("--horizon-days", min=1, help="Outcome window after each cut-off.")
    ] = EVALUATION_HORIZON_DAYS,
    months: Annotated[
        int, typer.Option("--months", min=1, help="How far back the first cut-off lies.")
    ] = EVALUATION_MONTHS,
    step_months: Annotated[
        int, typer.Option("--step-months", min=1, help="Months between cut-offs.")
    ] = EVALUATION_STEP_MONTHS,
    out_dir: Annotated[
        Path, typer.Option("--out-dir", help="Folder for backtest.csv and report.html.")
    ] = Path("evaluation"),
    cell_size: Annotated[
        float, typer.Option("--cell-size", min=1.0, help="Grid cell size (m) of the PAI.")
    ] = EVALUATION_CELL_SIZE_M,
    model: Annotated[
        str,
        typer.Option(
            "--model",
            help="expert | learned | auto (the choice rank makes by default) | all (the three).",
        ),
    ] = "all",
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random baseline.")] = 0,
    layers: Layers = None,
    lenient: Lenient = False,
    rejects: Rejects = None,
) -> None:
    """Backtest the ranking against later confirmed finds, beside simple baselines."""
    if model not in EVALUATION_MODELS:
        raise typer.BadParameter(
            f"choose one of {', '.join(EVALUATION_MODELS)}", param_hint="--model"
        )
    # Imported here: plotting and the backtest cost every other command a second of start-up.
    from buitengebied.evaluation import backtest
    from buitengebied.evaluation.report import write_report

    try:
        moment = parse_as_of(as_of)
        specs = load_layer_specs(layers)
        with _progress() as update:
            dataset = load_data_dir(
                data_dir,
                lenient=lenient,
                rejects_dir=rejects or out_dir / "rejects",
                on_progress=update,
            )
        cutoffs = backtest.rolling_cutoffs(
            moment, months=months, step_months=step_months, horizon_days=horizon_days
        )
        if not cutoffs:
            errors.print(
                f"no cut-off has a complete {horizon_days}-day window before "
                f"{moment.isoformat()}: raise --months or lower --horizon-days",
                highlight=False,
            )
        methods = backtest.select_methods(specs, model=model, seed=seed)
        with _progress() as update:
            result = backtest.run_backtest(
                dataset,
                as_of=moment,
                horizon_days=horizon_days,
                cutoffs=cutoffs,
                specs=specs,
                methods=methods,
                on_progress=update,
                cell_size_m=cell_size,
            )
    except BuitengebiedError as exc:
        _fail(exc)
    backtest.write_backtest_csv(result, out_dir / "backtest.csv")
    backtest.write_summary_csv(result, out_dir / "summary.csv")
    backtest.write_comparison_csv(result, out_dir / "comparison.csv")
    write_report(result, out_dir / "report.html")
    _print_evaluation(result)
    written = ", ".join(
        str(out_dir / name)
        for name in ("backtest.csv", "summary.csv", "comparison.csv", "report.html")
    )
    errors.print(f"written: {written}", highlight=False)


def main() -> None:
    """Entry point for ``python -m buitengebied``."""
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s: %(message)s", stream=sys.stderr
    )
    app()
