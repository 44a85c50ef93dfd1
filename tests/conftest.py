"""Small synthetic contract directories built in code, with a known riskiest address."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

#: Around Hengelo (Gelderland), EPSG:28992.
ORIGIN_X, ORIGIN_Y = 215_000.0, 450_000.0
HOT_ADDRESS = "0000000000000007"


def address_table(n_side: int = 6, spacing_m: float = 800.0) -> pd.DataFrame:
    """A grid of addresses; ids are 16-digit text with leading zeros."""
    ii, jj = np.meshgrid(np.arange(n_side), np.arange(n_side))
    n = n_side * n_side
    return pd.DataFrame(
        {
            "address_id": [f"{k:016d}" for k in range(n)],
            "x": ORIGIN_X + ii.ravel() * spacing_m,
            "y": ORIGIN_Y + jj.ravel() * spacing_m,
            "street": "Testweg",
            "housenumber": [str(k + 1) for k in range(n)],
            "postcode": "7255AA",
            "place": "Hengelo",
            "use": np.where(np.arange(n) % 3 == 0, "overige gebruiksfunctie", "woonfunctie"),
            "floor_area_m2": 150.0,
        }
    )


def write_contract_dir(root: Path) -> Path:
    """Write a complete data directory in mixed formats; address 7 carries every signal."""
    root.mkdir(parents=True, exist_ok=True)
    addresses = address_table()
    addresses.to_csv(root / "addresses.csv", index=False)
    hot = addresses.set_index("address_id").loc[HOT_ADDRESS]
    hx, hy = float(hot["x"]), float(hot["y"])

    vacant = gpd.GeoDataFrame(
        {
            "building_id": ["B1", "B2"],
            "address_id": [HOT_ADDRESS, None],
            "building_type": ["stable", "barn"],
            "vacant_since": ["2024-01-01", None],
            "floor_area_m2": [900.0, 400.0],
            "source": ["gemeente", "LTO"],
        },
        geometry=[
            shapely.box(hx + 10, hy + 10, hx + 60, hy + 40),
            shapely.Point(hx + 3000, hy + 3000),
        ],
        crs="EPSG:28992",
    ).to_crs("EPSG:4326")
    vacant.to_file(root / "vacant_buildings.geojson", driver="GeoJSON")

    dump_xy = np.array([[hx + 2500, hy + 300], [hx + 2600, hy - 400], [hx - 2000, hy + 1500]])
    lon, lat = (
        gpd.GeoSeries(gpd.points_from_xy(*dump_xy.T), crs=28992)
        .to_crs(4326)
        .pipe(lambda s: (s.x, s.y))
    )
    pd.DataFrame(
        {
            "dumping_id": ["D1", "D2", "D3"],
            "observed_at": ["2025-05-01", "2025-06-01T23:40:00", "2025-07-15"],
            "waste_type": ["barrels", "Jerrycans ", "chemicals"],
            "volume_l": ["200", "60", "1000"],
            "reported_by": ["waterschap", "boswachter", "politie"],
            "confirmed": ["true", "false", "TRUE"],
            "lon": lon,
            "lat": lat,
        }
    ).to_csv(root / "dumpings.csv", index=False)

    pd.DataFrame(
        {
            "report_id": ["R1", "R2", "R3", "R4"],
            "observed_at": ["2025-09-01", "2025-09-20", "2025-03-01", "2025-08-01"],
            "category": ["covered_windows", "comings_and_goings", "litter", "poaching"],
            "description": ["ramen afgeplakt", '=HYPERLINK("x")', "zwerfafval", "stroperij"],
            "reporter_role": ["ranger", "hunter", "resident", "boa"],
            "reporter_org": ["SBB", "WBE", "", "gemeente"],
            "confidence": ["high", "medium", "low", "high"],
            "x": [hx + 80, hx - 120, ORIGIN_X, ORIGIN_X + 400],
            "y": [hy + 50, hy + 90, ORIGIN_Y, ORIGIN_Y],
        }
    ).to_csv(root / "reports.csv", index=False)

    months = pd.period_range("2023-01", "2025-09", freq="M")
    rows = []
    for address_id in addresses["address_id"]:
        for month in months:
            kwh_per_day = 8.0
            if address_id == HOT_ADDRESS and month >= pd.Period("2024-10", "M"):
                kwh_per_day = 150.0
            rows.append(
                (
                    address_id,
                    month.start_time.date().isoformat(),
                    month.end_time.date().isoformat(),
                    kwh_per_day * month.days_in_month,
                )
            )
    pd.DataFrame(rows, columns=["address_id", "period_start", "period_end", "kwh"]).to_csv(
        root / "energy.csv", index=False
    )

    pd.DataFrame(
        {
            "address_id": [HOT_ADDRESS, "0000000000000001", "0000000000000002"],
            "inspected_at": ["2023-03-01", "2024-02-01", "2025-02-01"],
            "outcome": ["signals", "nothing", "cannabis_grow"],
        }
    ).to_csv(root / "inspections.csv", index=False)

    area = gpd.GeoDataFrame(
        {"name": ["test"]},
        geometry=[shapely.box(ORIGIN_X - 1500, ORIGIN_Y - 1500, ORIGIN_X + 5500, ORIGIN_Y + 5500)],
        crs="EPSG:28992",
    )
    area.to_file(root / "area.gpkg", driver="GPKG")
    return root


@pytest.fixture
def contract_dir(tmp_path: Path) -> Path:
    """A valid data directory with a known riskiest address (:data:`HOT_ADDRESS`)."""
    return write_contract_dir(tmp_path / "data")
