"""A world under construction: what the signal stages (waste, reports, inspections, energy) read."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from buitengebied_worlds.geography import Geography
from buitengebied_worlds.params import Window, WorldParams


@dataclass(frozen=True)
class Draft:
    """The world so far: parameters, period, land, addresses and sites, and the random stream.

    Attributes
    ----------
    params : WorldParams
        The world's parameters.
    window : Window
        The period the data cover.
    geography : Geography
        The land.
    premises : pandas.DataFrame
        The addresses with their hidden attributes.
    sites : pandas.DataFrame
        The sites (see :func:`buitengebied_worlds.sites.draw_sites`).
    rng : numpy.random.Generator
        The one random stream every stage draws from, in a fixed order.
    """

    params: WorldParams
    window: Window
    geography: Geography
    premises: pd.DataFrame
    sites: pd.DataFrame
    rng: np.random.Generator
