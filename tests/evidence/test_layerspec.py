from pathlib import Path

import pytest

from buitengebied.errors import LayerSpecError
from buitengebied.evidence.layerspec import (
    METHODS,
    default_layer_files,
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


VALID = """
[layer]
source_layer = "reports"
title = "Meldingen"
weight = 1.0
visible_to = ["police"]

[evidence]
method = "kernel_density"
bandwidth_m = 400
half_life_days = 180
"""


def test_malformed_file_names_file_and_problem(tmp_path: Path):
    bad = tmp_path / "broken.toml"
    bad.write_text(
        '[layer]\nsource_layer = "reports"\ntitle = "x"\nweight = 1\nvisible_to = ["police"]\n'
        '[evidence]\nmethod = "kernel_density"\n'
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


def test_the_shipped_layer_files_are_package_data():
    names = [name for name, _ in default_layer_files()]
    assert "energy.toml" in names and names == sorted(names)
    assert [s.name for s in load_layer_specs()] == [n.removesuffix(".toml") for n in names]


def test_a_valid_file_parses_with_its_values(tmp_path: Path):
    path = tmp_path / "signals.toml"
    path.write_text(VALID)
    spec = parse_layer_spec(path)
    assert (spec.name, spec.title, spec.weight, spec.visible_to) == (
        "signals",
        "Meldingen",
        1.0,
        ("police",),
    )
    assert spec.params == {"bandwidth_m": 400.0} and spec.half_life_days == 180.0


def test_an_unknown_key_is_refused_naming_file_table_key_and_the_close_key(tmp_path: Path):
    path = tmp_path / "signals.toml"
    path.write_text(VALID.replace("half_life_days", "half_life_dayz"))
    with pytest.raises(LayerSpecError) as caught:
        parse_layer_spec(path)
    message = str(caught.value)
    assert "signals.toml: [evidence] half_life_dayz: unknown key" in message
    assert "did you mean 'half_life_days'?" in message


def test_visible_to_is_required_deny_by_default(tmp_path: Path):
    path = tmp_path / "signals.toml"
    path.write_text(VALID.replace('visible_to = ["police"]\n', ""))
    with pytest.raises(LayerSpecError, match=r"\[layer\] visible_to: missing \(required\)"):
        parse_layer_spec(path)
    path.write_text(VALID.replace('["police"]', "[]"))
    with pytest.raises(LayerSpecError, match="visible_to: must be a non-empty list"):
        parse_layer_spec(path)
    path.write_text(VALID.replace('["police"]', '["police", "everyone"]'))
    with pytest.raises(LayerSpecError, match=r"unknown role.*everyone"):
        parse_layer_spec(path)


def test_every_problem_of_every_file_is_reported_at_once(tmp_path: Path):
    (tmp_path / "a.toml").write_text(
        VALID.replace("weight = 1.0", "weight = -1").replace("bandwidth_m = 400", "scale_m = 4")
    )
    (tmp_path / "b.toml").write_text(
        VALID.replace('source_layer = "reports"', 'source_layer = "report"')
    )
    with pytest.raises(LayerSpecError) as caught:
        load_layer_specs(tmp_path)
    lines = str(caught.value).splitlines()
    assert any("a.toml: [layer] weight: must be at least 0" in line for line in lines)
    assert any("a.toml: [evidence] scale_m: unknown key" in line for line in lines)
    assert any("a.toml: [evidence] bandwidth_m: missing" in line for line in lines)
    assert any(
        "b.toml: [layer] source_layer: 'report' is not a contract layer" in line for line in lines
    )


def test_a_key_the_method_does_not_use_is_refused(tmp_path: Path):
    path = tmp_path / "signals.toml"
    path.write_text(VALID.replace('method = "kernel_density"', 'method = "energy_anomaly"'))
    with pytest.raises(LayerSpecError) as caught:
        parse_layer_spec(path)
    assert "[evidence] bandwidth_m: unknown key" in str(caught.value)
    assert "[evidence] half_life_days: unknown key" in str(caught.value)


def test_filter_and_record_weights_are_checked_against_the_contract(tmp_path: Path):
    path = tmp_path / "signals.toml"
    path.write_text(
        VALID
        + '[evidence.filter]\ncategorie = ["poaching"]\n'
        + '[[evidence.record_weights]]\ncolumn = "confidence"\nvalues = { hihg = 1.0, low = 0.4 }\n'
        + '[[evidence.record_weights]]\ncolumn = "category"\nvalues = { poaching = "much" }\n'
    )
    with pytest.raises(LayerSpecError) as caught:
        parse_layer_spec(path)
    message = str(caught.value)
    assert "'categorie' is not a column of layer 'reports'; did you mean 'category'?" in message
    assert "'hihg' is not a value of 'confidence'" in message
    assert "[evidence.record_weights.values] poaching: must be a finite number" in message


def test_effort_reference_count_is_read_and_defaults_to_five(tmp_path: Path):
    path = tmp_path / "signals.toml"
    effort = '[evidence.effort]\nsource_layer = "reports"\nbandwidth_m = 2000\n'
    path.write_text(VALID + effort + "reference_count = 12\n")
    assert parse_layer_spec(path).effort.reference_count == 12.0
    path.write_text(VALID + effort)
    assert parse_layer_spec(path).effort.reference_count == 5.0
    path.write_text(VALID + effort + "reference_countt = 12\n")
    with pytest.raises(LayerSpecError, match="did you mean 'reference_count'"):
        parse_layer_spec(path)
