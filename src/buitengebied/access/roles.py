"""The roles of the users, with their Dutch labels for the user interface.

A layer file lists the roles that may see its raw records in ``visible_to``, by their
English identifier (``"police"``); the app shows :data:`DUTCH_LABELS`.  Anything that is
not a :class:`Role` is no role at all and is denied everything (see
:mod:`buitengebied.access.permissions`).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final


class Role(StrEnum):
    """What a user is allowed to know, by the organisation they work for.

    ``water_board``, ``ranger`` and ``boa`` are the issue's *waterschap/groene partijen*:
    the water board, rangers (and hunters) of nature organisations, and their special
    investigating officers (BOA's).  ``admin`` (*beheerder*) manages the accounts.
    """

    POLICE = "police"
    MUNICIPALITY = "municipality"
    WATER_BOARD = "water_board"
    RANGER = "ranger"
    BOA = "boa"
    GRID_OPERATOR = "grid_operator"
    ANALYST = "analyst"
    ADMIN = "admin"


#: Dutch label of every role, for the user interface.
DUTCH_LABELS: Final[Mapping[Role, str]] = MappingProxyType(
    {
        Role.POLICE: "politie",
        Role.MUNICIPALITY: "gemeente",
        Role.WATER_BOARD: "waterschap",
        Role.RANGER: "boswachter",
        Role.BOA: "BOA",
        Role.GRID_OPERATOR: "netbeheerder",
        Role.ANALYST: "analist",
        Role.ADMIN: "beheerder",
    }
)

#: Every role's identifier, in declaration order (what ``visible_to`` may list).
ROLE_NAMES: Final[tuple[str, ...]] = tuple(role.value for role in Role)


def role_from(value: object) -> Role | None:
    """Return the role named ``value``, or ``None`` when it names no role.

    Parameters
    ----------
    value : object
        A role, or its identifier (``"police"``); case and spaces count.

    Returns
    -------
    Role or None
        ``None`` for anything else, which every check denies.
    """
    if isinstance(value, Role):
        return value
    if isinstance(value, str) and value in ROLE_NAMES:
        return Role(value)
    return None


def dutch_label(role: Role) -> str:
    """Return the Dutch label of ``role`` for the user interface (``"politie"``)."""
    return DUTCH_LABELS[role]
