"""Score the shipped ranking against every baseline on the worlds of two scenario generators.

For each world (generator, kind, seed) the harness generates the world (or reads it from
the cache in ``--work-dir``, keyed by generator, kind, seed and size), ranks it as
``buitengebied rank`` does (:func:`buitengebied.scoring.ranking.rank_directory` with
``DEFAULT_MODEL_KIND``, and again with ``--model expert``), computes every baseline of
:func:`buitengebied.evaluation.backtest.baseline_methods` on the same data as known on the
world's ``as_of``, and scores each ranking against the world's hidden targets: the sites
active on ``as_of`` and not found before it (one per address).

Metrics (each on the strict ranking, ties broken by ``address_id``):

``pai_5pct``
    share of the target addresses within the top 5 % of addresses, divided by 0.05;
``average_precision``
    average precision over the full ranking;
``hit_share_top1pct``
    share of the target addresses within the top 1 %.

A baseline whose scores are the same for every address (``energy_only`` without an energy
layer) ranks nothing and is reported as ``-``.

Generators:

``gen1``
    the project's own generator, :mod:`buitengebied_scenarios` (its families and
    ``random_params``), with :data:`GEN1_HIDDEN_SITES` primary sites so that about 15
    are active on ``as_of`` (the generator's end date), as in the worlds of issue 8;
``gen2``
    the independent generator ``buitengebied_worlds`` (``KINDS``, ``generate_world``);
    skipped with a message when it is not installed.

Usage::

    python scripts/evaluate_worlds.py --seeds 3 --random 0 --out results.md
    python scripts/evaluate_worlds.py --generator gen1 --kind mostly_labs --seeds 5
    python scripts/evaluate_worlds.py --generator gen2 --seeds 3 --first-seed 4  # fresh seeds

Writes ``results.md`` and ``results.csv`` beside it (per world and method), each
atomically, and prints the markdown.
"""

from __future__ import annotations

import importlib
import json
import logging
import math
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any, Protocol

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from buitengebied.evaluation.backtest import baseline_methods
from buitengebied.evaluation.metrics import average_precision, hit_rate, rank_addresses, top_count
from buitengebied.io import write_csv
from buitengebied.io.atomic import write_text_atomic
from buitengebied.scoring.choice import DEFAULT_MODEL_KIND, ModelKind
from buitengebied.scoring.ranking import Ranking, rank_directory
from buitengebied.timeutil import parse_as_of

#: Primary hidden sites of a gen1 world: about 15 active at its end (48, the demo's, leave 1-6).
GEN1_HIDDEN_SITES = 120
#: Seeds of the random-parameter worlds start here (apart from the kinds' seeds 1, 2, ...).
RANDOM_SEED_BASE = 1000
#: Kind name of a random-parameter world, in both generators.
RANDOM_KIND = "random"
#: The two engine rankings, in table order.
ENGINE_DEFAULT, ENGINE_EXPERT = "engine_default", "engine_expert"
METRICS = ("pai_5pct", "average_precision", "hit_share_top1pct")
#: Where generated worlds are cached unless ``--work-dir`` says otherwise.
DEFAULT_WORK_DIR = Path(tempfile.gettempdir(), "buitengebied-worlds")
#: Written last into a cached world's folder: the world is complete.
WORLD_FILE = "world.json"
TRUTH_COLUMNS = ("address_id", "site_kind", "active_from", "active_to", "found_on")

logger = logging.getLogger("evaluate_worlds")


@dataclass(frozen=True)
class WorldFiles:
    """A generated world as the harness needs it, from either generator."""

    generator: str
    kind: str
    seed: int
    data_dir: Path
    truth_path: Path
    as_of: str


class Generator(Protocol):
    """What the harness needs of a scenario generator."""

    @property
    def name(self) -> str:
        """Short name in tables and the cache (``gen1``)."""
        ...

    @property
    def title(self) -> str:
        """What it is, for messages."""
        ...

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds of world it makes (not counting ``random``)."""
        ...

    def generate(
        self, kind: str, *, seed: int, out_dir: Path, n_addresses: int | None
    ) -> WorldFiles:
        """Write the world's data directory and ``truth.csv`` into ``out_dir``."""
        ...


