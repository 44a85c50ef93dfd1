"""Stage 6, planning: a patrol night from the ranking to routes for mixed teams.

- :mod:`~buitengebied.planning.teams`: the teams file (``TEAMS.toml``), read strictly;
- :mod:`~buitengebied.planning.roads`: travel times over the roads (NWB, OSM) or straight lines;
- :mod:`~buitengebied.planning.safety`: warnings per address, by configurable rules;
- :mod:`~buitengebied.planning.coverage`: recent visits discounted, coverage debt weighted;
- :mod:`~buitengebied.planning.green`: place stops for poaching, illegal fishing and litter;
- :mod:`~buitengebied.planning.solver`: prize-collecting team orienteering (OR-Tools);
- :mod:`~buitengebied.planning.plan`: the whole night, :func:`plan_patrol_night`.
"""
