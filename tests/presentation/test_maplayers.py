"""What the map draws: the what-if mix equals the fusion, and each role gets only its part."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from buitengebied.load.directory import load_data_dir
from buitengebied.presentation import maplayers
from buitengebied.scoring.analysis import analyse
from buitengebied.scoring.surface import NODATA, risk_surface


@pytest.fixture
def analysis(contract_dir):
    dataset = load_data_dir(contract_dir)
    return analyse(dataset, as_of=pd.Timestamp("2025-10-01", tz="Europe/Amsterdam"))


def test_the_mix_at_the_default_weights_is_the_ranking(analysis):
    strengths = maplayers.address_strengths(analysis)
    # The modifiers (a find, nothing found) scale the mix as they scale the ranking.
    mixed = maplayers.mix_addresses(
        strengths,
        maplayers.default_weights(analysis),
        modifiers=maplayers.address_modifiers(analysis),
    )
    expected = analysis.scores.table.set_index("address_id")["score"]
    np.testing.assert_allclose(mixed.loc[expected.index].to_numpy(), expected.to_numpy())


def test_the_unit_surface_mixed_with_the_weights_is_the_risk_surface(analysis):
    unit = maplayers.rd_strength_surface(analysis, cell_size_m=200.0)
    weights = maplayers.default_weights(analysis)
    expected = risk_surface(
        analysis.dataset, analysis.specs, analysis.scores, as_of=analysis.as_of, cell_size_m=200.0
    ).risk
    mixed = sum(weights[name] * band for name, band in unit.contributions.items())
    inside = expected != NODATA
    np.testing.assert_allclose(mixed[inside], expected[inside], rtol=1e-5, atol=1e-6)


def test_the_web_mercator_grid_mixes_like_the_weights_say(analysis):
    grid = maplayers.strength_grid(analysis, cell_size_m=200.0)
    name = next(iter(grid.strengths))
    only = maplayers.mix_grid(grid, {name: 2.0})
    np.testing.assert_allclose(only, 2.0 * grid.strengths[name], equal_nan=True)
    (south, west), (north, east) = grid.bounds
    assert south < north and west < east


@pytest.mark.parametrize("role", ["ranger", "water_board", "admin", "grid_operator", "nobody"])
def test_a_role_without_address_evidence_gets_no_marker(analysis, role):
    strengths = maplayers.address_strengths(analysis)
    weights = maplayers.default_weights(analysis)
    assert maplayers.address_markers(role, analysis, strengths, weights, top_n=50).empty


def test_markers_name_only_the_factors_the_role_may_see_by_their_dutch_title(analysis):
    strengths = maplayers.address_strengths(analysis)
    weights = maplayers.default_weights(analysis)
    titles = {spec.name: spec.title for spec in analysis.specs}
    police = maplayers.address_markers("police", analysis, strengths, weights, top_n=10)
    municipality = maplayers.address_markers("municipality", analysis, strengths, weights, top_n=10)
    named = {title for factors in municipality["factors"] for title, _ in factors}
    assert titles["energy"] in {title for factors in police["factors"] for title, _ in factors}
    assert titles["energy"] not in named
    assert named <= set(titles.values())
    assert list(police["address_id"]) == list(analysis.scores.table["address_id"].head(10))
    assert police["score"].round(1).equals(police["score"])


def test_the_what_if_of_a_role_leaves_out_what_it_may_not_see(analysis):
    assert "energy" in maplayers.what_if_factors("police", analysis)
    assert "energy" not in maplayers.what_if_factors("municipality", analysis)
    assert maplayers.what_if_factors("admin", analysis) == []


def test_the_png_colours_the_top_cells_and_leaves_the_rest_clear():
    from io import BytesIO

    from PIL import Image

    values = np.array([[np.nan, 0.0, 1.0, 2.0], [3.0, 4.0, 5.0, 100.0]])
    classes = maplayers.risk_classes(values)
    image = np.asarray(Image.open(BytesIO(maplayers.surface_png(values, classes))))
    alpha = image[..., 3]
    assert alpha[0, 0] == alpha[0, 1] == 0
    assert alpha[1, 3] > 0
    assert tuple(image[1, 3, :3]) == (0xBD, 0x00, 0x26)


def test_reports_are_shown_only_to_roles_that_may_see_them(analysis):
    assert len(maplayers.report_points("police", analysis)) > 0
    assert maplayers.report_points("ranger", analysis).empty


def test_report_labels_are_dutch_category_and_date(analysis):
    from buitengebied.presentation.labels import REPORT_CATEGORY_LABELS

    labels = maplayers.report_points("police", analysis)["label"]
    dutch = tuple(f"{word} (" for word in REPORT_CATEGORY_LABELS.values())
    assert labels.str.startswith(dutch).all()
    assert labels.str.fullmatch(r".+ \(\d{2}-\d{2}-\d{4}\)").all()