@dataclass(frozen=True)
class ScenarioFamilies:
    """gen1: :mod:`buitengebied_scenarios`, its families and random parameters."""

    hidden_sites: int = GEN1_HIDDEN_SITES
    name: str = "gen1"
    title: str = "buitengebied_scenarios (the project's generator)"

    @property
    def kinds(self) -> tuple[str, ...]:
        from buitengebied_scenarios.families import FAMILIES

        return tuple(FAMILIES)

    def generate(
        self, kind: str, *, seed: int, out_dir: Path, n_addresses: int | None
    ) -> WorldFiles:
        from buitengebied_scenarios.families import family_params, random_params
        from buitengebied_scenarios.generator import ScenarioParams, generate_scenario

        size = {
            "n_addresses": n_addresses or ScenarioParams().n_addresses,
            "n_hidden_sites": self.hidden_sites,
        }
        if kind == RANDOM_KIND:
            params = random_params(seed, **size)
        else:
            params = family_params(kind, seed=seed, **size)
        truth = generate_scenario(out_dir / "data", params)
        truth_path = out_dir / "truth.csv"
        write_csv(gen1_truth(truth.hidden_sites), truth_path)
        return WorldFiles(self.name, kind, seed, out_dir / "data", truth_path, params.end)


def gen1_truth(hidden_sites: pd.DataFrame) -> pd.DataFrame:
    """gen1's hidden sites in the truth.csv columns shared with gen2 (ISO dates)."""

    def iso(column: str) -> pd.Series:
        return pd.to_datetime(hidden_sites[column]).dt.strftime("%Y-%m-%d").fillna("")

    return pd.DataFrame(
        {
            "address_id": hidden_sites["address_id"].astype(str),
            "site_kind": hidden_sites["site_type"],
            "active_from": iso("active_from"),
            "active_to": iso("active_until"),
            "found_on": iso("found_at"),
        }
    )


@dataclass(frozen=True)
class IndependentWorlds:
    """gen2: the independent generator, ``buitengebied_worlds``."""

    module_name: str = "buitengebied_worlds"
    name: str = "gen2"
    title: str = "buitengebied_worlds (the independent generator)"

    def module(self) -> Any:
        """The generator's module; ImportError when it is not installed."""
        return importlib.import_module(self.module_name)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self.module().KINDS)

    def generate(
        self, kind: str, *, seed: int, out_dir: Path, n_addresses: int | None
    ) -> WorldFiles:
        world = self.module().generate_world(
            kind, seed=seed, out_dir=out_dir, n_addresses=n_addresses
        )
        return WorldFiles(
            self.name,
            kind,
            seed,
            Path(world.data_dir),
            Path(world.truth_path),
            str(world.as_of),
        )


def generators(*, gen1_sites: int = GEN1_HIDDEN_SITES) -> dict[str, Generator]:
    """Both generators by name."""
    return {"gen1": ScenarioFamilies(hidden_sites=gen1_sites), "gen2": IndependentWorlds()}


def cached_world(
    generator: Generator, kind: str, *, seed: int, work_dir: Path, n_addresses: int | None
) -> tuple[WorldFiles, float]:
    """The world from the cache, or generated into it; and the seconds spent generating.

    A world's folder counts as cached once :data:`WORLD_FILE` is in it (written last); a
    folder without it is a broken run and is generated again.
    """
    folder = world_folder(work_dir, generator.name, kind, seed=seed, n_addresses=n_addresses)
    record = folder / WORLD_FILE
    if record.exists():
        stored = json.loads(record.read_text(encoding="utf-8"))
        return _world_from_record(stored, folder), 0.0
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    world = generator.generate(kind, seed=seed, out_dir=folder / "world", n_addresses=n_addresses)
    seconds = time.perf_counter() - started
    write_text_atomic(record, json.dumps(_world_record(world, folder), indent=2) + "\n")
    return world, seconds


def world_folder(
    work_dir: Path, generator: str, kind: str, *, seed: int, n_addresses: int | None
) -> Path:
    """Cache folder of one world."""
    size = f"-n{n_addresses}" if n_addresses else ""
    return work_dir / generator / kind / f"seed{seed}{size}"


