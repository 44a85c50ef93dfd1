"""Every permission check of buitengebied, deny by default.

Pages, exports and the CLI ask these functions; none decides on its own.  A role that is
not a :class:`~buitengebied.access.roles.Role` (a typo, a revoked role read as ``None``)
is denied everything.

Raw records of a layer
    Only the roles its layer file lists in ``visible_to`` (:func:`may_see_layer`).
Per-address evidence (the explained ranking, an address's popup, exports of addresses)
    Police, municipality, BOA and analyst (:func:`may_see_address_evidence`); of it they
    see only the factors whose layer they may see
    (:mod:`buitengebied.presentation.redact`).  Rangers, the water board and the grid
    operator see no address at all, the administrator neither.
The fused risk per grid cell
    Every field and analysis role (:func:`may_see_cell_risk`), not the grid operator (who
    supplies energy data) nor the administrator.
Field reports
    Police, municipality, water board, ranger and BOA submit them and see their own
    (:func:`may_submit_report`).
Accounts
    Only the administrator (:func:`may_manage_users`).
Patrol nights
    Planning one is choosing addresses, so the roles with per-address evidence plan
    (:func:`may_plan_patrols`); the teams that go out (police, municipality, BOA) record
    the outcomes (:func:`may_record_outcomes`). The safety warnings of a stop come from
    police information and are shown to the police only (:func:`may_see_safety_warnings`);
    others see that a stop has a warning, not what it says.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, Protocol, TypeVar

from buitengebied.access.roles import Role, role_from

_ADDRESS_EVIDENCE: Final = frozenset({Role.POLICE, Role.MUNICIPALITY, Role.BOA, Role.ANALYST})
_CELL_RISK: Final = frozenset(
    {Role.POLICE, Role.MUNICIPALITY, Role.WATER_BOARD, Role.RANGER, Role.BOA, Role.ANALYST}
)
_REPORTERS: Final = frozenset(
    {Role.POLICE, Role.MUNICIPALITY, Role.WATER_BOARD, Role.RANGER, Role.BOA}
)
_USER_MANAGERS: Final = frozenset({Role.ADMIN})
_OUTCOME_RECORDERS: Final = frozenset({Role.POLICE, Role.MUNICIPALITY, Role.BOA})
_SAFETY_WARNING_READERS: Final = frozenset({Role.POLICE})


class Visible(Protocol):
    """What a permission check reads of a layer spec (:class:`~.layerspec.LayerSpec`)."""

    @property
    def name(self) -> str:
        """Factor name (the layer file's stem)."""
        ...

    @property
    def visible_to(self) -> tuple[str, ...]:
        """Roles that may see the layer's raw records."""
        ...


SpecT = TypeVar("SpecT", bound=Visible)


def may_see_layer(role: Role | str | None, spec: Visible) -> bool:
    """Return whether ``role`` may see the raw records (and the factor) of ``spec``.

    Parameters
    ----------
    role : Role, str or None
        The user's role; anything that is not a role is denied.
    spec : LayerSpec
        The layer file; its ``visible_to`` lists the roles allowed.

    Returns
    -------
    bool
        ``True`` only when the layer file lists the role.
    """
    known = role_from(role)
    return known is not None and known.value in spec.visible_to


def visible_layers(role: Role | str | None, specs: Iterable[SpecT]) -> list[SpecT]:
    """Return the specs whose layer ``role`` may see, in their order."""
    return [spec for spec in specs if may_see_layer(role, spec)]


def visible_factors(role: Role | str | None, specs: Iterable[Visible]) -> frozenset[str]:
    """Return the names of the factors whose layer ``role`` may see."""
    return frozenset(spec.name for spec in specs if may_see_layer(role, spec))


def may_see_address_evidence(role: Role | str | None) -> bool:
    """Return whether ``role`` may see evidence per address (ranking, popups, exports)."""
    return role_from(role) in _ADDRESS_EVIDENCE


def may_see_cell_risk(role: Role | str | None) -> bool:
    """Return whether ``role`` may see the fused risk per grid cell."""
    return role_from(role) in _CELL_RISK


def may_submit_report(role: Role | str | None) -> bool:
    """Return whether ``role`` may submit field reports and see its own."""
    return role_from(role) in _REPORTERS


def may_manage_users(role: Role | str | None) -> bool:
    """Return whether ``role`` may create, change and revoke accounts."""
    return role_from(role) in _USER_MANAGERS


def may_plan_patrols(role: Role | str | None) -> bool:
    """Return whether ``role`` may plan a patrol night (it shows addresses and scores)."""
    return may_see_address_evidence(role)


def may_see_safety_warnings(role: Role | str | None) -> bool:
    """Return whether ``role`` may read what a stop's safety warnings say."""
    return role_from(role) in _SAFETY_WARNING_READERS


def may_record_outcomes(role: Role | str | None) -> bool:
    """Return whether ``role`` may record the outcome of a visit (stored as an inspection)."""
    return role_from(role) in _OUTCOME_RECORDERS


def may_import_layer(role: Role | str | None, layer: str) -> bool:
    """Return whether ``role`` may import a file of ``layer`` into the store.

    Reports come from those who submit them (:func:`may_submit_report`); inspections from
    those who record visits (:func:`may_record_outcomes`); no other layer is imported.
    """
    if layer == "reports":
        return may_submit_report(role)
    if layer == "inspections":
        return may_record_outcomes(role)
    return False
