"""Safety before the visit: warnings per address from the evidence, by configurable rules.

In Bronckhorst every address was first "run through the systems" before a team rang the
bell. The rules (packaged ``safety.toml``, or a file of the same form given with
``--safety-rules``) say which records raise a warning: reports of strange vehicles,
comings and goings or a chemical smell near the address, an earlier confirmed find at it,
a dumping of chemical drug waste close by. Each rule has a distance (``within_m``) and a
look-back (``lookback_days`` before ``--as-of``). A warned address only goes to a team with
police; the plan names the warnings per stop. Place stops (green themes) are public
outdoor spots and get no address checks.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from buitengebied.contract import CONFIRMED_FINDS, LAYER_SCHEMAS, REPORT_CATEGORIES, WASTE_TYPES
from buitengebied.dataset import Dataset
from buitengebied.errors import BuitengebiedError
from buitengebied.planning._messages import choice_hint
from buitengebied.settings import LOCAL_TIMEZONE

_RULE_KEYS: Final = (
    "name",
    "label",
    "layer",
    "within_m",
    "lookback_days",
    "categories",
    "waste_types",
    "outcomes",
)
_LAYERS: Final = ("reports", "dumpings", "inspections")
#: Which column each layer's value filter reads, and its allowed values.
_FILTERS: Final = {
    "reports": ("categories", "category", REPORT_CATEGORIES),
    "dumpings": ("waste_types", "waste_type", WASTE_TYPES),
    "inspections": (
        "outcomes",
        "outcome",
        LAYER_SCHEMAS["inspections"].column("outcome").categories,
    ),
}


class SafetyRulesError(BuitengebiedError, ValueError):
    """A safety rules file is malformed; the message lists every problem."""


@dataclass(frozen=True)
class SafetyRule:
    """One check: records of ``layer`` with ``values`` within ``within_m``, lately.

    Attributes
    ----------
    name : str
        Identifier.
    label : str
        The warning as the plan shows it.
    layer : str
        ``reports``, ``dumpings`` or ``inspections`` (at the address itself).
    within_m : float
        Distance from the address (0 for inspections).
    lookback_days : float
        How far before ``--as-of`` records count.
    values : tuple of str
        Categories, waste types or outcomes that count; empty: all.
    """

    name: str
    label: str
    layer: str
    within_m: float
    lookback_days: float
    values: tuple[str, ...]


def default_safety_rules() -> list[SafetyRule]:
    """Return the packaged rules (``buitengebied/planning/safety.toml``)."""
    text = resources.files("buitengebied.planning").joinpath("safety.toml").read_text("utf-8")
    return parse_safety_rules(text, source="safety.toml (packaged)")


def load_safety_rules(path: Path) -> list[SafetyRule]:
    """Read a safety rules file of the packaged form.

    Parameters
    ----------
    path : Path
        A TOML file of ``[[rule]]`` tables.

    Returns
    -------
    list of SafetyRule

    Raises
    ------
    SafetyRulesError
        Unreadable or malformed; every problem named.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SafetyRulesError(f"{path}: cannot read the safety rules ({exc})") from exc
    return parse_safety_rules(text, source=str(path))


def parse_safety_rules(text: str, *, source: str) -> list[SafetyRule]:
    """Parse safety rules (see the packaged ``safety.toml`` for the keys).

    Parameters
    ----------
    text : str
        TOML text.
    source : str
        How messages name the file.

    Returns
    -------
    list of SafetyRule

    Raises
    ------
    SafetyRulesError
        Every problem, in one message.
    """
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SafetyRulesError(f"{source}: not valid TOML ({exc})") from exc
    problems: list[str] = [
        f"{source}: {key}: unknown key{choice_hint(key, ['rule'])}"
        for key in document
        if key != "rule"
    ]
    tables = document.get("rule", [])
    if not isinstance(tables, list):
        problems.append(f"{source}: rule: expected [[rule]] tables")
        tables = []
    rules = [_rule(f"{source}: rule {i}", table, problems) for i, table in enumerate(tables, 1)]
    if problems:
        raise SafetyRulesError("\n  ".join([f"{source}: rejected:", *problems]))
    return [rule for rule in rules if rule is not None]


