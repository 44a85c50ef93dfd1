import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from buitengebied.errors import LayerSpecError
from buitengebied.evidence import layerspec
from buitengebied.evidence.features import address_xy, kernel_density_evidence
from buitengebied.evidence.layerspec import (
    METHODS,
    default_layer_files,
    load_layer_specs,
    parse_layer_spec,
)
from buitengebied.load.directory import load_data_dir
from buitengebied.timeutil import parse_as_of

SHIPPED = {
    "dumpings.toml",
    "energy.toml",
    "inspection_finds.toml",
    "inspection_nothing.toml",
    "inspections.toml",
    "premises.toml",
    "remoteness.toml",
    "reports.toml",
    "vacant_buildings.toml",
}

#: A valid layer file; tests break one thing at a time.
PROBE = """
[layer]
source_layer = "reports"
title = "Proef"
weight = 1.0
visible_to = ["police", "boa"]

[evidence]
method = "kernel_density"
bandwidth_m = 400
half_life_days = 180

[evidence.filter]
category = ["covered_windows", "comings_and_goings"]

[evidence.effort]
source_layer = "reports"
bandwidth_m = 2000
reference_count = 5

[[evidence.record_weights]]
column = "confidence"
values = { high = 1.0, medium = 0.7, low = 0.4 }
default = 0.6
"""


def write_layer(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path_or_dir: Path) -> list[str]:
    """Every problem line of the one error that loading raises."""
    with pytest.raises(LayerSpecError) as caught:
        if path_or_dir.is_dir():
            load_layer_specs(path_or_dir)
        else:
            parse_layer_spec(path_or_dir)
    return str(caught.value).splitlines()


def test_probe_is_valid(tmp_path: Path):
    spec = parse_layer_spec(write_layer(tmp_path, "probe", PROBE))
    assert spec.name == "probe"
    assert spec.params == {"bandwidth_m": 400.0}
    assert spec.filters == {"category": ("covered_windows", "comings_and_goings")}
    assert spec.visible_to == ("police", "boa")
    assert spec.effort == layerspec.Effort("reports", 2000.0, 5.0)


def test_every_shipped_layer_file_parses():
    names = [name for name, _ in default_layer_files()]
    assert set(names) == SHIPPED
    specs = load_layer_specs()
    assert [s.name for s in specs] == [Path(n).stem for n in sorted(names)]
    assert all(s.method in METHODS and s.weight > 0 for s in specs)
    assert all(s.visible_to for s in specs)


def test_shipped_reports_leave_out_non_drug_categories_and_keep_their_effort():
    reports = next(s for s in load_layer_specs() if s.name == "reports")
    assert "poaching" not in reports.filters["category"]
    assert reports.effort == layerspec.Effort("reports", 2000.0, 5.0)


def test_loader_reads_package_data_without_a_directory_on_disk(tmp_path: Path, monkeypatch):
    # The package as a zip archive: its layers are Traversables, not paths.
    archive = tmp_path / "buitengebied.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, text in default_layer_files():
            zipped.writestr(f"buitengebied/layers/{name}", text)
    from_disk = load_layer_specs()
    monkeypatch.setattr(
        layerspec.resources, "files", lambda package: zipfile.Path(archive, f"{package}/")
    )
    assert load_layer_specs() == from_disk


def test_unknown_key_is_named_with_file_table_and_a_close_key(tmp_path: Path):
    path = write_layer(tmp_path, "probe", PROBE.replace("half_life_days", "half_life_dayz"))
    assert problems_of(path) == [
        f"{path}: [evidence] half_life_dayz: unknown key; did you mean 'half_life_days'?"
    ]


