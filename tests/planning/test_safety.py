"""Safety warnings per address, by the packaged rules or a file of the same form."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import HOT_ADDRESS
from planning_world import AS_OF, planning_dir, planning_world  # noqa: F401

from buitengebied.dataset import Dataset
from buitengebied.load.timefilter import known_at
from buitengebied.planning.safety import (
    SafetyRulesError,
    address_warnings,
    default_safety_rules,
    load_safety_rules,
    parse_safety_rules,
)
from buitengebied.timeutil import parse_as_of

FIND_ADDRESS = "0000000000000002"  # cannabis_grow on 2025-02-01
QUIET_ADDRESS = "0000000000000035"  # the far corner of the grid


def _warnings(
    dataset: Dataset, as_of: str, rules: list | None = None
) -> dict[str, tuple[str, ...]]:
    moment = parse_as_of(as_of)
    ids = list(dataset.addresses["address_id"])
    rules = rules if rules is not None else default_safety_rules()
    return address_warnings(known_at(dataset, moment), ids, as_of=moment, rules=rules)


def test_default_rules_warn_of_reports_finds_and_dumpings(
    planning_world: tuple[Dataset, pd.DataFrame],
) -> None:
    dataset, _ = planning_world
    warnings = _warnings(dataset, AS_OF)
    # Report R2 (comings and goings) lies 150 m from the hot address.
    assert any("af-en-aanrijden" in w and "laatst 2025-09-20" in w for w in warnings[HOT_ADDRESS])
    assert any("eerdere vondst" in w for w in warnings[FIND_ADDRESS])
    assert warnings[QUIET_ADDRESS] == ()


def test_records_after_as_of_or_past_the_look_back_do_not_warn(
    planning_world: tuple[Dataset, pd.DataFrame],
) -> None:
    dataset, _ = planning_world
    before = _warnings(dataset, "2025-02-01")  # the find is dated that day: not known yet
    assert not any("eerdere vondst" in w for w in before[FIND_ADDRESS])
    long_after = _warnings(dataset, "2031-01-01")  # past every look-back
    assert all(not w for w in long_after.values())


def test_rules_are_configurable(planning_world: tuple[Dataset, pd.DataFrame]) -> None:
    dataset, _ = planning_world
    rules = parse_safety_rules(
        """
[[rule]]
name = "litter_near"
label = "afval gemeld"
layer = "reports"
categories = ["litter"]
within_m = 100
lookback_days = 400
""",
        source="mine.toml",
    )
    warnings = _warnings(dataset, AS_OF, rules)
    flagged = [a for a, w in warnings.items() if w]
    assert flagged == ["0000000000000000"]  # report R3 lies on address 0
    assert warnings["0000000000000000"][0].startswith("afval gemeld: 1x binnen 100 m")


def test_bad_rules_are_refused_with_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        """
[[rule]]
name = "x"
label = "x"
layer = "report"
[[rule]]
name = "y"
label = "y"
layer = "dumpings"
within = 5
lookback_days = -1
waste_types = ["barels"]
categories = ["litter"]
""",
        encoding="utf-8",
    )
    with pytest.raises(SafetyRulesError) as caught:
        load_safety_rules(path)
    message = str(caught.value)
    assert "rule 1: layer: 'report'; did you mean 'reports'" in message
    assert "rule 2: within: unknown key; did you mean 'within_m'" in message
    assert "lookback_days: expected a number >= 0" in message
    assert "'barels'; did you mean 'barrels'" in message
    assert "categories: only for layer reports" in message
