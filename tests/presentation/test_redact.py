"""What each role gets of the explained ranking: nothing of a layer it may not see."""

from dataclasses import dataclass

import pandas as pd
import pytest
from conftest import write_contract_dir

from buitengebied.access.permissions import may_see_address_evidence, visible_factors
from buitengebied.access.roles import Role
from buitengebied.evidence.layerspec import load_layer_specs
from buitengebied.load.directory import load_data_dir
from buitengebied.presentation.redact import redact_analysis, redact_for_role
from buitengebied.scoring.analysis import Analysis, analyse
from buitengebied.timeutil import parse_as_of

AS_OF = parse_as_of("2025-10-01")
WITHOUT_ADDRESSES = (Role.WATER_BOARD, Role.RANGER, Role.GRID_OPERATOR, Role.ADMIN)


@dataclass(frozen=True)
class Spec:
    name: str
    visible_to: tuple[str, ...]


SPECS = [
    Spec("energy", ("police",)),
    Spec("dumpings", ("police", "boa")),
]
TABLE = pd.DataFrame(
    {
        "address_id": ["0002", "0001", "0003"],
        "score": [3.0, 2.0, 0.0],
        "rank": [1, 2, 3],
        "top_factors": ["energy;dumpings", "dumpings;secret", ""],
        "contribution_energy": [2.0, 0.0, 0.0],
        "contribution_dumpings": [1.0, 1.5, 0.0],
        "contribution_secret": [0.0, 0.5, 0.0],
        "owner_name": ["a", "b", "c"],
    }
)


@pytest.fixture(scope="module")
def analysis(tmp_path_factory) -> Analysis:
    root = write_contract_dir(tmp_path_factory.mktemp("redact") / "data")
    return analyse(load_data_dir(root), as_of=AS_OF, specs=load_layer_specs())


def test_a_factor_the_role_may_not_see_is_removed_not_hidden():
    boa = redact_for_role(Role.BOA, SPECS, TABLE)
    kept = ["address_id", "score", "rank", "top_factors", "contribution_dumpings"]
    expected = TABLE[kept].assign(top_factors=["dumpings", "dumpings", ""])
    pd.testing.assert_frame_equal(boa, expected)


def test_a_factor_without_a_layer_file_and_unknown_columns_are_denied():
    police = redact_for_role("police", SPECS, TABLE)
    assert list(police.columns) == [
        "address_id",
        "score",
        "rank",
        "top_factors",
        "contribution_energy",
        "contribution_dumpings",
    ]
    assert list(police["top_factors"]) == ["energy;dumpings", "dumpings", ""]
    assert "contribution_secret" in TABLE  # the input is left as it was


@pytest.mark.parametrize("role", [*WITHOUT_ADDRESSES, None, "politie", "root"])
def test_roles_without_address_evidence_get_no_table(role):
    assert redact_for_role(role, SPECS, TABLE) is None


@pytest.mark.parametrize("role", list(Role))
def test_no_role_gets_any_column_or_value_of_a_layer_it_may_not_see(analysis, role):
    view = redact_analysis(role, analysis)
    visible = visible_factors(role, analysis.specs)
    hidden = set(analysis.scores.factors) - visible
    assert view.factors == tuple(f for f in analysis.scores.factors if f in visible)
    if not may_see_address_evidence(role):
        assert (view.ranking, view.evidence, dict(view.details)) == (None, None, {})
        return
    table = view.ranking
    assert len(table) == len(analysis.scores.table)
    assert not {f"contribution_{f}" for f in hidden} & set(table.columns)
    assert {f"contribution_{f}" for f in visible} <= set(table.columns)
    named = {name for label in table["top_factors"] for name in label.split(";") if name}
    assert named <= visible
    assert set(view.evidence.columns) == visible
    assert set(view.details) <= visible


def test_the_fixture_puts_hidden_factors_in_the_explanations(analysis):
    # Without this the test above could not fail for the municipality and the BOA.
    labels = " ".join(analysis.scores.table["top_factors"])
    assert "energy" in labels
    assert "energy" in analysis.evidence.details
    municipality = redact_analysis(Role.MUNICIPALITY, analysis)
    assert "energy" not in " ".join(municipality.ranking["top_factors"])
    assert "energy" not in municipality.details


def test_a_role_that_sees_every_layer_gets_the_whole_table(analysis):
    view = redact_analysis(Role.ANALYST, analysis)
    pd.testing.assert_frame_equal(view.ranking, analysis.scores.table)
    pd.testing.assert_frame_equal(view.evidence, analysis.evidence.raw)