def _world_record(world: WorldFiles, folder: Path) -> dict[str, Any]:
    record = asdict(world)
    for key in ("data_dir", "truth_path"):
        path = Path(record[key]).resolve()
        inside = path.is_relative_to(folder.resolve())
        record[key] = str(path.relative_to(folder.resolve()) if inside else path)
    return record


def _world_from_record(record: dict[str, Any], folder: Path) -> WorldFiles:
    paths = {key: folder / record[key] for key in ("data_dir", "truth_path")}
    return WorldFiles(**{**record, **paths})


def read_targets(truth_path: Path, *, as_of: str) -> pd.Index:
    """Addresses with a site active on ``as_of`` that was not found before it.

    A site is active on a day ``d`` when ``active_from <= d`` and ``active_to`` is empty
    or ``>= d`` (its last active day); found before when ``found_on < d``.

    Parameters
    ----------
    truth_path : Path
        ``truth.csv`` with :data:`TRUTH_COLUMNS`.
    as_of : str
        ISO date of the ranking.

    Returns
    -------
    pandas.Index
        Distinct ``address_id``, sorted.
    """
    truth = pd.read_csv(truth_path, dtype=str, keep_default_na=False)
    missing = [column for column in TRUTH_COLUMNS if column not in truth]
    if missing:
        raise typer.BadParameter(f"{truth_path}: missing column(s) {', '.join(missing)}")
    day = pd.Timestamp(as_of[:10])

    def dates(column: str) -> pd.Series:
        return pd.to_datetime(truth[column].str.slice(0, 10).replace("", None))

    active = (dates("active_from") <= day) & (
        dates("active_to").isna() | (dates("active_to") >= day)
    )
    found_before = dates("found_on") < day
    targets = truth.loc[active & ~found_before, "address_id"].str.strip()
    return pd.Index(sorted(targets.unique()), dtype=object, name="address_id")


def score_ranking(scores: pd.Series, targets: pd.Index) -> dict[str, float]:
    """PAI@5 %, average precision and the top-1 % hit share of one ranking.

    Parameters
    ----------
    scores : pandas.Series
        Score per ``address_id``, higher is riskier; ties are broken by ``address_id``.
    targets : pandas.Index
        Target addresses; ids not ranked are ignored.

    Returns
    -------
    dict of str to float
        :data:`METRICS`; NaN without targets, or when every score is the same.
    """
    if scores.nunique(dropna=False) <= 1:
        return dict.fromkeys(METRICS, math.nan)
    ranks = rank_addresses(scores).to_numpy()
    labels = scores.index.isin(targets)
    n_targets = int(labels.sum())

    def share_within(share: float) -> float:
        return hit_rate(int((ranks[labels] <= top_count(len(ranks), share)).sum()), n_targets)

    return {
        "pai_5pct": share_within(0.05) / 0.05,
        # On the strict ranking: a rank is a score without ties.
        "average_precision": average_precision(labels, -ranks.astype(float)),
        "hit_share_top1pct": share_within(0.01),
    }


def engine_scores(ranking: Ranking) -> pd.Series:
    """The ranking ``rank`` writes, as scores (minus the rank) per ``address_id``."""
    table = ranking.scores.table.set_index("address_id")
    return -table["rank"].astype(float)


def evaluate_world(world: WorldFiles) -> tuple[list[dict[str, Any]], str]:
    """Every ranking of one world scored against its targets.

    Returns
    -------
    rows : list of dict
        One per method: ``method``, ``label`` and :data:`METRICS`.
    default_model : str
        Which model the default ranking used, and why.
    """
    as_of = parse_as_of(world.as_of)
    default = rank_directory(world.data_dir, as_of=as_of, model=DEFAULT_MODEL_KIND)
    expert = (
        default
        if DEFAULT_MODEL_KIND is ModelKind.EXPERT
        else rank_directory(world.data_dir, as_of=as_of, model=ModelKind.EXPERT)
    )
    rankings: list[tuple[str, str, pd.Series]] = [
        (ENGINE_DEFAULT, f"engine ({DEFAULT_MODEL_KIND.value}, default)", engine_scores(default)),
        (ENGINE_EXPERT, "engine (expert)", engine_scores(expert)),
    ]
    analysis = expert.analysis
    address_ids = analysis.evidence.address_ids
    for method in baseline_methods(analysis.specs, seed=world.seed):
        scores = method.scores(analysis.dataset, analysis, analysis.as_of).reindex(address_ids)
        rankings.append((method.name, method.label, scores.fillna(scores.min() - 1.0)))
    targets = read_targets(world.truth_path, as_of=world.as_of)
    rows = [
        {"method": name, "label": label, **score_ranking(scores, targets)}
        for name, label, scores in rankings
    ]
    n_targets = int(address_ids.isin(targets).sum())
    for row in rows:
        row.update(n_targets=n_targets, n_addresses=len(address_ids))
    return rows, f"{default.choice.kind}: {default.choice.reason}"