def _rule(where: str, table: Any, problems: list[str]) -> SafetyRule | None:
    if not isinstance(table, dict):
        problems.append(f"{where}: expected a table")
        return None
    before = len(problems)
    for key in table:
        if key not in _RULE_KEYS:
            problems.append(f"{where}: {key}: unknown key{choice_hint(key, _RULE_KEYS)}")
    name, label, layer = (table.get(key) for key in ("name", "label", "layer"))
    for key, value in (("name", name), ("label", label)):
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}: {key}: expected a non-empty text")
    if layer not in _LAYERS:
        problems.append(f"{where}: layer: {layer!r}{choice_hint(str(layer), _LAYERS)}")
        return None
    within = table.get("within_m", 0 if layer == "inspections" else None)
    lookback = table.get("lookback_days")
    for key, value in (("within_m", within), ("lookback_days", lookback)):
        if not isinstance(value, int | float) or isinstance(value, bool) or not value >= 0:
            problems.append(f"{where}: {key}: expected a number >= 0, got {value!r}")
    values = _values(where, layer, table, problems)
    if len(problems) > before:
        return None
    assert isinstance(name, str) and isinstance(label, str)
    assert isinstance(within, int | float) and isinstance(lookback, int | float)
    return SafetyRule(name, label, layer, float(within), float(lookback), values)


def _values(where: str, layer: str, table: dict[str, Any], problems: list[str]) -> tuple[str, ...]:
    key, _, allowed = _FILTERS[layer]
    for other, (other_key, _, _) in _FILTERS.items():
        if other != layer and other_key in table:
            problems.append(f"{where}: {other_key}: only for layer {other}")
    default = list(CONFIRMED_FINDS) if layer == "inspections" else []
    values = table.get(key, default)
    if not isinstance(values, list):
        problems.append(f"{where}: {key}: expected a list")
        return ()
    for value in values:
        if value not in allowed:
            problems.append(f"{where}: {key}: {value!r}{choice_hint(str(value), allowed)}")
    return tuple(values)


def address_warnings(
    dataset: Dataset,
    address_ids: Sequence[str],
    *,
    as_of: pd.Timestamp,
    rules: Sequence[SafetyRule],
) -> dict[str, tuple[str, ...]]:
    """Return the warnings of each address, by the rules, from records known at ``as_of``.

    Parameters
    ----------
    dataset : Dataset
        Records known at ``as_of`` (see :func:`buitengebied.load.timefilter.known_at`).
    address_ids : sequence of str
        The addresses to check.
    as_of : pandas.Timestamp
        The look-backs count back from here.
    rules : sequence of SafetyRule
        The checks.

    Returns
    -------
    dict of str to tuple of str
        Per address its warnings (one per matching rule), empty when none.
    """
    addresses = dataset.addresses.set_index("address_id").loc[list(address_ids)]
    points = shapely.get_coordinates(addresses.geometry.to_numpy())
    warnings: dict[str, list[str]] = {address_id: [] for address_id in addresses.index}
    for rule in rules:
        records = _recent(dataset, rule, as_of)
        if records is None or len(records) == 0:
            continue
        for address_id, (count, last) in _matches(rule, records, addresses.index, points).items():
            warnings[address_id].append(_text(rule, count, last))
    return {address_id: tuple(texts) for address_id, texts in warnings.items()}


def _recent(dataset: Dataset, rule: SafetyRule, as_of: pd.Timestamp) -> pd.DataFrame | None:
    frame = dataset.layer(rule.layer)
    if frame is None:
        return None
    schema = LAYER_SCHEMAS[rule.layer]
    assert schema.time_column is not None
    moments = frame[schema.time_column]
    keep = (moments < as_of) & (moments >= as_of - pd.Timedelta(days=rule.lookback_days))
    if rule.values:
        column = _FILTERS[rule.layer][1]
        if column not in frame:
            return None
        keep &= frame[column].astype("string").str.lower().isin(rule.values).fillna(False)
    return frame[keep.to_numpy(dtype=bool)]


def _matches(
    rule: SafetyRule, records: pd.DataFrame, address_ids: pd.Index, points: np.ndarray
) -> dict[str, tuple[int, pd.Timestamp]]:
    moments = records[LAYER_SCHEMAS[rule.layer].time_column]
    if rule.layer == "inspections":
        grouped = moments.groupby(records["address_id"].astype(str)).agg(["count", "max"])
        grouped = grouped[grouped.index.isin(address_ids)]
        return {str(i): (int(row["count"]), row["max"]) for i, row in grouped.iterrows()}
    tree = cKDTree(shapely.get_coordinates(records.geometry.to_numpy()))
    found: dict[str, tuple[int, pd.Timestamp]] = {}
    values = moments.to_numpy()
    nearby = tree.query_ball_point(points, r=rule.within_m)
    for address_id, near in zip(address_ids, nearby, strict=True):
        if near:
            found[str(address_id)] = (len(near), pd.Timestamp(values[near].max()))
    return found


def _text(rule: SafetyRule, count: int, last: pd.Timestamp) -> str:
    day = last.tz_convert(LOCAL_TIMEZONE).date().isoformat()
    where = "" if rule.layer == "inspections" else f" binnen {rule.within_m:g} m"
    return f"{rule.label}: {count}x{where}, laatst {day}"