@pytest.mark.parametrize(
    ("table", "line", "problem"),
    [
        (
            "[layer]",
            'colour = "red"',
            "[layer] colour: unknown key; expected one of source_layer, title, description, "
            "weight, visible_to, max_strength",
        ),
        (
            "[evidence.effort]",
            "reference_cont = 5",
            "[evidence.effort] reference_cont: unknown key; did you mean 'reference_count'?",
        ),
        (
            "[[evidence.record_weights]]",
            "defualt = 0.5",
            "[[evidence.record_weights]] #1 defualt: unknown key; did you mean 'default'?",
        ),
    ],
)
def test_unknown_keys_are_refused_in_every_table(tmp_path: Path, table, line, problem):
    path = write_layer(tmp_path, "probe", PROBE.replace(f"{table}\n", f"{table}\n{line}\n"))
    assert problems_of(path) == [f"{path}: {problem}"]


def test_unknown_top_level_table_is_refused(tmp_path: Path):
    path = write_layer(tmp_path, "probe", PROBE + "\n[evidance]\n")
    assert problems_of(path) == [
        f"{path}: evidance: unknown at the top level; did you mean '[evidence]'?"
    ]


def test_key_the_method_does_not_use_is_refused(tmp_path: Path):
    path = write_layer(
        tmp_path, "probe", PROBE.replace("bandwidth_m = 400", "bandwidth_m = 400\nscale_m = 100")
    )
    assert problems_of(path) == [
        f"{path}: [evidence] scale_m: method 'kernel_density' does not use this key (used by nearest)"
    ]


def test_method_needs_its_parameters(tmp_path: Path):
    path = write_layer(tmp_path, "probe", PROBE.replace("bandwidth_m = 400\n", ""))
    assert problems_of(path) == [
        f"{path}: [evidence] bandwidth_m: missing; expected a positive number"
    ]


@pytest.mark.parametrize(
    "listing",
    ["", "visible_to = []\n", 'visible_to = "police"\n'],
    ids=["missing", "empty", "not a list"],
)
def test_visible_to_is_required_and_denies_by_default(tmp_path: Path, listing):
    text = PROBE.replace('visible_to = ["police", "boa"]\n', listing)
    [problem] = problems_of(write_layer(tmp_path, "probe", text))
    assert problem.startswith(f"{tmp_path / 'probe.toml'}: [layer] visible_to: ")


def test_unknown_role_is_refused_with_the_close_one(tmp_path: Path):
    text = PROBE.replace('"police", "boa"', '"polise", "boa"')
    assert problems_of(write_layer(tmp_path, "probe", text)) == [
        f"{tmp_path / 'probe.toml'}: [layer] visible_to: unknown role 'polise'; did you mean 'police'?"
    ]


def test_unknown_filter_column_is_refused(tmp_path: Path):
    path = write_layer(tmp_path, "probe", PROBE.replace("category = [", "categorie = ["))
    assert problems_of(path) == [
        f"{path}: [evidence.filter] categorie: 'categorie' is not a column of the 'reports' "
        "layer; did you mean 'category'?"
    ]


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        (
            '"comings_and_goings"]',
            '"comings_and_going"]',
            "[evidence.filter] category: 'comings_and_going' is not a value of column "
            "'category'; did you mean 'comings_and_goings'?",
        ),
        (
            "medium = 0.7",
            "meduim = 0.7",
            "[[evidence.record_weights]] #1 values.meduim: 'meduim' is not a value of column "
            "'confidence'; did you mean 'medium'?",
        ),
    ],
    ids=["filter", "record_weights"],
)
def test_values_must_be_categories_of_their_column(tmp_path: Path, old, new, where):
    path = write_layer(tmp_path, "probe", PROBE.replace(old, new))
    assert problems_of(path) == [f"{path}: {where}"]