@dataclass(frozen=True)
class Task:
    """One world to evaluate."""

    generator: str
    kind: str
    seed: int
    work_dir: Path
    n_addresses: int | None
    gen1_sites: int


def run_task(task: Task) -> list[dict[str, Any]]:
    """Generate (or read from the cache) and evaluate one world; rows for the CSV."""
    generator = generators(gen1_sites=task.gen1_sites)[task.generator]
    world, generate_s = cached_world(
        generator, task.kind, seed=task.seed, work_dir=task.work_dir, n_addresses=task.n_addresses
    )
    started = time.perf_counter()
    rows, default_model = evaluate_world(world)
    evaluate_s = time.perf_counter() - started
    identity = {"generator": task.generator, "kind": task.kind, "seed": task.seed}
    timing = {"generate_s": round(generate_s, 1), "evaluate_s": round(evaluate_s, 1)}
    return [{**identity, **row, **timing, "default_model": default_model} for row in rows]


def run_tasks(
    tasks: Sequence[Task], *, jobs: int, on_done: Callable[[Task], None]
) -> list[dict[str, Any]]:
    """Run every task, in ``jobs`` processes (1: in this one)."""
    rows: list[dict[str, Any]] = []
    if jobs <= 1:
        for task in tasks:
            rows += run_task(task)
            on_done(task)
        return rows
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(run_task, task): task for task in tasks}
        for future in as_completed(futures):
            rows += future.result()
            on_done(futures[future])
    return rows


# ----------------------------------------------------------------------------- rendering


def method_order(results: pd.DataFrame) -> list[str]:
    """Engine rankings first, then the baselines in the library's order."""
    return list(dict.fromkeys(results["method"]))


def seed_means(results: pd.DataFrame) -> pd.DataFrame:
    """Means over seeds per generator, kind and method (NaN seeds left out)."""
    return (
        results.groupby(["generator", "kind", "method"], sort=False)[[*METRICS, "n_targets"]]
        .mean()
        .reset_index()
    )


def beaten_by(means: pd.DataFrame, metric: str) -> list[str]:
    """Baselines at or above the default engine on ``metric`` (one generator and kind)."""
    table = means.set_index("method")[metric]
    engine = table.get(ENGINE_DEFAULT, math.nan)
    baselines = table.drop([ENGINE_DEFAULT, ENGINE_EXPERT], errors="ignore").dropna()
    if math.isnan(engine):
        return list(baselines.index)
    return [name for name, value in baselines.items() if value >= engine]


def render(results: pd.DataFrame, *, skipped: Sequence[str], seeds: Sequence[int]) -> str:
    """The whole markdown report."""
    lines = ["# The ranking across worlds", ""]
    lines += [
        f"PAI@5% / AP, means over seeds {', '.join(map(str, seeds))} per kind; "
        f"`{ENGINE_DEFAULT}` is `buitengebied rank` as shipped "
        f"(`--model {DEFAULT_MODEL_KIND.value}`), `{ENGINE_EXPERT}` is `--model expert`. "
        "Bold: the best of the row. `-`: the baseline ranks nothing in that world.",
        "",
    ]
    lines += [f"> {message}" for message in skipped]
    kinds = results[results["kind"] != RANDOM_KIND]
    randoms = results[results["kind"] == RANDOM_KIND]
    for generator, part in kinds.groupby("generator", sort=False):
        lines += _kind_section(str(generator), part)
    for generator, part in randoms.groupby("generator", sort=False):
        lines += _random_section(str(generator), part)
    lines += _runtime_section(results)
    return "\n".join(lines) + "\n"


