"""Scoring outputs cut to what a role may see, before anything reaches a front.

The decisions are :mod:`buitengebied.access.permissions`'; this module applies them to
the explained ranking (:attr:`~buitengebied.scoring.fusion.RiskScores.table`) and to an
:class:`~buitengebied.scoring.analysis.Analysis`.  What a role may not see is removed,
not hidden: the ``contribution_<factor>`` column of a factor whose layer the role may not
see is dropped, its name is cut from ``top_factors``, its evidence and details are left
out, and a role without per-address evidence (rangers, the water board, the grid
operator, the administrator) gets no per-address table at all.  Columns this module does
not know are dropped too (deny by default).

``score`` and ``rank`` stay as fused from every factor: the roles that see addresses are
the ones that share the fused ranking.

A patrol plan is cut the same way (:func:`redact_plan`): a stop's safety warnings come
from police information, so a role that may not read them gets one sentence saying that
the stop has warnings and must be visited with the police, never their text.

It lives here, not in :mod:`buitengebied.access` (stage 0, so that the layer files can
check their roles against it), because it reads scoring's outputs (stage 4).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Final

import pandas as pd

from buitengebied.access.permissions import (
    Visible,
    may_see_address_evidence,
    may_see_safety_warnings,
    visible_factors,
)
from buitengebied.access.roles import Role
from buitengebied.planning.plan import PatrolPlan
from buitengebied.scoring.analysis import Analysis

#: Prefix of a factor's contribution column in the ranking table.
CONTRIBUTION_PREFIX: Final = "contribution_"
#: Columns of the ranking table that belong to no single factor.
_GENERAL_COLUMNS: Final = ("address_id", "score", "rank", "top_factors")
_FACTOR_SEPARATOR: Final = ";"
#: What a role that may not read safety warnings sees instead of them.
WITHHELD_WARNING: Final = (
    "veiligheidswaarschuwing: de inhoud is alleen voor de politie; bezoek alleen met politie"
)


@dataclass(frozen=True)
class RoleView:
    """What one role may see of an analysis.

    Attributes
    ----------
    factors : tuple of str
        The factors whose layer the role may see, in the analysis' order.
    ranking : pandas.DataFrame or None
        The redacted ranking (:func:`redact_for_role`); ``None`` for a role without
        per-address evidence.
    evidence : pandas.DataFrame or None
        Raw evidence of the visible factors per address, indexed by ``address_id``;
        ``None`` like ``ranking``.
    details : dict of str to pandas.DataFrame
        Explaining columns of the visible factors; empty like ``ranking``.
    """

    factors: tuple[str, ...]
    ranking: pd.DataFrame | None
    evidence: pd.DataFrame | None
    details: Mapping[str, pd.DataFrame] = field(default_factory=dict)


def redact_for_role(
    role: Role | str | None, specs: Iterable[Visible], table: pd.DataFrame
) -> pd.DataFrame | None:
    """Return the explained ranking as ``role`` may see it, or ``None`` if it may not.

    Parameters
    ----------
    role : Role, str or None
        The user's role; anything that is not a role gets ``None``.
    specs : iterable of LayerSpec
        The layer files of the factors; a factor without a spec is not visible.
    table : pandas.DataFrame
        ``address_id``, ``score``, ``rank``, ``top_factors`` and
        ``contribution_<factor>`` columns (:attr:`RiskScores.table`).

    Returns
    -------
    pandas.DataFrame or None
        A copy holding the general columns and the contributions of the visible factors,
        with ``top_factors`` naming only visible factors; ``None`` for a role without
        per-address evidence.
    """
    if not may_see_address_evidence(role):
        return None
    visible = visible_factors(role, specs)
    kept = [
        column
        for column in table.columns
        if column in _GENERAL_COLUMNS
        or (
            column.startswith(CONTRIBUTION_PREFIX)
            and column.removeprefix(CONTRIBUTION_PREFIX) in visible
        )
    ]
    redacted = table[kept].copy()
    if "top_factors" in redacted:
        redacted["top_factors"] = _keep_factors(redacted["top_factors"], visible)
    return redacted


def redact_analysis(role: Role | str | None, analysis: Analysis) -> RoleView:
    """Return what ``role`` may see of ``analysis`` (see :func:`redact_for_role`).

    The analysis' records (its dataset) are never part of the view.
    """
    visible = visible_factors(role, analysis.specs)
    factors = tuple(name for name in analysis.scores.factors if name in visible)
    ranking = redact_for_role(role, analysis.specs, analysis.scores.table)
    if ranking is None:
        return RoleView(factors=factors, ranking=None, evidence=None)
    raw = analysis.evidence.raw
    evidence = raw[[name for name in raw.columns if name in visible]].copy()
    details = {
        name: frame.copy() for name, frame in analysis.evidence.details.items() if name in visible
    }
    return RoleView(factors=factors, ranking=ranking, evidence=evidence, details=details)


def _keep_factors(labels: pd.Series, visible: frozenset[str]) -> pd.Series:
    """Cut the factors that are not ``visible`` from ``;``-separated factor names."""
    kept = {
        label: _FACTOR_SEPARATOR.join(
            name for name in str(label).split(_FACTOR_SEPARATOR) if name in visible
        )
        for label in labels.unique()
    }
    return labels.map(kept)


def redact_plan(role: Role | str | None, plan: PatrolPlan) -> PatrolPlan:
    """Return ``plan`` as ``role`` may see it: warnings withheld from non-police roles.

    Parameters
    ----------
    role : Role, str or None
        The user's role.
    plan : PatrolPlan
        The planned night, with every stop's warnings.

    Returns
    -------
    PatrolPlan
        ``plan`` itself for a role that may read safety warnings; otherwise a copy whose
        warned stops carry only :data:`WITHHELD_WARNING`.
    """
    if may_see_safety_warnings(role):
        return plan
    routes = tuple(
        replace(
            route,
            stops=tuple(
                replace(stop, warnings=(WITHHELD_WARNING,)) if stop.warnings else stop
                for stop in route.stops
            ),
        )
        for route in plan.routes
    )
    return replace(plan, routes=routes)