def test_record_weights_column_must_be_a_contract_column_that_matches_as_text(tmp_path: Path):
    path = write_layer(
        tmp_path, "probe", PROBE.replace('column = "confidence"', 'column = "observed_at"')
    )
    [problem] = problems_of(path)
    assert problem.startswith(
        f"{path}: [[evidence.record_weights]] #1 column: column 'observed_at'"
    )


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("weight = 1.0", "weight = -1", "[layer] weight: expected a number >= 0, got -1"),
        ("weight = 1.0", "weight = nan", "[layer] weight: expected a number >= 0, got nan"),
        ("weight = 1.0", 'weight = "1"', "[layer] weight: expected a number >= 0, got '1'"),
        ("weight = 1.0", "weight = true", "[layer] weight: expected a number >= 0, got True"),
        ('title = "Proef"', "title = 3", "[layer] title: expected a string, got 3"),
        (
            "weight = 1.0",
            "weight = 1.0\nmax_strength = 0",
            "[layer] max_strength: expected a positive number, got 0",
        ),
        (
            "bandwidth_m = 400",
            "bandwidth_m = 0",
            "[evidence] bandwidth_m: expected a positive number, got 0",
        ),
        (
            "half_life_days = 180",
            "half_life_days = -5",
            "[evidence] half_life_days: expected a positive number, got -5",
        ),
        (
            "reference_count = 5",
            "reference_count = 0",
            "[evidence.effort] reference_count: expected a positive number, got 0",
        ),
        (
            "high = 1.0",
            "high = -1.0",
            "[[evidence.record_weights]] #1 values.high: expected a number >= 0, got -1.0",
        ),
        (
            'source_layer = "reports"\ntitle',
            'source_layer = "report"\ntitle',
            "[layer] source_layer: 'report' is not a contract layer; did you mean 'reports'?",
        ),
    ],
)
def test_values_are_type_checked(tmp_path: Path, old, new, where):
    assert old in PROBE
    path = write_layer(tmp_path, "probe", PROBE.replace(old, new, 1))
    assert problems_of(path) == [f"{path}: {where}"]


def test_source_layer_must_suit_the_method(tmp_path: Path):
    text = PROBE.replace('source_layer = "reports"\ntitle', 'source_layer = "inspections"\ntitle')
    lines = problems_of(write_layer(tmp_path, "probe", text))
    assert (
        f"{tmp_path / 'probe.toml'}: [layer] source_layer: method 'kernel_density' needs a layer with geometry; 'inspections' has none"
        in lines
    )


def test_every_problem_of_every_file_is_reported_in_one_error(tmp_path: Path):
    layers = tmp_path / "layers"
    write_layer(layers, "good", PROBE)
    first = write_layer(
        layers,
        "first",
        PROBE.replace("half_life_days", "half_life_dayz").replace("weight = 1.0", "weight = -2"),
    )
    second = write_layer(
        layers,
        "second",
        PROBE.replace('visible_to = ["police", "boa"]\n', "").replace("medium", "meduim"),
    )
    broken = write_layer(layers, "third", "[layer\n")
    lines = problems_of(layers)
    assert len(lines) == 5
    assert sum(line.startswith(f"{first}: ") for line in lines) == 2
    assert sum(line.startswith(f"{second}: ") for line in lines) == 2
    assert any(line.startswith(f"{broken}: not valid TOML") for line in lines)
    assert any(re.search(r"\[evidence\] half_life_dayz: unknown key", line) for line in lines)
    assert any("[layer] weight: expected a number >= 0, got -2" in line for line in lines)
    assert any("[layer] visible_to: missing" in line for line in lines)
    assert any("values.meduim" in line for line in lines)


def test_reference_count_is_used(contract_dir: Path, tmp_path: Path):
    dataset = load_data_dir(contract_dir)
    as_of = parse_as_of("2025-10-01")
    targets = address_xy(dataset)

    def evidence(text: str) -> np.ndarray:
        spec = parse_layer_spec(write_layer(tmp_path, "probe", text))
        return kernel_density_evidence(spec, dataset, targets, as_of=as_of)

    effort_table = PROBE[PROBE.index("[evidence.effort]") : PROBE.index("[[evidence")]
    density = evidence(PROBE.replace(effort_table, ""))
    one = evidence(PROBE.replace("reference_count = 5", "reference_count = 1"))
    fifty = evidence(PROBE.replace("reference_count = 5", "reference_count = 50"))
    assert not np.allclose(one, fifty)
    # The divisor is 1 + around / reference_count: the excess over 1 scales with 1 / count.
    seen = density > 1e-9 * density.max()
    assert seen.sum() >= 3
    np.testing.assert_allclose(
        (density[seen] / one[seen] - 1.0) / (density[seen] / fifty[seen] - 1.0), 50.0, rtol=1e-9
    )


