"""Stage 4, scoring and the model: evidence fused into an explained risk per address and cell.

- :mod:`~buitengebied.scoring.fusion`: expert fusion and explanation;
- :mod:`~buitengebied.scoring.analysis`: load -> known at as-of -> evidence -> scores;
- :mod:`~buitengebied.scoring.split`, :mod:`~buitengebied.scoring.estimator`,
  :mod:`~buitengebied.scoring.training`, :mod:`~buitengebied.scoring.choice`: the learned
  model (splitter, estimator, training set, model choice);
- :mod:`~buitengebied.scoring.ranking`: the ranking ``rank`` writes;
- :mod:`~buitengebied.scoring.surface`: the risk per grid cell.
"""
