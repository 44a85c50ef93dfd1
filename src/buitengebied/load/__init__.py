"""Stage 2, load: find a data directory's layer files, validate them, apply the time rules.

- :mod:`~buitengebied.load.directory`: which files are layers, reading and validating all of them;
- :mod:`~buitengebied.load.validate`: one layer's rows against its contract schema;
- :mod:`~buitengebied.load.timefilter`: what was known at ``--as-of``.
"""
