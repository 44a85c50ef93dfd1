"""The whole role x layer matrix of the shipped layer files, written out from issue 9."""

from dataclasses import dataclass

import pytest

from buitengebied.access import permissions as perm
from buitengebied.access.roles import Role
from buitengebied.evidence.layerspec import load_layer_specs

# Who may see each shipped layer's raw records (issue 9, "Need-to-know"): rangers and the
# water board see what they find in the field (dumpings) and no energy data or police
# information; the grid operator sees its own energy data; the administrator manages
# accounts and sees no data at all.
P, M, W, R, B, G, A, ADM = (
    Role.POLICE,
    Role.MUNICIPALITY,
    Role.WATER_BOARD,
    Role.RANGER,
    Role.BOA,
    Role.GRID_OPERATOR,
    Role.ANALYST,
    Role.ADMIN,
)
EXPECTED_LAYERS = {
    #                    police municipality water_board ranger boa grid_operator analyst admin
    "dumpings": {P: 1, M: 1, W: 1, R: 1, B: 1, G: 0, A: 1, ADM: 0},
    "energy": {P: 1, M: 0, W: 0, R: 0, B: 0, G: 1, A: 1, ADM: 0},
    "inspections": {P: 1, M: 1, W: 0, R: 0, B: 0, G: 0, A: 1, ADM: 0},
    "inspection_finds": {P: 1, M: 1, W: 0, R: 0, B: 0, G: 0, A: 1, ADM: 0},
    "inspection_nothing": {P: 1, M: 1, W: 0, R: 0, B: 0, G: 0, A: 1, ADM: 0},
    # The premises read the vacancy register: seen by whom the register is.
    "premises": {P: 1, M: 1, W: 0, R: 0, B: 1, G: 0, A: 1, ADM: 0},
    "remoteness": {P: 1, M: 1, W: 1, R: 1, B: 1, G: 1, A: 1, ADM: 0},
    "reports": {P: 1, M: 1, W: 0, R: 0, B: 1, G: 0, A: 1, ADM: 0},
    "vacant_buildings": {P: 1, M: 1, W: 0, R: 0, B: 1, G: 0, A: 1, ADM: 0},
}
EXPECTED_CAPABILITIES = {
    #                          police municipality water_board ranger boa grid analyst admin
    perm.may_see_address_evidence: {P: 1, M: 1, W: 0, R: 0, B: 1, G: 0, A: 1, ADM: 0},
    perm.may_see_cell_risk: {P: 1, M: 1, W: 1, R: 1, B: 1, G: 0, A: 1, ADM: 0},
    perm.may_submit_report: {P: 1, M: 1, W: 1, R: 1, B: 1, G: 0, A: 0, ADM: 0},
    perm.may_manage_users: {P: 0, M: 0, W: 0, R: 0, B: 0, G: 0, A: 0, ADM: 1},
    perm.may_plan_patrols: {P: 1, M: 1, W: 0, R: 0, B: 1, G: 0, A: 1, ADM: 0},
    perm.may_see_safety_warnings: {P: 1, M: 0, W: 0, R: 0, B: 0, G: 0, A: 0, ADM: 0},
    perm.may_record_outcomes: {P: 1, M: 1, W: 0, R: 0, B: 1, G: 0, A: 0, ADM: 0},
}
UNKNOWN_ROLES = (None, "", "politie", "Police", "root", "admin ")


@dataclass(frozen=True)
class Spec:
    name: str
    visible_to: tuple[str, ...]


def test_the_shipped_layers_are_the_expected_ones():
    assert sorted(spec.name for spec in load_layer_specs()) == sorted(EXPECTED_LAYERS)


@pytest.mark.parametrize("role", list(Role))
def test_role_x_layer_matrix_of_the_shipped_layer_files(role):
    specs = load_layer_specs()
    seen = {spec.name: int(perm.may_see_layer(role, spec)) for spec in specs}
    assert seen == {name: row[role] for name, row in EXPECTED_LAYERS.items()}
    assert [s.name for s in perm.visible_layers(role, specs)] == [
        s.name for s in specs if EXPECTED_LAYERS[s.name][role]
    ]
    assert perm.visible_factors(role, specs) == {
        n for n, row in EXPECTED_LAYERS.items() if row[role]
    }


def test_the_matrix_speaks_the_issues_rules():
    specs = {spec.name: spec for spec in load_layer_specs()}
    assert not perm.may_see_layer(Role.RANGER, specs["energy"])
    assert not perm.may_see_layer(Role.RANGER, specs["inspections"])
    assert not perm.may_see_address_evidence(Role.RANGER)
    assert perm.may_see_cell_risk(Role.RANGER) and perm.may_submit_report(Role.RANGER)
    assert perm.visible_layers(Role.ADMIN, specs.values()) == []


@pytest.mark.parametrize("check", list(EXPECTED_CAPABILITIES), ids=lambda f: f.__name__)
@pytest.mark.parametrize("role", list(Role))
def test_capabilities_per_role(check, role):
    assert check(role) is bool(EXPECTED_CAPABILITIES[check][role])
    assert check(role.value) is check(role)


@pytest.mark.parametrize("role", UNKNOWN_ROLES)
def test_an_unknown_role_is_denied_everything(role):
    everyone = Spec("open", tuple(r.value for r in Role) + ("politie", "root", ""))
    assert not perm.may_see_layer(role, everyone)
    assert perm.visible_layers(role, [everyone]) == []
    assert all(not check(role) for check in EXPECTED_CAPABILITIES)


def test_a_layer_nobody_is_listed_for_is_seen_by_nobody():
    hidden = Spec("hidden", ())
    assert not any(perm.may_see_layer(role, hidden) for role in Role)


EXPECTED_IMPORTS = {
    #              police municipality water_board ranger boa grid analyst admin
    "reports": {P: 1, M: 1, W: 1, R: 1, B: 1, G: 0, A: 0, ADM: 0},
    "inspections": {P: 1, M: 1, W: 0, R: 0, B: 1, G: 0, A: 0, ADM: 0},
    "energy": {P: 0, M: 0, W: 0, R: 0, B: 0, G: 0, A: 0, ADM: 0},
    "addresses": {P: 0, M: 0, W: 0, R: 0, B: 0, G: 0, A: 0, ADM: 0},
}


@pytest.mark.parametrize("layer", list(EXPECTED_IMPORTS))
@pytest.mark.parametrize("role", [*Role, *UNKNOWN_ROLES])
def test_who_may_import_which_layer(layer, role):
    expected = bool(EXPECTED_IMPORTS[layer].get(role, 0)) if isinstance(role, Role) else False
    assert perm.may_import_layer(role, layer) is expected
