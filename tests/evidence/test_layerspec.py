from pathlib import Path

import pytest

from buitengebied.errors import LayerSpecError
from buitengebied.evidence.layerspec import (
    METHODS,
    default_layers_dir,
    load_layer_specs,
    parse_layer_spec,
)


def test_bundled_layer_files_parse_and_cover_every_optional_layer():
    specs = load_layer_specs()
    sources = {s.source_layer for s in specs}
    assert {"vacant_buildings", "dumpings", "reports", "energy", "inspections"} <= sources
    assert all(s.method in METHODS and s.weight > 0 for s in specs)
    assert all(s.visible_to for s in specs)


def test_reports_leave_out_non_drug_categories():
    reports = next(s for s in load_layer_specs() if s.name == "reports")
    assert "poaching" not in reports.filters["category"]
    assert reports.effort is not None


def test_malformed_file_names_file_and_problem(tmp_path: Path):
    bad = tmp_path / "broken.toml"
    bad.write_text(
        '[layer]\nsource_layer = "reports"\nweight = 1\n[evidence]\nmethod = "kernel_density"\n'
    )
    with pytest.raises(LayerSpecError, match=r"broken\.toml.*bandwidth_m"):
        parse_layer_spec(bad)
    bad.write_text(
        '[layer]\nsource_layer = "nonsense"\nweight = 1\n[evidence]\nmethod = "linked"\n'
    )
    with pytest.raises(LayerSpecError, match="not a contract layer"):
        parse_layer_spec(bad)


def test_empty_layers_dir_is_an_error(tmp_path: Path):
    with pytest.raises(LayerSpecError):
        load_layer_specs(tmp_path)


def test_default_layers_dir_exists():
    assert (default_layers_dir() / "energy.toml").is_file()
