"""Stage 3, evidence: each layer file (``buitengebied/layers/*.toml``) turns records into a number per address.

- :mod:`~buitengebied.evidence.layerspec`: the declarative layer files;
- :mod:`~buitengebied.evidence.features`: the methods (kernel density, nearest, linked, ...);
- :mod:`~buitengebied.evidence.density`: binned FFT kernel densities;
- :mod:`~buitengebied.evidence.energy`: electricity-use anomalies.
"""
