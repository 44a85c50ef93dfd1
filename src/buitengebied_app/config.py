"""Where the app's data lives: set by the administrator at start-up, never by a visitor.

The launcher (``buitengebied app``) passes the data folder and the store through the
environment of the Streamlit server; a page reads them with :func:`app_config`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DATA_DIR_VARIABLE = "BUITENGEBIED_DATA_DIR"
STORE_VARIABLE = "BUITENGEBIED_STORE"
DEMO_VARIABLE = "BUITENGEBIED_DEMO_ACCOUNTS"
AS_OF_VARIABLE = "BUITENGEBIED_AS_OF"
BASEMAP_VARIABLE = "BUITENGEBIED_BASEMAP"
MARKERS_VARIABLE = "BUITENGEBIED_MARKERS"
TEAMS_VARIABLE = "BUITENGEBIED_TEAMS"
#: Addresses drawn as markers on the map when the launcher does not say.
DEFAULT_MARKERS = 250


@dataclass(frozen=True)
class AppConfig:
    """The data folder (read only), the store and how the map is drawn.

    Attributes
    ----------
    data_dir : Path
        The data folder (read only).
    store_path : Path
        The SQLite store.
    demo_accounts : bool
        The demo accounts exist (bundled demo data only).
    as_of : str or None
        Moment of the ranking (ISO); ``None`` for now.
    basemap : str
        ``none`` (no request leaves the machine), ``brt`` or ``luchtfoto`` (PDOK WMTS).
    markers : int
        How many of the riskiest addresses are drawn as markers.
    teams_file : Path or None
        The teams file the Patrouillenacht page starts from.
    """

    data_dir: Path
    store_path: Path
    demo_accounts: bool
    as_of: str | None = None
    basemap: str = "none"
    markers: int = DEFAULT_MARKERS
    teams_file: Path | None = None


def app_config() -> AppConfig:
    """Return the configuration the launcher put in the environment.

    Raises
    ------
    RuntimeError
        The app was started without the launcher (no data folder configured).
    """
    data_dir = os.environ.get(DATA_DIR_VARIABLE)
    store = os.environ.get(STORE_VARIABLE)
    if not data_dir or not store:
        raise RuntimeError(
            f"start the app with `buitengebied app DATA_DIR --store STORE` "
            f"({DATA_DIR_VARIABLE} and {STORE_VARIABLE} are not set)"
        )
    return AppConfig(
        data_dir=Path(data_dir),
        store_path=Path(store),
        demo_accounts=os.environ.get(DEMO_VARIABLE) == "1",
        as_of=os.environ.get(AS_OF_VARIABLE) or None,
        basemap=os.environ.get(BASEMAP_VARIABLE) or "none",
        markers=int(os.environ.get(MARKERS_VARIABLE) or DEFAULT_MARKERS),
        teams_file=Path(teams) if (teams := os.environ.get(TEAMS_VARIABLE)) else None,
    )