def _kind_section(generator: str, results: pd.DataFrame) -> list[str]:
    means = seed_means(results)
    methods = method_order(results)
    lines = [f"## {generator}: PAI@5% / AP", ""]
    lines.append("| kind | targets | " + " | ".join(methods) + " |")
    lines.append("|---" * (len(methods) + 2) + "|")
    for kind, rows in means.groupby("kind", sort=False):
        lines.append(_table_row(str(kind), rows, methods))
    lines += ["", f"### {generator}: hit share in the top 1 %", ""]
    lines.append("| kind | " + " | ".join(methods) + " |")
    lines.append("|---" * (len(methods) + 1) + "|")
    for kind, rows in means.groupby("kind", sort=False):
        values = rows.set_index("method")["hit_share_top1pct"].reindex(methods)
        lines.append(f"| {kind} | " + " | ".join(_number(v, 2) for v in values) + " |")
    lines += ["", f"### {generator}: does the default beat every baseline?", ""]
    lines += ["| kind | on PAI@5% | on AP |", "|---|---|---|"]
    for kind, rows in means.groupby("kind", sort=False):
        cells = [_verdict(beaten_by(rows, metric)) for metric in METRICS[:2]]
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _table_row(kind: str, rows: pd.DataFrame, methods: list[str]) -> str:
    table = rows.set_index("method").reindex(methods)
    best = {metric: table[metric].max() for metric in METRICS[:2]}
    cells = []
    for method in methods:
        pai, ap = table.loc[method, "pai_5pct"], table.loc[method, "average_precision"]
        if math.isnan(pai) and math.isnan(ap):
            cells.append("-")
            continue
        pai_text = _bold(_number(pai, 1), pai == best["pai_5pct"])
        ap_text = _bold(_number(ap, 3), ap == best["average_precision"])
        cells.append(f"{pai_text} / {ap_text}")
    targets = float(table["n_targets"].max())
    return f"| {kind} | {targets:.1f} | " + " | ".join(cells) + " |"


