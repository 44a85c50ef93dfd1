"""Stored reports and inspections join a loaded data directory under the same time rules."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import HOT_ADDRESS, ORIGIN_X, ORIGIN_Y

from buitengebied.errors import ValidationError
from buitengebied.load.directory import load_data_dir
from buitengebied.load.timefilter import known_at
from buitengebied.store import StoreError, open_store, with_stored_records


def test_a_stored_report_joins_the_dataset_and_follows_known_at(
    contract_dir: Path, tmp_path: Path
) -> None:
    dataset = load_data_dir(contract_dir)
    with open_store(tmp_path / "store.db") as store:
        report_id = store.add_report(
            {"observed_at": "2025-10-15", "category": "chemical_smell"},
            x_m=ORIGIN_X + 100,
            y_m=ORIGIN_Y + 100,
            created_by="boswachter",
        )
        store.add_inspection(
            {"address_id": HOT_ADDRESS, "inspected_at": "2025-10-20", "outcome": "drug_lab"},
            created_by="politie",
        )
        merged = with_stored_records(dataset, store)
    reports = merged.layers["reports"]
    assert list(reports["report_id"]) == ["R1", "R2", "R3", "R4", report_id]
    assert len(merged.layers["inspections"]) == len(dataset.layers["inspections"]) + 1
    before = known_at(merged, pd.Timestamp("2025-10-15", tz="Europe/Amsterdam"))
    after = known_at(merged, pd.Timestamp("2025-10-16", tz="Europe/Amsterdam"))
    assert report_id not in set(before.layers["reports"]["report_id"])
    assert report_id in set(after.layers["reports"]["report_id"])
    assert after.outcomes().confirmed.sum() == dataset.outcomes().confirmed.sum()
    late = known_at(merged, pd.Timestamp("2025-10-21", tz="Europe/Amsterdam"))
    assert late.outcomes().confirmed.sum() == dataset.outcomes().confirmed.sum() + 1


def test_a_stored_id_that_a_file_holds_is_refused(contract_dir: Path, tmp_path: Path) -> None:
    dataset = load_data_dir(contract_dir)
    with open_store(tmp_path / "store.db") as store:
        store.add_report(
            {"report_id": "R2", "observed_at": "2025-10-15", "category": "litter"},
            x_m=ORIGIN_X,
            y_m=ORIGIN_Y,
            created_by="t",
        )
        with pytest.raises(StoreError, match="both hold report_id R2"):
            with_stored_records(dataset, store)


def test_a_stored_inspection_of_an_unknown_address_is_refused(
    contract_dir: Path, tmp_path: Path
) -> None:
    dataset = load_data_dir(contract_dir)
    with open_store(tmp_path / "store.db") as store:
        store.add_inspection(
            {"address_id": "NOPE", "inspected_at": "2025-10-20", "outcome": "nothing"},
            created_by="t",
        )
        with pytest.raises(ValidationError, match="an address_id of the addresses layer"):
            with_stored_records(dataset, store)
