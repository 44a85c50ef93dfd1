"""A small planning world: the shared contract directory plus roads and green reports.

Imported by the planning tests (a second ``conftest.py`` would shadow the shared one).
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from conftest import ORIGIN_X, ORIGIN_Y, write_contract_dir

from buitengebied.dataset import Dataset
from buitengebied.load.directory import load_data_dir
from buitengebied.scoring.ranking import rank_dataset
from buitengebied.timeutil import parse_as_of

AS_OF = "2025-10-01"
NIGHT = dt.date(2025, 10, 3)
#: Where the test teams start: the grid's lower-left corner, on a road.
POST = (ORIGIN_X, ORIGIN_Y)
#: A spot where three poaching and two illegal-fishing reports gather.
GREEN_SPOT = (ORIGIN_X + 2000.0, ORIGIN_Y + 3300.0)


def road_grid() -> gpd.GeoDataFrame:
    """OSM-style roads along every row and column of the address grid (800 m apart).

    As in OpenStreetMap, roads meet at shared vertices: each east-west road is a way with
    a vertex at every crossing; the north-south roads are tracks, one way per block.
    """
    steps = [ORIGIN_X + 800 * k for k in range(-1, 7)]
    rows = [ORIGIN_Y + 800 * k for k in range(-1, 7)]
    lines = [shapely.LineString([(x, y) for x in steps]) for y in rows]
    classes = ["unclassified"] * len(lines)
    for x in steps:
        for low, high in itertools.pairwise(rows):
            lines.append(shapely.LineString([(x, low), (x, high)]))
            classes.append("track")
    return gpd.GeoDataFrame({"highway": classes}, geometry=lines, crs="EPSG:28992")


def write_planning_dir(root: Path, *, roads: bool = True) -> Path:
    """The shared contract directory, with green reports and (optionally) roads."""
    write_contract_dir(root)
    reports = pd.read_csv(root / "reports.csv", dtype=str)
    gx, gy = GREEN_SPOT
    extra = pd.DataFrame(
        {
            "report_id": [f"G{k}" for k in range(5)],
            "observed_at": ["2025-08-01", "2025-08-15", "2025-09-01", "2025-09-05", "2025-09-10"],
            "category": ["poaching"] * 3 + ["illegal_fishing"] * 2,
            "confidence": "high",
            "reporter_role": "ranger",
            "x": [gx, gx + 100, gx - 80, gx + 40, gx - 30],
            "y": [gy, gy + 50, gy - 60, gy + 20, gy - 40],
        }
    )
    pd.concat([reports, extra]).to_csv(root / "reports.csv", index=False)
    if roads:
        road_grid().to_file(root / "roads.gpkg", driver="GPKG")
    return root


@pytest.fixture(scope="session")
def planning_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with roads (see :func:`write_planning_dir`)."""
    return write_planning_dir(tmp_path_factory.mktemp("planning") / "data")


@pytest.fixture(scope="session")
def planning_world(planning_dir: Path) -> tuple[Dataset, pd.DataFrame]:
    """The loaded directory and its expert ranking at :data:`AS_OF`."""
    dataset = load_data_dir(planning_dir)
    ranking = rank_dataset(dataset, as_of=parse_as_of(AS_OF), model="expert")
    return dataset, ranking.scores.table