def _random_section(generator: str, results: pd.DataFrame) -> list[str]:
    n_worlds = results["seed"].nunique()
    methods = method_order(results)
    means = results.groupby("method", sort=False)[list(METRICS)].mean().reindex(methods)
    lines = [f"## {generator}: {n_worlds} random-parameter worlds", ""]
    lines += ["| method | PAI@5% | AP | hit share top 1 % |", "|---|---|---|---|"]
    for method, row in means.iterrows():
        values = [_number(row[m], d) for m, d in zip(METRICS, (1, 3, 2), strict=True)]
        lines.append(f"| {method} | " + " | ".join(values) + " |")
    wide = results.pivot(index="seed", columns="method", values=list(METRICS[:2]))
    lines += ["", "Worlds in which the default beats the baseline (a tie does not count):", ""]
    lines += ["| baseline | on PAI@5% | on AP |", "|---|---|---|"]
    for baseline in methods:
        if baseline in (ENGINE_DEFAULT, ENGINE_EXPERT):
            continue
        cells = []
        for metric in METRICS[:2]:
            engine, other = wide[metric][ENGINE_DEFAULT], wide[metric][baseline]
            valid = other.notna()
            wins = int((engine.fillna(-np.inf) > other)[valid].sum())
            cells.append(f"{wins}/{int(valid.sum())}")
        lines.append(f"| {baseline} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _runtime_section(results: pd.DataFrame) -> list[str]:
    worlds = results.drop_duplicates(["generator", "kind", "seed"])
    lines = ["## Runtime per world", ""]
    lines += [
        "| generator | kind | seed | addresses | targets | generate s | evaluate s | default model |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in worlds.itertuples():
        generate = "cached" if row.generate_s == 0 else f"{row.generate_s:.0f}"
        lines.append(
            f"| {row.generator} | {row.kind} | {row.seed} | {row.n_addresses} | {row.n_targets} "
            f"| {generate} | {row.evaluate_s:.0f} | {row.default_model} |"
        )
    return [*lines, ""]


def _verdict(beaten: list[str]) -> str:
    return "yes" if not beaten else "NO: " + ", ".join(beaten) + " at or above"


def _number(value: float, digits: int) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _bold(text: str, bold: bool) -> str:
    return f"**{text}**" if bold and text != "-" else text


# ----------------------------------------------------------------------------- command line

app = typer.Typer(add_completion=False)


@app.command()
def main(
    out: Annotated[Path, typer.Option(help="Markdown report; the CSV goes beside it.")] = Path(
        "results.md"
    ),
    seeds: Annotated[int, typer.Option(min=1, help="Seeds per kind: 1, 2, .., N.")] = 3,
    first_seed: Annotated[
        int, typer.Option(min=1, help="First seed per kind: seeds S, S+1, .., S+N-1.")
    ] = 1,
    random: Annotated[int, typer.Option(min=0, help="Random-parameter worlds per generator.")] = 0,
    generator: Annotated[
        list[str] | None, typer.Option(help="gen1 and/or gen2 (default: both).")
    ] = None,
    kind: Annotated[
        list[str] | None, typer.Option(help="Only these kinds (default: every kind).")
    ] = None,
    n_addresses: Annotated[
        int | None, typer.Option(help="World size; default the generator's own.")
    ] = None,
    gen1_sites: Annotated[
        int, typer.Option(help="Primary hidden sites of a gen1 world.")
    ] = GEN1_HIDDEN_SITES,
    work_dir: Annotated[Path, typer.Option(help="Cache of generated worlds.")] = DEFAULT_WORK_DIR,
    jobs: Annotated[int, typer.Option(min=1, help="Worlds evaluated at the same time.")] = 1,
) -> None:
    """Score the shipped ranking and every baseline on the worlds of both generators."""
    console = Console(stderr=True)
    logging.basicConfig(level=logging.ERROR)
    chosen = generators(gen1_sites=gen1_sites)
    names = generator or list(chosen)
    unknown = sorted(set(names) - set(chosen))
    if unknown:
        raise typer.BadParameter(f"unknown generator(s) {unknown}; known: gen1, gen2")
    kind_seeds = list(range(first_seed, first_seed + seeds))
    tasks, skipped = plan_tasks(
        [chosen[name] for name in names],
        kinds=kind,
        seeds=kind_seeds,
        n_random=random,
        work_dir=work_dir,
        n_addresses=n_addresses,
        gen1_sites=gen1_sites,
    )
    for message in skipped:
        console.print(f"[yellow]{message}[/yellow]")
    if not tasks:
        raise typer.BadParameter("nothing to run: no generator with a matching kind")
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task("worlds", total=len(tasks))

        def done(task: Task) -> None:
            progress.update(
                bar, advance=1, description=f"{task.generator} {task.kind} seed {task.seed}"
            )

        rows = run_tasks(tasks, jobs=jobs, on_done=done)
    order = {(t.generator, t.kind, t.seed): i for i, t in enumerate(tasks)}
    rows.sort(key=lambda row: order[(row["generator"], row["kind"], row["seed"])])
    results = pd.DataFrame(rows)
    text = render(results, skipped=skipped, seeds=kind_seeds)
    write_csv(results, out.with_suffix(".csv"))
    write_text_atomic(out, text)
    typer.echo(text, nl=False)


def plan_tasks(
    chosen: Sequence[Generator],
    *,
    kinds: Sequence[str] | None,
    seeds: Sequence[int],
    n_random: int,
    work_dir: Path,
    n_addresses: int | None,
    gen1_sites: int,
) -> tuple[list[Task], list[str]]:
    """The worlds to evaluate, and a message per generator skipped."""
    tasks: list[Task] = []
    skipped: list[str] = []
    for source in chosen:
        try:
            available = source.kinds
        except ImportError as error:
            skipped.append(f"{source.name} skipped: {source.title} is not installed ({error})")
            continue
        wanted = [k for k in available if kinds is None or k in kinds]
        random_seeds = [RANDOM_SEED_BASE + i for i in range(n_random)]
        pairs = [(k, s) for k in wanted for s in seeds] + [(RANDOM_KIND, s) for s in random_seeds]
        tasks += [
            Task(source.name, k, s, work_dir.resolve(), n_addresses, gen1_sites) for k, s in pairs
        ]
    return tasks, skipped


if __name__ == "__main__":
    app()
