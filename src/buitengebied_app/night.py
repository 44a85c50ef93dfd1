"""Where the app keeps the plans of patrol nights: a folder beside the store.

Each plan is written once into its own folder (``<night>_<moment made>``), never over an
earlier one, so that the outcomes of a night can always be laid beside the plan that sent
the teams out.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from buitengebied.planning.outcomes import NightPlan
from buitengebied.planning.plan import PatrolPlan
from buitengebied.presentation.patrol_plan import read_night_plan, write_plan
from buitengebied.settings import LOCAL_TIMEZONE
from buitengebied_app.config import app_config


def plans_folder() -> Path:
    """Return the folder of saved plans (beside the store; created when needed)."""
    folder = app_config().store_path.parent / "plans"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_plan(plan: PatrolPlan) -> Path:
    """Write ``plan`` into a new folder of :func:`plans_folder`; return the folder."""
    made = pd.Timestamp.now(tz=LOCAL_TIMEZONE).strftime("%Y%m%dT%H%M%S%f")
    target = plans_folder() / f"{plan.night.isoformat()}_{made}"
    write_plan(plan, target)
    return target


def saved_plans() -> list[tuple[Path, NightPlan]]:
    """Return every complete saved plan, newest night first (incomplete folders skipped)."""
    found = []
    for folder in sorted(plans_folder().iterdir(), reverse=True):
        if (folder / "plan.json").is_file() and (folder / "plan.gpkg").is_file():
            found.append((folder, read_night_plan(folder)))
    return found


def plan_label(folder: Path, night: dt.date) -> str:
    """Return how a saved plan is named in a list: its night and when it was made."""
    made = folder.name.split("_", 1)[-1]
    return f"nacht van {night.strftime('%d-%m-%Y')} (gemaakt {made[6:8]}-{made[4:6]} {made[9:11]}:{made[11:13]})"
