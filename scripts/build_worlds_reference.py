"""Build the reference data of ``buitengebied_worlds`` from the real public data in shared/realdata.

Run once by hand (``python scripts/build_worlds_reference.py REALDATA_DIR``); its output is
committed under ``src/buitengebied_worlds/reference/`` with its attribution in SOURCE.txt.
"""

import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd

OUT = Path(__file__).resolve().parents[1] / "src" / "buitengebied_worlds" / "reference"

# Village cores: CBS 2014 buurt label point -> Liander woonplaats and an estimated number of
# addresses in the core (estimates, guided by Liander's connection counts per woonplaats).
VILLAGES = {
    "Zelhem": ("ZELHEM", 2600),
    "Vorden": ("VORDEN", 2700),
    "Hengelo": ("HENGELO GLD", 2300),
    "Steenderen": ("STEENDEREN", 1000),
    "Keijenborg": ("KEIJENBORG", 600),
    "Hummelo": ("HUMMELO", 550),
    "Halle": ("HALLE", 450),
    "Drempt": ("DREMPT", 450),
    "Hoog-Keppel": ("HOOG-KEPPEL", 350),
    "Baak": ("BAAK", 300),
    "Toldijk": ("TOLDIJK", 300),
    "Wichmond": ("WICHMOND", 250),
    "Laag-Keppel": ("LAAG-KEPPEL", 200),
    "Velswijk": ("ZELHEM", 150),
    "Veldhoek": ("HENGELO GLD", 150),
    "Kranenburg": ("VORDEN", 120),
    "Achterdrempt": ("DREMPT", 120),
    "Olburgen": ("OLBURGEN", 80),
    "Bronkhorst": ("BRONKHORST", 60),
    "Rha": ("STEENDEREN", 60),
    "Verspreide huizen Vierakker": ("VIERAKKER", 100),
}


def main(realdata: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    gemeenten = gpd.read_file(realdata / "cbs-gemeenten-2022-2023" / "gemeenten_2022_wgs84.geojson")
    area = gemeenten.loc[gemeenten["statcode"] == "GM1876", ["statcode", "statnaam", "geometry"]]
    area.to_file(OUT / "bronckhorst_area.geojson", driver="GeoJSON")

    labels = gpd.read_file(
        realdata / "cbs-buurten-wijken-2014" / "bronckhorst_buurten_wijken_2014_rd.gpkg",
        layer="buurt_labels_2014",
    )
    rows = []
    for _, label in labels.iterrows():
        name = label["statnaam"]
        if name in VILLAGES:
            woonplaats, n_core = VILLAGES[name]
            rows.append(
                {
                    "name": name.replace("Verspreide huizen ", ""),
                    "woonplaats": woonplaats,
                    "x": round(label.geometry.x, 1),
                    "y": round(label.geometry.y, 1),
                    "core_addresses": n_core,
                }
            )
    pd.DataFrame(rows).to_csv(OUT / "villages.csv", index=False)

    liander = pd.read_csv(
        realdata
        / "liander-kleinverbruik-2009-2010"
        / "liander_kleinverbruik_bronckhorst_2009_2010.csv",
        sep=";",
        decimal=",",
    )
    elk = liander[(liander["PRODUCTSOORT"] == "ELK") & (liander["PEILDATUM"] == "2010-01-01")]
    streets = pd.DataFrame(
        {
            "woonplaats": elk["WOONPLAATS"].str.replace(" KEPPEL", "-KEPPEL", regex=False),
            "street": elk["STRAATNAAM"],
            "postcode_from": elk["POSTCODE_VAN"],
            "postcode_to": elk["POSTCODE_TOT"],
            "connections": elk["Aantal Aansluitingen"],
            "sjv_kwh": elk["SJV"],
        }
    )
    streets.to_csv(OUT / "liander_streets_2010.csv", index=False)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
