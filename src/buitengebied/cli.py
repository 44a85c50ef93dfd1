"""Command-line front: ``buitengebied rank | surface | validate | evaluate | plan | app | create-admin``.

A thin shell over the library (:mod:`buitengebied.scoring.ranking`,
:mod:`buitengebied.evaluation.run`): it parses options, shows progress and prints results
and errors without a traceback (exit code 2 for bad input and refused outputs).

Everything printed is plain text: never parsed as Rich markup, and control characters
(terminal escape sequences in a file name or value) are shown as visible escapes
(:func:`shown`).
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from buitengebied.access.passwords import password_problems
from buitengebied.errors import BuitengebiedError
from buitengebied.io.outputs import check_output_path
from buitengebied.load.directory import check_data_dir
from buitengebied.planning.coverage import DEFAULT_COVERAGE_STRENGTH
from buitengebied.planning.plan import DEFAULT_MAX_CANDIDATES, DEFAULT_TIME_LIMIT_SECONDS
from buitengebied.planning.teams import parse_night
from buitengebied.scoring.analysis import Analysis
from buitengebied.scoring.choice import DEFAULT_MODEL_KIND, EvaluationModels, ModelKind
from buitengebied.scoring.ranking import (
    Ranking,
    rank_directory,
    write_ranking,
    write_risk_surface,
)
from buitengebied.settings import (
    EVALUATION_CELL_SIZE_M,
    EVALUATION_HORIZON_DAYS,
    EVALUATION_MONTHS,
    EVALUATION_STEP_MONTHS,
)
from buitengebied.store.database import Store, open_store
from buitengebied.timeutil import parse_as_of

if TYPE_CHECKING:
    from buitengebied.evaluation.backtest import BacktestResult

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Risk mapping for the rural outer area (Veilig Buitengebied).",
)
# Markup, emoji codes and highlighting are off: a value such as "[/]" or ":x:" in a file
# is shown as it is.  Styles come only from Text objects built here.
errors = Console(stderr=True, markup=False, emoji=False, highlight=False)


def _plain_console(*, width: int | None = None) -> Console:
    """A console on stdout that shows text as it is (see ``errors``)."""
    return Console(markup=False, emoji=False, highlight=False, width=width)


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

# Control characters (C0 but newline and tab, DEL, C1) and the bidirectional overrides,
# which reorder what a terminal shows.
_UNSHOWABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def shown(text: object) -> str:
    r"""Return ``text`` with every control character replaced by a visible escape.

    ``ESC`` becomes the four characters ``\x1b``, a bidirectional override ``\u202e``;
    newlines and tabs are kept.  Applied to everything the CLI prints, since file names
    and values come from partners' files.
    """
    return _UNSHOWABLE.sub(_escape_character, str(text))


def _escape_character(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _say(message: object, *, prefix: Text | None = None, console: Console = errors) -> None:
    """Print one message as plain text (see :func:`shown`), optionally after a styled prefix."""
    text = Text(shown(message))
    console.print(text if prefix is None else prefix + text, soft_wrap=True)


@contextmanager
def _progress() -> Iterator[Callable[[str, float], None]]:
    with Progress(
        TextColumn("{task.description:<32}", markup=False),
        BarColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
        disable=not errors.is_terminal,
    ) as bar:
        task = bar.add_task("starting", total=1.0)

        def update(step: str, fraction: float) -> None:
            bar.update(task, description=shown(step), completed=fraction)

        yield update


@contextmanager
def _clear_errors() -> Iterator[None]:
    """Print a project error or a refused file operation as one message; exit code 2."""
    try:
        yield
    except BuitengebiedError as exc:
        _fail(exc)
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename is not None else ""
        _fail(f"{where}{exc.strerror or exc}")


def _fail(message: object) -> NoReturn:
    _say(message, prefix=Text("error: ", style="bold red"))
    raise typer.Exit(code=2)


def _rank(
    data_dir: Path,
    *,
    as_of: str | None,
    layers: Path | None,
    lenient: bool,
    rejects: Path,
    model: ModelKind,
    store: Path | None = None,
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
            store_path=store,
            on_progress=update,
        )


def _summarise(analysis: Analysis) -> None:
    dataset = analysis.dataset
    used = ", ".join(analysis.scores.layers_used) or "none"
    _say(
        f"{len(dataset.addresses):,} addresses ranked as known on {analysis.as_of.isoformat()}; "
        f"layers used: {used}"
    )
    for layer, count in dataset.rejected_rows.items():
        _say(f"  {layer}: {count:,} row(s) rejected (lenient)")
    for path in dataset.ignored_files:
        _say(f"  ignored (not a contract layer): {path.name}")


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
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            help="The app's store: its reports and inspections are ranked with the files.",
        ),
    ] = None,
) -> None:
    """Rank every address by risk as known on --as-of."""
    rejects = rejects or out.parent / "rejects"
    with _clear_errors():
        check_output_path(out, data_dir=data_dir)
        if store is not None and not store.is_file():
            _fail(f"{store}: no such store")
        ranking = _rank(
            data_dir,
            as_of=as_of,
            layers=layers,
            lenient=lenient,
            rejects=rejects,
            model=model,
            store=store,
        )
        write_ranking(ranking, out)
    _summarise(ranking.analysis)
    _say(f"model: {ranking.choice.kind} ({ranking.choice.reason})")
    _say(f"written: {out}")


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
    rejects = rejects or out.parent / "rejects"
    with _clear_errors():
        check_output_path(out, data_dir=data_dir)
        analysis = _rank(
            data_dir,
            as_of=as_of,
            layers=layers,
            lenient=lenient,
            rejects=rejects,
            model=ModelKind.EXPERT,
        ).analysis
        with _progress() as update:
            grid = write_risk_surface(analysis, out, cell_size_m=cell_size, on_progress=update)
    _summarise(analysis)
    rows, cols = grid.risk.shape
    _say(f"written: {out} ({cols} x {rows} cells of {cell_size:g} m)")


@app.command()
def validate(data_dir: DataDir) -> None:
    """Report every problem in a data directory, without ranking."""
    with _clear_errors():
        checks, ignored = check_data_dir(data_dir)
    out = _plain_console()
    for check in checks:
        if check.error is not None:
            _say(check.error)
        else:
            _say(f"{check.path.name}: ok, {check.rows:,} rows", console=out)
    for path in ignored:
        _say(f"{path.name}: ignored (not a contract layer)", console=out)
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
    table = Table(title=Text(title), title_justify="left")
    table.add_column(Text("method"), no_wrap=True)
    for metric in summary.columns:
        name = _EVALUATION_COLUMNS.get(str(metric), str(metric))
        table.add_column(Text(shown(name)), justify="right")
    for method, values in summary.iterrows():
        cells = []
        for metric, value in values.items():
            text = _metric_text(str(metric), value)
            best_here = bool(best.at[method, metric])
            cells.append(Text(f"{text}*", style="bold green") if best_here else Text(text))
        table.add_row(Text(shown(method)), *cells)
    return table


def _print_comparisons(console: Console, result: BacktestResult) -> None:
    """Per model method and baseline: the lead at the top 1 % and in AP, with its interval."""
    table = result.comparisons()
    table = table[table["metric"].isin(["hit_rate_top1pct", "average_precision"])]
    if table.empty:
        return
    _say(
        f"Lead over each baseline, mean over cut-offs with a 90% block-bootstrap interval "
        f"(blocks of {int(table['block_length'].max())} overlapping cut-offs):",
        console=console,
    )
    for (method, baseline), rows in table.groupby(["method", "baseline"], sort=False):
        parts = [
            f"{row.metric} {row.mean_difference:+.3f} [{row.low:+.3f}, {row.high:+.3f}] "
            f"{row.verdict}"
            for row in rows.itertuples()
        ]
        _say(f"  {method} vs {baseline}: " + "; ".join(parts), console=console)


def _print_evaluation(result: BacktestResult) -> None:
    console = _plain_console()
    if not console.is_terminal:
        console = _plain_console(width=max(console.width, 120))
    finds = result.finds_per_cutoff
    _say(
        f"{len(result.cutoffs)} cut-offs, {int((finds > 0).sum())} with finds; "
        f"{len(result.find_addresses)} distinct find-address(es) in "
        f"{result.horizon_days}-day windows; {result.n_addresses:,} addresses",
        console=console,
    )
    if not result.has_finds:
        _say(
            "no confirmed find in any window; all metrics are n/a.",
            prefix=Text("Nothing to evaluate against: ", style="bold"),
            console=console,
        )
    console.print(_evaluation_table(result, "mean", "Mean over cut-offs with finds (* = best)"))
    console.print(_evaluation_table(result, "pooled", "Pooled over cut-offs (* = best)"))
    _print_comparisons(console, result)
    for method, diagnostic in result.bias.items():
        overlaps = ", ".join(
            f"{proxy} rho={row.spearman:.2f} top-1% overlap={row.top_overlap:.0%}"
            for proxy, row in diagnostic.table.iterrows()
        )
        _say(f"bias ({method}): {diagnostic.message}; {overlaps}", console=console)
    for method, rows in result.fallbacks.groupby("method", sort=False):
        _say(
            f"note: {method} fell back at {len(rows)} of {len(result.cutoffs)} cut-offs "
            f"({rows['reason'].iloc[-1]})",
            console=console,
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
        Path,
        typer.Option(
            "--out-dir",
            help="Folder for backtest.csv, summary.csv, comparison.csv and report.html "
            "(never inside the data directory).",
        ),
    ] = Path("evaluation"),
    cell_size: Annotated[
        float, typer.Option("--cell-size", min=1.0, help="Grid cell size (m) of the PAI.")
    ] = EVALUATION_CELL_SIZE_M,
    model: Annotated[
        EvaluationModels,
        typer.Option(
            "--model",
            help="expert | learned | auto (the choice rank makes by default) | all (the three).",
        ),
    ] = EvaluationModels.ALL,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random baseline.")] = 0,
    layers: Layers = None,
    lenient: Lenient = False,
    rejects: Rejects = None,
) -> None:
    """Backtest the ranking against later confirmed finds, beside simple baselines."""
    # Imported here: plotting and the backtest cost every other command a second of start-up.
    from buitengebied.evaluation.run import run_evaluation

    with _clear_errors():
        moment = parse_as_of(as_of)
        with _progress() as update:
            evaluation = run_evaluation(
                data_dir,
                out_dir=out_dir,
                as_of=moment,
                horizon_days=horizon_days,
                months=months,
                step_months=step_months,
                cell_size_m=cell_size,
                model=model,
                seed=seed,
                layers_dir=layers,
                lenient=lenient,
                rejects_dir=rejects,
                on_progress=update,
            )
    result = evaluation.result
    if not result.cutoffs:
        _say(
            f"no cut-off has a complete {horizon_days}-day window before "
            f"{moment.isoformat()}: raise --months or lower --horizon-days"
        )
    _print_evaluation(result)
    _say(f"written: {', '.join(str(path) for path in evaluation.files)}")


@app.command()
def plan(
    data_dir: DataDir,
    night: Annotated[
        str, typer.Option("--night", help="The evening the night begins: YYYY-MM-DD.")
    ],
    teams: Annotated[
        Path, typer.Option("--teams", help="TEAMS.toml: the teams that go out (data contract).")
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Plan folder: plan.gpkg, <team>.gpx, plan.html, plan.csv "
            "(never inside the data directory).",
        ),
    ],
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="What the ranking knows. Default: the night's date, 00:00."),
    ] = None,
    model: Model = DEFAULT_MODEL_KIND,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.1, help="Solver search time in seconds.")
    ] = DEFAULT_TIME_LIMIT_SECONDS,
    coverage_strength: Annotated[
        float,
        typer.Option(
            "--coverage-strength",
            min=0.0,
            max=1.0,
            help="0 = risk alone; up to 1: recent visits count less, neglected areas more.",
        ),
    ] = DEFAULT_COVERAGE_STRENGTH,
    safety_rules: Annotated[
        Path | None,
        typer.Option("--safety-rules", help="TOML of safety rules (default: the packaged rules)."),
    ] = None,
    max_candidates: Annotated[
        int, typer.Option("--max-candidates", min=1, help="Addresses handed to the solver.")
    ] = DEFAULT_MAX_CANDIDATES,
    store: Annotated[
        Path | None,
        typer.Option("--store", help="The app's store: its reports and inspections count too."),
    ] = None,
) -> None:
    """Plan a patrol night: routes for the teams over the roads, with safety checks."""
    # Imported here: OR-Tools and matplotlib cost every other command start-up time.
    from buitengebied.planning.plan import plan_directory
    from buitengebied.planning.safety import load_safety_rules
    from buitengebied.presentation.patrol_plan import write_plan

    with _clear_errors():
        check_output_path(out, data_dir=data_dir, folder=True)
        if store is not None and not store.is_file():
            _fail(f"{store}: no such store")
        night_date = parse_night(night)
        rules = load_safety_rules(safety_rules) if safety_rules is not None else None
        with _progress() as update:
            patrol = plan_directory(
                data_dir,
                teams,
                night=night_date,
                as_of=parse_as_of(as_of) if as_of is not None else None,
                model=model,
                safety_rules=rules,
                coverage_strength=coverage_strength,
                time_limit_seconds=time_limit,
                max_candidates=max_candidates,
                store_path=store,
                on_progress=update,
            )
        files = write_plan(patrol, out)
    _say(patrol.travel_basis)
    for route in patrol.routes:
        _say(
            f"  {route.team.name}: {len(route.stops)} stop(s), {route.drive_minutes:.0f} min "
            f"driving, back {route.back.strftime('%H:%M')}, score {route.collected_score:.1f}"
        )
    for note in patrol.notes:
        _say(f"  note: {note}")
    _say(f"written: {', '.join(str(path) for path in files)}")


#: The file that marks a folder as the bundled synthetic demo (``scripts/make_demo.py``
#: writes it); demo accounts are created on such a folder only.  Hidden, so the loader
#: passes it over.
DEMO_MARKER = ".buitengebied-demo"
DEMO_MARKER_TEXT = "synthetic demo data of buitengebied: no real address, demo accounts allowed"
#: The demo accounts, one per role, all with :data:`DEMO_PASSWORD`.
DEMO_ACCOUNTS = {
    "politie": "police",
    "gemeente": "municipality",
    "waterschap": "water_board",
    "boswachter": "ranger",
    "beheerder": "admin",
}
DEMO_PASSWORD = "buitengebied-demo"
#: Base maps the app may draw under the risk (each a PDOK WMTS, requested by the browser).
BASEMAPS = ("none", "brt", "luchtfoto")
#: Server options the app always runs with: nothing leaves the machine, nothing is exposed
#: (kept consistent with ``.streamlit/config.toml``).
STREAMLIT_FLAGS = (
    "--server.address=127.0.0.1",
    "--server.headless=true",
    "--server.enableXsrfProtection=true",
    "--server.enableCORS=true",
    "--server.maxUploadSize=50",
    "--server.enableStaticServing=true",
    "--server.fileWatcherType=none",
    "--server.runOnSave=false",
    "--browser.gatherUsageStats=false",
    "--client.toolbarMode=minimal",
    "--client.showErrorDetails=false",
    "--global.developmentMode=false",
)


def is_demo_data(data_dir: Path) -> bool:
    """Return whether ``data_dir`` holds the bundled synthetic demo (its marker file)."""
    marker = Path(data_dir) / DEMO_MARKER
    try:
        return marker.is_file() and marker.read_text(encoding="utf-8").strip() == DEMO_MARKER_TEXT
    except (OSError, UnicodeDecodeError):
        return False


def _open_app_store(store_path: Path, data_dir: Path) -> Store:
    check_output_path(store_path, data_dir=data_dir)
    return open_store(store_path)


def _add_demo_accounts(store: Store) -> None:
    for username, role in DEMO_ACCOUNTS.items():
        if store.user(username) is None:
            store.add_user(username, role=role, password=DEMO_PASSWORD, created_by="demo")


@app.command(name="app")
def run_app(
    data_dir: DataDir,
    store: Annotated[
        Path,
        typer.Option(
            "--store", help="SQLite file of reports, users and the audit log (not in DATA_DIR)."
        ),
    ],
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8501,
    as_of: AsOf = None,
    demo_accounts: Annotated[
        bool,
        typer.Option(
            "--demo-accounts",
            help="Create one account per role with the demo password (bundled demo data only).",
        ),
    ] = False,
    basemap: Annotated[
        str,
        typer.Option("--basemap", help="none | brt | luchtfoto (PDOK; the browser fetches it)."),
    ] = "none",
    markers: Annotated[
        int, typer.Option("--markers", min=0, help="Addresses drawn as markers (the riskiest).")
    ] = 250,
    teams: Annotated[
        Path | None,
        typer.Option("--teams", help="TEAMS.toml the Patrouillenacht page starts from."),
    ] = None,
) -> None:
    """Start the map app on 127.0.0.1 over DATA_DIR (read only) and the store."""
    from buitengebied.planning.teams import load_teams

    with _clear_errors():
        if teams is not None:
            load_teams(teams)
        if not data_dir.is_dir():
            _fail(f"{data_dir}: not a folder; give the data folder of the app")
        if basemap not in BASEMAPS:
            _fail(f"--basemap must be one of {', '.join(BASEMAPS)}, not {basemap!r}")
        if demo_accounts and not is_demo_data(data_dir):
            _fail(
                f"{data_dir}: --demo-accounts is allowed on the bundled demo data only "
                f"(data/demo, marked by {DEMO_MARKER}); create accounts with "
                "`buitengebied create-admin` and the app's Beheer page"
            )
        moment = parse_as_of(as_of)
        with _open_app_store(store, data_dir) as opened:
            if demo_accounts:
                _add_demo_accounts(opened)
    main_script = Path(str(resources.files("buitengebied_app").joinpath("main.py")))
    environment = {
        **os.environ,
        "BUITENGEBIED_DATA_DIR": str(data_dir.resolve()),
        "BUITENGEBIED_STORE": str(store.resolve()),
        "BUITENGEBIED_AS_OF": moment.isoformat(),
        "BUITENGEBIED_DEMO_ACCOUNTS": "1" if demo_accounts else "0",
        "BUITENGEBIED_BASEMAP": basemap,
        "BUITENGEBIED_MARKERS": str(markers),
        "BUITENGEBIED_TEAMS": str(teams.resolve()) if teams is not None else "",
    }
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(main_script),
        f"--server.port={port}",
        *STREAMLIT_FLAGS,
    ]
    _say(
        f"app: http://127.0.0.1:{port}  (data {data_dir}, store {store})", console=_plain_console()
    )
    sys.stdout.flush()
    # Replaced, not wrapped: a signal to this process (Ctrl-C, a service manager's stop)
    # reaches the server itself.
    os.execve(sys.executable, command, environment)


@app.command(name="create-admin")
def create_admin(
    store: Annotated[Path, typer.Option("--store", help="The app's store (created if missing).")],
    username: Annotated[str, typer.Option("--username", help="User name of the administrator.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create an administrator account in the store (the first one, or another)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    problems = password_problems(password, username=username)
    if problems:
        _fail("password refused: " + "; ".join(problems))
    with _clear_errors(), open_store(store) as opened:
        if opened.user(username.strip()) is not None:
            _fail(f"{store}: user {username.strip()} exists already")
        opened.add_user(username, role="admin", password=password, created_by="create-admin")
    _say(f"administrator {username.strip()} created in {store}", console=_plain_console())


class _ShownFormatter(logging.Formatter):
    """Log lines with control characters shown as escapes (they quote file names)."""

    def format(self, record: logging.LogRecord) -> str:
        return shown(super().format(record))


def main() -> None:
    """Entry point for ``python -m buitengebied``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_ShownFormatter("%(levelname)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    app()
