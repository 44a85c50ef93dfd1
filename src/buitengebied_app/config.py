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


@dataclass(frozen=True)
class AppConfig:
    """The data folder (read only), the store and whether demo accounts exist."""

    data_dir: Path
    store_path: Path
    demo_accounts: bool


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
    )
