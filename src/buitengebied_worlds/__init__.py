"""An independent second scenario generator for buitengebied: worlds with their hidden truth.

A world is a contract data directory (see ``docs/data-contract.md``) for the municipality
of Bronckhorst, made from the real boundary and villages and a synthetic population of
addresses, farms, sites and signals, plus a truth file of the hidden sites. Its causal
assumptions differ on purpose from the project's own scenarios; ``docs/worlds.md``
describes them one by one, and :mod:`buitengebied_worlds.params` holds every number.

Use::

    from buitengebied_worlds import KINDS, generate_world
    world = generate_world("mixed", seed=1, out_dir=Path("out/world"))
    # buitengebied rank world.data_dir --as-of world.as_of --out ranked.csv
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from buitengebied_worlds.draft import Draft
from buitengebied_worlds.energy import energy
from buitengebied_worlds.geography import build_geography
from buitengebied_worlds.inspections import inspections
from buitengebied_worlds.params import KINDS, Window, WorldParams, params_for_kind
from buitengebied_worlds.premises import build_premises
from buitengebied_worlds.register import mark_register, vacant_buildings
from buitengebied_worlds.reports import reports
from buitengebied_worlds.sites import WINDOW_DAYS, draw_sites, truth_table
from buitengebied_worlds.waste import dumpings
from buitengebied_worlds.writing import write_layer

__all__ = ["KINDS", "World", "WorldParams", "generate_world"]

FIRST_AS_OF = pd.Timestamp("2025-03-01")
AS_OF_SPREAD_DAYS = 600


@dataclass(frozen=True)
class World:
    """A generated world.

    Attributes
    ----------
    data_dir : pathlib.Path
        The contract data directory.
    truth_path : pathlib.Path
        CSV of the hidden sites: address_id, site_kind, active_from, active_to, found_on.
    as_of : str
        The ISO day to rank on; the data hold nothing from that day on.
    kind : str
        The world's kind.
    seed : int
        The seed it was made with.
    """

    data_dir: Path
    truth_path: Path
    as_of: str
    kind: str
    seed: int


def generate_world(kind: str, *, seed: int, out_dir: Path, n_addresses: int | None = None) -> World:
    """Generate one world of ``kind`` into ``out_dir`` (deterministic per kind and seed).

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    seed : int
        The seed.
    out_dir : pathlib.Path
        Where to write: ``data/`` (the data directory, replaced if present), ``truth.csv``
        and ``world.json`` (the parameters).
    n_addresses : int or None
        Number of addresses; None draws 14,000-20,000.

    Returns
    -------
    World
        Paths and the ranking day.

    Raises
    ------
    ValueError
        If ``kind`` is unknown.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown world kind {kind!r}; expected one of {', '.join(KINDS)}")
    rng = np.random.default_rng([seed, KINDS.index(kind)])
    params = params_for_kind(kind, rng, n_addresses=n_addresses)
    as_of = FIRST_AS_OF + pd.Timedelta(days=int(rng.integers(0, AS_OF_SPREAD_DAYS)))
    window_start = as_of - pd.Timedelta(days=WINDOW_DAYS)

    geography = build_geography(rng)
    premises = build_premises(geography, params.n_addresses, as_of, rng)
    premises = mark_register(premises, params, as_of, rng)
    register = vacant_buildings(premises, as_of, rng)
    sites = draw_sites(premises, params, as_of, rng)
    window = Window(start=window_start, as_of=as_of)
    draft = Draft(
        params=params, window=window, geography=geography, premises=premises, sites=sites, rng=rng
    )
    dumping_records, drains = dumpings(draft)
    report_records = reports(draft, dumping_records, drains)
    inspection_records = inspections(draft, report_records)
    layers = {
        "addresses": _addresses_layer(premises),
        "vacant_buildings": _footprints(register) if params.register_polygons else register,
        "dumpings": _dumpings_layer(dumping_records),
        "reports": _reports_layer(report_records),
        "inspections": inspection_records,
        "area": pd.DataFrame({"geometry": [geography.area]}),
    }
    if params.has_energy:
        layers["energy"] = energy(draft)
    if params.with_roads:
        layers["roads"] = geography.roads[["name", "maxspeed", "geometry"]].copy()

    out_dir = Path(out_dir)
    data_dir = out_dir / "data"
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    formats = dict(params.formats)
    for layer, frame in layers.items():
        suffix = formats[layer]
        write_layer(
            _text_booleans(frame) if suffix.startswith("csv") else frame, data_dir, layer, suffix
        )
    truth_path = out_dir / "truth.csv"
    truth_table(sites, premises).to_csv(truth_path, index=False)
    description = {
        "kind": kind,
        "seed": seed,
        "as_of": as_of.strftime("%Y-%m-%d"),
        "params": asdict(params),
    }
    (out_dir / "world.json").write_text(json.dumps(description, indent=2, default=str) + "\n")
    return World(
        data_dir=data_dir,
        truth_path=truth_path,
        as_of=as_of.strftime("%Y-%m-%d"),
        kind=kind,
        seed=seed,
    )


def _addresses_layer(premises: pd.DataFrame) -> pd.DataFrame:
    """The public columns of the addresses, sorted by id."""
    columns = [
        "address_id",
        "street",
        "housenumber",
        "postcode",
        "place",
        "use",
        "floor_area_m2",
        "x",
        "y",
    ]
    return premises[columns].sort_values("address_id", ignore_index=True)


def _dumpings_layer(records: pd.DataFrame) -> pd.DataFrame:
    """Dumping records with ids and ISO dates."""
    frame = records.drop(columns=["site"]).reset_index(drop=True)
    frame.insert(0, "dumping_id", [f"DMP-{i + 1:05d}" for i in range(len(frame))])
    frame["observed_at"] = pd.to_datetime(frame["observed_at"]).dt.strftime("%Y-%m-%d")
    frame["confirmed"] = frame["confirmed"].astype(bool)
    return frame


def _reports_layer(records: pd.DataFrame) -> pd.DataFrame:
    """Report records with ids."""
    frame = records.drop(columns=["site"]).reset_index(drop=True)
    frame.insert(0, "report_id", [f"MLD-{i + 1:06d}" for i in range(len(frame))])
    return frame


def _footprints(register: pd.DataFrame) -> pd.DataFrame:
    """Register rows as square footprints of their floor area (400 m2 where unknown)."""
    side = np.sqrt(register["floor_area_m2"].fillna(400.0).to_numpy(dtype=float))
    half = side / 2.0
    x, y = register["x"].to_numpy(), register["y"].to_numpy()
    squares = shapely.box(x - half, y - half, x + half, y + half)
    return register.drop(columns=["x", "y"]).assign(geometry=squares)


def _text_booleans(frame: pd.DataFrame) -> pd.DataFrame:
    """Booleans as the contract's ``true``/``false`` text (for CSV)."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == bool:
            frame[column] = np.where(frame[column], "true", "false")
    return frame
