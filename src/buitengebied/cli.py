"""Command-line front: ``buitengebied rank | surface | validate``.

A thin shell over :mod:`buitengebied.engine`: it parses options, shows progress and
prints errors without a traceback (exit code 2 for bad input).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from buitengebied.contract import LAYER_SCHEMAS
from buitengebied.engine import Analysis, analyse_directory, ranking_table
from buitengebied.errors import BuitengebiedError, ValidationError
from buitengebied.io import read_layer_file, write_text_csv
from buitengebied.load import LOAD_ORDER, find_layer_files
from buitengebied.surface import risk_surface, write_surface
from buitengebied.timeutil import parse_as_of
from buitengebied.validate import validate_layer

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


def _analyse(
    data_dir: Path, as_of: str | None, layers: Path | None, lenient: bool, rejects: Path
) -> Analysis:
    moment = parse_as_of(as_of)
    with _progress() as update:
        return analyse_directory(
            data_dir,
            as_of=moment,
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


@app.command()
def rank(
    data_dir: DataDir,
    out: Annotated[
        Path, typer.Option("--out", help="Output CSV: address_id, score, rank, top_factors.")
    ],
    as_of: AsOf = None,
    layers: Layers = None,
    lenient: Lenient = False,
    rejects: Rejects = None,
) -> None:
    """Rank every address by risk as known on --as-of."""
    try:
        analysis = _analyse(data_dir, as_of, layers, lenient, rejects or out.parent / "rejects")
        write_text_csv(ranking_table(analysis.scores), out)
        meta = {
            "as_of": analysis.as_of.isoformat(),
            "layers_used": analysis.scores.layers_used,
            "weights": analysis.scores.weights,
            "scales": analysis.scores.scales,
            "addresses": len(analysis.dataset.addresses),
        }
        out.with_suffix(".meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    except BuitengebiedError as exc:
        _fail(exc)
    _summarise(analysis)
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
    """Write the risk surface over the area as a GeoTIFF."""
    try:
        analysis = _analyse(data_dir, as_of, layers, lenient, rejects or out.parent / "rejects")
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
        layer_files, ignored = find_layer_files(data_dir)
    except BuitengebiedError as exc:
        _fail(exc)
    problems_found = False
    address_ids = None
    for name in [n for n in LOAD_ORDER if n in layer_files]:
        path = layer_files[name]
        try:
            layer = validate_layer(
                read_layer_file(path, layer_name=name), LAYER_SCHEMAS[name], address_ids=address_ids
            )
        except ValidationError as exc:
            errors.print(str(exc), highlight=False, soft_wrap=True)
            problems_found = True
            continue
        if name == "addresses":
            address_ids = pd.Index(layer.frame.loc[~layer.bad_rows, "address_id"])
        if layer.problems:
            errors.print(
                str(ValidationError(path, layer.problems)), highlight=False, soft_wrap=True
            )
            problems_found = True
        else:
            typer.echo(f"{path.name}: ok, {len(layer.frame):,} rows")
    for path in ignored:
        typer.echo(f"{path.name}: ignored (not a contract layer)")
    if problems_found:
        raise typer.Exit(code=2)


def main() -> None:
    """Entry point for ``python -m buitengebied``."""
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s: %(message)s", stream=sys.stderr
    )
    app()
