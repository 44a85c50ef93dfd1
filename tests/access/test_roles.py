from buitengebied.access.roles import DUTCH_LABELS, ROLE_NAMES, Role, dutch_label, role_from
from buitengebied.evidence import layerspec


def test_every_role_has_a_dutch_label_and_the_issues_roles_are_there():
    assert set(DUTCH_LABELS) == set(Role)
    labels = {dutch_label(role) for role in Role}
    assert {"politie", "gemeente", "waterschap", "boswachter", "beheerder"} <= labels
    assert len(labels) == len(Role)


def test_the_layer_files_check_their_roles_against_the_one_enum():
    assert layerspec.ROLES == ROLE_NAMES == tuple(role.value for role in Role)
    assert "admin" in layerspec.ROLES


def test_role_from_knows_only_exact_identifiers():
    assert role_from("police") is Role.POLICE
    assert role_from(Role.ADMIN) is Role.ADMIN
    for unknown in ("Police", " police", "politie", "", None, 3, "root"):
        assert role_from(unknown) is None
