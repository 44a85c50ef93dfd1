"""Coverage factors (recent visits, coverage debt) and place stops of the green themes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import HOT_ADDRESS
from planning_world import AS_OF, GREEN_SPOT, planning_dir, planning_world  # noqa: F401

from buitengebied.dataset import Dataset
from buitengebied.load.timefilter import known_at
from buitengebied.planning.coverage import coverage
from buitengebied.planning.green import green_places
from buitengebied.timeutil import parse_as_of


def _xy(dataset: Dataset, ids: list[str]) -> np.ndarray:
    located = dataset.addresses.set_index("address_id").loc[ids]
    return shapely.get_coordinates(located.geometry.to_numpy())


def test_recent_visit_discounts_and_neglected_areas_gain(
    planning_world: tuple[Dataset, pd.DataFrame],
) -> None:
    dataset, _ = planning_world
    # Address 2 was inspected on 2025-02-01; on 2025-03-01 that is recent.
    ids = ["0000000000000002", "0000000000000035", HOT_ADDRESS]
    moment = parse_as_of("2025-03-01")
    known = known_at(dataset, moment)
    cover = coverage(known, _xy(dataset, ids), list(ids), as_of=moment, strength=0.5)
    recent, far, hot = cover.factor
    assert cover.recently_visited.tolist() == [True, False, False]
    assert recent < 1.0 < far
    assert cover.new_area[1] and not cover.new_area[0]
    # The hot address (inspected 2023-03-01, two years back) lies in a neglected cell too.
    assert hot == pytest.approx(1.5)
    plain = coverage(known, _xy(dataset, ids), list(ids), as_of=moment, strength=0.0)
    assert np.all(plain.factor == 1.0)


def test_strength_out_of_range_is_refused(planning_world: tuple[Dataset, pd.DataFrame]) -> None:
    dataset, _ = planning_world
    with pytest.raises(ValueError, match=r"0\.\.1"):
        coverage(dataset, np.zeros((1, 2)), [None], as_of=parse_as_of(AS_OF), strength=2.0)


def test_place_stops_where_green_reports_gather(
    planning_world: tuple[Dataset, pd.DataFrame],
) -> None:
    dataset, _ = planning_world
    moment = parse_as_of(AS_OF)
    places = green_places(
        known_at(dataset, moment), ["poaching", "illegal_fishing", "litter"], as_of=moment
    )
    themes = sorted(p.theme for p in places)
    # Three poaching and two fishing reports gather at the spot; one litter report and
    # one far poaching report are no spot.
    assert themes == ["illegal_fishing", "poaching"]
    poaching = next(p for p in places if p.theme == "poaching")
    assert poaching.reports == 3
    assert np.hypot(poaching.x - GREEN_SPOT[0], poaching.y - GREEN_SPOT[1]) < 100
    assert poaching.place.startswith("Stroperij: 3 meldingen sinds 2025-08-01, rond Testweg")
    before = green_places(dataset, ["poaching"], as_of=parse_as_of("2025-08-10"))
    assert before == []  # one report at the spot was known then, and one far away