def test_reference_count_defaults_to_five(tmp_path: Path):
    spec = parse_layer_spec(
        write_layer(tmp_path, "probe", PROBE.replace("reference_count = 5\n", ""))
    )
    assert spec.effort is not None
    assert spec.effort.reference_count == layerspec.DEFAULT_REFERENCE_COUNT == 5.0


def test_malformed_file_names_file_and_problem(tmp_path: Path):
    bad = tmp_path / "broken.toml"
    bad.write_text(
        '[layer]\nsource_layer = "reports"\nweight = 1\nvisible_to = ["police"]\n'
        '[evidence]\nmethod = "kernel_density"\n'
    )
    with pytest.raises(LayerSpecError, match=r"broken\.toml.*bandwidth_m"):
        parse_layer_spec(bad)
    bad.write_text(
        '[layer]\nsource_layer = "nonsense"\nweight = 1\nvisible_to = ["police"]\n'
        '[evidence]\nmethod = "linked"\n'
    )
    with pytest.raises(LayerSpecError, match="not a contract layer"):
        parse_layer_spec(bad)


def test_a_layer_file_that_is_no_regular_file_is_an_error(tmp_path: Path):
    write_layer(tmp_path, "good", PROBE)
    (tmp_path / "folder.toml").mkdir()
    assert problems_of(tmp_path) == [f"{tmp_path / 'folder.toml'}: not a regular file"]


def test_empty_layers_dir_is_an_error(tmp_path: Path):
    with pytest.raises(LayerSpecError, match="no layer files"):
        load_layer_specs(tmp_path)


def test_max_strength_is_read_and_the_shipped_signals_are_capped(tmp_path: Path):
    write_layer(
        tmp_path, "probe", PROBE.replace("weight = 1.0", "weight = 1.0\nmax_strength = 6", 1)
    )
    assert load_layer_specs(tmp_path)[0].max_strength == 6.0
    shipped = {spec.name: spec.max_strength for spec in load_layer_specs()}
    assert shipped["inspections"] == 8.0
    assert shipped["vacant_buildings"] == 3.0
    assert shipped["energy"] is None


def shipped_premises_text() -> str:
    return dict(default_layer_files())["premises.toml"]


def test_the_vacancy_bonus_may_be_zero_and_the_shipped_premises_set_it_so(tmp_path: Path):
    """The register's emptiness is the vacant_buildings factor's; premises count it 0 times."""
    text = shipped_premises_text()
    assert re.search(r"^vacancy_bonus = 0$", text, flags=re.MULTILINE)
    write_layer(tmp_path, "premises", text)
    (spec,) = load_layer_specs(tmp_path)
    assert spec.params["vacancy_bonus"] == 0.0


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        (
            "vacancy_bonus = 0\n",
            "vacancy_bonus = -1\n",
            "[evidence] vacancy_bonus: expected a number >= 0, got -1",
        ),
        (
            "edge_scale_m = 1000\n",
            "edge_scale_m = 0\n",
            "[evidence] edge_scale_m: expected a positive number, got 0",
        ),
    ],
)
def test_premises_parameters_other_than_the_bonus_stay_positive(tmp_path: Path, old, new, where):
    text = shipped_premises_text()
    assert old in text
    path = write_layer(tmp_path, "premises", text.replace(old, new, 1))
    assert problems_of(path) == [f"{path}: {where}"]
