"""The prioritised address list as people read it, its filters and its exports.

The list starts from what the role may see (:func:`~buitengebied.presentation.redact.redact_analysis`):
a role without per-address evidence gets no list. Each row names the address (street and
number, place), its use and floor area, the score rounded, the factors by their Dutch
titles (the layer files' ``title``) and, for a role that may see the inspections layer,
the date of the latest inspection. Exports are bytes for a download button: CSV and Excel
with formula-like text neutralised (a cell that starts with ``=``, ``+``, ``-``, ``@`` ...
is written as text, never as a formula) and a GeoPackage in EPSG:28992.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from collections.abc import Collection
from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd

from buitengebied.access.permissions import may_see_layer
from buitengebied.access.roles import Role
from buitengebied.io.csv import neutralised_frame, write_spreadsheet_csv
from buitengebied.io.geopackage import write_geopackage_layers
from buitengebied.presentation.redact import redact_analysis
from buitengebied.scoring.analysis import Analysis
from buitengebied.settings import LOCAL_TIMEZONE, WORKING_CRS

#: Column titles of the list, in order (Dutch: the list is read by people).
LIST_COLUMNS: Final = {
    "rank": "plaats in ranglijst",
    "address": "adres",
    "place": "woonplaats",
    "use": "gebruik",
    "floor_area_m2": "oppervlakte (m²)",
    "score": "risico",
    "factors": "belangrijkste factoren",
    "last_inspected": "laatst gecontroleerd",
    "address_id": "adres-id",
}
SCORE_DECIMALS: Final = 1


def address_list(role: Role | str | None, analysis: Analysis) -> pd.DataFrame | None:
    """Return the ranking as ``role`` may read it, riskiest first, or ``None``.

    Parameters
    ----------
    role : Role, str or None
        The user's role.
    analysis : Analysis
        The analysis the list is drawn from.

    Returns
    -------
    pandas.DataFrame or None
        Columns ``rank``, ``address``, ``place``, ``use``, ``floor_area_m2``, ``score``
        (rounded), ``factors`` (Dutch titles, ``, ``-separated), ``last_inspected`` (a date,
        or empty; only for a role that may see the inspections layer), ``address_id``,
        ``x``, ``y`` (EPSG:28992); ``None`` for a role without per-address evidence.
    """
    view = redact_analysis(role, analysis)
    if view.ranking is None:
        return None
    titles = {spec.name: spec.title for spec in analysis.specs}
    addresses = analysis.dataset.addresses.set_index("address_id")
    ranking = view.ranking.sort_values("rank", kind="stable")
    located = addresses.reindex(ranking["address_id"])
    table = pd.DataFrame(
        {
            "rank": ranking["rank"].to_numpy(),
            "address": _street_and_number(located),
            "place": _text(located, "place"),
            "use": _text(located, "use"),
            "floor_area_m2": pd.to_numeric(located.get("floor_area_m2"), errors="coerce"),
            "score": ranking["score"].round(SCORE_DECIMALS).to_numpy(),
            "factors": [_titled(cell, titles) for cell in ranking["top_factors"]],
            "last_inspected": _last_inspections(role, analysis, ranking["address_id"]),
            "address_id": ranking["address_id"].to_numpy(),
            "x": located.geometry.x.round(1).to_numpy(),
            "y": located.geometry.y.round(1).to_numpy(),
        }
    )
    return table.reset_index(drop=True)


def filter_addresses(
    table: pd.DataFrame,
    *,
    places: Collection[str] = (),
    uses: Collection[str] = (),
    min_score: float | None = None,
    factor: str | None = None,
    inspected_since: dt.date | None = None,
    not_inspected_since: dt.date | None = None,
) -> pd.DataFrame:
    """Return the rows of :func:`address_list` that pass every given filter.

    Parameters
    ----------
    table : pandas.DataFrame
        The list.
    places, uses : collection of str
        Keep these places (villages) or uses; empty keeps all.
    min_score : float, optional
        Keep scores at or above it.
    factor : str, optional
        Keep rows whose factors name this title.
    inspected_since, not_inspected_since : datetime.date, optional
        Keep addresses inspected on or after that day, or not inspected since that day.
    """
    keep = pd.Series(True, index=table.index)
    if places:
        keep &= table["place"].isin(list(places))
    if uses:
        keep &= table["use"].isin(list(uses))
    if min_score is not None:
        keep &= table["score"] >= min_score
    if factor:
        keep &= table["factors"].map(lambda cell: factor in cell.split(", "))
    last = pd.to_datetime(table["last_inspected"], errors="coerce")
    if inspected_since is not None:
        keep &= last >= pd.Timestamp(inspected_since)
    if not_inspected_since is not None:
        keep &= ~(last >= pd.Timestamp(not_inspected_since))
    return table[keep]


def readable(table: pd.DataFrame) -> pd.DataFrame:
    """Return the list with Dutch column titles and without coordinates (for people)."""
    return table[list(LIST_COLUMNS)].rename(columns=LIST_COLUMNS)


def csv_bytes(table: pd.DataFrame) -> bytes:
    """Return the list as CSV for a spreadsheet (formula-like text neutralised)."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "adressen.csv"
        write_spreadsheet_csv(readable(table), target)
        return target.read_bytes()


def excel_bytes(table: pd.DataFrame, *, sheet_title: str = "Adressen") -> bytes:
    """Return the list as an Excel workbook (``.xlsx``); no cell is ever a formula.

    Text is first neutralised as for CSV, and every text cell is then stored as a string
    (openpyxl would store text starting with ``=`` as a formula).
    """
    from openpyxl import Workbook

    frame = neutralised_frame(readable(table))
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = sheet_title
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([_excel_value(value) for value in row])
    for cells in sheet.iter_rows(min_row=1):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def geopackage_bytes(table: pd.DataFrame, *, layer: str = "adressen") -> bytes:
    """Return the list as a GeoPackage of points in EPSG:28992 (layer ``adressen``)."""
    frame = gpd.GeoDataFrame(
        table.drop(columns=["x", "y"]),
        geometry=gpd.points_from_xy(table["x"], table["y"]),
        crs=WORKING_CRS,
    )
    frame["last_inspected"] = frame["last_inspected"].astype(str)
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "adressen.gpkg"
        write_geopackage_layers(target, {layer: frame})
        return target.read_bytes()


def _excel_value(value: object) -> object:
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return None
    return value


def _street_and_number(located: pd.DataFrame) -> list[str]:
    street, number = _text(located, "street"), _text(located, "housenumber")
    return [" ".join(p for p in (s, n) if p) for s, n in zip(street, number, strict=True)]


def _text(located: pd.DataFrame, column: str) -> list[str]:
    if column not in located:
        return [""] * len(located)
    return [("" if v is None or pd.isna(v) else str(v).strip()) for v in located[column]]


def _titled(cell: object, titles: dict[str, str]) -> str:
    if cell is None or pd.isna(cell):  # type: ignore[call-overload]
        return ""
    return ", ".join(titles.get(name, name) for name in str(cell).split(";") if name)


def _last_inspections(
    role: Role | str | None, analysis: Analysis, address_ids: pd.Series
) -> list[object]:
    specs = [s for s in analysis.specs if s.source_layer == "inspections"]
    layer = analysis.dataset.layers.get("inspections")
    if layer is None or not specs or not all(may_see_layer(role, s) for s in specs):
        return [None] * len(address_ids)
    moments = pd.to_datetime(layer["inspected_at"], utc=True).dt.tz_convert(LOCAL_TIMEZONE)
    latest = moments.groupby(layer["address_id"]).max().dt.date
    return [latest.get(a) for a in address_ids]
