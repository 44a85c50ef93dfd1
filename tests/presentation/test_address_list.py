import datetime as dt
import io

import geopandas as gpd
import pandas as pd
import pytest
from conftest import HOT_ADDRESS, write_contract_dir
from openpyxl import load_workbook

from buitengebied.access.roles import Role
from buitengebied.evidence.layerspec import load_layer_specs
from buitengebied.load.directory import load_data_dir
from buitengebied.presentation.address_list import (
    LIST_COLUMNS,
    address_list,
    csv_bytes,
    excel_bytes,
    filter_addresses,
    geopackage_bytes,
)
from buitengebied.scoring.analysis import Analysis, analyse
from buitengebied.timeutil import parse_as_of

AS_OF = parse_as_of("2025-06-01")


@pytest.fixture(scope="module")
def analysis(tmp_path_factory) -> Analysis:
    root = write_contract_dir(tmp_path_factory.mktemp("address-list") / "data")
    return analyse(load_data_dir(root), as_of=AS_OF, specs=load_layer_specs())


def test_rows_name_the_address_and_the_factors_by_title(analysis: Analysis) -> None:
    table = address_list(Role.POLICE, analysis)
    assert table is not None
    assert list(table["rank"]) == sorted(table["rank"])
    hot = table.set_index("address_id").loc[HOT_ADDRESS]
    assert hot["address"] == f"Testweg {int(HOT_ADDRESS) + 1}"
    assert hot["place"] == "Hengelo"
    titles = {spec.name: spec.title for spec in analysis.specs}
    named = analysis.scores.table.set_index("address_id").loc[HOT_ADDRESS, "top_factors"]
    assert hot["factors"] == ", ".join(titles[n] for n in named.split(";"))
    assert all(len(str(s).split(".")[-1]) <= 1 for s in table["score"])


def test_roles_see_what_they_may(analysis: Analysis) -> None:
    assert address_list(Role.RANGER, analysis) is None
    assert address_list(Role.ADMIN, analysis) is None
    energy = next(spec.title for spec in analysis.specs if spec.name == "energy")
    police = address_list(Role.POLICE, analysis)
    municipality = address_list(Role.MUNICIPALITY, analysis)
    boa = address_list(Role.BOA, analysis)
    assert police is not None and municipality is not None and boa is not None
    assert police["factors"].str.contains(energy).any()
    assert not municipality["factors"].str.contains(energy).any()
    # the BOA may not see the inspections layer: no inspection dates
    assert boa["last_inspected"].isna().all()
    assert police["last_inspected"].notna().any()


def test_filters_combine(analysis: Analysis) -> None:
    table = address_list(Role.POLICE, analysis)
    assert table is not None
    top = filter_addresses(table, min_score=float(table["score"].iloc[2]))
    assert set(top["rank"]) >= {1, 2, 3} and (top["score"] >= table["score"].iloc[2]).all()
    use = filter_addresses(table, uses=["woonfunctie"])
    assert len(use) and (use["use"] == "woonfunctie").all()
    assert filter_addresses(table, places=["Elders"]).empty
    inspected = table["last_inspected"].dropna()
    day = min(inspected)
    since = filter_addresses(table, inspected_since=day)
    assert set(since["address_id"]) == set(table.loc[inspected.index, "address_id"])
    later = day + dt.timedelta(days=1)
    not_since = filter_addresses(table, not_inspected_since=later)
    assert len(not_since) + len(filter_addresses(table, inspected_since=later)) == len(table)
    factor = table["factors"].iloc[0].split(", ")[0]
    with_factor = filter_addresses(table, factor=factor)
    assert len(with_factor) and with_factor["factors"].map(lambda c: factor in c).all()


def _hostile(table: pd.DataFrame) -> pd.DataFrame:
    hostile = table.copy()
    hostile.loc[0, "address"] = '=HYPERLINK("http://x","klik")'
    hostile.loc[1, "place"] = "+1+1"
    return hostile


def test_csv_and_excel_never_hold_formulas(analysis: Analysis) -> None:
    table = address_list(Role.POLICE, analysis)
    assert table is not None
    hostile = _hostile(table)
    text = csv_bytes(hostile).decode("utf-8")
    assert text.splitlines()[0].split(",")[0] == LIST_COLUMNS["rank"]
    assert "'=HYPERLINK" in text and "'+1+1" in text
    book = load_workbook(io.BytesIO(excel_bytes(hostile)))
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    assert header == list(LIST_COLUMNS.values())
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    values = [cell.value for cell in cells]
    assert '\'=HYPERLINK("http://x","klik")' in values
    assert len(list(sheet.iter_rows(min_row=2))) == len(table)


def test_geopackage_holds_points_in_rd(analysis: Analysis, tmp_path) -> None:
    table = address_list(Role.POLICE, analysis)
    assert table is not None
    path = tmp_path / "adressen.gpkg"
    path.write_bytes(geopackage_bytes(table))
    frame = gpd.read_file(path, layer="adressen")
    assert frame.crs.to_epsg() == 28992
    assert list(frame["address_id"]) == list(table["address_id"])
    assert frame.geometry.x.to_numpy() == pytest.approx(table["x"].to_numpy())
